"""The audit trail (BIO logging): one event for every step of an identification, the resident pseudonymised.

An event names the official, the session or case number, the time, the level of assurance and the outcome.
The resident appears only as a keyed pseudonym: ``HMAC(PseudonymKey, versioned message with the BSN)`` under
a KMS HMAC_256 key of its own (not the control code key: that one may be rotated with versioned codes, and
a rotation must not change the pseudonyms an auditor correlates over a year of audit logs). Without the key
no one can turn a pseudonym back into a BSN by trying all BSNs; with it, an auditor who is allowed to can
ask "which events concern this BSN" by computing its pseudonym.

The services record the events themselves, through the ``AuditTrail`` port (``legitimatie.ports``) the handler
passes in: every step that changes a session writes its event whichever handler calls it::

    audit.record(AuditEvent(action=AuditAction.SESSION_CANCELLED, official=official.id, session_id=str(sid)))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final

from .bsn import Bsn
from .clock import to_iso, utc_now
from .flow import Flow
from .ports import MacKey

__all__ = ["PSEUDONYM_VERSION", "AuditAction", "AuditEvent", "Outcome", "Pseudonyms"]

PSEUDONYM_VERSION: Final = "p1"


class AuditAction(StrEnum):
    """Every step the trail records (issue 6); values are stable: saved queries filter on them."""

    SESSION_CREATED = "session_created"
    DIGID_LOGIN_STARTED = "digid_login_started"
    DIGID_LOGIN_SUCCEEDED = "digid_login_succeeded"
    DIGID_LOGIN_FAILED = "digid_login_failed"
    CODE_CHECKED = "code_checked"
    SESSION_LOCKED = "session_locked"
    SESSION_COMPLETED = "session_completed"
    SESSION_CANCELLED = "session_cancelled"
    RECORDS_EXPIRED = "records_expired"
    PROOF_MADE = "proof_made"
    PROOF_DELIVERED = "proof_delivered"
    PROOF_DEAD_LETTERED = "proof_dead_lettered"
    IDENTIFICATION_LOOKED_UP = "identification_looked_up"


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"


@dataclass(frozen=True)
class AuditEvent:
    """One audit event. Never put a BSN, a control code or a token in any field."""

    action: AuditAction
    outcome: Outcome = Outcome.SUCCESS
    official: str | None = None  # the official's stable id (token subject)
    official_name: str | None = None
    session_id: str | None = None
    zaak_number: str | None = None
    flow: Flow | None = None
    loa: str | None = None  # the level label: basis, midden, substantieel, hoog
    resident: str | None = None  # a pseudonym from ``Pseudonyms``, never the BSN
    reason: str | None = None  # why a step failed: a stable machine code
    count: int | None = None  # records affected (the expiry sweep)
    document_id: str | None = None  # the proof of authentication this event is about
    sha256: str | None = None  # of the proof's PDF: recognises the exact file in the case system
    at: datetime = field(default_factory=utc_now)

    def to_record(self) -> dict[str, object]:
        """The JSON object written to the audit log: only the fields that are set."""
        record: dict[str, object] = {"at": to_iso(self.at), "action": self.action.value, "outcome": self.outcome.value}
        for name in (
            "official",
            "official_name",
            "session_id",
            "zaak_number",
            "flow",
            "loa",
            "resident",
            "reason",
            "document_id",
            "sha256",
        ):
            value = getattr(self, name)
            if value is not None:
                record[name] = value
        if self.count is not None:
            record["count"] = self.count
        return record


class Pseudonyms:
    """Keyed pseudonyms of residents: one KMS ``GenerateMac`` call per BSN, the key never leaves KMS."""

    def __init__(self, key: MacKey) -> None:
        self._key = key

    @staticmethod
    def message(bsn: Bsn) -> bytes:
        """Versioned and fixed-length, so it can never equal a control code message (those start otherwise)."""
        return f"legitimatie-beeldbellen/resident-pseudonym/{PSEUDONYM_VERSION}\n{bsn.digits}".encode()

    def of(self, bsn: Bsn) -> str:
        """``p1-`` and 128 bits of the MAC in hex: collision-free enough for audit, short in logs."""
        return f"{PSEUDONYM_VERSION}-{self._key.generate_mac(self.message(bsn))[:16].hex()}"
