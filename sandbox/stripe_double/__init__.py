"""The project's Stripe test double: an HTTP server speaking Stripe's REST wire format for
the subset api-sales uses, with hosted checkout/portal pages, signed webhooks and a clock.

See docs/stripe-double.md.
"""

from .double import DEFAULT_API_KEY, StripeDouble, WebhookEndpoint
from .errors import StripeError
from .webhooks import sign

__all__ = ["DEFAULT_API_KEY", "StripeDouble", "StripeError", "WebhookEndpoint", "sign"]
