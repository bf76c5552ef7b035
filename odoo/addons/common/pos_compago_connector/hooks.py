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

# value, English, Spanish (Mexico)
STATES = [
    ('requested', 'Requested', 'Solicitado'),
    ('pending', 'Pending on terminal', 'Pendiente en la terminal'),
    ('paid', 'Paid', 'Pagado'),
    ('partially_paid', 'Partially paid (money still due)', 'Pagado en parte (queda saldo pendiente)'),
    ('cancel_requested', 'Cancel requested', 'Cancelación solicitada'),
    ('cancelled', 'Cancelled', 'Cancelado'),
    ('expired', 'Expired', 'Vencido'),
    ('failed', 'Failed', 'Fallido'),
]

# name, type, English label, Spanish (Mexico) label: the same list as the
# daemon's connector/fields.go.
FIELDS = [
    ('x_compago_state', 'selection', 'Compago state', 'Estado Compago'),
    ('x_compago_terminal', 'char', 'Compago terminal', 'Terminal Compago'),
    ('x_compago_amount', 'float', 'Compago amount', 'Importe Compago'),
    ('x_compago_intent_id', 'char', 'Compago intent', 'Intento de Compago'),
    ('x_compago_external_id', 'char', 'Compago external id', 'Id externo de Compago'),
    ('x_compago_deeplink', 'char', 'Compago deep link', 'Enlace de Compago'),
    ('x_compago_message', 'char', 'Compago message', 'Mensaje de Compago'),
    ('x_compago_payment_uuid', 'char', 'Compago payment line uuid', 'Uuid de la línea de pago Compago'),
]


def ensure_manual_fields(env):
    """Create the x_compago_* manual fields of pos.order that are missing."""
    model = env['ir.model']._get('pos.order')
    have = set(env['ir.model.fields'].search([
        ('model', '=', 'pos.order'), ('name', 'in', [f[0] for f in FIELDS])]).mapped('name'))
    for name, ttype, label, label_es in FIELDS:
        if name in have:
            continue
        vals = {'name': name, 'field_description': label, 'model_id': model.id,
                'ttype': ttype, 'state': 'manual'}
        if ttype == 'selection':
            vals['selection_ids'] = [(0, 0, {'value': v, 'name': n, 'sequence': i + 1})
                                     for i, (v, n, _es) in enumerate(STATES)]
        field = env['ir.model.fields'].create(vals)
        _logger.info('pos_compago_connector: created the manual field pos.order.%s', name)
        # No module owns a manual field, so no .po translates it: its
        # Spanish label goes in with it.
        env.cr.execute("UPDATE ir_model_fields SET field_description = field_description || jsonb_build_object('es_MX', %s::text) WHERE id = %s",
                       [label_es, field.id])
        for value, _en, es in STATES if ttype == 'selection' else []:
            env.cr.execute("""UPDATE ir_model_fields_selection SET name = name || jsonb_build_object('es_MX', %s::text)
                              WHERE field_id = %s AND value = %s""", [es, field.id, value])


def pre_init_hook(env):
    # Before the views load: they show these fields.
    ensure_manual_fields(env)


def uninstall_hook(env):
    # The terminal type leaves with the addon; a method keeping it would
    # carry a value its selection no longer has.
    env.cr.execute("UPDATE pos_payment_method SET use_payment_terminal = NULL WHERE use_payment_terminal = 'compago'")
