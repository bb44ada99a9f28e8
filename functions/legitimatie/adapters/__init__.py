"""Adapters implementing the core's Protocols: DynamoDB, KMS, S3, SQS (with the proof queue message's JSON codec
and ``QueuedProofs``, the proof outbox), CloudWatch Logs, API Gateway's PostToConnection (``live_connections``) and
the ZGW APIs; ``backoff`` paces retries the SDK does not make.

Each takes its client as an argument (a boto3 client, or a requests session for ZGW), so tests hand in moto's.
They import the domain, never the services or the runtime. botocore errors become the core's exceptions in one place
(``aws_errors.translated``; DynamoDB's refused conditions in ``dynamodb.table``). ``dynamodb/`` holds the item codec,
the conditional-write helper and the session, login and proof repositories.
"""
