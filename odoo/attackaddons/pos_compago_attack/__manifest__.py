# Part of compago-connector. License LGPL-3.
{
    'name': 'Compago connector: attack tests',
    'version': '1.0',
    'summary': 'Failing tests that reproduce what an adversarial review found in pos_compago_connector.',
    'depends': ['pos_compago_connector'],
    'license': 'LGPL-3',
    'installable': True,
}
