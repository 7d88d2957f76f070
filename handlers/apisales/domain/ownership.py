"""Whose Stripe object is this: the one ownership rule, for every path that applies Stripe.

The webhook, ``GET /billing/checkout/{id}`` and the reconciliation sweep all ask the same
question before they make a user match a Stripe customer. The answer comes only from
Stripe's own objects (retrieved with the secret key) and our records, never from an event
body, and every party must agree:

- the customer is bound (users GSI) to no user, or to exactly this user;
- the user's record is bound to no customer, or to exactly this customer;
- the Checkout Session record we wrote at checkout, when it exists, names this user.

Anything else is a *security* refusal: somebody is trying (or a bug is about) to apply one
user's payment to another user. It is logged and nothing is applied. A customer nobody is
bound to is an ordinary refusal (a subscription made outside this app): nothing to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apisales.domain.billing_object import BillingObject, ObjectKind
from apisales.domain.ports import CustomerOwners, SessionOwners

# The fields that say whose an object is; an event body may not state them differently.
IDENTITY_FIELDS = ("id", "customer_id", "user_id", "subscription_id")


def disagreements(claimed: BillingObject, actual: BillingObject) -> tuple[str, ...]:
    """The identity fields ``claimed`` (an event body) states differently from Stripe.

    A field the body leaves out is no disagreement: nothing is ever read from the body, and
    payloads rendered in another API version put some ids elsewhere. A field the body states
    twice, differently, is a disagreement.
    """
    return claimed.ambiguous + tuple(
        name for name in IDENTITY_FIELDS
        if getattr(claimed, name) is not None and getattr(claimed, name) != getattr(actual, name)
    )


@dataclass(frozen=True)
class Owner:
    """The user a Stripe customer's state may be applied to."""

    user_id: str
    customer_id: str


@dataclass(frozen=True)
class Refusal:
    """Why a Stripe object is applied to nobody; ``security`` when identities disagree."""

    reason: str
    security: bool
    # The ids involved, for the security log (ids only: never a secret or a payload).
    ids: dict[str, str | None] = field(default_factory=dict)


def unknown_customer(customer_id: str | None) -> Refusal:
    return Refusal("unknown_customer", security=False, ids={"customer_id": customer_id})


def body_disagrees(fields: tuple[str, ...], actual: BillingObject) -> Refusal:
    return Refusal("event_body_disagrees_with_stripe", security=True,
                   ids={"object_id": actual.id, "fields": ",".join(fields)})


def judge(
    user_id: str,
    customer_id: str,
    *,
    customer_users: tuple[str, ...],
    user_customer: str | None,
    session_owner: str | None = None,
) -> Owner | Refusal:
    """The rule: ``user_id`` may take ``customer_id``'s state only if every record agrees.

    ``customer_users``: the users our records bind ``customer_id`` to; ``user_customer``:
    the customer the user's record is bound to; ``session_owner``: the owner of the Checkout
    Session record the object came from, if there is one.
    """
    ids = {"user_id": user_id, "customer_id": customer_id}
    if len(customer_users) > 1:
        return Refusal("customer_bound_to_several_users", True,
                       {**ids, "bound_user_ids": ",".join(sorted(customer_users))})
    if customer_users and customer_users[0] != user_id:
        return Refusal("customer_bound_to_another_user", True,
                       {**ids, "bound_user_id": customer_users[0]})
    if user_customer is not None and user_customer != customer_id:
        return Refusal("user_bound_to_another_customer", True,
                       {**ids, "bound_customer_id": user_customer})
    if session_owner is not None and session_owner != user_id:
        return Refusal("session_recorded_for_another_user", True,
                       {**ids, "session_owner": session_owner})
    return Owner(user_id, customer_id)


@dataclass
class Ownership:
    """Gathers what our records say about an object's user and customer, then :func:`judge`."""

    users: CustomerOwners
    sessions: SessionOwners

    def owner_of(self, obj: BillingObject) -> Owner | Refusal:
        """Whose Stripe's ``obj`` is: a session's user, else the customer's one user."""
        if obj.ambiguous:
            return Refusal("stripe_object_ambiguous", True,
                           {"object_id": obj.id, "fields": ",".join(obj.ambiguous)})
        if obj.kind is ObjectKind.CHECKOUT_SESSION:
            return self._owner_of_session(obj)
        return self.owner_of_customer(obj.customer_id)

    def _owner_of_session(self, session: BillingObject) -> Owner | Refusal:
        """The session's user is Stripe's ``client_reference_id`` (else the customer's user)."""
        customer_id = session.customer_id
        if not customer_id:
            return unknown_customer(None)
        customer_users = self.users.users_of_customer(customer_id)
        user_id = session.user_id
        if not user_id:
            # Not made by our checkout (no client_reference_id): only the binding can tell.
            if len(customer_users) != 1:
                return self._judge_customer(customer_id, customer_users)
            user_id = customer_users[0]
        record = self.users.get(user_id)
        return judge(
            user_id, customer_id, customer_users=customer_users,
            user_customer=record.stripe_customer_id if record else None,
            session_owner=self.sessions.owner_of(session.id),
        )

    def owner_of_customer(self, customer_id: str | None) -> Owner | Refusal:
        """The one user our records bind ``customer_id`` to, if their record agrees."""
        if not customer_id:
            return unknown_customer(None)
        return self._judge_customer(customer_id, self.users.users_of_customer(customer_id))

    def _judge_customer(self, customer_id: str, customer_users: tuple[str, ...]) -> Owner | Refusal:
        if not customer_users:
            return unknown_customer(customer_id)
        user_id = customer_users[0]
        record = self.users.get(user_id)
        return judge(user_id, customer_id, customer_users=customer_users,
                     user_customer=record.stripe_customer_id if record else None)
