"""Hosted Checkout and billing-portal pages: plain HTML and inline CSS, nothing loaded
from outside the double, every control reachable by keyboard, errors announced (role=alert)."""

from __future__ import annotations

from html import escape
from typing import Any

from .catalog import format_amount
from .payment_methods import card_label
from .portal import cancel_mode, feature_on
from .store import Store
from .timeutil import fmt_date

_CSS = """
:root{color-scheme:light;font-family:system-ui,-apple-system,"Segoe UI",sans-serif}
body{margin:0;background:#f6f8fa;color:#1a1f36}
main{max-width:28rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:8px;
box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.4rem;margin:0 0 .5rem}
.price{font-size:1.8rem;font-weight:600;margin:.25rem 0 1.5rem}
label{display:block;font-size:.9rem;margin:.8rem 0 .25rem}
input{width:100%;box-sizing:border-box;padding:.6rem;border:1px solid #c4c9d4;border-radius:4px;
font-size:1rem}
input:focus,button:focus,a:focus{outline:3px solid #635bff;outline-offset:2px}
.row{display:flex;gap:1rem}.row>div{flex:1}
button{margin-top:1.2rem;width:100%;padding:.75rem;border:0;border-radius:4px;
background:#635bff;color:#fff;font-size:1rem;cursor:pointer}
button.secondary{background:#fff;color:#1a1f36;border:1px solid #c4c9d4}
button.danger{background:#df1b41}
.error{color:#df1b41;margin-top:1rem;font-weight:600}.error:empty{display:none}
.notice{background:#e6f4ea;padding:.6rem;border-radius:4px}.notice:empty{display:none}
.note{font-size:.8rem;color:#697386;margin-top:1.5rem}
.sub{border:1px solid #e3e8ee;border-radius:6px;padding:1rem;margin:1rem 0}
.sub form{display:inline}
a{color:#635bff}
table{width:100%;border-collapse:collapse;font-size:.9rem}
th,td{text-align:left;padding:.35rem .25rem;border-bottom:1px solid #e3e8ee}
td.amount{text-align:right}
"""


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def message_page(
    title: str, text: str, link: str | None = None, link_text: str = "Continue"
) -> str:
    extra = f'<p><a href="{escape(link)}">{escape(link_text)}</a></p>' if link else ""
    return _page(title, f"<h1>{escape(title)}</h1><p>{escape(text)}</p>{extra}")


def _product_and_price(store: Store, price_id: str) -> tuple[str, str]:
    price = store.get(price_id) or {}
    product = store.get(price.get("product", "")) or {}
    rec = price.get("recurring") or {}
    every = rec.get("interval", "month")
    if rec.get("interval_count", 1) > 1:
        every = f"{rec['interval_count']} {every}s"
    amount = format_amount(price.get("unit_amount", 0), price.get("currency", "usd"))
    return product.get("name", "Subscription"), f"{amount} per {every}"


def _card_fields(values: dict[str, str]) -> str:
    """Card number, expiry and CVC: the same fields on Checkout and on the portal's card form
    (the CVC is never echoed back)."""
    return f"""<label for=cardnumber>Card number</label>
<input id=cardnumber name=cardnumber inputmode=numeric autocomplete=cc-number
 placeholder="1234 1234 1234 1234" required value="{escape(values.get("cardnumber", ""))}">
<div class=row><div><label for=exp>Expiry (MM / YY)</label>
<input id=exp name=exp autocomplete=cc-exp placeholder="MM / YY" required
 value="{escape(values.get("exp", ""))}"></div>
<div><label for=cvc>CVC</label>
<input id=cvc name=cvc inputmode=numeric autocomplete=cc-csc placeholder="123" required>
</div></div>"""


def checkout_page(
    store: Store,
    session: dict[str, Any],
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> str:
    values = values or {}
    meta = store.meta.get(session["id"], {})
    name, price_text = _product_and_price(store, meta.get("price", ""))
    customer = store.get(session.get("customer") or "") or {}
    fixed_email = session.get("customer_email") or customer.get("email")
    email = fixed_email or values.get("email", "")
    readonly = " readonly" if fixed_email else ""
    cancel = session.get("cancel_url")
    cancel_link = (
        f'<p><a href="{escape(cancel)}">&larr; Cancel and go back</a></p>' if cancel else ""
    )
    body = f"""
<h1>Subscribe to {escape(name)}</h1>
<p class=price>{escape(price_text)}</p>
<form method=post action="/c/pay/{escape(session["id"])}" novalidate>
<label for=email>Email</label>
<input id=email name=email type=email autocomplete=email required value="{escape(email)}"{readonly}>
{_card_fields(values)}
<label for=name>Name on card</label>
<input id=name name=name autocomplete=cc-name value="{escape(values.get("name", ""))}">
<div id=error class=error role=alert>{escape(error or "")}</div>
<button type=submit>Subscribe</button>
</form>
{cancel_link}
<p class=note>Stripe test double. Test cards: 4242 4242 4242 4242 pays;
4000 0000 0000 0002 is declined; 4000 0000 0000 0341 pays now and fails at renewal.</p>
"""
    return _page(f"Subscribe to {name}", body)


def portal_page(store: Store, portal: dict[str, Any], notice: str | None = None) -> str:
    customer = store.get(portal["customer"]) or {}
    subs = [s for s in store.scan("subscription") if s["customer"] == portal["customer"]]
    mode = cancel_mode(store, portal)
    blocks = []
    for sub in subs:
        item = sub["items"]["data"][0]
        name, price_text = _product_and_price(store, item["price"]["id"])
        end = fmt_date(item["current_period_end"])
        if sub["status"] == "canceled":
            state = f"Canceled on {fmt_date(sub['ended_at'] or sub['canceled_at'])}"
        elif sub["cancel_at_period_end"]:
            state = f"Cancels on {end}"
        elif sub["status"] == "past_due":
            state = "Payment failed; we will retry your card"
        else:
            state = f"Renews on {end}"
        action = f"/p/session/{escape(portal['id'])}/subscriptions/{escape(sub['id'])}"
        buttons = ""
        # Only the cancellation the session's portal configuration allows.
        if sub["status"] != "canceled" and mode == "at_period_end":
            if sub["cancel_at_period_end"]:
                buttons += (
                    f'<form method=post action="{action}/resume">'
                    "<button type=submit>Resume subscription</button></form>"
                )
            else:
                buttons += (
                    f'<form method=post action="{action}/cancel_at_period_end">'
                    "<button type=submit class=secondary>Cancel at period end</button></form>"
                )
        elif sub["status"] != "canceled" and mode == "immediately":
            buttons += (
                f'<form method=post action="{action}/cancel_now">'
                "<button type=submit class=danger>Cancel now</button></form>"
            )
        blocks.append(
            f'<section class=sub aria-label="{escape(name)}"><h2>{escape(name)}</h2>'
            f'<p>{escape(price_text)}</p><p data-status="{escape(sub["status"])}">'
            f"{escape(state)}</p>{buttons}</section>"
        )
    if not blocks:
        blocks.append("<p>No subscriptions.</p>")
    if feature_on(store, portal, "payment_method_update"):
        blocks.append(_payment_method_block(store, portal))
    if feature_on(store, portal, "invoice_history"):
        blocks.append(_invoice_history(store, portal["customer"]))
    body = (
        f"<h1>Billing</h1>{_headline(store, portal)}<p>{escape(customer.get('email') or '')}</p>"
        f"<p class=notice role=status>{escape(notice or '')}</p>{''.join(blocks)}"
        f"{_back(portal)}"
    )
    return _page("Manage your subscription", body)


def _back(portal: dict[str, Any]) -> str:
    ret = portal.get("return_url")
    return f'<p><a href="{escape(ret)}">&larr; Return to the site</a></p>' if ret else ""


def _headline(store: Store, portal: dict[str, Any]) -> str:
    config = store.get(portal.get("configuration") or "") or {}
    headline = (config.get("business_profile") or {}).get("headline")
    return f"<p class=headline>{escape(headline)}</p>" if headline else ""


def _payment_method_block(store: Store, portal: dict[str, Any]) -> str:
    label = card_label(store, portal["customer"]) or "No card on file"
    link = f"/p/session/{escape(portal['id'])}/payment_method"
    return (
        '<section class=sub aria-labelledby=pm-title><h2 id=pm-title>Payment method</h2>'
        f'<p id=payment-method>{escape(label)}</p>'
        f'<p><a href="{link}">Update payment method</a></p></section>'
    )


def _invoice_history(store: Store, customer_id: str) -> str:
    invoices = [i for i in store.scan("invoice") if i["customer"] == customer_id][:24]
    rows = "".join(
        f'<tr data-invoice="{escape(i["id"])}"><td>{escape(i.get("number") or "")}</td>'
        f"<td>{escape(fmt_date(i['created']))}</td>"
        f'<td class=amount>{escape(format_amount(i["amount_due"], i["currency"]))}</td>'
        f"<td>{escape(_INVOICE_STATUS.get(i['status'], i['status']))}</td></tr>"
        for i in invoices
    )
    table = (
        "<table><thead><tr><th scope=col>Number</th><th scope=col>Date</th>"
        "<th scope=col class=amount>Amount</th><th scope=col>Status</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        if invoices
        else "<p>No invoices yet.</p>"
    )
    return (
        '<section class=sub aria-labelledby=invoices-title>'
        f"<h2 id=invoices-title>Invoice history</h2>{table}</section>"
    )


_INVOICE_STATUS = {
    "paid": "Paid", "open": "Open", "draft": "Draft", "void": "Void",
    "uncollectible": "Uncollectible",
}  # fmt: skip


def payment_method_page(
    store: Store, portal: dict[str, Any], error: str | None = None,
    values: dict[str, str] | None = None,
) -> str:
    """The payment-method form: the portal's page, or the whole page of a
    ``payment_method_update`` flow (Stripe hides the rest of the portal there)."""
    values = values or {}
    in_flow = (portal.get("flow") or {}).get("type") == "payment_method_update"
    open_invoice = _open_invoice_note(store, portal["customer"])
    home = (
        "" if in_flow
        else f'<p><a href="/p/session/{escape(portal["id"])}">&larr; Back to billing</a></p>'
    )  # fmt: skip
    body = f"""
<h1>Update payment method</h1>{_headline(store, portal)}{open_invoice}
<form method=post action="/p/session/{escape(portal["id"])}/payment_method" novalidate>
{_card_fields(values)}
<div id=error class=error role=alert>{escape(error or "")}</div>
<button type=submit>Save card</button>
</form>
{home}{_back(portal)}
<p class=note>Stripe test double. 4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined;
4000 0000 0000 0341 is saved but fails every charge.</p>
"""
    return _page("Update payment method", body)


def _open_invoice_note(store: Store, customer_id: str) -> str:
    for sub in store.scan("subscription"):
        if sub["customer"] != customer_id or sub["status"] != "past_due":
            continue
        inv = store.get(sub.get("latest_invoice") or "", "invoice") or {}
        if inv.get("status") == "open":
            amount = format_amount(inv["amount_remaining"], inv["currency"])
            return (
                f"<p class=notice role=status>{escape(amount)} is past due. Saving a card "
                "pays it now.</p>"
            )
    return ""


def confirmation_page(portal: dict[str, Any], message: str | None) -> str:
    """``after_completion[type]=hosted_confirmation``: the flow is done."""
    text = message or "Your payment method was updated."
    return _page("Payment method updated",
                 f"<h1>Done</h1><p role=status>{escape(text)}</p>{_back(portal)}")  # fmt: skip
