"""Hosted Checkout and billing-portal pages: plain HTML and inline CSS, nothing loaded
from outside the double, every control reachable by keyboard, errors announced (role=alert)."""

from __future__ import annotations

from html import escape
from typing import Any

from .catalog import format_amount
from .portal import cancel_mode
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
<label for=cardnumber>Card number</label>
<input id=cardnumber name=cardnumber inputmode=numeric autocomplete=cc-number
 placeholder="1234 1234 1234 1234" required value="{escape(values.get("cardnumber", ""))}">
<div class=row><div><label for=exp>Expiry (MM / YY)</label>
<input id=exp name=exp autocomplete=cc-exp placeholder="MM / YY" required
 value="{escape(values.get("exp", ""))}"></div>
<div><label for=cvc>CVC</label>
<input id=cvc name=cvc inputmode=numeric autocomplete=cc-csc placeholder="123" required></div></div>
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
    ret = portal.get("return_url")
    back = f'<p><a href="{escape(ret)}">&larr; Return to the site</a></p>' if ret else ""
    config = store.get(portal.get("configuration") or "") or {}
    headline = (config.get("business_profile") or {}).get("headline")
    intro = f"<p class=headline>{escape(headline)}</p>" if headline else ""
    body = (
        f"<h1>Billing</h1>{intro}<p>{escape(customer.get('email') or '')}</p>"
        f"<p class=notice role=status>{escape(notice or '')}</p>{''.join(blocks)}{back}"
    )
    return _page("Manage your subscription", body)
