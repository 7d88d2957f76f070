from tests.fixtures.stripe_double import (  # noqa: F401 - pytest fixtures
    stripe_client,
    stripe_double,
    webhook_receiver,
)
