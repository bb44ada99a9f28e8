"""The proof of authentication: what a completed identification yields, and how its delivery progresses.

A ``ProofRequest`` is the snapshot taken when the official ends a session (any flow): ``identified`` after a
code check that matched, or ``not_identified`` with the official's reason; the proof then says plainly that the
identification failed. It travels on the proof
queue, so it carries no BSN in clear: where the case needs the BSN (flow A), it carries the KMS-sealed BSN and the
encryption context it was sealed under. A ``ProofRecord`` in the table tracks the delivery (pending → stored →
delivered, or dead_lettered) and each step's result, so a retry continues where the previous attempt stopped and
never creates a second zaak or document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from ..assurance import LevelOfAssurance
from ..bsn import Bsn
from ..flow import Flow

__all__ = [
    "CodeCheck",
    "DocumentSpec",
    "ProofContent",
    "ProofOutcome",
    "ProofRecord",
    "ProofRequest",
    "ProofStatus",
    "ZaakSpec",
    "proof_key",
]


class ProofStatus(StrEnum):
    PENDING = "pending"  # accepted, not made yet
    STORED = "stored"  # the PDF is in the proof bucket (builtin mode: done)
    DELIVERED = "delivered"  # zgw mode: zaak, document and relation exist in the case system
    DEAD_LETTERED = "dead_lettered"  # every attempt failed; the message waits in the dead-letter queue


class ProofOutcome(StrEnum):
    """What the official concluded; the proof says it in words. Flow A and a verified session: identified."""

    IDENTIFIED = "identified"
    NOT_IDENTIFIED = "not_identified"


class CodeCheck(StrEnum):
    """What the proof says about the control code."""

    MATCH = "match"  # the official typed the code the resident read aloud
    NOT_CHECKED = "not_checked"  # closed without a check in this service
    NO_MATCH = "no_match"  # the official typed codes, none matched (or, flow B, DigiD gave another BSN)
    SHOWN_TO_RESIDENT = "shown_to_resident"  # flow A: the code was shown with the case number


def proof_key(document_id: UUID, created_at: datetime) -> str:
    """Where the PDF lives in the proof bucket."""
    return f"proofs/{created_at.year:04d}/{document_id}.pdf"


@dataclass(frozen=True)
class ProofRequest:
    """The snapshot of a completed identification, as put on the queue (never a BSN in clear)."""

    document_id: UUID
    flow: Flow
    municipality: str
    created_at: datetime
    login_at: datetime
    loa: LevelOfAssurance
    code_check: CodeCheck
    outcome: ProofOutcome = ProofOutcome.IDENTIFIED  # not identified: the proof says the identification failed
    reason: str | None = None  # not identified: the official's short reason
    control_code: str | None = None
    checked_at: datetime | None = None
    zaak_number: str | None = None  # flow A
    session_id: UUID | None = None  # flows B and C
    official_id: str | None = None
    official_name: str | None = None
    zaak_url: str | None = None  # flows B and C: an existing zaak the official named
    sealed_bsn: bytes | None = None
    bsn_context: dict[str, str] = field(default_factory=dict)
    digid_assertion_id: str | None = None  # DigiD's own evidence: the signed assertion's ID
    digid_authn_instant: datetime | None = None  # and when DigiD authenticated the resident

    @property
    def identified(self) -> bool:
        return self.outcome is ProofOutcome.IDENTIFIED

    @property
    def reference(self) -> str:
        """Case number (flow A) or session id (B, C): what the proof is about."""
        return self.zaak_number or str(self.session_id)


@dataclass(frozen=True)
class ProofContent:
    """What the PDF shows: the request, and the BSN opened only for rendering where the case needs it."""

    request: ProofRequest
    bsn: Bsn | None


@dataclass(frozen=True)
class ProofRecord:
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


@dataclass(frozen=True)
class ZaakSpec:
    """The case (zaak) a proof is filed in, as the case system is asked to create it."""

    identificatie: str
    startdatum: str
    control_code: str | None
    bsn: Bsn | None


@dataclass(frozen=True)
class DocumentSpec:
    """The proof as a document of the case system (its metadata; the PDF goes with it)."""

    identificatie: str
    titel: str
    creatiedatum: str
    bestandsnaam: str
    auteur: str
