# Part of compago-connector. License LGPL-3.
from odoo import api, fields, models


class PosPayment(models.Model):
    _inherit = 'pos.payment'

    # The Compago intent this line records. A partial unique index (init)
    # makes Odoo itself refuse a second line for one intent, whoever
    # creates it: the daemon, the POS's order sync, a script.
    compago_intent_id = fields.Char('Compago intent', readonly=True, copy=False, index=True)

    def init(self):
        super().init()
        self.env.cr.execute("""
            CREATE UNIQUE INDEX IF NOT EXISTS pos_payment_compago_intent_unique
            ON pos_payment (compago_intent_id) WHERE compago_intent_id IS NOT NULL
        """)

    @api.model_create_multi
    def create(self, vals_list):
        # A line of a Compago method with a transaction id records that
        # intent: the id is filled whatever the caller said, so the index
        # guards every way in.
        methods = self.env['pos.payment.method'].browse(
            {v['payment_method_id'] for v in vals_list if v.get('payment_method_id')}).exists()
        compago = set(methods.filtered(lambda m: m.use_payment_terminal == 'compago').ids)
        for vals in vals_list:
            if vals.get('payment_method_id') in compago and vals.get('transaction_id'):
                vals['compago_intent_id'] = vals['transaction_id']
        return super().create(vals_list)

    def write(self, vals):
        if 'compago_intent_id' in vals and not self.env.su:
            vals = dict(vals)
            del vals['compago_intent_id']
        return super().write(vals)
