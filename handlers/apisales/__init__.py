"""Runtime code of the api-sales Lambda functions (packaged from handlers/)."""
