// The sandbox page: polls /api/state and renders it; buttons post to /api/.
// Every amount arrives as text ("350.50 MXN"): the page does no money math.
"use strict";

const $ = (sel) => document.querySelector(sel);

const STATE_LABELS = {
  requested: "Requested",
  pending: "Pending on terminal",
  paid: "Paid",
  partially_paid: "Partially paid: money still due",
  cancel_requested: "Cancel requested",
  cancelled: "Cancelled",
  expired: "Expired",
  failed: "Failed",
};

// el builds an element: el("div", {class: "x"}, child, "text", ...).
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// showNotice shows one sentence above the page; from says who raised it,
// so that a successful poll clears only its own complaint.
function showNotice(text, from) {
  $("#notice-text").textContent = text;
  $("#notice").dataset.from = from || "action";
  $("#notice").hidden = false;
}

function clearNotice() {
  $("#notice").hidden = true;
  delete $("#notice").dataset.from;
  $("#notice-text").textContent = "";
}

// api posts JSON and shows the server's sentence when it refuses.
async function api(path, body) {
  let resp;
  try {
    resp = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
    });
  } catch (e) {
    showNotice("The sandbox is not answering. Is `compago-connector sandbox` still running?");
    return null;
  }
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    showNotice(data.error || "The sandbox refused (" + resp.status + ").");
    return null;
  }
  clearNotice();
  poll();
  return data;
}

// keyed keeps one element per key in a list, rebuilding an element only
// when its data changed, so buttons do not flicker under the pointer.
function keyed(container, items, keyOf, build) {
  const seen = new Set();
  let prev = null;
  for (const item of items) {
    const key = String(keyOf(item));
    seen.add(key);
    const sig = JSON.stringify(item);
    let node = container.querySelector(`:scope > [data-key="${CSS.escape(key)}"]`);
    if (!node || node.dataset.sig !== sig) {
      const fresh = build(item);
      fresh.dataset.key = key;
      fresh.dataset.sig = sig;
      if (node) node.replaceWith(fresh);
      node = fresh;
    }
    const want = prev ? prev.nextSibling : container.firstChild;
    if (want !== node) container.insertBefore(node, want);
    prev = node;
  }
  for (const child of [...container.children]) {
    if (!seen.has(child.dataset.key)) child.remove();
  }
}

function badge(state) {
  const s = state || "none";
  return el("span", { class: "badge badge-" + s, "data-role": "state" }, STATE_LABELS[state] || "Not requested");
}

function field(label, value, cls) {
  if (!value) return null;
  return el("div", { class: "field" }, el("dt", {}, label), el("dd", { class: cls || "" }, value));
}

function buildOrder(o) {
  const actions = el("div", { class: "actions" },
    o.canCancel && el("button", { type: "button", class: "danger", "data-action": "cancel",
      onclick: () => api(`/api/orders/${o.id}/cancel`) }, "Cancel payment"),
    o.canRetry && el("button", { type: "button", "data-action": "retry",
      onclick: () => api(`/api/orders/${o.id}/retry`) }, "Request again"));
  const payments = o.payments.length === 0 ? null : el("ul", { class: "payments", "data-role": "payments" },
    o.payments.map((p) => el("li", { "data-role": "payment" },
      el("span", { class: "pay-amount" }, p.amount),
      el("span", {}, p.method),
      el("span", { class: "mono small" }, p.transactionId),
      el("span", { class: "muted small" }, p.status))));
  const deep = o.deepLink && o.compagoState === "pending"
    ? el("div", { class: "field" }, el("dt", {}, "Same device"),
      el("dd", {}, el("a", { href: o.deepLink, class: "mono small", "data-role": "deeplink" }, o.deepLink)))
    : null;
  return el("li", { class: "order order-" + (o.compagoState || "none"), "data-order": o.id },
    el("div", { class: "order-head" },
      el("div", {},
        el("div", { class: "order-name" }, o.name),
        el("div", { class: "muted small" }, "Odoo state: ", el("span", { "data-role": "odoo-state" }, o.state))),
      el("div", { class: "order-right" },
        el("div", { class: "order-amount", "data-role": "amount" }, o.amount),
        badge(o.compagoState))),
    o.message && el("p", { class: "message", "data-role": "message" }, o.message),
    el("dl", { class: "fields" },
      field("Intent", o.intentId, "mono small"),
      field("External id", o.externalId, "mono small"),
      field("Terminal", o.terminal),
      o.state === "paid" || o.payments.length ? field("Paid", o.paid) : null,
      deep),
    payments,
    actions);
}

function buildTerminal(t) {
  const p = t.pending;
  if (!p) {
    return el("article", { class: "terminal idle", "data-terminal": t.code },
      el("header", {}, el("span", { class: "term-code" }, t.code), el("span", { class: "dot" }), el("span", { class: "term-status muted" }, "Idle")),
      el("div", { class: "screen" }, el("div", { class: "screen-idle" }, "Ready")));
  }
  return el("article", { class: "terminal active" + (p.declined ? " declined" : ""), "data-terminal": t.code },
    el("header", {}, el("span", { class: "term-code" }, t.code), el("span", { class: "dot on" }),
      el("span", { class: "term-status" }, p.routed ? "Payment request" : "Any terminal")),
    el("div", { class: "screen" },
      el("div", { class: "screen-amount", "data-role": "amount" }, p.amount),
      el("div", { class: "mono small", "data-role": "external-id" }, p.externalId),
      p.declined && el("div", { class: "declined-note" }, "Card declined. Try another card."),
      el("div", { class: "muted small" }, "Expires in ", el("span", { "data-role": "expires" }, p.expiresIn))),
    el("div", { class: "actions" },
      el("button", { type: "button", class: "primary", "data-action": "approve",
        onclick: () => api(`/api/terminals/${encodeURIComponent(t.code)}/approve`) }, "Approve card"),
      el("button", { type: "button", "data-action": "decline",
        onclick: () => api(`/api/terminals/${encodeURIComponent(t.code)}/decline`) }, "Decline")));
}

function renderTerminalSelect(terminals) {
  const sel = $("#terminal");
  const have = [...sel.options].map((o) => o.value).slice(1);
  const codes = terminals.map((t) => t.code);
  if (JSON.stringify(have) === JSON.stringify(codes)) return;
  const chosen = sel.value;
  sel.replaceChildren(el("option", { value: "" }, "POS default / any terminal"), ...codes.map((c) => el("option", { value: c }, c)));
  sel.value = codes.includes(chosen) ? chosen : "";
}

function render(st) {
  keyed($("#orders"), st.orders, (o) => o.id, buildOrder);
  $("#orders-empty").hidden = st.orders.length > 0;
  $("#orders-count").textContent = st.orders.length ? "· newest first" : "";
  // The countdown changes every second: update it in place, rebuild a card
  // only when something else changed.
  const cards = st.terminals.map((t) => ({ ...t, pending: t.pending && { ...t.pending, expiresIn: undefined } }));
  keyed($("#terminals"), cards, (t) => t.code, buildTerminal);
  for (const t of st.terminals) {
    const span = document.querySelector(`[data-terminal="${CSS.escape(t.code)}"] [data-role="expires"]`);
    if (span && t.pending) span.textContent = t.pending.expiresIn;
  }
  renderTerminalSelect(st.terminals);
  $("#clock-now").textContent = st.clock.now;
  $("#clock-ahead").textContent = st.clock.ahead ? "(" + st.clock.ahead + ")" : "";
  if (document.activeElement !== $("#odoo-down")) $("#odoo-down").checked = st.faults.odooDown;
  if (document.activeElement !== $("#compago-faults")) $("#compago-faults").value = st.faults.compago;
  const links = [];
  if (st.links.odoo) links.push(el("a", { href: st.links.odoo + "/web/webclient/version_info" }, "Odoo simulator"));
  if (st.links.compago) links.push(el("a", { href: st.links.compago + "/sim/payment-intents" }, "Compago intents"));
  const sig = JSON.stringify(st.links);
  if ($("#links").dataset.sig !== sig) {
    $("#links").replaceChildren(...links);
    $("#links").dataset.sig = sig;
  }
}

let polling = false;
async function poll() {
  if (polling) return;
  polling = true;
  try {
    const resp = await fetch("/api/state", { cache: "no-store" });
    const data = await resp.json();
    if (!resp.ok) throw new Error(data.error || resp.status);
    render(data);
    if ($("#notice").dataset.from === "poll") clearNotice();
    document.body.dataset.ready = "true";
  } catch (e) {
    showNotice("Lost touch with the sandbox: " + (e.message || e) + ". Retrying…", "poll");
  } finally {
    polling = false;
  }
}

$("#pay-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const res = await api("/api/orders", { amount: $("#amount").value, terminal: $("#terminal").value });
  if (res) $("#amount").value = "";
});
for (const b of document.querySelectorAll("[data-advance]")) {
  b.addEventListener("click", () => api("/api/clock", { advance: b.dataset.advance }));
}
$("#odoo-down").addEventListener("change", (ev) => api("/api/faults", { odooDown: ev.target.checked }));
$("#compago-faults").addEventListener("change", (ev) => api("/api/faults", { compago: ev.target.value }));
$("#notice-close").addEventListener("click", clearNotice);

poll();
setInterval(poll, 500);
