"""The Protocols the proof services need; adapters (DynamoDB, S3, SQS, ZGW) implement them."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from ..bsn import Bsn
from .model import DocumentSpec, ProofContent, ProofRecord, ProofRequest, ProofStatus, ZaakSpec

__all__ = ["CaseSystem", "PdfStore", "PendingProofs", "ProofOutbox", "ProofQueue", "ProofRecords", "ProofRenderer"]


class ProofQueue(Protocol):
    def send(self, request: ProofRequest) -> None:
        """Queue the committed request's document id again (the sweep); raises ``ServiceUnavailable`` when that is
        not possible."""


class ProofRecords(Protocol):
    def add(self, record: ProofRecord) -> None: ...

    def get(self, document_id: UUID) -> ProofRecord | None: ...

    def record_progress(self, document_id: UUID, status: ProofStatus | None = None, **urls: str) -> ProofRecord:
        """Set the status and each step's result once: a value already recorded is never overwritten."""
        ...


class PendingProofs(Protocol):
    def pending(self, *, created_before: datetime, now: datetime, limit: int) -> list[ProofRequest]:
        """Unexpired requests still pending that were handed over before ``created_before``, at most ``limit``."""
        ...


class PdfStore(Protocol):
    def put(self, key: str, pdf: bytes) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def download_url(self, key: str) -> str: ...


class ProofRenderer(Protocol):
    def __call__(self, content: ProofContent) -> bytes: ...


class ProofOutbox(Protocol):
    """Where an ending step hands its snapshot over. The record is written in the same transaction as the
    session's end state (see ``SessionRepository.replace``), and that commit is the hand-over: the table's stream
    brings the new record to the proof queue (template.yaml ``ProofHandOver``), the sweep again while it stays
    pending. The step itself sends nothing."""

    def record_of(self, request: ProofRequest, owner_id: str | None) -> ProofRecord:
        """The pending outbox record for ``request``, not written yet."""
        ...

    def get(self, document_id: UUID) -> ProofRecord | None:
        """The proof handed over earlier, as it stands now: a later step reports it instead of making another."""
        ...


class CaseSystem(Protocol):
    """A ZGW case system. Each call is idempotent: it looks up what exists before it creates."""

    def ensure_zaak(self, spec: ZaakSpec) -> str: ...

    def ensure_initiator(self, zaak_url: str, bsn: Bsn) -> str: ...

    def ensure_document(self, spec: DocumentSpec, pdf: bytes) -> str: ...

    def ensure_relation(self, zaak_url: str, document_url: str, titel: str) -> str: ...
