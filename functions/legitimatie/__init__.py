"""Shared core of Legitimatie bij beeldbellen: the domain, its services, the adapters and the handlers' runtime.

Layers, from the inside out (import-linter enforces them in ``make lint``, contracts in pyproject.toml):

- domain: ``bsn``, ``assurance``, ``session``, ``control_code``, ``login``, ``proof``, ``audit``, ``policy``,
  ``errors``, ``clock`` and ``ports`` (the Protocols the services need). No boto3, botocore, Powertools or ``os``.
- services: ``services`` (the session's steps), ``login_services`` (the DigiD login per flow), ``proof_services``
  (hand over, deliver and show a proof). They take their adapters as arguments and import only the domain.
- ``adapters``: the Protocols on DynamoDB, KMS, S3, SQS, CloudWatch Logs and the ZGW APIs.
- ``runtime``: what the function handlers share (settings, AWS clients, observability, HTTP mapping).

The functions (``functions/<name>/handler.py``) wire adapters into services; they never import each other.
"""
