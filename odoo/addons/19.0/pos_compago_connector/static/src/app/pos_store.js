import { patch } from "@web/core/utils/patch";
import { PosStore } from "@point_of_sale/app/services/pos_store";

patch(PosStore.prototype, {
    async setup() {
        await super.setup(...arguments);
        this.data.connectWebSocket("COMPAGO_STATUS", (status) => {
            for (const terminal of this.compagoTerminals()) {
                terminal.apply(status);
            }
        });
        // Whatever loads an order from Odoo (another device's sync, a
        // reload) gives it Odoo's id; the waiting Compago line, which Odoo
        // does not hold, must follow its order.
        const sync = this.deviceSync;
        if (sync) {
            const read = sync.readDataFromServer.bind(sync);
            sync.readDataFromServer = async (...args) => {
                try {
                    return await read(...args);
                } finally {
                    this.compagoRelink();
                }
            };
        }
        this.compagoRelink();
        // A reload or a reopened POS: go on where the daemon is for every
        // line sent before, and bring back a line this browser never saw.
        for (const terminal of this.compagoTerminals()) {
            terminal.resume();
        }
    },

    compagoTerminals() {
        return this.models["pos.payment.method"]
            .getAll()
            .filter((pm) => pm.use_payment_terminal === "compago" && pm.payment_terminal)
            .map((pm) => pm.payment_terminal);
    },

    /**
     * Puts each Compago line that waits back on its order. An order loaded
     * from Odoo takes Odoo's id in place of the POS's own, and a line Odoo
     * does not hold still names the old one: the order lists the line, the
     * line has no order, and the payment screen shows nothing of it.
     */
    compagoRelink() {
        for (const order of this.models["pos.order"].getAll()) {
            for (const line of order.payment_ids) {
                if (
                    line.payment_method_id?.use_payment_terminal !== "compago" ||
                    line.pos_order_id?.uuid === order.uuid
                ) {
                    continue;
                }
                line.update({ pos_order_id: order });
                if (!order.getSelectedPaymentline() && !line.isDone()) {
                    order.selectPaymentline(line);
                }
            }
        }
    },

    // Odoo keeps no line of a Compago method until the card is charged (the
    // daemon's line is the one record of a charge; a waiting line is a
    // request, not a payment), so the server's answer to a sync leaves the
    // order without it: put the POS's own lines back on their orders.
    async syncAllOrders() {
        const kept = [];
        for (const order of this.models["pos.order"].getAll()) {
            for (const line of order.payment_ids) {
                if (line.payment_method_id?.use_payment_terminal === "compago" && !line.isDone()) {
                    kept.push([order, line, line.isSelected()]);
                }
            }
        }
        try {
            return await super.syncAllOrders(...arguments);
        } finally {
            for (const [order, line, selected] of kept) {
                if (
                    !order.payment_ids.some((l) => l.uuid === line.uuid) ||
                    line.pos_order_id?.uuid !== order.uuid
                ) {
                    line.update({ pos_order_id: order });
                }
                if (selected && !line.isSelected()) {
                    order.selectPaymentline(line);
                }
            }
        }
    },
});
