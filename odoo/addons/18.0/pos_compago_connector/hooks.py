# Part of compago-connector. License LGPL-3.
"""Install and uninstall hooks.

The daemon's x_compago_* fields on pos.order are manual fields (state
"manual", no module owns them): `compago-connector setup` creates them, and
so does this hook when they are missing, so setup may run before or after
the addon. Because no module owns them, uninstalling the addon leaves them,
and with them the daemon's API-flagged flow, untouched.
"""
import logging

_logger = logging.getLogger(__name__)

STATES = [
    ('requested', 'Requested'),
    ('pending', 'Pending on terminal'),
    ('paid', 'Paid'),
    ('cancel_requested', 'Cancel requested'),
    ('cancelled', 'Cancelled'),
    ('expired', 'Expired'),
    ('failed', 'Failed'),
]

# name, type, label: the same list as the daemon's connector/fields.go.
FIELDS = [
    ('x_compago_state', 'selection', 'Compago state'),
    ('x_compago_terminal', 'char', 'Compago terminal'),
    ('x_compago_amount', 'float', 'Compago amount'),
    ('x_compago_intent_id', 'char', 'Compago intent'),
    ('x_compago_external_id', 'char', 'Compago external id'),
    ('x_compago_deeplink', 'char', 'Compago deep link'),
    ('x_compago_message', 'char', 'Compago message'),
    ('x_compago_payment_uuid', 'char', 'Compago payment line uuid'),
]


def ensure_manual_fields(env):
    """Create the x_compago_* manual fields of pos.order that are missing."""
    model = env['ir.model']._get('pos.order')
    have = set(env['ir.model.fields'].search([
        ('model', '=', 'pos.order'), ('name', 'in', [f[0] for f in FIELDS])]).mapped('name'))
    for name, ttype, label in FIELDS:
        if name in have:
            continue
        vals = {'name': name, 'field_description': label, 'model_id': model.id,
                'ttype': ttype, 'state': 'manual'}
        if ttype == 'selection':
            vals['selection_ids'] = [(0, 0, {'value': v, 'name': n, 'sequence': i + 1})
                                     for i, (v, n) in enumerate(STATES)]
        env['ir.model.fields'].create(vals)
        _logger.info('pos_compago_connector: created the manual field pos.order.%s', name)


def pre_init_hook(env):
    # Before the views load: they show these fields.
    ensure_manual_fields(env)


def uninstall_hook(env):
    # The terminal type leaves with the addon; a method keeping it would
    # carry a value its selection no longer has.
    env.cr.execute("UPDATE pos_payment_method SET use_payment_terminal = NULL WHERE use_payment_terminal = 'compago'")
