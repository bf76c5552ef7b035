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

    # ---- the cashier's chosen Compago method (compago_payment_method_id) ----

    def intent_lines(self, order, intent):
        return order.payment_ids.filtered(lambda p: p.compago_intent_id == intent or p.transaction_id == intent)

    def test_attack_cash_line_with_the_pending_intent_is_taken_as_the_card_line(self):
        """The pending intent's id is readable (compago_status). The cashier
        adds a cash line of the charge's amount carrying that id as its
        transaction id (pos.payment.create; 18/19 also through the sync).
        When the card is charged, the daemon's record takes the cash line
        as the charge's line ("a line added before the addon"): Odoo shows
        cash for money the card paid, and the drawer counts cash the
        cashier can pocket."""
        order = self.new_order(100)
        Order = self.env['pos.order'].with_user(self.cashier)
        Order.compago_send(order.id, {'amount': 100, 'payment_method_id': self.method.id})
        order.with_user(self.daemon).write({'x_compago_state': 'pending', 'x_compago_intent_id': 'pi_cashsteer'})
        intent = Order.compago_status([order.id])[0]['intent_id']
        vals = {'amount': 100, 'payment_method_id': self.cash.id, 'transaction_id': intent,
                'payment_date': fields.Datetime.now()}
        try:
            self.env['pos.payment'].with_user(self.cashier).create(dict(vals, pos_order_id=order.id))
        except (UserError, AccessError):
            pass
        try:
            self.record(order, intent, 100)
        except UserError:
            pass  # refused: a human decides, the card's money is not cash
        for line in order.payment_ids.filtered(lambda p: p.compago_intent_id == intent):
            self.assertEqual(line.payment_method_id.use_payment_terminal, 'compago',
                             "the card's charge is recorded as the cashier's %s line" % line.payment_method_id.name)

    def test_attack_late_charge_of_terminal_a_is_recorded_under_method_b(self):
        """The cashier sends 40 with terminal 1's method, cancels, and sends
        60 with terminal 2's method. The cancel lost the race: terminal 1's
        40 was charged and is recorded late. compago_payment_method_id now
        says terminal 2's method: terminal 1's charge lands in terminal 2's
        journal (the settlement of neither terminal matches Odoo)."""
        for daemon_wrote_new_intent in (True, False):
            order = self.new_order(100)
            Order = self.env['pos.order'].with_user(self.cashier)
            Order.compago_send(order.id, {'amount': 40, 'payment_method_id': self.method.id})
            order.with_user(self.daemon).write({'x_compago_state': 'pending', 'x_compago_intent_id': 'pi_a_%s' % daemon_wrote_new_intent})
            Order.compago_cancel(order.id)
            order.with_user(self.daemon).write({'x_compago_state': 'cancelled'})
            Order.compago_send(order.id, {'amount': 60, 'payment_method_id': self.method2.id})
            if daemon_wrote_new_intent:
                order.with_user(self.daemon).write({'x_compago_state': 'pending', 'x_compago_intent_id': 'pi_b'})
            # The daemon says which terminal it charged on (its attempt's).
            self.record(order, 'pi_a_%s' % daemon_wrote_new_intent, 40, terminal='TERMINAL-001')
            line = self.intent_lines(order, 'pi_a_%s' % daemon_wrote_new_intent)
            self.assertEqual(line.payment_method_id, self.method,
                             "terminal 1's charge is recorded under %s (new intent written: %s)"
                             % (line.payment_method_id.name, daemon_wrote_new_intent))

    def test_attack_request_written_by_hand_keeps_the_old_method(self):
        """The cashier sends with terminal 2's method, cancels, then writes
        the request by hand (x_compago_state = requested is a user state)
        routed to terminal 1. The charge on terminal 1 is recorded under
        terminal 2's method, the one compago_send stored last."""
        order = self.new_order(100)
        Order = self.env['pos.order'].with_user(self.cashier)
        Order.compago_send(order.id, {'amount': 100, 'payment_method_id': self.method2.id})
        order.with_user(self.daemon).write({'x_compago_state': 'pending', 'x_compago_intent_id': 'pi_hand_1'})
        Order.compago_cancel(order.id)
        order.with_user(self.daemon).write({'x_compago_state': 'cancelled'})
        try:
            order.with_user(self.cashier).write({'x_compago_state': 'requested', 'x_compago_amount': 100,
                                                 'x_compago_terminal': 'TERMINAL-001'})
        except (UserError, AccessError):
            return
        order.with_user(self.daemon).write({'x_compago_state': 'pending', 'x_compago_intent_id': 'pi_hand_2'})
        self.record(order, 'pi_hand_2', 100)
        line = self.intent_lines(order, 'pi_hand_2')
        self.assertNotEqual(line.payment_method_id, self.method2,
                            "a charge on TERMINAL-001 is recorded under terminal 2's method")

    def test_attack_cashier_writes_the_chosen_method(self):
        """compago_payment_method_id through write, create and copy by the
        cashier, and through the POS's sync: none of them sets it."""
        order = self.new_order(100)
        with self.assertRaises(AccessError):
            order.with_user(self.cashier).write({'compago_payment_method_id': self.cash.id})
        with self.assertRaises(AccessError):
            self.new_order(100).with_user(self.cashier).copy({'compago_payment_method_id': self.cash.id})
        Order = self.env['pos.order'].with_user(self.cashier)
        Order.compago_send(order.id, {'amount': 100, 'payment_method_id': self.method.id})
        if MAJOR >= 18:
            data = {
                'uuid': order.uuid, 'name': order.pos_reference, 'session_id': self.session.id,
                'state': 'draft', 'amount_total': order.amount_total, 'amount_tax': 0.0,
                'amount_paid': 0.0, 'amount_return': 0.0, 'access_token': order.access_token,
                'lines': [], 'payment_ids': [], 'compago_payment_method_id': self.cash.id,
            }
            try:
                Order.sync_from_ui([data])
            except (UserError, AccessError):
                pass
        self.assertEqual(order.compago_payment_method_id, self.method)
        order.with_user(self.daemon).write({'x_compago_state': 'pending', 'x_compago_intent_id': 'pi_chosen'})
        self.record(order, 'pi_chosen', 100)
        self.assertEqual(self.intent_lines(order, 'pi_chosen').payment_method_id, self.method)

    def test_attack_retry_after_adopting_a_line_of_the_daemons_own_method(self):
        """Not an attack, a lost answer: the daemon's configured method is a
        plain bank method (setup does not make it a terminal method, and
        the install guide's step 3, "Integrate with Compago", is not done
        on it) while the cashier sends with a terminal method. Its
        add_payment line, from before it saw the addon, is adopted by the
        first record; the answer is lost and the daemon calls again: the
        line now carries the intent, under the daemon's method, not the
        cashier's: Odoo refuses, and the cashier reads that Odoo refused a
        charge that is recorded."""
        journal = self.env['account.journal'].create({
            'name': 'Compago daemon', 'code': 'CPGD', 'type': 'bank', 'company_id': self.company.id})
        daemon_method = self.env['pos.payment.method'].create({
            'name': 'Compago daemon', 'journal_id': journal.id, 'company_id': self.company.id})
        # In the point of sale since before its session opened (Odoo
        # refuses the change while a session is open).
        self.env.cr.execute("INSERT INTO pos_config_pos_payment_method_rel (pos_config_id, pos_payment_method_id) "
                            "VALUES (%s, %s)", [self.config.id, daemon_method.id])
        self.env.invalidate_all()
        order = self.new_order(100)
        self.env['pos.order'].with_user(self.cashier).compago_send(
            order.id, {'amount': 100.0, 'payment_method_id': self.method2.id})
        order.add_payment({'pos_order_id': order.id, 'amount': 100.0, 'payment_method_id': daemon_method.id,
                           'transaction_id': 'pi_lost_answer', 'payment_status': 'done'})
        self.record(order, 'pi_lost_answer', 100.0, payment_method_id=daemon_method.id)
        err = None
        try:
            self.record(order, 'pi_lost_answer', 100.0, payment_method_id=daemon_method.id)
        except UserError as e:
            err = e
        self.assertIsNone(err, "the retry of a recorded charge is refused: %s" % err)
        self.assertEqual(len(self.intent_lines(order, 'pi_lost_answer')), 1)

    def test_pos_sync_sending_back_the_chosen_method_is_not_refused(self):
        """Not an attack, the 18 POS: pos.order's POS data is every field
        (no _load_pos_data_fields of its own), and the POS sends back every
        stored field it holds, compago_payment_method_id included (False,
        or the method of its Send). That sync must go through (the field is
        dropped like the x_compago_* ones), or the cashier cannot validate
        the order."""
        if MAJOR < 18:
            self.skipTest("17's sync sends its own list of fields")
        order = self.new_order(100)
        Order = self.env['pos.order'].with_user(self.cashier)
        Order.compago_send(order.id, {'amount': 100, 'payment_method_id': self.method.id})
        order.with_user(self.daemon).write({'x_compago_state': 'pending', 'x_compago_intent_id': 'pi_sendback'})
        self.record(order, 'pi_sendback', 100)
        for value in (False, self.method.id, self.cash.id):
            data = {
                'uuid': order.uuid, 'name': order.pos_reference, 'session_id': self.session.id,
                'state': 'draft', 'amount_total': order.amount_total, 'amount_tax': 0.0,
                'amount_paid': 100.0, 'amount_return': 0.0, 'access_token': order.access_token,
                'lines': [], 'payment_ids': [], 'compago_payment_method_id': value,
            }
            err = None
            try:
                Order.sync_from_ui([data])
            except (UserError, AccessError) as e:
                err = e
            self.assertIsNone(err, "the POS's sync with compago_payment_method_id=%r is refused: %s" % (value, err))
            self.assertEqual(order.compago_payment_method_id, self.method, "the POS's sync changed the chosen method")

    def test_attack_cash_line_rewritten_to_the_compago_method(self):
        """The cashier adds a cash line (allowed), then moves it to the
        Compago method: pos.payment.write by the web client's RPC, or on
        18/19 the sync's (1, id, vals) on the order's own line. The guard
        looks at the line before the write (cash): the order now shows a
        card payment no card paid."""
        for how in ('write', 'sync'):
            if how == 'sync' and MAJOR < 18:
                continue
            order = self.new_order(100)
            line = self.env['pos.payment'].with_user(self.cashier).create({
                'pos_order_id': order.id, 'amount': 100, 'payment_method_id': self.cash.id,
                'transaction_id': 'forged-by-%s' % how, 'payment_date': fields.Datetime.now()})
            try:
                if how == 'write':
                    line.with_user(self.cashier).write({'payment_method_id': self.method.id})
                else:
                    self.sync18(order, [(1, line.id, {'payment_method_id': self.method.id})], state='draft',
                                amount_paid=100.0)
            except (UserError, AccessError):
                pass
            self.assertFalse(self.compago_lines(order), "a cash line became a Compago card line (%s)" % how)

    def test_attack_sync_creates_a_cash_line_with_the_card_lines_uuid(self):
        """18/19: Odoo's update of a draft turns a created line whose uuid is
        one of the order's own lines into an update of that line, after the
        addon's filter let it through as a (0, 0, vals) cash line. The
        cashier's POS knows the uuid of the daemon's card line (it is its own
        Compago line's): it sends a cash line of 1.00 with it. The card's
        line must keep its method and amount: the merchant's books would
        show the charged card as 1.00 in cash."""
        if MAJOR < 18:
            self.skipTest("17's sync sends statement_ids, (0, 0, vals) only, with no uuid")
        import uuid as uuidlib
        order = self.new_order(100)
        puuid = str(uuidlib.uuid4())
        self.env['pos.order'].with_user(self.cashier).compago_send(
            order.id, {'amount': 100, 'payment_method_id': self.method.id, 'payment_uuid': puuid})
        self.record(order, 'pi_uuid_squat', 100, payment_uuid=puuid)
        line = order.payment_ids.filtered(lambda p: p.compago_intent_id == 'pi_uuid_squat')
        self.assertEqual(line.uuid, puuid, "the daemon's line carries the POS line's uuid")
        try:
            # Lists, as the POS's JSON arrives (Odoo rewrites the command in place).
            self.sync18(order, [[0, 0, {'uuid': puuid, 'amount': 1, 'payment_method_id': self.cash.id,
                                        'payment_date': fields.Datetime.now()}]], state='draft', amount_paid=1.0)
        except (UserError, AccessError):
            pass
        line = self.env['pos.payment'].sudo().search([('compago_intent_id', '=', 'pi_uuid_squat')])
        self.assertEqual((line.pos_order_id, line.payment_method_id, line.amount), (order, self.method, 100.0),
                         "a cash line sent with the card line's uuid rewrote the charged card's line")
