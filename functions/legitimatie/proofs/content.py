"""What a proof of authentication says: the ``ProofRequest`` gathered from the closed session after the close
(model.py says what it is), what the PDF shows, and the zaak and document the case system is asked for. Only the
proofs function builds these types; the close and the official's read need the record alone (model.py)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from msgspec import Struct, field

from ..assurance import LevelOfAssurance
from ..bsn import Bsn
from ..flow import Flow

__all__ = ["CodeCheck", "DocumentSpec", "ProofContent", "ProofOutcome", "ProofRequest", "ZaakSpec"]


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


class ProofRequest(Struct, frozen=True):
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


class ProofContent(Struct, frozen=True):
    """What the PDF shows: the request, and the BSN opened only for rendering where the case needs it."""

    request: ProofRequest
    bsn: Bsn | None


class ZaakSpec(Struct, frozen=True):
    """The case (zaak) a proof is filed in, as the case system is asked to create it."""

    identificatie: str
    startdatum: str
    control_code: str | None
    bsn: Bsn | None


class DocumentSpec(Struct, frozen=True):
    """The proof as a document of the case system (its metadata; the PDF goes with it)."""

    identificatie: str
    titel: str
    creatiedatum: str
    bestandsnaam: str
    auteur: str
