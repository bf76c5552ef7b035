# Part of compago-connector. License LGPL-3.
from . import test_compago
