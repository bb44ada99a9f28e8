"""What the Lambda handlers share: settings from the environment, AWS clients, observability (the ``AuditTrail`` and
``Metrics`` the services are given), HTTP mapping (domain error kinds to statuses) and views (response bodies).

Only the functions import this package (their handlers, and the DigiD function's ``sp_config``); the domain, the
services and the adapters never do (import-linter, pyproject.toml).
"""
