"""Settings of the proof of authentication for the function that completes identifications (its proof's outbox
record) and sweeps; the proofs function's own settings are in delivery_settings.py (a settings class costs a cold
start ~1 ms to build, so a function loads only its own)."""

from __future__ import annotations

import os
from datetime import timedelta
from functools import cache
from typing import Any

from ..adapters.dynamodb import DynamoDbProofOutbox, DynamoDbProofRecords
from .aws import aws_client
from .settings import BaseSettings, Field

__all__ = ["ProofOutboxSettings", "completion_outbox", "proof_outbox"]


class ProofOutboxSettings(BaseSettings, frozen=True, kw_only=True):
    """The function that completes an identification (its proof's outbox record) and sweeps (the proof queue, for
    records still pending)."""

    proof_queue_url: str = Field(alias="PROOF_QUEUE_URL", min_length=1)
    proof_retention_days: int = Field(alias="PROOF_RETENTION_DAYS", default=14, ge=1, le=90)

    @property
    def proof_retention(self) -> timedelta:
        return timedelta(days=self.proof_retention_days)


def proof_outbox(settings: ProofOutboxSettings, dynamodb: Any) -> DynamoDbProofOutbox:
    return DynamoDbProofOutbox(DynamoDbProofRecords(dynamodb, settings.table_name), settings.proof_retention)


@cache
def completion_outbox() -> DynamoDbProofOutbox:
    """For the function that completes an identification (Voltooien): the outbox, built once per cold start from the
    environment (no SQS client: the commit is the hand-over)."""
    return proof_outbox(ProofOutboxSettings.from_env(os.environ), aws_client("dynamodb"))
