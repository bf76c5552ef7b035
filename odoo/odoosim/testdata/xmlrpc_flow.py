# Odoo's documented external-API example flow (xmlrpc.client), then the same
# over raw JSON-RPC with urllib. Prints "ok" when every step behaved.
import json
import sys
import urllib.request
import xmlrpc.client

url, db, username, password = sys.argv[1], sys.argv[2], "admin", "admin"

common = xmlrpc.client.ServerProxy("{}/xmlrpc/2/common".format(url))
version = common.version()
assert version["server_version"].endswith(".0"), version
uid = common.authenticate(db, username, password, {})
assert uid == 2, uid

models = xmlrpc.client.ServerProxy("{}/xmlrpc/2/object".format(url))
sessions = models.execute_kw(db, uid, password, "pos.session", "search_read",
                             [[["state", "=", "opened"]]], {"fields": ["name", "config_id"], "limit": 1})
assert len(sessions) == 1 and isinstance(sessions[0]["config_id"], list), sessions
session_id = sessions[0]["id"]
order_id = models.execute_kw(db, uid, password, "pos.order", "create",
                             [{"session_id": session_id, "amount_total": 350.5, "amount_tax": 0.0,
                               "amount_paid": 0.0, "amount_return": 0.0}])
assert isinstance(order_id, int), order_id
assert models.execute_kw(db, uid, password, "pos.order", "write", [[order_id], {"amount_total": 120.25}]) is True
[order] = models.execute_kw(db, uid, password, "pos.order", "read", [[order_id]], {"fields": ["name", "amount_total", "partner_id"]})
assert order["amount_total"] == 120.25 and order["partner_id"] is False and order["name"] == "/", order
fields = models.execute_kw(db, uid, password, "pos.order", "fields_get", [], {"attributes": ["string", "type", "required"]})
assert fields["amount_total"]["required"] is True, fields["amount_total"]
try:
    models.execute_kw(db, uid, password, "pos.order", "action_pos_order_paid", [[order_id]])
    raise AssertionError("an unpaid order was accepted")
except xmlrpc.client.Fault as err:
    assert err.faultCode == 2 and "not fully paid" in err.faultString, err
try:
    models.execute_kw(db, uid, "wrong", "pos.order", "search", [[]])
    raise AssertionError("a wrong password was accepted")
except xmlrpc.client.Fault as err:
    assert err.faultCode == 3, err


def jsonrpc(service, method, *args):
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 7,
                       "params": {"service": service, "method": method, "args": args}}).encode()
    req = urllib.request.Request(url + "/jsonrpc", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200
        return json.loads(resp.read())


answer = jsonrpc("common", "authenticate", db, username, password, {})
assert answer["id"] == 7 and answer["result"] == 2, answer
answer = jsonrpc("object", "execute_kw", db, 2, password, "pos.order", "search_count", [[["id", "=", order_id]]])
assert answer["result"] == 1, answer
answer = jsonrpc("object", "execute_kw", db, 2, password, "pos.order", "add_payment",
                 [[order_id], {"pos_order_id": order_id, "amount": 120.25, "payment_method_id": 2, "transaction_id": "py-1"}])
assert "result" not in answer and "error" not in answer, answer
answer = jsonrpc("object", "execute_kw", db, 2, password, "pos.order", "action_pos_order_paid", [[order_id]])
assert answer["result"] is True, answer
answer = jsonrpc("object", "execute_kw", db, 2, password, "no.such.model", "search", [[]])
assert answer["error"]["data"]["name"] == "odoo.exceptions.UserError", answer
print("ok")
