# Part of compago-connector. License LGPL-3.
from odoo import models, release

from .pos_payment_method import POS_FIELDS

MAJOR = release.version_info[0]


class PosSession(models.Model):
    _inherit = 'pos.session'

    if MAJOR < 18:
        def _loader_params_pos_payment_method(self):
            result = super()._loader_params_pos_payment_method()
            result['search_params']['fields'].extend(POS_FIELDS)
            return result
