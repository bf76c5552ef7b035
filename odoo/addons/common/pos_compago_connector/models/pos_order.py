# Part of compago-connector. License LGPL-3.
"""The POS's side of a Compago payment, and the daemon's one call.

Who writes what:
- The POS (a POS user) asks for a charge with compago_send and withdraws it
  with compago_cancel: they write x_compago_state = requested /
  cancel_requested, the amount, the terminal and the POS line's uuid.
- The daemon (a user of the group "Compago connector") writes everything
  else, and records a charged intent with compago_record_payment: the
  payment line, completion, the state and message, in one transaction.
- The POS's own order sync never writes a Compago payment line: a line of
  a Compago method it sends is dropped (a waiting line is a request, held
  in x_compago_*; a done one is the daemon's line, already there). So the
  POS validating the order and the daemon's write-back meet on one line.

A POS that never comes back: the daemon records the line at once and, once
the order is fully paid, completes it after GRACE_SECONDS (the POS's own
validation, which prints the receipt and makes the invoice, gets that long
to come first). A POS that comes back after that finds its order done:
18 and 19 ignore a sync of a non-draft order; on 17 create_from_ui is told
the same here.
"""
import logging
import re

from odoo import _, api, fields, models, release
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_compare, float_is_zero

_logger = logging.getLogger(__name__)

MAJOR = release.version_info[0]

GROUP = 'pos_compago_connector.group_compago_connector'
# An administrator (Settings) may act as the connector: nothing here is
# beyond what Settings can already do.
SYSTEM = 'base.group_system'
GRACE_PARAM = 'pos_compago_connector.complete_grace_seconds'
GRACE_SECONDS = 120

STATE = 'x_compago_state'
COMPAGO_FIELDS = ('x_compago_state', 'x_compago_terminal', 'x_compago_amount', 'x_compago_intent_id',
                  'x_compago_external_id', 'x_compago_deeplink', 'x_compago_message', 'x_compago_payment_uuid')
# Only the daemon (and the addon's own methods) write these.
DAEMON_FIELDS = ('x_compago_intent_id', 'x_compago_external_id', 'x_compago_deeplink', 'compago_payment_method_id',
                 'x_compago_message', 'x_compago_payment_uuid', 'compago_request')
# The states anyone with write access on the order may set.
USER_STATES = ('requested', 'cancel_requested')
LIVE_STATES = ('requested', 'pending', 'cancel_requested')

INTENT_RE = re.compile(r'^[A-Za-z0-9_.:-]{1,64}$')
UUID_RE = re.compile(r'^[A-Za-z0-9-]{1,64}$')


class PosOrder(models.Model):
    _inherit = 'pos.order'

    # The Compago method the cashier sent the latest request with (one
    # method per terminal): the charge is recorded under it, whatever
    # method the daemon is configured with, so the POS's line and Odoo's
    # agree. Written by compago_send only.
    compago_payment_method_id = fields.Many2one(
        'pos.payment.method', string="Compago method", readonly=True, copy=False)
    # The number of the latest request (each Send one more), in every status
    # the POS gets: a word about an earlier request that reaches the POS
    # late (a bus message, a poll's answer) is told from the new request's
    # and ignored, so a retried line is never shown cancelled while its card
    # is being charged. Written by compago_send only.
    compago_request = fields.Integer(string="Compago request", readonly=True, copy=False)

    # ---- who may write the daemon's fields ----------------------------

    def _compago_is_connector(self):
        return self.env.su or self.env.user.has_group(GROUP) or self.env.user.has_group(SYSTEM)

    def _compago_check_vals(self, vals):
        if self._compago_is_connector():
            return
        restricted = [f for f in DAEMON_FIELDS if f in vals]
        if STATE in vals and vals[STATE] not in USER_STATES:
            restricted.append(STATE)
        if restricted:
            raise AccessError(_(
                "Only the Compago connector may set %(fields)s on a point of sale order.",
                fields=", ".join(sorted(restricted))))
        if vals.get(STATE) == 'requested' and any(o.state != 'draft' for o in self):
            # A request is for money still due on an open order: on a paid
            # one it would only overwrite the record of its charge.
            raise UserError(_("Only an order still open can be paid with Compago."))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._compago_check_vals(vals)
        return super().create(vals_list)

    def copy_data(self, default=None):
        # A copy (a refund, a duplicate) is another order: it carries no
        # Compago request, intent or state of the original.
        vals_list = super().copy_data(default=default)
        for vals in vals_list:
            for f in COMPAGO_FIELDS:
                if f not in (default or {}):
                    vals.pop(f, None)
        return vals_list

    def write(self, vals):
        self._compago_check_vals(vals)
        res = super().write(vals)
        if any(k in vals for k in COMPAGO_FIELDS):
            self._compago_notify()
        return res

    # ---- status for the POS -------------------------------------------

    def _compago_line(self):
        self.ensure_one()
        intent = self[STATE] and self.x_compago_intent_id
        if not intent:
            return self.env['pos.payment']
        return self.sudo().payment_ids.filtered(lambda p: p.compago_intent_id == intent)[:1]

    def _compago_status(self):
        self.ensure_one()
        line = self._compago_line()
        paid_line = False
        if line:
            paid_line = {
                # The POS knows its line by the uuid it sent with the request.
                'uuid': self.x_compago_payment_uuid or (line.uuid if MAJOR >= 18 else False) or False,
                'amount': line.amount,
                'transaction_id': line.transaction_id or False,
            }
        return {
            'id': self.id,
            'state': self[STATE] or False,
            'message': self.x_compago_message or False,
            'intent_id': self.x_compago_intent_id or False,
            'deeplink': self.x_compago_deeplink or False,
            'external_id': self.x_compago_external_id or False,
            'terminal': self.x_compago_terminal or False,
            'amount': self.x_compago_amount or 0.0,
            'payment_uuid': self.x_compago_payment_uuid or False,
            'order_state': self.state,
            'amount_due': self.currency_id.round(self.amount_total - self.amount_paid),
            'paid_line': paid_line,
            'request': self.compago_request,
        }

    @api.model
    def compago_status(self, order_ids):
        orders = self.browse([int(i) for i in order_ids or []]).exists()
        orders.check_access_rights('read') if MAJOR < 18 else orders.check_access('read')
        return [o._compago_status() for o in orders]

    def _compago_notify(self):
        for order in self:
            config = order.sudo().config_id
            if not config:
                continue
            status = order.sudo()._compago_status()
            if MAJOR >= 18:
                config._notify('COMPAGO_STATUS', status)
            else:
                session = order.sudo().session_id
                self.env['bus.bus']._sendone(session._get_bus_channel_name(), 'COMPAGO_STATUS', status)

    # ---- the POS asks, and withdraws ----------------------------------

    def _compago_order(self, order_id):
        order = self.browse(int(order_id)).exists()
        if not order:
            raise UserError(_("This order is not in Odoo any more."))
        order.check_access_rights('write') if MAJOR < 18 else order.check_access('write')
        return order

    @api.model
    def compago_send(self, order_id, vals):
        order = self._compago_order(order_id)
        vals = vals or {}
        try:
            amount = float(vals.get('amount') or 0.0)
            method_id = int(vals.get('payment_method_id') or 0)
        except (TypeError, ValueError):
            raise UserError(_("The amount to charge with Compago is not valid."))
        payment_uuid = vals.get('payment_uuid') or False
        if payment_uuid and not (isinstance(payment_uuid, str) and UUID_RE.match(payment_uuid)):
            raise UserError(_("The payment line's reference is not valid."))
        if order.state != 'draft':
            raise UserError(_("This order is already paid or closed: nothing to charge."))
        if order.session_id.state != 'opened':
            raise UserError(_("The session of this order is closed: open a session to charge a card."))
        method = self.env['pos.payment.method'].browse(method_id).exists()
        if not method or method.use_payment_terminal != 'compago' or method not in order.config_id.payment_method_ids:
            raise UserError(_("This payment method is not a Compago method of this point of sale."))
        currency = order.currency_id
        amount = currency.round(amount)
        due = currency.round(order.amount_total - order.amount_paid)
        if float_compare(amount, 0.0, precision_rounding=currency.rounding) <= 0:
            raise UserError(_("The amount to charge with Compago must be more than zero."))
        if float_compare(amount, due, precision_rounding=currency.rounding) > 0:
            raise UserError(_("The amount to charge (%(amount)s) is more than what is due (%(due)s).",
                              amount=amount, due=due))
        if order[STATE] in LIVE_STATES:
            raise UserError(_("A Compago payment is already in progress for this order: cancel it first."))
        order.sudo().write({
            STATE: 'requested',
            'compago_payment_method_id': method.id,
            'x_compago_amount': amount,
            'x_compago_terminal': method.compago_terminal or False,
            'x_compago_payment_uuid': payment_uuid,
            'x_compago_message': _("Sending the payment to the terminal…"),
            'compago_request': order.compago_request + 1,
        })
        return order._compago_status()

    @api.model
    def compago_cancel(self, order_id):
        order = self._compago_order(order_id)
        if order[STATE] in ('requested', 'pending'):
            order.sudo().write({STATE: 'cancel_requested',
                                'x_compago_message': _("Cancelling the payment on the terminal…")})
        return order._compago_status()

    # ---- the daemon's one call ----------------------------------------

    @api.model
    def compago_record_payment(self, order_id, vals):
        """Record a charged Compago intent on its order, once.

        One transaction: the checks, the payment line (the POS line's uuid
        where known), completion when fully paid (after the grace period
        for an order the POS drives), the state and the message. Called
        again for the same intent (a lost answer, a second daemon) it adds
        nothing; the unique index on pos.payment.compago_intent_id refuses
        a second line whatever happens around it.
        """
        if not self._compago_is_connector():
            raise AccessError(_("Only the Compago connector may record a Compago payment."))
        vals = vals or {}
        intent = vals.get('intent_id')
        if not (isinstance(intent, str) and INTENT_RE.match(intent)):
            raise ValidationError(_("The Compago intent id is not valid."))
        external_id = vals.get('external_id') or False
        if external_id and not (isinstance(external_id, str) and len(external_id) <= 128):
            raise ValidationError(_("The Compago externalId is not valid."))
        try:
            amount = float(vals.get('amount'))
            method_id = int(vals.get('payment_method_id'))
        except (TypeError, ValueError):
            raise ValidationError(_("The amount or the payment method of the Compago payment is not valid."))
        message = vals.get('message') or False
        if message and not isinstance(message, str):
            raise ValidationError(_("The message is not text."))
        message = message and message[:500]

        Order = self.sudo()
        # The order's row lock orders this call against the POS's sync and
        # against another daemon: the later one waits, then (Odoo's
        # repeatable read) is retried and finds this one's line.
        self.env.cr.execute("SELECT id FROM pos_order WHERE id = %s FOR NO KEY UPDATE", [int(order_id)])
        order = Order.browse(int(order_id)).exists()
        if not order:
            raise UserError(_("The order of this Compago payment is not in Odoo any more."))
        currency = order.currency_id
        amount = currency.round(amount)
        daemon_method = self.env['pos.payment.method'].sudo().browse(method_id).exists()
        method = order._compago_charge_method(intent, vals) or daemon_method
        if not method:
            raise UserError(_("The payment method of this Compago payment does not exist."))

        line = self.env['pos.payment'].sudo().search([('compago_intent_id', '=', intent)])
        adopted = False
        if not line:
            # A line the daemon added with add_payment before the addon was
            # installed or seen (or a call of that time committing late)
            # carries the intent only as its transaction id, under the
            # daemon's method: it is this payment's line, whatever method.
            # Only a line of a Compago method or of the daemon's own: a
            # cash line a cashier gave the intent's id is not the card's.
            line = order.payment_ids.filtered(
                lambda p: p.transaction_id == intent and not p.compago_intent_id
                and (p.payment_method_id == daemon_method or p.payment_method_id.use_payment_terminal == 'compago')
                and not float_compare(p.amount, amount, precision_rounding=currency.rounding))[:1]
            if line:
                line.write({'compago_intent_id': intent})
                adopted = True
        created = False
        if line:
            if line.pos_order_id != order:
                raise UserError(_("This Compago payment is already recorded on another order (%(order)s).",
                                  order=line.pos_order_id.name))
            # Under another Compago method it is still this charge's line
            # (the daemon recorded it with add_payment under its configured
            # method before it saw the addon); under another amount, or a
            # method that is not Compago, it is not, and a human decides.
            other_method = line.payment_method_id not in (method | daemon_method) and not adopted and \
                line.payment_method_id.use_payment_terminal != 'compago'
            if other_method or float_compare(line.amount, amount, precision_rounding=currency.rounding):
                raise UserError(_("A payment line carries this Compago intent but not its method or amount."))
        else:
            if float_compare(amount, 0.0, precision_rounding=currency.rounding) <= 0:
                raise UserError(_("The amount of this Compago payment is not more than zero."))
            if order.state != 'draft':
                raise UserError(_("The order is already %(state)s: the card payment cannot be added to it.",
                                  state=order.state))
            if order.session_id.state != 'opened':
                raise UserError(_("The session of the order is closed: the card payment cannot be added to it."))
            if method not in order.config_id.payment_method_ids:
                raise UserError(_("The payment method %(method)s is not allowed in this point of sale.",
                                  method=method.name))
            due = currency.round(order.amount_total - order.amount_paid)
            if float_compare(amount, due, precision_rounding=currency.rounding) > 0:
                raise UserError(_("The order changed while the card was being charged (%(amount)s charged, %(due)s due).",
                                  amount=amount, due=due))
            data = {
                'pos_order_id': order.id,
                'amount': amount,
                'payment_method_id': method.id,
                'transaction_id': intent,
                'compago_intent_id': intent,
                'payment_status': 'done',
            }
            uuid = vals.get('payment_uuid') or (order.x_compago_payment_uuid if order.x_compago_intent_id in (False, intent) else False)
            if MAJOR >= 18 and uuid and isinstance(uuid, str) and UUID_RE.match(uuid):
                if not self.env['pos.payment'].sudo().search_count([('uuid', '=', uuid)]):
                    data['uuid'] = uuid
            order.add_payment(data)
            line = self.env['pos.payment'].sudo().search([('compago_intent_id', '=', intent)])
            created = True

        completed = False
        complete_after = 0
        if order.state == 'draft' and order._is_pos_order_paid():
            complete_after = order._compago_grace_left(line)
            if complete_after <= 0:
                order._process_saved_order(False)
                completed = order.state in ('paid', 'done', 'invoiced')
                if completed and MAJOR >= 17 and hasattr(order, '_send_order'):
                    order._send_order()

        # The order speaks for its latest request: a late charge of an
        # older one does not overwrite a newer request's state.
        if order.x_compago_intent_id in (False, intent):
            # Money still due is shown at a glance: not "paid" (the
            # daemon's own projection says the same).
            still_due = float_compare(order.amount_total - order.amount_paid, 0.0, precision_rounding=currency.rounding) > 0
            w = {STATE: 'partially_paid' if still_due else 'paid', 'x_compago_intent_id': intent}
            if external_id:
                w['x_compago_external_id'] = external_id
            if message:
                w['x_compago_message'] = message
            order.write(w)
        else:
            order._compago_notify()
        return {
            'line_id': line.id,
            'created': created,
            'completed': completed,
            'complete_after': complete_after,
            'order_state': order.state,
            'amount_due': currency.round(order.amount_total - order.amount_paid),
        }

    def _compago_charge_method(self, intent, vals):
        """The Compago method of the terminal this intent was charged on:
        the cashier's (compago_send stored it) when it is that terminal's,
        else the point of sale's one Compago method for that terminal;
        none known: the caller takes the daemon's configured method.

        The terminal is the daemon's (vals['terminal'], where it routed the
        intent): the order's x_compago_terminal and method speak for its
        latest request, and a late charge of an older one (sent with
        another method, or requested by hand to another terminal) is not
        theirs. A daemon that does not say falls back on the order's
        terminal while the charge is the order's latest intent."""
        self.ensure_one()
        none = self.env['pos.payment.method']
        chosen = self.compago_payment_method_id
        config_methods = self.config_id.payment_method_ids.filtered(lambda m: m.use_payment_terminal == 'compago')
        if not chosen or chosen not in config_methods:
            return none  # a request written by hand or through the API, or a method gone: the daemon's
        latest = self.x_compago_intent_id in (False, intent)
        terminal = vals.get('terminal') if 'terminal' in vals else (latest and self.x_compago_terminal)
        if not terminal:
            # Unrouted (or unknown): the cashier's method, for the latest request only.
            return chosen if latest else none
        candidates = config_methods.filtered(lambda m: m.compago_terminal == terminal) or \
            config_methods.filtered(lambda m: not m.compago_terminal)
        if chosen in candidates:
            return chosen
        return candidates if len(candidates) == 1 else none

    def _compago_grace_left(self, line):
        """Seconds until the daemon completes this order itself. Zero for an
        order the POS does not drive (flagged through the API)."""
        self.ensure_one()
        if not self.x_compago_payment_uuid:
            return 0
        grace = int(self.env['ir.config_parameter'].sudo().get_param(GRACE_PARAM, GRACE_SECONDS))
        start = line.create_date or fields.Datetime.now()
        left = grace - (fields.Datetime.now() - start).total_seconds()
        return max(0, int(left + 0.999))

    # ---- the POS's order sync -----------------------------------------

    def _compago_methods(self):
        return set(self.env['pos.payment.method'].sudo().search([('use_payment_terminal', '=', 'compago')]).ids)

    if MAJOR >= 19:
        @api.model
        def _load_pos_data_fields(self, config):
            # 19 loads a listed set of order fields, without the access
            # token (18 loads them all). The POS makes one for each new
            # order and Odoo's update of a draft (a second sync, as Send
            # then Validate make) deletes that key of what the POS sends:
            # without the field the POS would neither keep nor send it.
            names = super()._load_pos_data_fields(config)
            # A new POS checks each draft order it loaded from Odoo against
            # Odoo by its write_date, which 19 does not load for orders: a
            # draft saved at Send would stop the next POS from starting.
            return names + [f for f in ('access_token', 'write_date') if f not in names]

    if MAJOR >= 18:
        @api.model
        def _process_order(self, order, existing_order):
            self._compago_filter_sync(order, existing_order)
            return super()._process_order(order, existing_order)

        def _compago_filter_sync(self, order, existing_order):
            """Drop what the POS's sync must not write: the x_compago_*
            fields (compago_send and the daemon write them) and the lines of
            a Compago method (the daemon's line is the one record of a
            charge; a waiting line is a request, not a payment)."""
            for f in COMPAGO_FIELDS:
                order.pop(f, None)
            if existing_order and 'access_token' not in order:
                # Odoo's update of a draft deletes the key unconditionally;
                # a POS page loaded before the addon did not keep it (19).
                order['access_token'] = existing_order.sudo().access_token
            compago = self._compago_methods()
            if not compago or not order.get('payment_ids'):
                return
            own = existing_order.sudo().payment_ids if existing_order else self.env['pos.payment']
            recorded = own.filtered(lambda p: p.compago_intent_id or p.payment_method_id.id in compago)
            keep = []
            for cmd in order['payment_ids']:
                if not isinstance(cmd, (list, tuple)) or not cmd:
                    keep.append(cmd)
                    continue
                if cmd[0] == 0:
                    vals = cmd[2] if len(cmd) > 2 and isinstance(cmd[2], dict) else {}
                    if vals.get('payment_method_id') in compago:
                        continue  # only the daemon's record call writes a Compago line
                elif cmd[0] in (1, 2, 3, 4):
                    if len(cmd) < 2 or cmd[1] not in own.ids or cmd[1] in recorded.ids:
                        continue  # another order's line, or the daemon's: not the POS's to change
                else:
                    continue  # (5) and (6) would drop the daemon's line with the rest
                keep.append(cmd)
            order['payment_ids'] = keep
    else:
        @api.model
        def _process_order(self, order, draft, existing_order):
            self._compago_filter_sync(order['data'], existing_order)
            return super()._process_order(order, draft, existing_order)

        def _compago_filter_sync(self, data, existing_order):
            for f in COMPAGO_FIELDS:
                data.pop(f, None)
            if existing_order and existing_order[STATE]:
                # 17 re-adds every line a draft is synced with (its unlink
                # of the old ones is a no-op): for an order with a Compago
                # request the old lines go first, the daemon's line stays.
                existing_order.lines.unlink()
                existing_order.payment_ids.filtered(lambda p: not p.compago_intent_id).unlink()
            compago = self._compago_methods()
            if not compago:
                return
            keep = []
            for cmd in data.get('statement_ids') or []:
                vals = cmd[2] if isinstance(cmd, (list, tuple)) and len(cmd) > 2 and isinstance(cmd[2], dict) else {}
                if vals.get('payment_method_id') in compago:
                    continue  # only the daemon's record call writes a Compago line
                vals.pop('compago_intent_id', None)
                keep.append(cmd)
            data['statement_ids'] = keep

        @api.model
        def create_from_ui(self, orders, draft=False):
            """A POS coming back with an order the daemon completed meanwhile
            gets that order back, never a second one."""
            done, rest = [], []
            for o in orders:
                data = o.get('data') or {}
                found = self.browse()
                if data.get('server_id'):
                    found = self.search([('id', '=', data['server_id'])], limit=1)
                if not found and data.get('name'):
                    found = self.search([('pos_reference', '=', data['name'])], limit=1)
                if found and found.state != 'draft' and found[STATE] == 'paid':
                    done.append(found.id)
                else:
                    rest.append(o)
            res = super().create_from_ui(rest, draft=draft) if rest else []
            if done:
                res += self.search_read([('id', 'in', done)], ['id', 'pos_reference', 'account_move'], load=False)
            return res
