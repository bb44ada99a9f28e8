"""Shared core of Legitimatie bij beeldbellen: the domain, its services and the AWS adapters.

Dependencies point inward: ``api`` (handler helpers) → ``services`` → domain modules; ``adapters``
implement the Protocols in ``ports``. The domain modules import no boto3, no Powertools, no ``os.environ``.
"""
