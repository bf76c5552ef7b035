/** @odoo-module */
import { patch } from "@web/core/utils/patch";
import { PosBus } from "@point_of_sale/app/bus/pos_bus_service";

// The addon sends COMPAGO_STATUS on the session's channel (17: bus.bus).
patch(PosBus.prototype, {
    setup() {
        super.setup(...arguments);
        // A reload: go on where the daemon is for every line sent before.
        for (const terminal of this.compagoTerminals()) {
            terminal.resume();
        }
    },
    compagoTerminals() {
        return this.pos.payment_methods
            .filter((pm) => pm.use_payment_terminal === "compago" && pm.payment_terminal)
            .map((pm) => pm.payment_terminal);
    },
    dispatch(message) {
        super.dispatch(...arguments);
        if (message.type === "COMPAGO_STATUS") {
            for (const terminal of this.compagoTerminals()) {
                terminal.apply(message.payload);
            }
        }
    },
});
