import { _t } from "@web/core/l10n/translation";
import { PaymentInterface } from "@point_of_sale/app/utils/payment/payment_interface";
import { register_payment_method } from "@point_of_sale/app/services/pos_store";
import { ConnectionLostError, RPCError } from "@web/core/network/rpc";

// How often the POS asks Odoo for the daemon's word when the bus is silent.
export const COMPAGO_POLL_MS = 2000;

// The daemon's states that end a request: the line is then done (paid) or
// ready for a new attempt (every other one).
const FINAL = ["paid", "cancelled", "expired", "failed"];

/**
 * The Compago terminal: Send saves the order to Odoo and flags it through
 * pos.order.compago_send; the compago-connector daemon does the rest and
 * writes its state and message on the order, which reach this page through
 * the bus (COMPAGO_STATUS) or by polling compago_status. The page never
 * talks to Compago and holds no key: closing it loses nothing.
 */
export class PaymentCompago extends PaymentInterface {
    setup() {
        super.setup(...arguments);
        this.sending = {}; // line -> the Send in flight or waiting for the card
        this.asking = new Set(); // payment uuids whose compago_send has not answered yet
        this.resolvers = {}; // payment line uuid -> resolve of sendPaymentRequest
        this.timer = null;
    }

    // The cashier types the amount first: a part of the due (split tender).
    get fastPayments() {
        return false;
    }

    _line(uuid) {
        for (const order of this.pos.models["pos.order"].getAll()) {
            const line = order.payment_ids.find((l) => l.uuid === uuid);
            if (line) {
                return line;
            }
        }
    }

    /**
     * A double tap reaches here twice before the POS redraws: the second is
     * the same Send and gets the same answer. A second request would be
     * refused ("already in progress"), and its refusal shown over the live
     * one: the cashier would read "Transaction cancelled" while the card is
     * charged.
     */
    async sendPaymentRequest(uuid) {
        const line = this._line(uuid);
        if (line && this.sending[uuid]) {
            // Odoo's pay() has just set the line "waiting": put back where
            // the Send in flight is.
            if (line.compago_phase) {
                line.setPaymentStatus(line.compago_phase);
            }
            return this.sending[uuid];
        }
        const sent = this._compagoSend(...arguments);
        this.sending[uuid] = sent;
        try {
            return await sent;
        } finally {
            delete this.sending[uuid];
        }
    }

    async _compagoSend(uuid) {
        await super.sendPaymentRequest(...arguments);
        const line = this._line(uuid);
        const order = line.pos_order_id;
        line.compago = { message: _t("Saving the order in Odoo…"), state: "" };
        line.compago_phase = "waitingCapture";
        line.setPaymentStatus("waitingCapture");
        let status;
        this.asking.add(line.uuid);
        try {
            const orderId = await this._saveDraft(order);
            line.compago_order_id = orderId;
            status = await this.env.services.orm.silent.call("pos.order", "compago_send", [
                orderId,
                {
                    amount: line.getAmount(),
                    payment_method_id: this.payment_method_id.id,
                    payment_uuid: line.uuid,
                },
            ]);
        } catch (error) {
            line.compago = { message: this._errorSentence(error), state: "refused" };
            return false;
        } finally {
            this.asking.delete(line.uuid);
        }
        line.compago_phase = "waitingCard";
        line.setPaymentStatus("waitingCard");
        return new Promise((resolve) => {
            this.resolvers[line.uuid] = resolve;
            this.apply(status);
            this.watch();
        });
    }

    /**
     * Saves the order in Odoo as a draft and returns its id. Odoo keeps no
     * waiting line of a Compago method (the daemon's line is the one record
     * of a charge), so the answer of the sync is not loaded into the POS:
     * it would take the waiting line off the order. The POS's own sync at
     * validation finds the order by its uuid and the daemon's line by the
     * line's uuid; it sends the order's access token back, which Odoo's
     * update of a draft requires (the addon loads that field on 19).
     */
    async _saveDraft(order) {
        if (typeof order.id === "number" && !order.isDirty()) {
            return order.id;
        }
        await this.pos.preSyncAllOrders([order]);
        const serialized = order.serializeForORM({ keepCommands: true });
        const data = await this.pos.data.call("pos.order", "sync_from_ui", [[serialized]], {
            context: this.pos.getSyncAllOrdersContext([order]),
        });
        const id = data?.["pos.order"]?.[0]?.id;
        if (typeof id !== "number") {
            throw new ConnectionLostError();
        }
        return id;
    }

    /** Odoo's id of the order of a Compago line, asked by uuid when the POS has none. */
    async _orderId(order, line) {
        if (line.compago_order_id) {
            return line.compago_order_id;
        }
        if (typeof order.id === "number") {
            return order.id;
        }
        const ids = await this.env.services.orm.silent.search("pos.order", [["uuid", "=", order.uuid]]);
        if (ids.length) {
            line.compago_order_id = ids[0];
        }
        return ids[0];
    }

    _errorSentence(error) {
        if (error instanceof RPCError && error.data?.message) {
            // Odoo's refusal (a UserError of compago_send): its sentence is
            // already in the cashier's language.
            return error.data.message;
        }
        return _t(
            "Odoo cannot be reached, so the payment was not sent and nothing was charged. Check the connection, then press Send again."
        );
    }

    async sendPaymentCancel(order, uuid) {
        await super.sendPaymentCancel(...arguments);
        const line = this._line(uuid);
        if (!line) {
            return true;
        }
        try {
            const orderId = await this._orderId(order, line);
            if (!orderId) {
                return true;
            }
            const status = await this.env.services.orm.silent.call("pos.order", "compago_cancel", [
                orderId,
            ]);
            // The daemon has the last word: the card may have been charged
            // already. The line waits for it (see apply) and is never shown
            // cancelled over a charge.
            setTimeout(() => this.apply(status));
        } catch (error) {
            line.compago = { ...line.compago, message: this._errorSentence(error) };
        }
        return false;
    }

    /** Odoo's ids of the orders whose line of this method waits for the daemon (Send pressed, no final word). */
    async waitingOrderIds() {
        const ids = new Set();
        for (const order of this.pos.models["pos.order"].getAll()) {
            for (const line of order.payment_ids) {
                if (
                    line.payment_method_id?.id === this.payment_method_id.id &&
                    ["waiting", "waitingCard", "waitingCancel"].includes(line.payment_status)
                ) {
                    const id = await this._orderId(order, line);
                    if (id) {
                        ids.add(id);
                    }
                }
            }
        }
        return [...ids];
    }

    /**
     * After a reload or in a browser that never sent it: asks Odoo where
     * each draft order's Compago request is, puts back a waiting line Odoo
     * knows of and this POS does not (a closed tab, another browser), and
     * watches every waiting line.
     */
    async resume() {
        let ids = this.pos.models["pos.order"]
            .getAll()
            .filter((o) => typeof o.id === "number" && !o.finalized)
            .map((o) => o.id);
        try {
            ids = [...new Set([...ids, ...(await this.waitingOrderIds())])];
        } catch {
            // Odoo unreachable at start: the poll asks again.
        }
        if (ids.length) {
            let statuses = [];
            try {
                statuses = await this.env.services.orm.silent.call("pos.order", "compago_status", [
                    ids,
                ]);
            } catch {
                // Odoo unreachable at start: the lines this browser holds are still watched.
            }
            for (const status of statuses) {
                this._restoreLine(status);
                this.apply(status);
            }
        }
        this.watch();
    }

    _restoreLine(status) {
        const live = ["requested", "pending", "cancel_requested"];
        if (!status.payment_uuid || !live.includes(status.state) || this._line(status.payment_uuid)) {
            return;
        }
        const order = this.pos.models["pos.order"].get(status.id);
        if (!order || order.finalized) {
            return;
        }
        const methods = this.pos.config.payment_method_ids.filter(
            (pm) => pm.use_payment_terminal === "compago"
        );
        const method =
            methods.find((pm) => pm.compago_terminal && pm.compago_terminal === status.terminal) ||
            methods[0];
        if (method?.id !== this.payment_method_id.id) {
            return;
        }
        const line = this.pos.models["pos.payment"].create({
            pos_order_id: order,
            payment_method_id: method,
            uuid: status.payment_uuid,
            amount: status.amount,
        });
        line.setPaymentStatus("waitingCard");
    }

    /** Polls compago_status every COMPAGO_POLL_MS while a line waits. */
    watch() {
        if (this.timer) {
            return;
        }
        const tick = async () => {
            try {
                const ids = await this.waitingOrderIds();
                if (!ids.length) {
                    this.timer = null;
                    return;
                }
                const statuses = await this.env.services.orm.silent.call(
                    "pos.order",
                    "compago_status",
                    [ids]
                );
                for (const s of statuses) {
                    this.apply(s);
                }
            } catch (error) {
                // Odoo unreachable for a moment: the daemon goes on; ask again.
                console.warn("Compago: status not read", error);
            }
            this.timer = setTimeout(tick, COMPAGO_POLL_MS);
        };
        this.timer = setTimeout(tick, COMPAGO_POLL_MS);
    }

    /** Shows the daemon's word (a compago_status dict) on the line it is about. */
    apply(status) {
        if (!status || !status.payment_uuid) {
            return;
        }
        this.pos.compagoRelink();
        const line = this._line(status.payment_uuid);
        if (!line || line.payment_method_id?.id !== this.payment_method_id.id) {
            return;
        }
        if (["done", "reversed"].includes(line.payment_status) || line.payment_status === "retry") {
            return;
        }
        // A Send waiting for compago_send's answer takes its word from that
        // answer; and a word about an earlier request (a bus message that
        // came late, a poll's answer overtaken by Send's) is not about this
        // one: its "expired" would show the retried line cancelled while
        // the card is charged.
        if (this.asking.has(status.payment_uuid) || (status.request || 0) < (line.compago_request || 0)) {
            return;
        }
        line.compago_request = status.request || 0;
        line.compago = {
            state: status.state,
            message: status.message || "",
            // The app opens the intent that waits for the card: until the
            // daemon made this request's intent (requested, or held after
            // an ended one), Odoo still holds the previous intent's link.
            deeplink:
                this.payment_method_id.compago_same_device && status.state === "pending"
                    ? status.deeplink || ""
                    : "",
            intent_id: status.intent_id || "",
        };
        if (!FINAL.includes(status.state)) {
            return;
        }
        const paid = status.state === "paid";
        if (paid) {
            line.transaction_id = status.paid_line?.transaction_id || status.intent_id;
            line.compago.deeplink = "";
        }
        const resolve = this.resolvers[line.uuid];
        delete this.resolvers[line.uuid];
        if (resolve) {
            resolve(paid);
        } else {
            // After a reload no Send waits on this line: settle it here.
            line.setPaymentStatus(paid ? "done" : "retry");
        }
    }
}

register_payment_method("compago", PaymentCompago);
