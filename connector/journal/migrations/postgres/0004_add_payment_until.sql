-- When an add_payment of the attempt may still commit in Odoo although no
-- answer said so (unix nanoseconds, UTC; 0: none in flight). Set before the
-- call is sent, cleared once Odoo answered it either way.
ALTER TABLE attempts ADD COLUMN add_payment_until BIGINT NOT NULL DEFAULT 0;
