"""Implementations of the domain ports on AWS (boto3) and Stripe (SDK)."""
