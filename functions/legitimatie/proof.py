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

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol
from uuid import UUID
from zoneinfo import ZoneInfo

from .assurance import LevelOfAssurance
from .bsn import Bsn
from .clock import to_iso
from .flow import Flow

__all__ = [
    "CaseSystem",
    "CodeCheck",
    "DocumentSpec",
    "PdfStore",
    "ProofContent",
    "ProofOutbox",
    "ProofOutcome",
    "ProofQueue",
    "ProofRecord",
    "ProofRecords",
    "ProofRenderer",
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

    def to_message(self) -> str:
        body: dict[str, Any] = {
            "v": 1,
            "document_id": str(self.document_id),
            "flow": self.flow,
            "municipality": self.municipality,
            "created_at": self.created_at.isoformat(),
            "login_at": self.login_at.isoformat(),
            "loa": int(self.loa),
            "code_check": self.code_check.value,
            "outcome": self.outcome.value,
        }
        optional = {
            "reason": self.reason,
            "control_code": self.control_code,
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
            "zaak_number": self.zaak_number,
            "session_id": str(self.session_id) if self.session_id else None,
            "official_id": self.official_id,
            "official_name": self.official_name,
            "zaak_url": self.zaak_url,
            "sealed_bsn": base64.b64encode(self.sealed_bsn).decode() if self.sealed_bsn else None,
            "bsn_context": self.bsn_context or None,
            "digid_assertion_id": self.digid_assertion_id,
            "digid_authn_instant": self.digid_authn_instant.isoformat() if self.digid_authn_instant else None,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        return json.dumps(body, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_message(cls, raw: str) -> ProofRequest:
        body = json.loads(raw)
        return cls(
            document_id=UUID(body["document_id"]),
            flow=Flow(body["flow"]),
            municipality=body["municipality"],
            created_at=datetime.fromisoformat(body["created_at"]),
            login_at=datetime.fromisoformat(body["login_at"]),
            loa=LevelOfAssurance(int(body["loa"])),
            code_check=CodeCheck(body["code_check"]),
            outcome=ProofOutcome(body.get("outcome", ProofOutcome.IDENTIFIED.value)),
            reason=body.get("reason"),
            control_code=body.get("control_code"),
            checked_at=datetime.fromisoformat(body["checked_at"]) if body.get("checked_at") else None,
            zaak_number=body.get("zaak_number"),
            session_id=UUID(body["session_id"]) if body.get("session_id") else None,
            official_id=body.get("official_id"),
            official_name=body.get("official_name"),
            zaak_url=body.get("zaak_url"),
            sealed_bsn=base64.b64decode(body["sealed_bsn"]) if body.get("sealed_bsn") else None,
            bsn_context=dict(body.get("bsn_context") or {}),
            digid_assertion_id=body.get("digid_assertion_id"),
            digid_authn_instant=(
                datetime.fromisoformat(body["digid_authn_instant"]) if body.get("digid_authn_instant") else None
            ),
        )


@dataclass(frozen=True)
class ProofContent:
    """What the PDF shows: the request, and the BSN opened only for rendering where the case needs it."""

    request: ProofRequest
    bsn: Bsn | None

    def lines(self) -> list[tuple[str, str]]:
        """(label, value) pairs in Dutch, in reading order."""
        r = self.request
        flows = {
            Flow.NEW_RESIDENT: "A - nieuwe inwoner (BSN nog niet bekend)",
            Flow.KNOWN_BSN: "B - BSN bekend bij de medewerker",
            Flow.HANDOVER: "C - overdracht met naam van de medewerker",
        }
        checks = {
            CodeCheck.MATCH: "Code gecontroleerd: komt overeen",
            CodeCheck.NOT_CHECKED: "Niet gecontroleerd in deze dienst",
            CodeCheck.SHOWN_TO_RESIDENT: "Code getoond aan inwoner met het zaaknummer",
            CodeCheck.NO_MATCH: "Gecontroleerd: komt NIET overeen",
        }
        rows = [
            ("Uitkomst", "Geïdentificeerd" if r.identified else "NIET geïdentificeerd: de identificatie is mislukt")
        ]
        if not r.identified and r.reason:
            rows.append(("Reden", r.reason))
        rows += [("Gemeente", r.municipality), ("Route", flows[r.flow])]
        if r.zaak_number:
            rows.append(("Zaaknummer", r.zaak_number))
        if r.session_id:
            rows.append(("Sessie", str(r.session_id)))
        if r.zaak_url:
            rows.append(("Zaak", r.zaak_url))
        rows += [
            ("Ingelogd met DigiD op", _dutch_time(r.login_at)),
            ("Betrouwbaarheidsniveau", f"DigiD {r.loa.label.capitalize()}"),
        ]
        if r.digid_authn_instant:
            rows.append(("DigiD AuthnInstant", _dutch_time(r.digid_authn_instant)))
        if r.digid_assertion_id:
            rows.append(("DigiD assertion-ID", r.digid_assertion_id))
        if r.official_name:
            rows.append(("Behandelend medewerker", r.official_name))
        rows.append(("Controlecode", checks[r.code_check]))
        if r.checked_at:
            rows.append(("Gecontroleerd op", _dutch_time(r.checked_at)))
        if self.bsn is not None:
            rows.append(("BSN", self.bsn.digits))
        rows += [("Document-id", str(r.document_id)), ("Opgemaakt op", _dutch_time(r.created_at))]
        return rows


_MONTHS = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]


def _dutch_time(moment: datetime) -> str:
    """``28 november 2026, 21:15:03 (UTC+01:00)``: Dutch local time, as the official's screen shows it, with its
    offset, so a reader anywhere can still tell the exact moment (summer time gives +02:00).

    Looked up when a proof is rendered (the delivery function, which bundles ``tzdata``), not at import: every
    function imports this module, and the Lambda image has no system time zone database."""
    local = moment.astimezone(ZoneInfo("Europe/Amsterdam"))
    offset = local.strftime("%z")
    return f"{local.day} {_MONTHS[local.month - 1]} {local.year}, {local:%H:%M:%S} (UTC{offset[:3]}:{offset[3:]})"


@dataclass(frozen=True)
class ProofRecord:
    """The delivery state of one proof, in the table (no BSN, no PDF)."""

    document_id: UUID
    reference: str
    flow: Flow
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
    message: str | None = None  # the queue message, kept so a retried step can send it again (no BSN in clear)

    def to_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "document_id": str(self.document_id),
            "status": self.status.value,
            "reference": self.reference,
            "created_at": to_iso(self.created_at),
            "expires_at": to_iso(self.expires_at),
            "outcome": "identified" if self.identified else "not_identified",
        }
        if self.sha256:
            body["sha256"] = self.sha256
        if self.zaak_url:
            body["zaak_url"] = self.zaak_url
        return body


@dataclass(frozen=True)
class ZaakSpec:
    identificatie: str
    startdatum: str
    control_code: str | None
    bsn: Bsn | None


@dataclass(frozen=True)
class DocumentSpec:
    identificatie: str
    titel: str
    creatiedatum: str
    bestandsnaam: str
    auteur: str


class ProofQueue(Protocol):
    def send(self, request: ProofRequest) -> None:
        """Put the request on the delivery queue; raises ``ServiceUnavailable`` when that is not possible."""


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
    session's end state (see ``SessionRepository.replace``); the queue message follows the commit, and is sent
    again by a retried step while the record is still pending."""

    def record_of(self, request: ProofRequest, owner_id: str | None) -> ProofRecord:
        """The pending outbox record for ``request``, not written yet."""
        ...

    def send(self, request: ProofRequest) -> None:
        """Queue the committed request for delivery (idempotent by document id)."""
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
