"""Response models: what the API shows of a session, mapped explicitly from the domain."""

from __future__ import annotations

from typing import Any

from ..clock import to_iso
from ..policy import ServicePolicy
from ..services import OfficialSessionView
from ..session import Flow, Session

__all__ = ["official_session_body", "public_session_body"]


def official_session_body(view: OfficialSessionView, policy: ServicePolicy) -> dict[str, Any]:
    """``GET /api/sessions/{id}``: status as of now; BSN only for flow C while the session is live."""
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
        if session.login.code_match is not None:
            body["code_match"] = session.login.code_match
    if view.bsn is not None:
        body["bsn"] = view.bsn.digits
    if session.proof_document_id is not None:  # made at the code check; GET /api/proofs/{document_id}
        body["proof_document_id"] = str(session.proof_document_id)
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
