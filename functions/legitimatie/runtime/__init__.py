"""What the Lambda handlers share: settings from the environment, AWS clients, observability, HTTP mapping.

Only the functions import this package (their handlers, and the DigiD function's ``sp_config``); the domain, the
services and the adapters never do (import-linter, pyproject.toml).
"""
