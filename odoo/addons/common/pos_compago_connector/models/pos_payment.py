# Part of compago-connector. License LGPL-3.
from odoo import _, api, fields, models, release
from odoo.exceptions import AccessError

GROUP = 'pos_compago_connector.group_compago_connector'
SYSTEM = 'base.group_system'
MANAGER = 'point_of_sale.group_pos_manager'
MAJOR = release.version_info[0]


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

    if MAJOR >= 19:
        @api.model
        def _load_pos_data_fields(self, config):
            # A new POS checks each payment of a draft order it loaded from
            # Odoo (the daemon's line of a charged card) by its write_date,
            # which 19 does not load for payments.
            names = super()._load_pos_data_fields(config)
            return names + ['write_date'] if 'write_date' not in names else names

    def _compago_may(self, *groups):
        return self.env.su or any(self.env.user.has_group(g) for g in groups)

    @api.model_create_multi
    def create(self, vals_list):
        # A line of a Compago method with a transaction id records that
        # intent: the id is filled whatever the caller said, so the index
        # guards every way in; no other line carries one. Only the
        # connector's record call (and, by hand, a POS manager or an
        # administrator recording a charge the connector parked) writes a
        # Compago line: a cashier's would be money no card paid.
        methods = self.env['pos.payment.method'].sudo().browse(
            {v['payment_method_id'] for v in vals_list if v.get('payment_method_id')}).exists()
        compago = set(methods.filtered(lambda m: m.use_payment_terminal == 'compago').ids)
        for vals in vals_list:
            if vals.get('payment_method_id') in compago:
                if not self._compago_may(GROUP, SYSTEM, MANAGER):
                    raise AccessError(_("Only the Compago connector records a Compago card payment."))
                vals['compago_intent_id'] = vals.get('transaction_id') or False
            elif not self.env.su:
                vals.pop('compago_intent_id', None)
        return super().create(vals_list)

    def _compago_guard(self):
        """The line of a charged card is not to be changed or removed but
        by the connector (or an administrator)."""
        if self._compago_may(GROUP, SYSTEM):
            return
        lines = self.sudo().filtered(lambda p: p.compago_intent_id or p.payment_method_id.use_payment_terminal == 'compago')
        if lines:
            raise AccessError(_("The payment line of a Compago card payment cannot be changed or deleted here."))

    def write(self, vals):
        if 'compago_intent_id' in vals and not self.env.su:
            vals = dict(vals)
            del vals['compago_intent_id']
        if vals:
            self._compago_guard()
            # Nor is another line moved onto a Compago method: the guard
            # above sees it as it was (cash), the order would then show a
            # card payment no card paid.
            if vals.get('payment_method_id') and not self._compago_may(GROUP, SYSTEM):
                method = self.env['pos.payment.method'].sudo().browse(vals['payment_method_id']).exists()
                if method.use_payment_terminal == 'compago':
                    raise AccessError(_("Only the Compago connector records a Compago card payment."))
        return super().write(vals)

    def unlink(self):
        self._compago_guard()
        return super().unlink()
