# Part of compago-connector. License LGPL-3.
