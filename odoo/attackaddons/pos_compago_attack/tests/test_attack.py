# Part of compago-connector. License LGPL-3.
"""A cashier (a POS user) attacking pos_compago_connector through the RPCs
the POS and the web client already give them. Each test says what the
cashier or the merchant would see."""
from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.pos_compago_connector.tests import test_compago as base

MAJOR = base.MAJOR


@tagged('post_install', '-at_install')
class TestAttackCashier(base.TestCompago):

    def sync18(self, order, payment_ids, state='paid', amount_paid=0.0):
        data = {
            'uuid': order.uuid, 'name': order.pos_reference, 'session_id': self.session.id,
            'state': state, 'amount_total': order.amount_total, 'amount_tax': 0.0,
            'amount_paid': amount_paid, 'amount_return': 0.0,
            'access_token': order.access_token, 'lines': [], 'payment_ids': payment_ids,
        }
        return self.env['pos.order'].with_user(self.cashier).sync_from_ui([data])

    def forge_compago_line(self, order, tx, amount):
        """The cashier's POS sends a done Compago line no card paid for."""
        self.pos_sync(order, [{'amount': amount, 'payment_method_id': self.method.id,
                               'payment_status': 'done', 'transaction_id': tx}])

    def test_attack_forged_compago_line_pays_order_without_charge(self):
        """A cashier syncs a done Compago line with a made-up transaction
        id: Odoo shows the order paid by card, no card was charged."""
        order = self.new_order(100)
        try:
            self.forge_compago_line(order, 'forged-no-charge', 100)
        except (UserError, AccessError):
            pass
        # No Compago line: nothing says a card paid. (Odoo 18 itself takes
        # the POS's amount_paid and may close the order without any line:
        # a cashier's claim Odoo trusts, not a card payment.)
        self.assertEqual(self.compago_lines(order).mapped('transaction_id'), [],
                         "a Compago line no daemon recorded: the order is paid by card without a charge")

    def test_attack_forged_line_takes_another_orders_intent(self):
        """Order B is pending on the terminal (its intent id is readable by
        the cashier through compago_status). The cashier syncs order A with
        a done Compago line carrying B's intent id. The customer taps on B:
        the daemon's record of B's charge is refused, A shows paid."""
        a = self.new_order(100)
        b = self.new_order(100)
        Order = self.env['pos.order'].with_user(self.cashier)
        Order.compago_send(b.id, {'amount': 100, 'payment_method_id': self.method.id})
        b.with_user(self.daemon).write({'x_compago_state': 'pending', 'x_compago_intent_id': 'pi_victim'})
        intent = Order.compago_status([b.id])[0]['intent_id']
        try:
            self.forge_compago_line(a, intent, 100)
        except (UserError, AccessError):
            pass
        err = None
        try:
            self.record(b, 'pi_victim', 100)
        except UserError as e:
            err = e
        self.assertIsNone(err, "the charge of order B cannot be recorded on B: %s" % err)
        self.assertEqual(len(self.compago_lines(b)), 1, "B's card was charged; B has no line")
        self.assertFalse(self.compago_lines(a), "A shows B's card payment")

    def test_attack_forged_line_with_own_pending_intent_and_wrong_amount(self):
        """The cashier syncs a done Compago line with the order's own
        pending intent id but a smaller amount: the real charge of 100 can
        no longer be recorded (the line's amount does not match)."""
        order = self.new_order(100)
        Order = self.env['pos.order'].with_user(self.cashier)
        Order.compago_send(order.id, {'amount': 100, 'payment_method_id': self.method.id})
        order.with_user(self.daemon).write({'x_compago_state': 'pending', 'x_compago_intent_id': 'pi_own'})
        try:
            self.pos_sync(order, [{'amount': 1, 'payment_method_id': self.method.id, 'payment_status': 'done',
                                   'transaction_id': 'pi_own'}], state='draft')
        except (UserError, AccessError):
            pass
        err = None
        try:
            self.record(order, 'pi_own', 100)
        except UserError as e:
            err = e
        self.assertIsNone(err, "a charge of 100 cannot be recorded: %s" % err)
        self.assertEqual(self.compago_lines(order).mapped('amount'), [100.0])

    def test_attack_sync_clear_command_drops_daemon_line(self):
        """18/19: the POS sync's payment_ids accepts (5,) and (6, 0, []):
        the daemon's line of a charged card is deleted."""
        if MAJOR < 18:
            self.skipTest("17's sync sends statement_ids, (0, 0, vals) only")
        for cmd in ([(5, 0, 0)], [(6, 0, [])]):
            order = self.new_order(100)
            self.record(order, 'pi_clear_%d' % cmd[0][0], 40)
            try:
                self.sync18(order, cmd, state='draft')
            except (UserError, AccessError):
                pass
            self.assertEqual(len(self.compago_lines(order)), 1,
                             "the charged card's line is gone after a sync with %r" % (cmd,))

    def test_attack_cashier_unlinks_daemon_line(self):
        """pos.payment is readable, writable and deletable by every POS
        user: the cashier deletes the daemon's line from the web client's
        RPC (the card stays charged, Odoo forgets it)."""
        order = self.new_order(100)
        self.record(order, 'pi_unlink', 40)
        line = self.compago_lines(order)
        try:
            line.with_user(self.cashier).unlink()
        except (UserError, AccessError):
            pass
        self.assertTrue(line.exists(), "the cashier deleted the line of a charged card")

    def test_attack_cashier_rewrites_daemon_line(self):
        """The cashier rewrites the daemon's line: its amount, its method
        (moves the card money to cash) or its order."""
        other = self.new_order(100)
        for vals in ({'amount': 1}, {'payment_method_id': self.cash.id}, {'pos_order_id': other.id}):
            order = self.new_order(100)
            self.record(order, 'pi_rw_%s' % list(vals)[0], 40)
            line = self.compago_lines(order)
            try:
                line.with_user(self.cashier).write(vals)
            except (UserError, AccessError):
                pass
            self.assertEqual((line.pos_order_id, line.payment_method_id, line.amount), (order, self.method, 40.0),
                             "the cashier rewrote the charged card's line with %r" % (vals,))

    def test_attack_cashier_creates_compago_line_directly(self):
        """pos.payment.create by a cashier, a Compago method, no charge."""
        order = self.new_order(100)
        try:
            self.env['pos.payment'].with_user(self.cashier).create({
                'pos_order_id': order.id, 'amount': 100, 'payment_method_id': self.method.id,
                'transaction_id': 'forged-create', 'payment_date': fields.Datetime.now()})
        except (UserError, AccessError):
            pass
        self.assertFalse(self.compago_lines(order), "a Compago line without a charge")


    def test_attack_cash_line_squats_the_intent_id(self):
        """compago_intent_id is only guarded on write: a cashier creates a
        cash line carrying the pending intent's id (pos.payment.create; on
        18/19 also through sync_from_ui's payment_ids). The unique index
        then refuses the daemon's line: the customer's card is charged and
        the charge cannot be recorded. (The order is 101: the cash line of
        1 leaves the card's 100 due.)"""
        order = self.new_order(101)
        Order = self.env['pos.order'].with_user(self.cashier)
        Order.compago_send(order.id, {'amount': 100, 'payment_method_id': self.method.id})
        order.with_user(self.daemon).write({'x_compago_state': 'pending', 'x_compago_intent_id': 'pi_squat'})
        vals = {'amount': 1, 'payment_method_id': self.cash.id, 'compago_intent_id': 'pi_squat',
                'payment_date': fields.Datetime.now()}
        try:
            if MAJOR >= 18:
                self.sync18(order, [(0, 0, vals)], state='draft')
            else:
                self.env['pos.payment'].with_user(self.cashier).create(dict(vals, pos_order_id=order.id))
        except (UserError, AccessError):
            pass
        err = None
        try:
            self.record(order, 'pi_squat', 100)
        except UserError as e:
            err = e
        self.assertIsNone(err, "the card's charge of 100 cannot be recorded: %s" % err)
        self.assertEqual(self.compago_lines(order).mapped('amount'), [100.0])

    def test_attack_sync_moves_another_orders_card_line(self):
        """18/19: the sync's payment_ids is filtered against the synced
        order's own recorded lines only: (4, id) or (1, id, vals) of
        another order's daemon line is let through, and moves or rewrites
        the card payment of that order."""
        if MAJOR < 18:
            self.skipTest("17's sync sends statement_ids, (0, 0, vals) only")
        for n, make in enumerate((lambda lid: [(4, lid)], lambda lid: [(1, lid, {'amount': 1})])):
            victim = self.new_order(100)
            self.record(victim, 'pi_move_%d' % n, 100)
            line = self.compago_lines(victim)
            mine = self.new_order(100)
            try:
                self.sync18(mine, make(line.id), state='draft')
            except (UserError, AccessError):
                pass
            self.assertEqual((line.pos_order_id, line.amount), (victim, 100.0),
                             "the sync of another order changed the charged card's line (%r)" % (make(line.id),))

    def test_attack_cashier_writes_requested_on_a_charged_order(self):
        """compago_send refuses a request on an order that is not a draft,
        but a plain write of x_compago_state = 'requested' is let through:
        on a charged, completed order the daemon then answers 'failed,
        nothing due' and the POS shows a charged card as failed."""
        order = self.new_order(100)
        self.record(order, 'pi_reflag', 100)
        self.assertEqual(order.state, 'paid')
        refused = False
        try:
            order.with_user(self.cashier).write({'x_compago_state': 'requested', 'x_compago_amount': 100})
        except (UserError, AccessError):
            refused = True
        self.assertTrue(refused, "a request written on a paid order goes around compago_send's checks")

    def test_attack_refund_of_a_card_paid_order(self):
        """Not an attack, a shop's everyday: the back office refunds an
        order paid with Compago (pos.order.refund, which copies the order).
        The x_compago_* fields are manual fields, copied: the copy writes the
        daemon-only fields, which anyone outside the Compago group is
        refused; the refund cannot be made, or the refund order claims the
        original's card payment ("paid", its intent id)."""
        order = self.new_order(100)
        self.record(order, 'pi_refund', 100)
        self.assertEqual(order.state, 'paid')
        refund = None
        err = None
        try:
            refund = order.with_user(self.backoffice)._refund()
        except (UserError, AccessError) as e:
            err = e
        self.assertIsNone(err, "the back office cannot refund a card-paid order: %s" % err)
        self.assertFalse(refund.x_compago_state, "the refund order says it was paid with Compago")
        self.assertFalse(refund.x_compago_intent_id, "the refund order carries the original's intent id")
