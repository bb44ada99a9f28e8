"""The proof of authentication: what a completed identification yields, and how its delivery progresses.

A ``ProofRequest`` is the snapshot taken when the official ends a session (any flow): ``identified`` after a
code check that matched, or ``not_identified`` with the official's reason; the proof then says plainly that the
identification failed. It travels on the proof
queue, so it carries no BSN in clear: where the case needs the BSN (flow A), it carries the KMS-sealed BSN and the
encryption context it was sealed under. A ``ProofRecord`` in the table tracks the delivery (pending → stored →
delivered, or dead_lettered) and each step's result, so a retry continues where the previous attempt stopped and
never creates a second zaak or document.

Here what the close writes and an official reads (the record); what the proof says (the request, the PDF's content,
the case system's specs) is in content.py, which only the proofs function loads (issue 13: a close's cold start).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from msgspec import Struct

from ..flow import Flow

__all__ = ["ProofRecord", "ProofStatus", "proof_key"]


class ProofStatus(StrEnum):
    PENDING = "pending"  # accepted, not made yet
    STORED = "stored"  # the PDF is in the proof bucket (builtin mode: done)
    DELIVERED = "delivered"  # zgw mode: zaak, document and relation exist in the case system
    DEAD_LETTERED = "dead_lettered"  # every attempt failed; the message waits in the dead-letter queue


def proof_key(document_id: UUID, created_at: datetime) -> str:
    """Where the PDF lives in the proof bucket."""
    return f"proofs/{created_at.year:04d}/{document_id}.pdf"


class ProofRecord(Struct, frozen=True):
    """The delivery state of one proof, in the table (no BSN, no PDF).

    The close writes it without its request (``message``), knowing no more than the request and the caller tell:
    ``reference`` is the session id and ``flow`` unknown until the session's facts are gathered, off the request path,
    into ``message`` (``sessions.services.gather_proof``)."""

    document_id: UUID
    reference: str
    flow: Flow | None
    status: ProofStatus
    s3_key: str
    created_at: datetime
    expires_at: datetime
    owner_id: str | None = None  # the official who ended the session
    identified: bool = True
    sha256: str | None = None
    zaak_url: str | None = None
    rol_url: str | None = None
    document_url: str | None = None
    relation_url: str | None = None
    message: str | None = None  # the request, gathered after the close (no BSN in clear)
    session_id: UUID | None = None  # the closed session whose facts the request is gathered from
