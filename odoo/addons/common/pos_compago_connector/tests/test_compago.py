# Part of compago-connector. License LGPL-3.
"""The addon's server side on a real Odoo: what a cashier, the daemon and
anyone else can and cannot do to a Compago payment."""
import uuid as uuidlib

from psycopg2 import IntegrityError

from odoo import fields, release
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tests.common import TransactionCase, new_test_user
from odoo.tools import mute_logger

MAJOR = release.version_info[0]


@tagged('post_install', '-at_install')
class TestCompago(TransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company = env.company
        journal = env['account.journal'].create({
            'name': 'Compago test', 'code': 'CPGT', 'type': 'bank', 'company_id': cls.company.id})
        cls.method = env['pos.payment.method'].create({
            'name': 'Compago test', 'journal_id': journal.id, 'use_payment_terminal': 'compago',
            'compago_terminal': 'TERMINAL-001', 'company_id': cls.company.id})
        # A second terminal with its own method (one method per terminal).
        journal2 = env['account.journal'].create({
            'name': 'Compago test 2', 'code': 'CPG2', 'type': 'bank', 'company_id': cls.company.id})
        cls.method2 = env['pos.payment.method'].create({
            'name': 'Compago test 2', 'journal_id': journal2.id, 'use_payment_terminal': 'compago',
            'compago_terminal': 'TERMINAL-002', 'company_id': cls.company.id})
        cash_journal = env['account.journal'].create({
            'name': 'Compago test cash', 'code': 'CPGC', 'type': 'cash', 'company_id': cls.company.id})
        cls.cash = env['pos.payment.method'].create({
            'name': 'Cash test', 'journal_id': cash_journal.id, 'company_id': cls.company.id})
        cls.config = env['pos.config'].create({
            'name': 'Compago test shop',
            'payment_method_ids': [(6, 0, (cls.method | cls.method2 | cls.cash).ids)],
        })
        cls.config.open_ui()
        cls.session = cls.config.current_session_id
        if MAJOR >= 18:
            cls.session.set_opening_control(0, '')
        else:
            cls.session.set_cashbox_pos(0, '')
        cls.product = env['product.product'].create({
            'name': 'Compago test item', 'available_in_pos': True, 'list_price': 100, 'taxes_id': [(6, 0, [])]})
        cls.cashier = new_test_user(env, login='compago_cashier', groups='base.group_user,point_of_sale.group_pos_user')
        cls.backoffice = new_test_user(env, login='compago_backoffice', groups='point_of_sale.group_pos_manager')
        cls.daemon = new_test_user(env, login='compago_daemon',
                                   groups='base.group_user,pos_compago_connector.group_compago_connector')
        cls.seq = 0

    def new_order(self, amount=100.0, **vals):
        type(self).seq += 1
        v = {
            'session_id': self.session.id, 'amount_total': amount, 'amount_tax': 0.0, 'amount_paid': 0.0,
            'amount_return': 0.0, 'pos_reference': 'Order %05d-901-%04d' % (self.session.id, self.seq),
            'sequence_number': self.seq,
            'lines': [(0, 0, {'product_id': self.product.id, 'qty': 1, 'price_unit': amount,
                              'price_subtotal': amount, 'price_subtotal_incl': amount,
                              'full_product_name': 'Compago test item', 'tax_ids': [(6, 0, [])]})],
        }
        if MAJOR >= 18:
            v['uuid'] = str(uuidlib.uuid4())
        v.update(vals)
        return self.env['pos.order'].create(v)

    def record(self, order, intent, amount, user=None, **vals):
        v = {'intent_id': intent, 'external_id': 'db-%d-1' % order.id, 'amount': amount,
             'payment_method_id': self.method.id, 'message': 'Paid with card.'}
        v.update(vals)
        return self.env['pos.order'].with_user(user or self.daemon).compago_record_payment(order.id, v)

    def compago_lines(self, order):
        return order.payment_ids.filtered(lambda p: p.payment_method_id == self.method)

    # -- the cashier ---------------------------------------------------

    def test_cashier_requests_and_cancels(self):
        order = self.new_order(100)
        Order = self.env['pos.order'].with_user(self.cashier)
        status = Order.compago_send(order.id, {'amount': 100.0, 'payment_method_id': self.method.id,
                                               'payment_uuid': 'a1b2c3d4-0000-4000-8000-000000000001'})
        self.assertEqual(status['state'], 'requested')
        self.assertEqual(order.x_compago_terminal, 'TERMINAL-001')
        self.assertEqual(order.x_compago_amount, 100.0)
        with self.assertRaises(UserError, msg="a second Send while the first is live is refused"):
            Order.compago_send(order.id, {'amount': 100.0, 'payment_method_id': self.method.id})
        status = Order.compago_cancel(order.id)
        self.assertEqual(status['state'], 'cancel_requested')
        self.assertFalse(self.compago_lines(order), "a request makes no payment line")

    def test_each_send_is_numbered_and_its_status_says_which(self):
        # A word about an earlier request (a bus message or a poll's answer
        # that reaches the POS late) must be told from the new request's:
        # the POS would show the retried line cancelled while its card is
        # charged.
        order = self.new_order(100)
        Order = self.env['pos.order'].with_user(self.cashier)
        first = Order.compago_send(order.id, {'amount': 100.0, 'payment_method_id': self.method.id})
        order.with_user(self.daemon).write({'x_compago_state': 'expired', 'x_compago_message': 'Expired'})
        stale = Order.compago_status([order.id])[0]
        self.assertEqual(stale['request'], first['request'], "the daemon's word is about the request it followed")
        retry = Order.compago_send(order.id, {'amount': 100.0, 'payment_method_id': self.method.id})
        self.assertGreater(retry['request'], stale['request'], "a Send is a newer request than every word before it")
        for user in (self.cashier, self.backoffice):
            with self.assertRaises(AccessError, msg='%s numbered a request' % user.login):
                order.with_user(user).write({'compago_request': 99})
        self.assertFalse(order.copy_data()[0].get('compago_request'), "a copy of the order carries no request")

    def test_send_checks_amount_method_and_order(self):
        order = self.new_order(100)
        Order = self.env['pos.order'].with_user(self.cashier)
        with self.assertRaisesRegex(UserError, 'more than what is due'):
            Order.compago_send(order.id, {'amount': 100.01, 'payment_method_id': self.method.id})
        with self.assertRaisesRegex(UserError, 'more than zero'):
            Order.compago_send(order.id, {'amount': 0, 'payment_method_id': self.method.id})
        with self.assertRaisesRegex(UserError, 'not a Compago method'):
            Order.compago_send(order.id, {'amount': 10, 'payment_method_id': self.cash.id})
        order.add_payment({'pos_order_id': order.id, 'amount': 60, 'payment_method_id': self.cash.id})
        with self.assertRaisesRegex(UserError, 'more than what is due'):
            Order.compago_send(order.id, {'amount': 40.01, 'payment_method_id': self.method.id})
        self.assertEqual(Order.compago_send(order.id, {'amount': 40, 'payment_method_id': self.method.id})['state'], 'requested')

    def test_record_uses_the_method_the_cashier_chose(self):
        # One method per terminal: the cashier sends with the second
        # terminal's method; the daemon knows one configured method. The
        # charge is recorded under the cashier's method, once, so the POS's
        # line and Odoo's agree.
        order = self.new_order(100)
        self.env['pos.order'].with_user(self.cashier).compago_send(
            order.id, {'amount': 100.0, 'payment_method_id': self.method2.id})
        self.assertEqual(order.x_compago_terminal, 'TERMINAL-002')
        intent = str(uuidlib.uuid4())
        self.record(order, intent, 100.0)
        self.record(order, intent, 100.0)
        lines = order.payment_ids.filtered('compago_intent_id')
        self.assertEqual(len(lines), 1)
        self.assertEqual(lines.payment_method_id, self.method2)

    def test_a_line_added_before_the_addon_is_adopted_whatever_its_method(self):
        # The daemon recorded with add_payment under its configured method
        # (it had not seen the addon yet) and its answer was lost; the next
        # try goes through the addon, with the cashier's method on the
        # order: the existing line is this charge, no second one.
        order = self.new_order(100)
        self.env['pos.order'].with_user(self.cashier).compago_send(
            order.id, {'amount': 100.0, 'payment_method_id': self.method2.id})
        intent = str(uuidlib.uuid4())
        order.add_payment({'pos_order_id': order.id, 'amount': 100.0, 'payment_method_id': self.method.id,
                           'transaction_id': intent, 'payment_status': 'done'})
        self.record(order, intent, 100.0)
        lines = order.payment_ids.filtered(lambda p: p.transaction_id == intent)
        self.assertEqual(len(lines), 1, "the line added before is this charge's line")
        self.assertEqual(lines.compago_intent_id, intent)

    def test_send_refused_on_closed_session(self):
        order = self.new_order(100)
        self.session.sudo().write({'state': 'closed'})
        with self.assertRaisesRegex(UserError, 'session of this order is closed'):
            self.env['pos.order'].with_user(self.cashier).compago_send(order.id, {'amount': 100, 'payment_method_id': self.method.id})

    def test_cashier_and_backoffice_cannot_write_daemon_fields(self):
        order = self.new_order(100)
        for user in (self.cashier, self.backoffice):
            o = order.with_user(user)
            for vals in ({'x_compago_intent_id': 'pi_forged'}, {'x_compago_external_id': 'x'},
                         {'x_compago_deeplink': 'compago-pos-app:///x'}, {'x_compago_message': 'Paid'},
                         {'x_compago_payment_uuid': 'u'}, {'x_compago_state': 'paid'},
                         {'x_compago_state': 'pending'}, {'x_compago_state': 'failed'}):
                with self.assertRaises(AccessError, msg='%s wrote %s' % (user.login, vals)):
                    o.write(vals)
            o.write({'x_compago_state': 'requested', 'x_compago_amount': 10.0, 'x_compago_terminal': 'TERMINAL-002'})
            o.write({'x_compago_state': 'cancel_requested'})
        with self.assertRaises(AccessError):
            self.env['pos.order'].with_user(self.cashier).create({
                'session_id': self.session.id, 'amount_total': 1, 'amount_tax': 0, 'amount_paid': 0,
                'amount_return': 0, 'x_compago_state': 'paid'})
        order.with_user(self.daemon).write({'x_compago_state': 'pending', 'x_compago_message': 'Waiting'})
        self.assertEqual(order.x_compago_state, 'pending')

    def test_cashier_cannot_record(self):
        order = self.new_order(100)
        with self.assertRaises(AccessError):
            self.record(order, 'pi_cashier', 100.0, user=self.cashier)
        self.assertFalse(order.payment_ids)

    # -- the daemon's one call ------------------------------------------

    def test_record_is_idempotent_and_completes_an_api_order(self):
        order = self.new_order(100, x_compago_state='requested')
        res = self.record(order, 'pi_0001', 100.0)
        self.assertTrue(res['created'])
        self.assertTrue(res['completed'], res)
        self.assertEqual(order.state, 'paid')
        self.assertEqual(order.x_compago_state, 'paid')
        self.assertEqual(order.x_compago_message, 'Paid with card.')
        # The answer was lost: the daemon calls again.
        res2 = self.record(order, 'pi_0001', 100.0)
        self.assertFalse(res2['created'])
        self.assertEqual(res2['line_id'], res['line_id'])
        lines = self.compago_lines(order)
        self.assertEqual(len(lines), 1)
        self.assertEqual(lines.transaction_id, 'pi_0001')
        self.assertEqual(lines.compago_intent_id, 'pi_0001')
        self.assertEqual(lines.payment_status, 'done')

    def test_record_checks(self):
        order = self.new_order(100, x_compago_state='requested')
        with self.assertRaisesRegex(UserError, 'order changed'):
            self.record(order, 'pi_0002', 100.01)
        with self.assertRaisesRegex(UserError, 'not allowed in this point of sale'):
            self.record(order, 'pi_0002', 10, payment_method_id=self.env['pos.payment.method'].create({
                'name': 'Other', 'journal_id': self.method.journal_id.id}).id)
        with self.assertRaises(Exception):
            self.record(order, "pi'; DROP TABLE pos_order;--", 10)
        self.record(order, 'pi_0002', 30)
        with self.assertRaisesRegex(UserError, 'not its method or amount'):
            self.record(order, 'pi_0002', 31)
        other = self.new_order(50)
        with self.assertRaisesRegex(UserError, 'another order'):
            self.record(other, 'pi_0002', 30)
        self.assertEqual(len(self.compago_lines(order)), 1)
        self.assertFalse(other.payment_ids)

    def test_record_refused_on_closed_session(self):
        order = self.new_order(100, x_compago_state='requested')
        self.session.sudo().write({'state': 'closed'})
        with self.assertRaisesRegex(UserError, 'session of the order is closed'):
            self.record(order, 'pi_0003', 100)

    def test_unique_index_refuses_a_plain_second_line(self):
        order = self.new_order(100)
        self.record(order, 'pi_0004', 40)
        with self.assertRaises(IntegrityError), mute_logger('odoo.sql_db'), self.cr.savepoint():
            # A script: a Compago method and the intent id as transaction id.
            self.env['pos.payment'].create({'pos_order_id': order.id, 'amount': 40,
                                            'payment_method_id': self.method.id, 'transaction_id': 'pi_0004'})
        with self.assertRaises(IntegrityError), mute_logger('odoo.sql_db'), self.cr.savepoint():
            order.add_payment({'pos_order_id': order.id, 'amount': 40, 'payment_method_id': self.cash.id,
                               'compago_intent_id': 'pi_0004'})

    # -- the POS's validation meets the daemon's write-back ----------------

    def pos_sync(self, order, payments, state='paid'):
        """What the POS sends when the cashier validates (or saves) the order."""
        if MAJOR >= 18:
            data = {
                'uuid': order.uuid, 'name': order.pos_reference, 'session_id': self.session.id,
                'state': state, 'amount_total': order.amount_total, 'amount_tax': 0.0,
                'amount_paid': sum(p['amount'] for p in payments), 'amount_return': 0.0,
                'access_token': order.access_token, 'lines': [],
                # A line the POS already saved goes by its id, as the POS
                # sends it once it knows it.
                'payment_ids': [(1, p['id'], {k: v for k, v in p.items() if k != 'id'}) if p.get('id')
                                else (0, 0, dict(p, payment_date=fields.Datetime.now())) for p in payments],
            }
            return self.env['pos.order'].with_user(self.cashier).sync_from_ui([data])
        data = {
            'server_id': order.id, 'name': order.pos_reference, 'pos_session_id': self.session.id,
            'user_id': self.cashier.id, 'partner_id': False, 'sequence_number': order.sequence_number,
            'date_order': fields.Datetime.to_string(fields.Datetime.now()), 'fiscal_position_id': False,
            'pricelist_id': order.pricelist_id.id, 'amount_total': order.amount_total, 'amount_tax': 0.0,
            'amount_paid': sum(p['amount'] for p in payments), 'amount_return': 0.0, 'uid': order.pos_reference[6:],
            'lines': [[0, 0, {'product_id': self.product.id, 'qty': 1, 'price_unit': order.amount_total,
                              'price_subtotal': order.amount_total, 'price_subtotal_incl': order.amount_total,
                              'discount': 0, 'tax_ids': [(6, 0, [])], 'full_product_name': 'Compago test item'}]],
            'statement_ids': [[0, 0, dict({k: v for k, v in p.items() if k != 'id'}, name=fields.Datetime.to_string(fields.Datetime.now()))]
                              for p in payments],
        }
        return self.env['pos.order'].with_user(self.cashier).create_from_ui([{'data': data}], draft=(state == 'draft'))

    def test_pos_validation_after_daemon_record_makes_no_second_line(self):
        order = self.new_order(100)
        Order = self.env['pos.order'].with_user(self.cashier)
        puuid = str(uuidlib.uuid4())
        Order.compago_send(order.id, {'amount': 70, 'payment_method_id': self.method.id, 'payment_uuid': puuid})
        # The POS saves the order with its cash line and its waiting Compago line.
        self.pos_sync(order, [{'amount': 30, 'payment_method_id': self.cash.id},
                              {'amount': 70, 'payment_method_id': self.method.id, 'payment_status': 'waiting', 'uuid': puuid}],
                      state='draft')
        self.assertEqual(order.amount_paid, 30, "a waiting Compago line is a request, not a payment")
        res = self.record(order, 'pi_0005', 70, payment_uuid=puuid)
        self.assertFalse(res['completed'], "the POS gets the grace period to validate it itself")
        self.assertGreater(res['complete_after'], 0)
        self.assertEqual(order.state, 'draft')
        status = Order.compago_status([order.id])[0]
        self.assertEqual(status['state'], 'paid')
        self.assertEqual(status['paid_line']['transaction_id'], 'pi_0005')
        if MAJOR >= 18:
            self.assertEqual(status['paid_line']['uuid'], puuid)
        # The cashier validates: the POS sends its done Compago line too.
        cash_line = order.payment_ids.filtered(lambda p: p.payment_method_id == self.cash)
        self.pos_sync(order, [{'amount': 30, 'payment_method_id': self.cash.id, 'id': MAJOR >= 18 and cash_line.id},
                              {'amount': 70, 'payment_method_id': self.method.id, 'payment_status': 'done',
                               'transaction_id': 'pi_0005', 'uuid': puuid}])
        self.assertEqual(order.state, 'paid')
        self.assertEqual(len(self.compago_lines(order)), 1)
        self.assertEqual(len(order.payment_ids.filtered(lambda p: p.payment_method_id == self.cash)), 1)
        self.assertEqual(order.amount_paid, 100)
        # The daemon's next call finds it done and adds nothing.
        res = self.record(order, 'pi_0005', 70, payment_uuid=puuid)
        self.assertFalse(res['created'])
        self.assertEqual(len(self.compago_lines(order)), 1)

    def test_pos_saves_a_draft_twice(self):
        """Send saves the draft, Validate saves it again: Odoo's update of a
        draft deletes the order's access token from what the POS sends, so
        19's POS must load it, and a sync without it must not fail."""
        if MAJOR < 18:
            self.skipTest("17 saves through create_from_ui, which asks no access token")
        if MAJOR >= 19:
            self.assertIn('access_token', self.env['pos.order']._load_pos_data_fields(self.config))
            # A new POS checks the drafts it loads (and their payments) by write_date.
            self.assertIn('write_date', self.env['pos.order']._load_pos_data_fields(self.config))
            self.assertIn('write_date', self.env['pos.payment']._load_pos_data_fields(self.config))
        order = self.new_order(100)
        token = order.access_token
        self.assertTrue(token)
        data = {
            'uuid': order.uuid, 'name': order.pos_reference, 'session_id': self.session.id,
            'state': 'draft', 'amount_total': 100, 'amount_tax': 0.0, 'amount_paid': 0, 'amount_return': 0.0,
            'lines': [], 'payment_ids': [],
        }
        self.env['pos.order'].with_user(self.cashier).sync_from_ui([data])
        self.assertEqual(self.env['pos.order'].search_count([('uuid', '=', order.uuid)]), 1)
        self.assertEqual(order.access_token, token)

    def test_pos_that_never_comes_back_is_completed_after_the_grace(self):
        order = self.new_order(100)
        puuid = str(uuidlib.uuid4())
        self.env['pos.order'].with_user(self.cashier).compago_send(
            order.id, {'amount': 100, 'payment_method_id': self.method.id, 'payment_uuid': puuid})
        res = self.record(order, 'pi_0006', 100)
        self.assertFalse(res['completed'])
        self.env['ir.config_parameter'].sudo().set_param('pos_compago_connector.complete_grace_seconds', '0')
        res = self.record(order, 'pi_0006', 100)
        self.assertTrue(res['completed'], res)
        self.assertEqual(order.state, 'paid')
        # The POS comes back later and validates what it had: no second
        # order, no second line.
        before = self.env['pos.order'].search_count([])
        self.pos_sync(order, [{'amount': 100, 'payment_method_id': self.method.id, 'payment_status': 'done',
                               'transaction_id': 'pi_0006', 'uuid': puuid}])
        self.assertEqual(self.env['pos.order'].search_count([]), before)
        self.assertEqual(len(self.compago_lines(order)), 1)

    def test_pos_sync_cannot_write_compago_fields_or_drop_the_daemon_line(self):
        order = self.new_order(100)
        self.record(order, 'pi_0007', 40)
        if MAJOR >= 18:
            line = self.compago_lines(order)
            data = {
                'uuid': order.uuid, 'name': order.pos_reference, 'session_id': self.session.id,
                'state': 'draft', 'amount_total': 100, 'amount_tax': 0.0, 'amount_paid': 0, 'amount_return': 0.0,
                'access_token': order.access_token, 'lines': [], 'x_compago_state': 'paid',
                'x_compago_message': 'forged', 'payment_ids': [(2, line.id), (1, line.id, {'amount': 1})],
            }
            self.env['pos.order'].with_user(self.cashier).sync_from_ui([data])
        else:
            self.pos_sync(order, [], state='draft')
        self.assertEqual(len(self.compago_lines(order)), 1)
        self.assertEqual(self.compago_lines(order).amount, 40)
        self.assertNotEqual(order.x_compago_message, 'forged')

    def test_cancel_after_the_charge_keeps_it_paid(self):
        """A cashier's Cancel meeting a charged card: paid, never cancelled."""
        order = self.new_order(100)
        Order = self.env['pos.order'].with_user(self.cashier)
        Order.compago_send(order.id, {'amount': 100, 'payment_method_id': self.method.id})
        order.with_user(self.daemon).write({'x_compago_state': 'pending', 'x_compago_intent_id': 'pi_0008'})
        # The cancel lands first, the charge is recorded after it.
        self.assertEqual(Order.compago_cancel(order.id)['state'], 'cancel_requested')
        self.record(order, 'pi_0008', 100)
        self.assertEqual(order.x_compago_state, 'paid')
        # A cancel after the charge changes nothing.
        self.assertEqual(Order.compago_cancel(order.id)['state'], 'paid')
        self.assertEqual(len(self.compago_lines(order)), 1)

    def test_late_charge_of_an_older_request_keeps_the_newer_state(self):
        order = self.new_order(100)
        order.with_user(self.daemon).write({'x_compago_state': 'pending', 'x_compago_intent_id': 'pi_new'})
        res = self.record(order, 'pi_old', 40)
        self.assertTrue(res['created'])
        self.assertEqual(order.x_compago_state, 'pending', "the newer request still speaks for the order")
        self.assertEqual(order.x_compago_intent_id, 'pi_new')
        self.assertEqual(order.amount_paid, 40)

    def test_hostile_message_is_kept_as_text(self):
        order = self.new_order(100)
        hostile = "<script>alert(1)</script>'; DROP TABLE pos_order;--" + "x" * 1000
        self.record(order, 'pi_0009', 100, message=hostile)
        self.assertEqual(order.x_compago_message, hostile[:500])
        with self.assertRaises(Exception):
            self.record(self.new_order(10), 'pi_0010', 10, message={'not': 'text'})
