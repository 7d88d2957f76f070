"""Offline runtime for api-sales: local AWS wiring, the Stripe test double, the web console."""
