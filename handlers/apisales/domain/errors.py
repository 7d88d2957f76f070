"""Errors the domain raises; the HTTP edge maps them to status codes."""


class DependencyUnavailable(Exception):
    """A dependency (API Gateway, Cognito, DynamoDB, Stripe) failed; retrying may succeed."""


class KeyIssueBusy(DependencyUnavailable):
    """Another request is issuing this user's key right now and has not finished yet."""


class CustomerConflict(Exception):
    """The user's record is bound to another Stripe customer; nothing was written."""

    def __init__(self, user_id: str, customer_id: str) -> None:
        super().__init__(f"user {user_id} is bound to a customer other than {customer_id}")
        self.user_id = user_id
        self.customer_id = customer_id


class AccountClosed(Exception):
    """The user asked to delete their account (or it is deleted): nothing may be issued,
    bought or synced for it any more. The HTTP edge answers 410 ``account_deleted``."""

    def __init__(self, user_id: str) -> None:
        super().__init__(f"account {user_id} is deleted or being deleted")
        self.user_id = user_id
