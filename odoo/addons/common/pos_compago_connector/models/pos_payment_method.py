# Part of compago-connector. License LGPL-3.
from odoo import fields, models, release

MAJOR = release.version_info[0]

# What the POS reads of a payment method (17: the session's loader; 18, 19:
# the method's _load_pos_data_fields).
POS_FIELDS = ['compago_terminal', 'compago_same_device']


class PosPaymentMethod(models.Model):
    _inherit = 'pos.payment.method'

    compago_terminal = fields.Char(
        string='Compago terminal',
        help="The code of the Compago terminal this method charges on (e.g. TERMINAL-001). "
             "Empty: the daemon's default terminal for the point of sale.")
    compago_same_device = fields.Boolean(
        string='Terminal on this device',
        help="Show the button that opens the Compago app on the same device as the point of sale.")

    def _get_payment_terminal_selection(self):
        return super()._get_payment_terminal_selection() + [('compago', 'Compago')]

    def _is_compago(self):
        return self.use_payment_terminal == 'compago'

    if MAJOR >= 18:
        def _load_pos_data_fields(self, config_id):
            return super()._load_pos_data_fields(config_id) + POS_FIELDS
