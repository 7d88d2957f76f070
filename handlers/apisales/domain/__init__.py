"""Business rules of api-sales: no HTTP, no boto3, no Stripe SDK."""
