"""Pulumi entry point: read the stack's config and declare the api-sales stack."""

from infra.stack import build_stack

build_stack()
