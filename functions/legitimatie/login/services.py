"""Service functions for what the Sessions function serves of a login: the resident's result page (read, extend,
forget) and flow A's look-up by case number. The DigiD login itself (plan, register, answer) is in
``digid_services``, which only the DigiD function loads."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from msgspec import Struct
from msgspec.structs import replace

from ..audit import AuditAction, AuditEvent
from ..bsn import Bsn
from ..errors import CaseNotFound, ConcurrentUpdate, NotAllowed, SessionNotFound, WrongState
from ..ports import AuditTrail, BsnCipher
from ..sessions.model import Flow, Official, Session, Status
from ..sessions.ports import SessionRepository
from ..sessions.services import bsn_context
from .model import (
    LOGIN_LIFETIME,
    MAX_RESULT_EXTENSIONS,
    CaseNumber,
    Identification,
    ResidentResult,
    case_session_id,
    parse_browser_cookie,
    token_digest,
)
from .ports import IdentificationStore, ResidentResults

__all__ = [
    "ResidentView",
    "extend_result",
    "forget_result",
    "identification_for_official",
    "resident_outcome",
    "resident_result",
    "result_token",
]


class ResidentView(Struct, frozen=True):
    """The result page: the code, and where the identification stands (what the resident's page follows)."""

    result: ResidentResult
    outcome: str  # waiting, identified, not_identified, locked, expired, cancelled

    @property
    def ended(self) -> bool:
        """Whether the identification has an outcome: then the page shows that outcome and nothing of the login
        (the code has done its work; the record ends with its own expiry, as every record does)."""
        return self.outcome != "waiting"


_RESIDENT_OUTCOME = {
    Status.COMPLETED: "identified",
    Status.NOT_IDENTIFIED: "not_identified",
    Status.LOCKED: "locked",
    Status.EXPIRED: "expired",
    Status.CANCELLED: "cancelled",
}


def resident_outcome(status: Status) -> str:
    """What the resident's result page shows of a session's status."""
    return _RESIDENT_OUTCOME.get(status, "waiting")


def resident_result(
    cookie: str | None, *, results: ResidentResults, sessions: SessionRepository, now: datetime
) -> ResidentView:
    """The result for the browser holding the result cookie; nothing for anyone else. The cookie names the session
    too, so the result and the outcome it follows are read in one request."""
    session_id, token = parse_browser_cookie(cookie)
    if not token:
        raise SessionNotFound("There is no login result for this browser (anymore).")
    if session_id is not None:
        result, session = results.get_with_session(token_digest(token), session_id, now)
    else:
        result = results.get(token_digest(token), now)
        session = sessions.get(result.session_id) if result is not None and result.session_id is not None else None
    if result is None:
        raise SessionNotFound("There is no login result for this browser (anymore).")
    outcome = "waiting"
    if result.session_id is not None:
        status = session.status_at(now) if session is not None else Status.CANCELLED
        outcome = resident_outcome(status)
    return ResidentView(result=result, outcome=outcome)


def result_token(cookie: str | None) -> str | None:
    """The random token of a result cookie (what its digest is stored under)."""
    return parse_browser_cookie(cookie)[1]


def forget_result(cookie: str | None, *, results: ResidentResults) -> None:
    """Stoppen: the resident ends their part; the result is gone from the store (the page clears the cookie)."""
    token = result_token(cookie)
    if token:
        results.remove(token_digest(token))


def extend_result(
    cookie: str | None, *, results: ResidentResults, sessions: SessionRepository, now: datetime
) -> ResidentResult:
    """WCAG 2.2.1: the resident asks for more time; at most ``MAX_RESULT_EXTENSIONS`` times, never past the
    session's expiry, only while the result is still valid and the identification has no outcome yet."""
    view = resident_result(cookie, results=results, sessions=sessions, now=now)
    if view.ended:
        raise WrongState("The identification has ended; there is nothing to extend.")
    token, result = result_token(cookie), view.result
    limit = result.limit_at or result.expires_at
    new_expiry = min(now + LOGIN_LIFETIME, limit)
    if result.extensions >= MAX_RESULT_EXTENSIONS or new_expiry <= result.expires_at:
        raise WrongState("This page cannot be extended any further.")
    assert token is not None
    if not results.extend(token_digest(token), result, new_expiry, now):
        raise ConcurrentUpdate("The page was extended at the same time; please try again.")
    return replace(result, expires_at=new_expiry, extensions=result.extensions + 1)


def identification_for_official(
    zaak_number: str,
    official: Official,
    lookup_group: str,
    *,
    identifications: IdentificationStore,
    sessions: SessionRepository,
    cipher: BsnCipher,
    audit: AuditTrail,
    now: datetime,
) -> tuple[Identification, Session, Bsn]:
    """Flow A look-up: only officials in the staff group; the first one to look a case up takes its session
    (a conditional write), and checks and closes it like flows B and C. Another official gets a 409.

    The session's id follows from the case number (``case_session_id``): one conditional write claims it (unclaimed
    or already this official's, live, in time), then the BSN is opened. Sessions of the release before (a random id,
    and a case-number record naming it) are found through that record, only when the claim found nothing."""
    if lookup_group not in official.groups:
        raise NotAllowed("Looking up identifications needs the case look-up role.")
    number = CaseNumber.parse(zaak_number)
    session = _claim(case_session_id(number), number, official, identifications, sessions, now)
    assert session.login is not None and session.login.sealed_bsn is not None
    bsn = Bsn(cipher.open(session.login.sealed_bsn, bsn_context(session.id)).decode())
    identification = Identification(
        zaak_number=number,
        session_id=session.id,
        login_at=session.login.at,
        loa=session.login.loa,
        expires_at=session.expires_at,
    )
    audit.record(
        AuditEvent(
            action=AuditAction.IDENTIFICATION_LOOKED_UP,
            official=official.id,
            official_name=official.name,
            zaak_number=str(number),
            flow=Flow.NEW_RESIDENT,
            loa=identification.loa.label,
        )
    )
    return identification, session, bsn


def _claim(
    session_id: UUID,
    number: CaseNumber,
    official: Official,
    identifications: IdentificationStore,
    sessions: SessionRepository,
    now: datetime,
) -> Session:
    """One conditional write takes the session (or finds it theirs already); only a refused one reads, to say why."""
    session = sessions.claim(session_id, official, now)
    if session is not None:
        return session
    current = sessions.get(session_id)
    if current is None:  # no session under the derived id: one of the release before, if its record is still there
        # kept for one release (issue 13): flow A sessions live half an hour, so the next release can drop it
        previous = identifications.get(number, now)
        if previous is None or previous.session_id == session_id:
            raise CaseNotFound("There is no identification with this case number (anymore).")
        session_id = previous.session_id
        session = sessions.claim(session_id, official, now)
        if session is not None:
            return session
        current = sessions.get(session_id)
    if current is None or current.status_at(now).is_end_state:
        raise CaseNotFound("There is no identification with this case number (anymore).")
    raise WrongState("Another official is handling this identification.")
