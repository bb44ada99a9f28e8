"""What the Lambda handlers share: settings from the environment, AWS clients, observability, HTTP mapping.

Only handlers import this package; the domain and the services never do.
"""
