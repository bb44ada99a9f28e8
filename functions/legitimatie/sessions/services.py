"""Service functions: one per step of the flows. They take their adapters as arguments.

A step either is one conditional write whose condition restates the domain's rule (the right code, flow A's
look-up, the close of a logged-in session: no read before it; tests/integration/test_one_write_steps.py holds each
condition to its rule), or reads the record, lets the domain decide, and writes conditionally on what it read. Either
way a concurrent step can never be silently overwritten and a failed step changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from msgspec import Struct
from msgspec.structs import replace

from ..assurance import LevelOfAssurance
from ..audit import AuditAction, AuditEvent
from ..audit import Outcome as AuditOutcome
from ..bsn import Bsn
from ..errors import (
    ConcurrentUpdate,
    InvalidInput,
    ProofNotFound,
    SessionExpired,
    SessionNotFound,
    WrongState,
)
from ..ports import AuditTrail, BsnCipher, Metrics
from ..resident import Resident, ResidentKey
from .control_code import codes_equal
from .model import CheckOutcome, Flow, Official, Outcome, ResidentEvent, ResidentLogin, Session, Status
from .model import parse_session_id as parse_session_id  # where the handlers have always found it
from .ports import ClosedSessions, ExpiredRecords, SessionRepository

if TYPE_CHECKING:  # only named in signatures here: only the proofs function, gathering, loads the proofs modules
    from ..live.model import LiveTicket
    from ..login.digid_model import DigidAssertion, ResultGrant, TakenLogin
    from ..policy import ServicePolicy  # a create's: the functions that check or close build none
    from ..proofs.content import ProofRequest
    from ..proofs.model import ProofRecord
    from ..proofs.ports import ProofOutbox

__all__ = [
    "CLOSED",
    "ClosedSession",
    "OfficialSessionView",
    "bsn_context",
    "cancel_session",
    "check_control_code",
    "close_session",
    "completion_tombstone",
    "create_followed_session",
    "create_handover_session",
    "create_known_bsn_session",
    "create_session",
    "gather_proof",
    "note_resident_event",
    "official_session",
    "open_sessions",
    "parse_session_id",
    "public_session",
    "record_resident_login",
    "session_view",
    "sweep_expired",
]


class OfficialSessionView(Struct, frozen=True):
    """What the owning official may see of a session, the BSN opened only for them (flow C)."""

    session: Session
    status: Status
    bsn: Bsn | None


def bsn_context(session_id: UUID) -> dict[str, str]:
    """The KMS encryption context that binds a sealed BSN to exactly one session."""
    return {"purpose": "handover-bsn", "session_id": str(session_id)}


def _new_session(
    flow: Flow,
    requested_loa: LevelOfAssurance | None,
    official: Official,
    policy: ServicePolicy,
    now: datetime,
    live_ticket: LiveTicket | None,
) -> Session:
    return Session(
        id=live_ticket.session_id if live_ticket is not None else uuid4(),
        flow=flow,
        status=Status.CREATED,
        official=official,
        required_loa=policy.required_loa(requested_loa),
        created_at=now,
        expires_at=now + policy.session_lifetime,
    )


def create_session(
    flow: Flow,
    bsn: str | None,
    requested_loa: LevelOfAssurance | None,
    official: Official,
    *,
    policy: ServicePolicy,
    sessions: SessionRepository,
    residents: ResidentKey,
    audit: AuditTrail,
    metrics: Metrics,
    now: datetime,
    live_ticket: LiveTicket | None = None,
) -> Session:
    """The official starts flow B (with the resident's BSN) or flow C (without one; DigiD provides it). Flow A
    starts at the resident's login, never here. With ``live_ticket`` (minted for the new session's id) the same
    write keeps the official's first ticket for the live status."""
    if flow is Flow.KNOWN_BSN:
        if bsn is None:
            raise InvalidInput("A known_bsn session needs the resident's BSN.")
        return create_known_bsn_session(
            Bsn(bsn),
            requested_loa,
            official,
            policy=policy,
            sessions=sessions,
            residents=residents,
            audit=audit,
            metrics=metrics,
            now=now,
            live_ticket=live_ticket,
        )
    if flow is not Flow.HANDOVER:
        raise InvalidInput("An official starts a known_bsn or a handover session.")
    if bsn is not None:
        raise InvalidInput("A handover session takes no BSN: the resident's DigiD login provides it.")
    return create_handover_session(
        requested_loa,
        official,
        policy=policy,
        sessions=sessions,
        audit=audit,
        metrics=metrics,
        now=now,
        live_ticket=live_ticket,
    )


def create_followed_session(
    flow: Flow,
    bsn: str | None,
    requested_loa: LevelOfAssurance | None,
    official: Official,
    *,
    policy: ServicePolicy,
    sessions: SessionRepository,
    residents: ResidentKey,
    audit: AuditTrail,
    metrics: Metrics,
    now: datetime,
) -> tuple[Session, LiveTicket]:
    """``POST /api/sessions``: the new session and the official's first live ticket, stored in one write, so the
    page follows the session from its create answer on without asking for a ticket first."""
    from ..live.model import new_ticket  # the sessions function's create only: a check or a close needs no ticket

    ticket = new_ticket(uuid4(), now)
    session = create_session(
        flow,
        bsn,
        requested_loa,
        official,
        policy=policy,
        sessions=sessions,
        residents=residents,
        audit=audit,
        metrics=metrics,
        now=now,
        live_ticket=ticket,
    )
    return session, ticket


def _created(session: Session, resident: str | None, audit: AuditTrail, metrics: Metrics) -> None:
    metrics.count("SessionsCreated")
    audit.record(
        AuditEvent(
            action=AuditAction.SESSION_CREATED,
            official=session.official.id,
            official_name=session.official.name,
            session_id=str(session.id),
            flow=session.flow,
            loa=session.required_loa.label,
            resident=resident,
        )
    )


def create_known_bsn_session(
    bsn: Bsn,
    requested_loa: LevelOfAssurance | None,
    official: Official,
    *,
    policy: ServicePolicy,
    sessions: SessionRepository,
    residents: ResidentKey,
    audit: AuditTrail,
    metrics: Metrics,
    now: datetime,
    live_ticket: LiveTicket | None = None,
) -> Session:
    """Flow B: the official knows the BSN; the session stores only the code derived from it. The audit trail
    gets the resident's pseudonym, from the same KMS MAC as the code (one call, before anything is written)."""
    session = _new_session(Flow.KNOWN_BSN, requested_loa, official, policy, now, live_ticket)
    resident = residents.resident(bsn)
    session = replace(session, official_code=resident.control_code(session.id, session.code_version))
    sessions.add(session, live_ticket=live_ticket)
    _created(session, resident.pseudonym, audit, metrics)
    return session


def create_handover_session(
    requested_loa: LevelOfAssurance | None,
    official: Official,
    *,
    policy: ServicePolicy,
    sessions: SessionRepository,
    audit: AuditTrail,
    metrics: Metrics,
    now: datetime,
    live_ticket: LiveTicket | None = None,
) -> Session:
    """Flow C: the record holds the UUID and the official's name until the resident logs in."""
    session = _new_session(Flow.HANDOVER, requested_loa, official, policy, now, live_ticket)
    sessions.add(session, live_ticket=live_ticket)
    _created(session, None, audit, metrics)
    return session


def _owned_session(
    session_id: UUID, official: Official, sessions: SessionRepository, *, ended_too: bool = False
) -> Session:
    return _owned(sessions.get(session_id), official, ended_too=ended_too)


def _owned(session: Session | None, official: Official, *, ended_too: bool = False) -> Session:
    # Someone else's session is reported exactly like a missing one: its existence is not ours to reveal.
    # A closed session is gone by contract: only its tombstone is left, for a retried close.
    if session is None or not session.is_owned_by(official):
        raise SessionNotFound("There is no session with this id.")
    if session.status in CLOSED and not ended_too:
        raise SessionNotFound("There is no session with this id.")
    return session


# The states GET /api/sessions/{id} answers as gone (the live status pushes the same).
CLOSED = frozenset({Status.COMPLETED, Status.NOT_IDENTIFIED, Status.CANCELLED})


def completion_tombstone(ended: Session) -> Session:
    """What stays of a closed or locked session until its expiry: status, owner, outcome and the proof's
    document id; no BSN, no codes, no login."""
    return replace(ended, official_code=None, login=None)


def official_session(
    session_id: UUID, official: Official, *, sessions: SessionRepository, cipher: BsnCipher, now: datetime
) -> OfficialSessionView:
    """The official's view. The BSN (flows A and C) is opened only while the session is live."""
    return session_view(_owned_session(session_id, official, sessions), cipher=cipher, now=now)


def session_view(session: Session, *, cipher: BsnCipher, now: datetime) -> OfficialSessionView:
    """What the official sees of a session at ``now`` (also what the live status pushes to their page)."""
    status = session.status_at(now)
    bsn = None
    if session.login and session.login.sealed_bsn and not status.is_end_state:
        bsn = Bsn(cipher.open(session.login.sealed_bsn, bsn_context(session.id)).decode())
    return OfficialSessionView(session=session, status=status, bsn=bsn)


def open_sessions(official: Official, *, sessions: SessionRepository, now: datetime) -> list[Session]:
    """The official's own sessions that are still open (not ended, not expired), newest first."""
    mine = [s for s in sessions.owned_by(official.id) if s.is_owned_by(official)]
    return sorted((s for s in mine if not s.status_at(now).is_end_state), key=lambda s: s.created_at, reverse=True)


def public_session(session_id: UUID, *, sessions: SessionRepository, now: datetime) -> Session:
    """What the resident's start page may know: unknown and expired sessions are refused, and so is a session the
    resident reaches by no link (flow A's: ``Flow.has_link``)."""
    session = sessions.get(session_id)
    if session is None or session.status in CLOSED or not session.flow.has_link:
        raise SessionNotFound("This link is not known.")
    if session.status_at(now) is Status.EXPIRED:
        raise SessionExpired("This link has expired.")
    return session


def check_control_code(
    session_id: UUID,
    given_code: str,
    official: Official,
    *,
    sessions: SessionRepository,
    audit: AuditTrail,
    metrics: Metrics,
    now: datetime,
) -> CheckOutcome:
    """The official types the code the resident read aloud. The right code (and, in flow B, the right BSN at
    DigiD) makes the session ``verified``; the third wrong one locks it. No proof here: a proof is made only
    when the official closes the session, with the outcome committed in the same write."""
    if not (isinstance(given_code, str) and len(given_code) == 6 and given_code.isascii() and given_code.isdigit()):
        raise InvalidInput("A control code is exactly six digits.")
    written = sessions.verify(session_id, official.id, given_code, now)  # the right code: one write, no read
    if isinstance(written, Session):
        outcome = written.verified_check
    else:  # a wrong code, or a session that takes no check: the domain decides on what the refusal found
        session = _owned(written.stored, official)
        checked, outcome = session.with_check(given_code, now)
        if checked.status is Status.LOCKED:
            checked = completion_tombstone(checked)
        sessions.replace(checked, expected_status=session.status, expected_attempts_left=session.attempts_left)
    metrics.count("CodeMatches" if outcome.match else "CodeMismatches")
    audit.record(
        AuditEvent(
            action=AuditAction.CODE_CHECKED,
            outcome=AuditOutcome.SUCCESS if outcome.match else AuditOutcome.FAILURE,
            official=official.id,
            session_id=str(session_id),
            reason=None if outcome.match else ("bsn_mismatch" if outcome.bsn_match is False else "code_mismatch"),
        )
    )
    if outcome.status is Status.LOCKED:
        metrics.count("SessionsLocked")
        audit.record(
            AuditEvent(
                action=AuditAction.SESSION_LOCKED,
                official=official.id,
                session_id=str(session_id),
                reason="too_many_wrong_codes",
            )
        )
    return outcome


class ClosedSession(Struct, frozen=True):
    """What a close answers: all of it known from the request, the caller and the proof's document id drawn
    beforehand, so the common close needs no read."""

    id: UUID
    status: Status
    outcome_reason: str | None = None


def close_session(
    session_id: UUID,
    official: Official,
    outcome: Outcome,
    *,
    reason: str | None = None,
    zaak_url: str | None = None,
    sessions: SessionRepository,
    proofs: ProofOutbox,
    audit: AuditTrail,
    metrics: Metrics,
    now: datetime,
) -> tuple[ClosedSession, ProofRecord | None]:
    """The official ends the session: ``identified`` only from ``verified``; ``not_identified`` from any live
    status. The common close (a logged-in session) is one conditional write, no read before it
    (``SessionRepository.close``): the end state and the proof's pending outbox record commit together, so a proof
    exists only for a committed end state, exactly one per session (a concurrent step finds the status changed and
    fails without writing). The committed record is the hand-over: the table's stream brings it to the proof queue
    (template.yaml ``ProofHandOver``), and delivery first gathers the session's facts into it (``gather_proof``).

    Whatever that write refuses, the domain decides on the session as the refusal found it, as before: a retry of
    the same outcome finds the closed session and reports the same proof; a session that never logged in closes
    without a proof (read, decide, write on what was read); anything else is the domain's error."""
    identified = outcome is Outcome.IDENTIFIED
    record = proofs.closing_record(
        uuid4(), session_id, identified=identified, owner_id=official.id, zaak_url=zaak_url, now=now
    )
    refused = sessions.close(session_id, official.id, outcome, reason, record, now)
    if refused is None:
        closed = ClosedSession(
            session_id, Status.COMPLETED if identified else Status.NOT_IDENTIFIED, None if identified else reason
        )
        _closed(closed, official, audit, metrics)
        return closed, record
    return _close_refused(refused.stored, official, outcome, reason, zaak_url, sessions, proofs, audit, metrics, now)


def _close_refused(
    session: Session | None,
    official: Official,
    outcome: Outcome,
    reason: str | None,
    zaak_url: str | None,
    sessions: SessionRepository,
    proofs: ProofOutbox,
    audit: AuditTrail,
    metrics: Metrics,
    now: datetime,
) -> tuple[ClosedSession, ProofRecord | None]:
    """The close's write was refused: the domain says why, on the session as the refusal found it."""
    # Someone else's session is reported exactly like a missing one: its existence is not ours to reveal.
    if session is None or not session.is_owned_by(official):
        raise SessionNotFound("There is no session with this id.")
    if session.status in CLOSED:
        wanted = Status.COMPLETED if outcome is Outcome.IDENTIFIED else Status.NOT_IDENTIFIED
        if session.status is not wanted:
            raise WrongState(f"This session has been closed already ({session.status}).")
        record = proofs.get(session.proof_document_id) if session.proof_document_id else None
        if zaak_url is not None and (record is None or record.zaak_url != zaak_url):
            raise WrongState("This session's proof has been made already, for another zaak.")
        closed = ClosedSession(session.id, session.status, session.outcome_reason)
        _closed(closed, official, audit, metrics, session)
        return closed, record
    ended = session.closed(outcome, reason, now)  # the domain's error for a wrong state, an expired session
    if ended.login is not None:
        # The write's condition holds for every session the domain closes with a login (its test compares the
        # two), so the session changed between them: nothing certified, the official tries again.
        raise ConcurrentUpdate("The session was changed at the same time; please try again.")
    sessions.replace(
        completion_tombstone(ended), expected_status=session.status, expected_attempts_left=session.attempts_left
    )
    closed = ClosedSession(ended.id, ended.status, ended.outcome_reason)
    _closed(closed, official, audit, metrics, session)
    return closed, None


def _closed(
    closed: ClosedSession, official: Official, audit: AuditTrail, metrics: Metrics, session: Session | None = None
) -> None:
    """Every close is recorded, a retried one too (the official pressed Voltooien again). The common close reads
    nothing: its event has no flow and level (the proof's events have them)."""
    identified = closed.status is Status.COMPLETED
    metrics.count("SessionsCompleted")
    audit.record(
        AuditEvent(
            action=AuditAction.SESSION_COMPLETED,
            official=official.id,
            official_name=official.name,
            session_id=str(closed.id),
            flow=session.flow if session else None,
            loa=session.login.loa.label if session and session.login else None,
            outcome=AuditOutcome.SUCCESS if identified else AuditOutcome.FAILURE,
            reason=None if identified else "not_identified",
        )
    )


def gather_proof(record: ProofRecord, *, sessions: ClosedSessions, municipality: str, now: datetime) -> ProofRequest:
    """Off the request path, before delivery: the closed session's facts into its pending proof record (one without
    a message). Reads the session the close left with its facts, builds the request as it was at the close
    (``proof_of_session``, created at the close time, the close's document id) and, in one conditional transaction,
    writes it as the record's message and strips the session to its tombstone. Returns the request. Idempotent: an
    attempt that finds the work done or under way (a duplicate message) raises ``ConcurrentUpdate`` and writes
    nothing; its retry reads the record's message."""
    session = sessions.closed_with_facts(record.session_id, record.document_id, now) if record.session_id else None
    if session is None or session.login is None:
        raise ProofNotFound("The closed session's facts for this proof are gone (gathered already, or expired).")
    if session.status not in CLOSED or (session.status is Status.COMPLETED) != record.identified:
        raise WrongState("The proof's outcome is not the session's end state.")  # never certify another
    from ..proofs.services import proof_of_session  # only the proofs function gathers (see the imports above)

    request = proof_of_session(
        session,
        municipality=municipality,
        zaak_url=record.zaak_url,
        now=record.created_at,
        bsn_context=bsn_context(session.id),
        document_id=record.document_id,
    )
    if not sessions.hand_over_facts(completion_tombstone(session), record, request):
        raise ConcurrentUpdate("This proof's facts were gathered at the same time.")
    return request


def cancel_session(
    session_id: UUID,
    official: Official,
    *,
    sessions: SessionRepository,
    audit: AuditTrail,
    metrics: Metrics,
    now: datetime,
) -> Session:
    """The official stops the session, whatever its status: a tombstone without personal data replaces it
    (conditionally, so a concurrent step cannot slip between) and reads as gone."""
    session = _owned_session(session_id, official, sessions)
    sessions.replace(
        completion_tombstone(replace(session, status=Status.CANCELLED)),
        expected_status=session.status,
        expected_attempts_left=session.attempts_left,
    )
    metrics.count("SessionsCancelled")
    audit.record(
        AuditEvent(
            action=AuditAction.SESSION_CANCELLED, official=official.id, session_id=str(session.id), flow=session.flow
        )
    )
    return replace(session, status=Status.CANCELLED)


def note_resident_event(session_id: UUID, event: ResidentEvent, *, sessions: SessionRepository, now: datetime) -> None:
    """DigiD answered a session's login with a cancel or a level that is too low: the official sees it live."""
    sessions.note_resident_event(session_id, event, now)


def record_resident_login(
    session_id: UUID,
    resident: Resident,
    loa: LevelOfAssurance,
    *,
    sessions: SessionRepository,
    cipher: BsnCipher,
    now: datetime,
    assertion: DigidAssertion | None = None,
    result_for: Callable[[Session], ResultGrant] | None = None,
    taking: TakenLogin | None = None,
) -> Session:
    """A DigiD login for a session of flow B or C. The BSN is kept only sealed, and only in flow C. ``result_for``
    makes the resident's result from the logged-in session, and ``taking`` is the pending login the write uses
    up (read with its session: no second read): one conditional write records all of it.

    The resident's KMS MAC is made here, after the session accepted the login; the caller's ``resident`` keeps
    it for the pseudonym. When it fails the login fails and nothing is written: without the code there is
    nothing for the official to check."""
    session = taking.login.session if taking is not None and taking.login.session is not None else None
    if session is None or session.id != session_id:
        session = sessions.get(session_id)
    if session is None:
        raise SessionNotFound("This link is not known.")
    session.ensure_accepts_login(loa, now)  # before any KMS call: a refused login costs nothing
    resident_code = resident.control_code(session.id, session.code_version)
    if session.flow is Flow.KNOWN_BSN:
        match = session.official_code is not None and codes_equal(session.official_code, resident_code)
        login = ResidentLogin(at=now, loa=loa, resident_code=resident_code, code_match=match)
    else:
        sealed = cipher.seal(resident.bsn.digits.encode(), bsn_context(session.id))
        login = ResidentLogin(at=now, loa=loa, resident_code=resident_code, sealed_bsn=sealed)
    if assertion is not None:
        login = replace(login, digid_assertion_id=assertion.assertion_id, digid_authn_instant=assertion.authn_instant)
    logged_in = session.with_login(login, now)
    sessions.replace(
        logged_in,
        expected_status=Status.CREATED,
        expected_attempts_left=session.attempts_left,
        result=result_for(logged_in) if result_for is not None else None,
        taking=taking,
    )
    return logged_in


def sweep_expired(*, records: ExpiredRecords, audit: AuditTrail, metrics: Metrics, now: datetime) -> int:
    """The scheduled sweep: delete every record past its expiry time."""
    deleted = records.delete_expired(now)
    metrics.count("ExpiredRecordsDeleted", deleted)
    if deleted:
        audit.record(AuditEvent(action=AuditAction.RECORDS_EXPIRED, count=deleted))
    return deleted
