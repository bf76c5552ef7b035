# Part of compago-connector. License LGPL-3.
{
    'name': 'POS Compago',
    'version': '17.0.1.0.0',
    'category': 'Sales/Point of Sale',
    'sequence': 6,
    'summary': 'Take card payments on Compago terminals from the Point of Sale, through the Compago connector',
    'description': """
Pay with Compago in the Point of Sale. The Compago connector daemon, running
next to Odoo, holds the Compago API key and talks to Compago; this module
never calls Compago. It adds the "Compago" payment terminal type, lets the
POS request and cancel a charge, shows the daemon's state, and lets the
daemon record a charge in one call, once.
""",
    'depends': ['point_of_sale'],
    'data': [
        'security/compago_security.xml',
        'security/ir.model.access.csv',
        'views/pos_payment_method_views.xml',
        'views/pos_order_views.xml',
    ],
    'pre_init_hook': 'pre_init_hook',
    'uninstall_hook': 'uninstall_hook',
    'assets': {
        'point_of_sale._assets_pos': [
            'pos_compago_connector/static/src/**/*',
        ],
    },
    'installable': True,
    'license': 'LGPL-3',
}
