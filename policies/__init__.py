"""api-sales CrossGuard policy pack.

A regular package so that tests can ``import policies.rules``; the Pulumi CLI instead runs
this directory (``__main__.py``) with the directory itself on ``sys.path``.
"""
