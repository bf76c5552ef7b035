/** @odoo-module */
import { register_payment_method } from "@point_of_sale/app/store/pos_store";
import { Payment } from "@point_of_sale/app/store/models";
import { uuidv4 } from "@point_of_sale/utils";
import { patch } from "@web/core/utils/patch";
import { PaymentCompago } from "@pos_compago_connector/app/payment_compago";

register_payment_method("compago", PaymentCompago);

// 17's payment lines have no uuid: a Compago line gets one, which Odoo
// keeps on the order (x_compago_payment_uuid) and on the daemon's line.
patch(Payment.prototype, {
    setup() {
        super.setup(...arguments);
        if (this.payment_method?.use_payment_terminal === "compago" && !this.compago_uuid) {
            this.compago_uuid = uuidv4();
        }
    },
    export_as_JSON() {
        const json = super.export_as_JSON(...arguments);
        if (json && this.compago_uuid) {
            json.compago_uuid = this.compago_uuid;
        }
        return json;
    },
    init_from_JSON(json) {
        super.init_from_JSON(...arguments);
        if (json.compago_uuid) {
            this.compago_uuid = json.compago_uuid;
        }
    },
});
