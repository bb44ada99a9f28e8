"""The audit trail (BIO logging): one event for every step of an identification, the resident pseudonymised.

An event names the official, the session or case number, the time, the level of assurance and the outcome.
The resident appears only as a keyed pseudonym, ``p2-`` and 32 hex digits, derived from the resident's one KMS
MAC of a step under the resident key (the ``PseudonymKey``, never rotated: an auditor correlates pseudonyms over
a year of audit logs); ``legitimatie.resident`` defines it. Events written before ``p2`` keep their ``p1``
pseudonyms (a MAC under the same key over ``legitimatie-beeldbellen/resident-pseudonym/p1\n<BSN>``). Without the
key no one can turn a pseudonym back into a BSN by trying all BSNs; with it, an auditor who is allowed to can
ask "which events concern this BSN" by computing its pseudonym (docs/runbook.md).

The services record the events themselves, through the ``AuditTrail`` port (``legitimatie.ports``) the handler
passes in: every step that changes a session writes its event whichever handler calls it::

    audit.record(AuditEvent(action=AuditAction.SESSION_CANCELLED, official=official.id, session_id=str(sid)))
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from msgspec import Struct, field

from .clock import to_iso, utc_now
from .flow import Flow

__all__ = ["AuditAction", "AuditEvent", "Outcome"]


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


class AuditEvent(Struct, frozen=True):
    """One audit event. Never put a BSN, a control code or a token in any field."""

    action: AuditAction
    outcome: Outcome = Outcome.SUCCESS
    official: str | None = None  # the official's stable id (token subject)
    official_name: str | None = None
    session_id: str | None = None
    zaak_number: str | None = None
    flow: Flow | None = None
    loa: str | None = None  # the level label: basis, midden, substantieel, hoog
    resident: str | None = None  # a pseudonym (``Resident.pseudonym``), never the BSN
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
