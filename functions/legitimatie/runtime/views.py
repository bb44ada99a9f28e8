"""Response models: what the API shows of a session, mapped explicitly from the domain."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..bsn import Bsn
from ..clock import to_iso
from ..sessions.model import MAX_CODE_ATTEMPTS, Flow, Session, Status
from ..sessions.services import ClosedSession, OfficialSessionView

if TYPE_CHECKING:  # read, never built, here: these modules load only in the functions that make them
    from ..live.model import LiveTicket
    from ..login.model import Identification, ResidentResult
    from ..login.services import ResidentView
    from ..policy import ServicePolicy
    from ..proofs.model import ProofRecord
    from ..proofs.services import ProofView

__all__ = [
    "closed_session_body",
    "created_session_body",
    "identification_body",
    "official_session_body",
    "open_session_body",
    "proof_body",
    "public_session_body",
    "resident_view_body",
    "result_body",
]


def official_session_body(view: OfficialSessionView, policy: ServicePolicy) -> dict[str, Any]:
    """``GET /api/sessions/{id}``: status as of now; BSN only for flows A and C while the session is live.

    Flow B's comparison of the BSN (``code_match``) is told only after the official typed a code: the spoken
    check must not become a formality. Flow C's code is never here: the official types what they hear."""
    session = view.session
    body: dict[str, Any] = {
        "id": str(session.id),
        "flow": session.flow.value,
        "status": view.status.value,
        "expires_at": to_iso(session.expires_at),
        "required_loa": session.required_loa.label,
        "link": policy.resident_link(session.id),
        "attempts_left": session.attempts_left,
    }
    if session.flow is Flow.KNOWN_BSN and session.official_code and not view.status.is_end_state:
        body["code"] = session.official_code
    if session.login is not None:
        body["login_at"] = to_iso(session.login.at)
        body["loa"] = session.login.loa.label
        checked = session.attempts_left < MAX_CODE_ATTEMPTS or view.status is not Status.LOGGED_IN
        if session.login.code_match is not None and checked:
            body["code_match"] = session.login.code_match
    if view.bsn is not None:
        body["bsn"] = view.bsn.digits
    if session.zaak_number is not None:
        body["zaak_number"] = session.zaak_number
    if session.resident_event is not None and view.status is Status.CREATED:
        body["resident_event"] = session.resident_event.value
    return body


def open_session_body(session: Session, now: datetime) -> dict[str, Any]:
    """One line of ``GET /api/sessions``: enough to find the session again; no BSN, no code."""
    body: dict[str, Any] = {
        "id": str(session.id),
        "flow": session.flow.value,
        "status": session.status_at(now).value,
        "created_at": to_iso(session.created_at),
        "expires_at": to_iso(session.expires_at),
    }
    if session.zaak_number is not None:
        body["zaak_number"] = session.zaak_number
    return body


def public_session_body(session: Session, policy: ServicePolicy) -> dict[str, Any]:
    """``GET /api/public/sessions/{id}``: what the resident's start page needs, and nothing personal."""
    body: dict[str, Any] = {
        "flow": session.flow.value,
        "status": session.status.value,
        "municipality": policy.municipality_name,
        "expires_at": to_iso(session.expires_at),
        "required_loa": session.required_loa.label,
    }
    if session.flow is Flow.HANDOVER:
        body["official_name"] = session.official.name
    return body


def created_session_body(session: Session, policy: ServicePolicy, live_ticket: LiveTicket) -> dict[str, Any]:
    """``POST /api/sessions``: the link for the call's chat; flow B's code for the official (flow C has none); the
    ticket that opens the session's live status (the page asks for no other while it uses this one in time)."""
    body = {
        "id": str(session.id),
        "flow": session.flow.value,
        "link": policy.resident_link(session.id),
        "expires_at": to_iso(session.expires_at),
        "required_loa": session.required_loa.label,
        "live_ticket": live_ticket.value,
        "live_ticket_expires_at": to_iso(live_ticket.expires_at),
    }
    if session.official_code is not None:
        body["code"] = session.official_code
    return body


def resident_view_body(view: ResidentView) -> dict[str, Any]:
    """``GET /api/public/result``: while the identification waits, the code with what the page shows beside it; once
    it has ended, the outcome alone. The page needs nothing more then, and a reload shows that outcome, not a code
    that has done its work (the page no longer deletes the result when it hears the outcome: one request less per
    identification; the record ends with its expiry, ``LOGIN_LIFETIME``)."""
    if view.ended:
        return {"outcome": view.outcome}
    return {**result_body(view.result), "outcome": view.outcome}


def result_body(result: ResidentResult) -> dict[str, Any]:
    """``GET /api/public/result`` and its extension: the resident's code, and whether more time can be asked."""
    body: dict[str, Any] = {
        "flow": result.flow.value,
        "code": result.code,
        "expires_at": to_iso(result.expires_at),
        "can_extend": result.can_extend,
    }
    for name in ("zaak_number", "official_name", "municipality"):
        value = getattr(result, name)
        if value is not None:
            body[name] = value
    return body


def identification_body(
    identification: Identification, session: Session, bsn: Bsn, now: datetime, policy: ServicePolicy
) -> dict[str, Any]:
    """``GET /api/identifications/{zaak_number}``: flow A's case for the official who took it: its session as
    ``GET /api/sessions/{id}`` shows it (so the staff page opens it without asking again), with the BSN, the case
    number and the login. No code here: the official types the code the resident reads aloud
    (``POST /api/sessions/{id}/check``)."""
    view = OfficialSessionView(session=session, status=session.status_at(now), bsn=bsn)
    return {
        **official_session_body(view, policy),
        "zaak_number": str(identification.zaak_number),
        "session_id": str(session.id),
        "login_at": to_iso(identification.login_at),
        "loa": identification.loa.label,
    }


def closed_session_body(session: ClosedSession, proof: ProofRecord | None, now: datetime) -> dict[str, Any]:
    """``POST /api/sessions/{id}/complete``: the end state and, when the resident had logged in, its one proof."""
    body: dict[str, Any] = {"id": str(session.id), "status": session.status.value, "completed_at": to_iso(now)}
    if session.outcome_reason:
        body["reason"] = session.outcome_reason
    if proof is not None:
        body["proof"] = {
            "document_id": str(proof.document_id),
            "status": proof.status.value,
            "outcome": "identified" if proof.identified else "not_identified",
        }
    return body


def proof_body(view: ProofView) -> dict[str, Any]:
    """``GET /api/proofs/{document_id}``: the delivery state, and the 5-minute download link once stored."""
    record = view.record
    body: dict[str, Any] = {
        "document_id": str(record.document_id),
        "status": record.status.value,
        "reference": record.reference,
        "created_at": to_iso(record.created_at),
        "expires_at": to_iso(record.expires_at),
        "outcome": "identified" if record.identified else "not_identified",
    }
    if record.sha256:
        body["sha256"] = record.sha256
    if record.zaak_url:
        body["zaak_url"] = record.zaak_url
    if view.download_url:
        body["download_url"] = view.download_url
    return body
