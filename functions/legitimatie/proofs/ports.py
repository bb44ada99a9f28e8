"""The Protocols the proof services need; adapters (DynamoDB, S3, SQS, ZGW) implement them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

from ..bsn import Bsn
from .model import ProofRecord, ProofStatus

if TYPE_CHECKING:  # named in signatures only: the close (records) does not build what a proof says (content.py)
    from .content import DocumentSpec, ProofContent, ZaakSpec

__all__ = ["CaseSystem", "PdfStore", "PendingProofs", "ProofOutbox", "ProofQueue", "ProofRecords", "ProofRenderer"]


class ProofQueue(Protocol):
    def send(self, document_id: UUID) -> None:
        """Queue a committed proof record's document id again (the sweep); raises ``ServiceUnavailable`` when that is
        not possible."""


class ProofRecords(Protocol):
    def add(self, record: ProofRecord) -> None: ...

    def get(self, document_id: UUID) -> ProofRecord | None: ...

    def record_progress(self, document_id: UUID, status: ProofStatus | None = None, **urls: str) -> ProofRecord:
        """Set the status and each step's result once: a value already recorded is never overwritten."""
        ...


class PendingProofs(Protocol):
    def pending(self, *, created_before: datetime, now: datetime, limit: int) -> list[UUID]:
        """The document ids of unexpired proofs still pending that were handed over before ``created_before`` (their
        request gathered or not yet), at most ``limit``."""
        ...


class PdfStore(Protocol):
    def put(self, key: str, pdf: bytes) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def download_url(self, key: str) -> str: ...


class ProofRenderer(Protocol):
    def __call__(self, content: ProofContent) -> bytes: ...


class ProofOutbox(Protocol):
    """Where the close hands its proof over. The record is written in the same transaction as the session's end
    state (see ``SessionRepository.close``), and that commit is the hand-over: the table's stream brings the new
    record to the proof queue (template.yaml ``ProofHandOver``), the sweep again while it stays pending. The close
    itself sends nothing, and reads nothing: the session's facts are gathered into the record later (delivery)."""

    def closing_record(
        self,
        document_id: UUID,
        session_id: UUID,
        *,
        identified: bool,
        owner_id: str,
        zaak_url: str | None,
        now: datetime,
    ) -> ProofRecord:
        """The pending outbox record a close at ``now`` writes, without its request yet; not written here."""
        ...

    def get(self, document_id: UUID) -> ProofRecord | None:
        """The proof handed over earlier, as it stands now: a retried close reports it instead of making another."""
        ...


class CaseSystem(Protocol):
    """A ZGW case system. Each call is idempotent: it looks up what exists before it creates."""

    def ensure_zaak(self, spec: ZaakSpec) -> str: ...

    def ensure_initiator(self, zaak_url: str, bsn: Bsn) -> str: ...

    def ensure_document(self, spec: DocumentSpec, pdf: bytes) -> str: ...

    def ensure_relation(self, zaak_url: str, document_url: str, titel: str) -> str: ...
