# Part of compago-connector. License LGPL-3.
from . import pos_payment_method
from . import pos_payment
from . import pos_order
from . import pos_session
