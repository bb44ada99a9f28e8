"""Shared core of Legitimatie bij beeldbellen: the domain, its services, the adapters and the handlers' runtime.

Layers, from the inside out (import-linter enforces them in ``make lint``, contracts in pyproject.toml):

- domain, plain Python (no boto3, botocore, Powertools or ``os``):
  shared pieces at the top - ``bsn``, ``assurance`` (DigiD levels and the one level rule, ``meets``), ``flow``,
  ``clock``, ``errors`` (one base per kind; runtime/http maps kinds to HTTP statuses), ``policy``, ``audit``
  (events), ``resident`` (one KMS MAC per BSN per step: the control code and the pseudonym) and ``ports`` (the
  shared Protocols: MAC key, BSN envelope, ``AuditTrail``, ``Metrics``);
  and per subject the ``model`` and ``ports`` of ``sessions`` (with ``control_code``), ``login``, ``proofs`` and
  ``live`` (the live status).
- services: ``sessions.services``, ``login.services``, ``proofs.services``, ``live.services``: one function per step,
  adapters passed in; each step that changes a session records its own audit event and metrics. The live status tells
  of logins and sessions, a login records on a session and a session's end hands over a proof, never the other way
  round (a layers contract).
- ``adapters``: the Protocols on DynamoDB, KMS, S3, SQS (with the queue message's codec), CloudWatch Logs, API
  Gateway's PostToConnection and ZGW.
- ``runtime``: what the function handlers share (settings, AWS clients, observability, HTTP mapping, views).

The functions (``functions/<name>/handler.py``) call the services with the adapters their ``wiring`` builds; they
never import each other.
"""
