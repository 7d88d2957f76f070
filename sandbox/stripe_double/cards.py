"""Stripe's test card numbers and what each does in the double."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import StripeError, card_error


@dataclass(frozen=True)
class Card:
    number: str
    brand: str
    # Charged at checkout? (0341 attaches and pays now, then fails every later charge.)
    first_charge_ok: bool
    renewals_ok: bool
    decline_code: str | None = None


CARDS = {
    "4242424242424242": Card("4242424242424242", "visa", True, True),
    "5555555555554444": Card("5555555555554444", "mastercard", True, True),
    "4000000000000002": Card("4000000000000002", "visa", False, False, "generic_decline"),
    "4000000000009995": Card("4000000000009995", "visa", False, False, "insufficient_funds"),
    "4000000000000341": Card("4000000000000341", "visa", True, False, "generic_decline"),
}

_DECLINE_MESSAGES = {
    "generic_decline": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
}


def _digits(text: str) -> bool:
    # str.isdigit() also accepts "²" and other non-ASCII digits that int() rejects.
    return text.isascii() and text.isdigit()


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def lookup(number: str) -> Card:
    """The test card for `number` (spaces allowed), or the card_error Stripe would give."""
    digits = "".join(ch for ch in (number or "") if not ch.isspace())
    if not _digits(digits) or not 12 <= len(digits) <= 19 or not _luhn_ok(digits):
        raise card_error("Your card number is incorrect.", "incorrect_number")
    card = CARDS.get(digits)
    if card is None:
        raise card_error(
            "Your card was declined. Your request was in test mode, but used a non test "
            "card. For a list of valid test cards, visit: https://stripe.com/docs/testing.",
            "card_declined",
            "test_mode_live_card",
        )
    return card


def decline(card: Card) -> StripeError:
    code = card.decline_code or "generic_decline"
    return card_error(_DECLINE_MESSAGES.get(code, "Your card was declined."), "card_declined", code)


def check_expiry_cvc(exp: str, cvc: str, now_year: int, now_month: int) -> None:
    """Validate the page's `MM / YY` and CVC fields the way Checkout does."""
    parts = [p.strip() for p in (exp or "").replace(" ", "").split("/")]
    if len(parts) != 2 or not all(_digits(p) for p in parts) or not 1 <= int(parts[0]) <= 12:
        raise card_error("Your card's expiration date is incomplete.", "invalid_expiry_month")
    month, year = int(parts[0]), int(parts[1]) % 100 + 2000
    if (year, month) < (now_year, now_month):
        raise card_error("Your card's expiration year is in the past.", "invalid_expiry_year")
    if not _digits(cvc or "") or len(cvc) not in (3, 4):
        raise card_error("Your card's security code is incomplete.", "incorrect_cvc")
