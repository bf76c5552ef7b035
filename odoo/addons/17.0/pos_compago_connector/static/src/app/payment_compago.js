/** @odoo-module */
import { _t } from "@web/core/l10n/translation";
import { PaymentInterface } from "@point_of_sale/app/payment/payment_interface";
import { ConnectionLostError, RPCError } from "@web/core/network/rpc_service";

// How often the POS asks Odoo for the daemon's word when the bus is silent.
export const COMPAGO_POLL_MS = 2000;

// The daemon's states that end a request: the line is then done (paid) or
// ready for a new attempt (every other one).
const FINAL = ["paid", "cancelled", "expired", "failed"];

/**
 * The Compago terminal (17.0): Send saves the order to Odoo as a draft and
 * flags it through pos.order.compago_send; the compago-connector daemon
 * does the rest and writes its state and message on the order, which reach
 * this page through the bus (COMPAGO_STATUS) or by polling compago_status.
 * The page never talks to Compago and holds no key: closing it loses
 * nothing. 17's payment lines have no uuid: each Compago line gets one
 * (compago_uuid, kept with the order in the browser).
 */
export class PaymentCompago extends PaymentInterface {
    setup() {
        super.setup(...arguments);
        this.resolvers = {}; // payment line uuid -> resolve of send_payment_request
        this.timer = null;
    }

    _line(uuid) {
        for (const order of this.pos.orders) {
            const line = order.paymentlines.find((l) => l.compago_uuid === uuid);
            if (line) {
                return line;
            }
        }
    }

    async send_payment_request(cid) {
        await super.send_payment_request(...arguments);
        const order = this.pos.get_order();
        const line = order.paymentlines.find((l) => l.cid === cid);
        line.compago = { message: _t("Saving the order in Odoo…"), state: "" };
        line.set_payment_status("waitingCapture");
        let status;
        try {
            await this.pos._save_to_server([{ id: order.uid, data: order.export_as_JSON() }], {
                draft: true,
            });
            if (!order.server_id) {
                throw new ConnectionLostError();
            }
            status = await this.env.services.orm.silent.call("pos.order", "compago_send", [
                order.server_id,
                {
                    amount: line.get_amount(),
                    payment_method_id: this.payment_method.id,
                    payment_uuid: line.compago_uuid,
                },
            ]);
        } catch (error) {
            line.compago = { message: this._errorSentence(error), state: "refused" };
            return false;
        }
        line.set_payment_status("waitingCard");
        return new Promise((resolve) => {
            this.resolvers[line.compago_uuid] = resolve;
            this.apply(status);
            this.watch();
        });
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

    async send_payment_cancel(order, cid) {
        await super.send_payment_cancel(...arguments);
        const line = order.paymentlines.find((l) => l.cid === cid);
        if (!line || !order.server_id) {
            return true;
        }
        try {
            const status = await this.env.services.orm.silent.call("pos.order", "compago_cancel", [
                order.server_id,
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

    /** Lines of this method that wait for the daemon (Send pressed, no final word). */
    waitingLines() {
        const lines = [];
        for (const order of this.pos.orders) {
            for (const line of order.paymentlines) {
                if (
                    line.payment_method?.id === this.payment_method.id &&
                    ["waiting", "waitingCard", "waitingCancel"].includes(line.payment_status) &&
                    order.server_id
                ) {
                    lines.push(line);
                }
            }
        }
        return lines;
    }

    /** After a reload: watch every line sent before. */
    async resume() {
        this.watch();
    }

    /** Polls compago_status every COMPAGO_POLL_MS while a line waits. */
    watch() {
        if (this.timer) {
            return;
        }
        const tick = async () => {
            const lines = this.waitingLines();
            if (!lines.length) {
                this.timer = null;
                return;
            }
            const ids = [...new Set(lines.map((l) => l.order.server_id))];
            try {
                const statuses = await this.env.services.orm.silent.call(
                    "pos.order",
                    "compago_status",
                    [ids]
                );
                for (const s of statuses) {
                    this.apply(s);
                }
            } catch {
                // Odoo unreachable for a moment: the daemon goes on; ask again.
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
        const line = this._line(status.payment_uuid);
        if (!line || line.payment_method?.id !== this.payment_method.id) {
            return;
        }
        if (["done", "reversed", "retry"].includes(line.payment_status)) {
            return;
        }
        line.compago = {
            state: status.state,
            message: status.message || "",
            deeplink: this.payment_method.compago_same_device ? status.deeplink || "" : "",
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
        const resolve = this.resolvers[line.compago_uuid];
        delete this.resolvers[line.compago_uuid];
        if (resolve) {
            resolve(paid);
        } else {
            // After a reload no Send waits on this line: settle it here.
            line.set_payment_status(paid ? "done" : "retry");
        }
        line.order.save_to_db?.();
    }
}
