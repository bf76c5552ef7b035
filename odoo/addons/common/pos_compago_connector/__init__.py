# Part of compago-connector. License LGPL-3.
from . import models
from .hooks import pre_init_hook, uninstall_hook
