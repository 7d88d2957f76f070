"""Errors the domain raises; the HTTP edge maps them to status codes."""


class DependencyUnavailable(Exception):
    """A dependency (API Gateway, Cognito, DynamoDB, Stripe) failed; retrying may succeed."""


class KeyIssueBusy(DependencyUnavailable):
    """Another request is issuing this user's key right now and has not finished yet."""
