"""Service functions for the resident's DigiD login, per flow: plan and register it, find and take the pending login
an answer names, and record what the answer means. Only the DigiD function loads this module (and
``digid_model``); SAML itself lives in the DigiD function."""

from __future__ import annotations

import hmac
import logging
from datetime import datetime
from uuid import UUID

from msgspec import Struct

from ..assurance import LevelOfAssurance
from ..audit import AuditAction, AuditEvent
from ..audit import Outcome as AuditOutcome
from ..bsn import Bsn
from ..errors import (
    AlreadyLoggedIn,
    ConcurrentUpdate,
    DomainError,
    LevelTooLow,
    SessionEnded,
    SessionExpired,
    SessionLocked,
    SessionNotFound,
)
from ..policy import ServicePolicy
from ..ports import AuditTrail, BsnCipher, Metrics
from ..resident import Resident, ResidentKey
from ..sessions.control_code import random_control_code
from ..sessions.model import UNCLAIMED, Flow, ResidentEvent, ResidentLogin, Session, Status
from ..sessions.ports import SessionRepository
from ..sessions.services import bsn_context, note_resident_event, record_resident_login
from .digid_model import (
    FORCE_AUTHN,
    DigidAssertion,
    LoginRefused,
    PendingLogin,
    ResultGrant,
    TakenLogin,
    new_result_token,
)
from .model import LOGIN_LIFETIME, ResidentResult, case_session_id, token_digest
from .ports import IdentificationStore, PendingLogins

_log = logging.getLogger(__name__)

__all__ = [
    "LoginAnswer",
    "LoginPlan",
    "LoginPorts",
    "answer_login",
    "begin_login",
    "expected_login",
    "find_pending_login",
    "finish_login",
    "login_below_level",
    "login_cancelled",
    "login_failed",
    "plan_login",
    "register_login",
    "take_pending_login",
    "tell_official",
]


class LoginPlan(Struct, frozen=True):
    """What the AuthnRequest must ask of DigiD."""

    flow: Flow
    required_loa: LevelOfAssurance
    force_authn: bool
    session_id: UUID | None = None


def plan_login(
    session_id: UUID | None, *, policy: ServicePolicy, sessions: SessionRepository, now: datetime
) -> LoginPlan:
    """Refuse unknown, expired, used or locked sessions before the resident goes to DigiD."""
    if session_id is None:
        return LoginPlan(flow=Flow.NEW_RESIDENT, required_loa=policy.minimum_loa, force_authn=FORCE_AUTHN)
    session = sessions.get(session_id)
    if session is None or not session.flow.has_link:  # flow A's id is no link (``Flow.has_link``)
        raise LoginRefused("expired", "This link is not known or no longer valid.")
    status = session.status_at(now)
    if status is Status.EXPIRED:
        raise LoginRefused("expired", "This link has expired.")
    if status is not Status.CREATED:
        raise LoginRefused("already_used", "This link has been used already.")
    return LoginPlan(
        flow=session.flow, required_loa=session.required_loa, force_authn=FORCE_AUTHN, session_id=session.id
    )


def begin_login(
    session_id: UUID | None,
    request_id: str,
    relay_state: str,
    browser_token: str,
    *,
    policy: ServicePolicy,
    sessions: SessionRepository,
    pending: PendingLogins,
    audit: AuditTrail,
    metrics: Metrics,
    now: datetime,
) -> PendingLogin:
    """The resident goes to DigiD: the AuthnRequest ``request_id`` (built next, for the returned login's level) is
    kept for its answer, bound to the browser holding ``browser_token``.

    Flow A keeps it as a record of its own. Flows B and C keep it on the session's item, in one conditional write
    that is itself the check that the link can still be used (waiting for its login, in time): no read first. Only
    a refused write reads the session, to tell the resident why (``plan_login``'s reasons)."""
    if session_id is None:
        plan = plan_login(None, policy=policy, sessions=sessions, now=now)
        return register_login(
            plan, request_id, relay_state, browser_token, pending=pending, audit=audit, metrics=metrics, now=now
        )
    login = pending.open_on_session(
        session_id, request_id, relay_state, token_digest(browser_token), now, now + LOGIN_LIFETIME
    )
    if login is None:
        plan_login(session_id, policy=policy, sessions=sessions, now=now)  # raises the reason the link was refused
        raise LoginRefused("already_used", "This link has been used already.")  # it changed meanwhile
    _login_started(login, audit, metrics)
    return login


def register_login(
    plan: LoginPlan,
    request_id: str,
    relay_state: str,
    browser_token: str,
    *,
    pending: PendingLogins,
    audit: AuditTrail,
    metrics: Metrics,
    now: datetime,
) -> PendingLogin:
    """Keep the AuthnRequest for its answer, bound to the browser holding ``browser_token`` (its pre-login cookie)."""
    login = PendingLogin(
        request_id=request_id,
        relay_state=relay_state,
        flow=plan.flow,
        required_loa=plan.required_loa,
        created_at=now,
        expires_at=now + LOGIN_LIFETIME,
        session_id=plan.session_id,
        browser_digest=token_digest(browser_token),
    )
    pending.add(login)
    _login_started(login, audit, metrics)
    return login


def _login_started(login: PendingLogin, audit: AuditTrail, metrics: Metrics) -> None:
    metrics.count("DigidLoginsStarted")
    audit.record(
        AuditEvent(
            action=AuditAction.DIGID_LOGIN_STARTED,
            session_id=str(login.session_id) if login.session_id else None,
            flow=login.flow,
            loa=login.required_loa.label,
        )
    )


def login_failed(reason: str, pending: PendingLogin | None, *, audit: AuditTrail, metrics: Metrics) -> None:
    """A login that ends on the resident's error page (``reason`` names the page): counted and in the trail."""
    metrics.count(f"DigidLoginFailed_{reason}")
    _audit_failure(reason, pending, audit)


def _audit_failure(reason: str, pending: PendingLogin | None, audit: AuditTrail) -> None:
    audit.record(
        AuditEvent(
            action=AuditAction.DIGID_LOGIN_FAILED,
            outcome=AuditOutcome.FAILURE,
            reason=reason,
            session_id=str(pending.session_id) if pending and pending.session_id else None,
            flow=pending.flow if pending else None,
            loa=pending.required_loa.label if pending else None,
        )
    )


def tell_official(pending: PendingLogin, event: ResidentEvent, *, sessions: SessionRepository, now: datetime) -> bool:
    """The official's page shows what happened at DigiD (issue 11); False when that could not be recorded (which
    changes nothing else: the resident's answer stands)."""
    if pending.session_id is None:
        return True
    try:
        note_resident_event(pending.session_id, event, sessions=sessions, now=now)
    except DomainError:
        _log.warning("Could not record the DigiD event on the session", extra={"event": event.value})
        return False
    return True


def login_cancelled(
    pending: PendingLogin, *, sessions: SessionRepository, audit: AuditTrail, metrics: Metrics, now: datetime
) -> None:
    """The resident cancelled at DigiD: counted, in the trail, and shown to the official."""
    metrics.count("DigidLoginCancelled")
    _audit_failure("cancelled", pending, audit)
    tell_official(pending, ResidentEvent.CANCELLED, sessions=sessions, now=now)


def login_below_level(
    pending: PendingLogin, *, sessions: SessionRepository, audit: AuditTrail, metrics: Metrics, now: datetime
) -> None:
    """DigiD answered with a level below the session's: the official sees it; the resident's error page too."""
    tell_official(pending, ResidentEvent.LOA_TOO_LOW, sessions=sessions, now=now)
    login_failed("loa_too_low", pending, audit=audit, metrics=metrics)


def expected_login(
    request_id: str | None,
    relay_state: str | None,
    browser_token: str | None,
    *,
    policy: ServicePolicy,
    now: datetime,
) -> PendingLogin:
    """Flow A: what an answer must match, built without reading its pending login (the browser's cookie names no
    session, so nothing the read gives is unknown): the request is the Response's InResponseTo, the level the
    policy's minimum, the RelayState the one that came with the answer, the browser the one holding the pre-login
    cookie. The answer is validated against it; the write that uses the pending login up then holds only if the
    stored login is exactly this one, in time (``PendingLogins.take``, ``SessionRepository.add``'s ``taking``). An
    attacker's own answer posted into a victim's browser, a replay, an expired login or a level changed meanwhile:
    the write is refused and nothing is stored.

    ``created_at`` and ``expires_at`` are not read: they are the latest the login can have (started now); its
    stored expiry is what the write's condition checks."""
    if not request_id:
        raise LoginRefused("error", "The DigiD answer does not refer to a login request.")
    if not browser_token:
        raise LoginRefused("error", "The DigiD answer arrived in another browser than the one that started it.")
    if not relay_state:
        raise LoginRefused("error", "The DigiD answer belongs to another login (RelayState).")
    return PendingLogin(
        request_id=request_id,
        relay_state=relay_state,
        flow=Flow.NEW_RESIDENT,
        required_loa=policy.minimum_loa,
        created_at=now,
        expires_at=now + LOGIN_LIFETIME,
        browser_digest=token_digest(browser_token),
    )


def find_pending_login(
    request_id: str | None,
    relay_state: str | None,
    browser_token: str | None,
    *,
    pending: PendingLogins,
    now: datetime,
    session_id: UUID,
) -> PendingLogin:
    """Flows B and C: the login an answer claims to belong to, read with its session (the write that records the
    login needs the session anyway), looked at but not taken (the answer is not proven genuine yet).

    It must be a request we made, still pending and in time, with the same RelayState, arriving in the browser
    that started it (its pre-login cookie): an attacker's own answer, posted into a victim's browser, is refused.
    Flow A reads nothing: ``expected_login``.
    """
    if not request_id:
        raise LoginRefused("error", "The DigiD answer does not refer to a login request.")
    if not browser_token:
        raise LoginRefused("error", "The DigiD answer arrived in another browser than the one that started it.")
    login = pending.get(request_id, now, session_id)
    if login is None:  # the browser's session has no pending login (used up or expired)
        raise LoginRefused("already_used", "This DigiD answer was used before, has expired or is not ours.")
    if not hmac.compare_digest(login.request_id.encode(), request_id.encode()):
        raise LoginRefused("error", "The DigiD answer belongs to another login than this browser's.")
    if not relay_state or not hmac.compare_digest(relay_state.encode(), login.relay_state.encode()):
        raise LoginRefused("error", "The DigiD answer belongs to another login (RelayState).")
    if not hmac.compare_digest(token_digest(browser_token), login.browser_digest):
        raise LoginRefused("error", "The DigiD answer arrived in another browser than the one that started it.")
    return login


def _refused_take(login: PendingLogin) -> LoginRefused:
    """The write that would use ``login`` up was refused. A session's (flows B, C) was read first and matched, so
    it was used meanwhile. Flow A's was never read: used before, expired, another browser's or RelayState, a level
    changed since its start, or never ours; the resident sees the general error page for all of these, as when they
    were found by a read, and we read nothing more to tell them apart."""
    if login.session_id is None:
        return LoginRefused("error", "This DigiD answer was used before, has expired or is not ours.")
    return LoginRefused("already_used", "This DigiD answer was used before or has expired.")


def take_pending_login(login: PendingLogin, *, pending: PendingLogins, now: datetime) -> PendingLogin:
    """Use up the pending login, once: call only after the answer is proven genuine (signature, addressing), for
    an answer that logs nobody in (a successful one is used up by ``finish_login``'s write). Returns it as stored."""
    taken = pending.take(login, now)
    if taken is None:  # a concurrent request with the same answer won the conditional delete, or (flow A) not ours
        raise _refused_take(login)
    return taken


def finish_login(
    login: PendingLogin,
    bsn: Bsn,
    loa: LevelOfAssurance,
    *,
    policy: ServicePolicy,
    sessions: SessionRepository,
    residents: ResidentKey,
    cipher: BsnCipher,
    identifications: IdentificationStore,
    pending: PendingLogins,
    audit: AuditTrail,
    metrics: Metrics,
    now: datetime,
    assertion: DigidAssertion | None = None,
) -> tuple[str, ResidentResult]:
    """Record a successful DigiD login per flow; returns the browser's result token and what it shows. Call only
    after the answer is proven genuine: one conditional write records the login, the result (under the token's
    digest) and uses up the pending login, once and in time; a second answer finds it gone ("already_used").

    Every flow ends the same way from here: the official checks the code heard and closes the session, which
    makes the proof (flow A: after looking the case number up).

    A refused login (level, link used or expired) uses the pending login up all the same: an answer counts once.
    The success is counted and in the audit trail with the resident's pseudonym. In flows B and C it comes from
    the KMS MAC that made the code, before the write: when that MAC fails, the login fails (no code, nothing
    to check). Flow A's code is random, so its MAC is made for the pseudonym alone, after the login is
    recorded: when it fails there, the login stands and the event says the pseudonym is unavailable."""
    resident = residents.resident(bsn)  # one KMS MAC, made when the code or the pseudonym is first needed
    try:
        token, result = _finish_login(login, resident, loa, policy, sessions, cipher, identifications, now, assertion)
    except DomainError:
        pending.take(login, now)  # single use, whatever the refusal (flow A's: only if it is this browser's)
        raise
    metrics.count(f"Identifications_{result.flow}")
    audit.record(
        AuditEvent(
            action=AuditAction.DIGID_LOGIN_SUCCEEDED,
            session_id=str(login.session_id) if login.session_id else None,
            zaak_number=result.zaak_number,
            official_name=result.official_name,
            flow=result.flow,
            loa=loa.label,
            resident=_pseudonym(resident),
        )
    )
    return token, result


def _pseudonym(resident: Resident) -> str:
    try:
        return resident.pseudonym
    except DomainError:  # KMS unavailable: the login stands; the event says the pseudonym is missing
        _log.warning("Resident pseudonym unavailable for the audit event")
        return "unavailable"


def _finish_login(
    login: PendingLogin,
    resident: Resident,
    loa: LevelOfAssurance,
    policy: ServicePolicy,
    sessions: SessionRepository,
    cipher: BsnCipher,
    identifications: IdentificationStore,
    now: datetime,
    assertion: DigidAssertion | None,
) -> tuple[str, ResidentResult]:
    if not loa.meets(login.required_loa):
        raise LoginRefused("loa_too_low", f"This login needs DigiD {login.required_loa.label} or higher.")
    token = new_result_token()
    taking = TakenLogin(login, now)
    if login.flow is Flow.NEW_RESIDENT:
        try:
            result = _register_identification(
                resident.bsn,
                loa,
                login.required_loa,
                policy,
                sessions,
                cipher,
                identifications,
                now,
                token_digest(token),
                taking,
                assertion,
            )
        except ConcurrentUpdate as exc:  # the write's condition: the pending login is not (or no longer) this one
            raise _refused_take(login) from exc
    else:
        assert login.session_id is not None
        result = _log_in_to_session(
            login.session_id, resident, loa, policy, sessions, cipher, now, token_digest(token), taking, assertion
        )
    return token, result


def _register_identification(
    bsn: Bsn,
    loa: LevelOfAssurance,
    required_loa: LevelOfAssurance,
    policy: ServicePolicy,
    sessions: SessionRepository,
    cipher: BsnCipher,
    identifications: IdentificationStore,
    now: datetime,
    token_hash: str,
    taking: TakenLogin,
    assertion: DigidAssertion | None = None,
) -> ResidentResult:
    """Flow A: a random code and a new case number; a session (no official yet) holds the sealed BSN and the
    code under an id that follows from the case number (``case_session_id``: the look-up needs no record in
    between). The session and the resident's result are one transaction, which also uses the pending login up
    (its condition is where the answer is checked against the stored login: ``expected_login``).

    The number is drawn from the counter before that transaction: a refused one (a replay, another browser's
    answer, a lost race) leaves a gap in the year's numbering. Gaps could happen before too (a transaction that
    lost a race); case numbers are unique and increasing, never promised to be consecutive."""
    number = identifications.next_case_number(now.year)
    code = random_control_code()
    session_id = case_session_id(number)  # the look-up computes it from the number: no record in between
    session = Session(
        id=session_id,
        flow=Flow.NEW_RESIDENT,
        status=Status.LOGGED_IN,
        official=UNCLAIMED,
        required_loa=required_loa,
        created_at=now,
        expires_at=now + policy.session_lifetime,
        login=ResidentLogin(
            at=now,
            loa=loa,
            resident_code=code,
            sealed_bsn=cipher.seal(bsn.digits.encode(), bsn_context(session_id)),
            digid_assertion_id=assertion.assertion_id if assertion else None,
            digid_authn_instant=assertion.authn_instant if assertion else None,
        ),
        zaak_number=str(number),
    )
    result = ResidentResult(
        flow=Flow.NEW_RESIDENT,
        code=code,
        zaak_number=str(number),
        municipality=policy.municipality_name,
        expires_at=min(now + LOGIN_LIFETIME, session.expires_at),
        session_id=session_id,
        limit_at=session.expires_at,
    )
    sessions.add(session, result=ResultGrant(token_hash, result), taking=taking)
    return result


def _log_in_to_session(
    session_id: UUID,
    resident: Resident,
    loa: LevelOfAssurance,
    policy: ServicePolicy,
    sessions: SessionRepository,
    cipher: BsnCipher,
    now: datetime,
    token_hash: str,
    taking: TakenLogin,
    assertion: DigidAssertion | None = None,
) -> ResidentResult:
    def result_for(session: Session) -> ResultGrant:
        return ResultGrant(token_hash, _session_result(session, policy, now))

    try:
        session = record_resident_login(
            session_id,
            resident,
            loa,
            sessions=sessions,
            cipher=cipher,
            now=now,
            assertion=assertion,
            result_for=result_for,
            taking=taking,
        )
    except (SessionNotFound, SessionExpired) as exc:
        raise LoginRefused("expired", "This link has expired.") from exc
    except ConcurrentUpdate as exc:  # the pending login was used (or replaced) meanwhile, or the session changed
        raise LoginRefused("already_used", "This DigiD answer was used before or has expired.") from exc
    except (AlreadyLoggedIn, SessionEnded, SessionLocked) as exc:
        raise LoginRefused("already_used", "This link has been used already.") from exc
    except LevelTooLow as exc:
        raise LoginRefused("loa_too_low", exc.message) from exc
    return _session_result(session, policy, now)


def _session_result(session: Session, policy: ServicePolicy, now: datetime) -> ResidentResult:
    """What the resident's page shows after logging in to a session of flow B or C."""
    assert session.login is not None
    return ResidentResult(
        flow=session.flow,
        code=session.login.resident_code,
        official_name=session.official.name if session.flow is Flow.HANDOVER else None,
        municipality=policy.municipality_name,
        expires_at=min(now + LOGIN_LIFETIME, session.expires_at),
        session_id=session.id,
        limit_at=session.expires_at,
    )


class LoginPorts(Struct, frozen=True):
    """Everything a DigiD answer may touch, wired once by the DigiD function."""

    policy: ServicePolicy
    sessions: SessionRepository
    residents: ResidentKey
    cipher: BsnCipher
    identifications: IdentificationStore
    pending: PendingLogins
    audit: AuditTrail
    metrics: Metrics


class LoginAnswer(Struct, frozen=True):
    """What a genuine DigiD answer came to, for the resident's page: ``logged_in`` (with the result cookie's token
    and the result), ``cancelled``, ``loa_too_low`` or ``error``; ``login`` is the pending login it answered."""

    kind: str
    login: PendingLogin
    token: str | None = None
    result: ResidentResult | None = None


def answer_login(
    login: PendingLogin,
    kind: str,
    bsn: Bsn | None,
    loa: LevelOfAssurance | None,
    *,
    ports: LoginPorts,
    now: datetime,
    assertion_id: str | None = None,
    authn_instant: datetime | None = None,
) -> LoginAnswer:
    """A DigiD answer proven genuine (signature, addressing), for the pending login it names. A success records the
    login (``finish_login``); anything else uses the pending login up, is counted and in the audit trail, and a
    cancel or a level too low is shown to the official. ``kind`` is the SAML outcome's; ``assertion_id`` and
    ``authn_instant`` are DigiD's own evidence of a success, for the proof."""
    if kind == "success" and bsn is not None and loa is not None:
        assertion = DigidAssertion(assertion_id, authn_instant) if assertion_id and authn_instant else None
        token, result = finish_login(
            login,
            bsn,
            loa,
            policy=ports.policy,
            sessions=ports.sessions,
            residents=ports.residents,
            cipher=ports.cipher,
            identifications=ports.identifications,
            pending=ports.pending,
            audit=ports.audit,
            metrics=ports.metrics,
            now=now,
            assertion=assertion,
        )
        return LoginAnswer("logged_in", login, token, result)
    taken = take_pending_login(login, pending=ports.pending, now=now)
    audit, metrics = ports.audit, ports.metrics
    if kind == "cancelled":
        login_cancelled(taken, sessions=ports.sessions, audit=audit, metrics=metrics, now=now)
        return LoginAnswer("cancelled", taken)
    if kind == "loa_too_low":
        login_below_level(taken, sessions=ports.sessions, audit=audit, metrics=metrics, now=now)
        return LoginAnswer("loa_too_low", taken)
    login_failed("error", taken, audit=audit, metrics=metrics)
    return LoginAnswer("error", taken)
