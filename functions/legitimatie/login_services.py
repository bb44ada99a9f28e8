"""Service functions for the resident's DigiD login, per flow. SAML itself lives in the DigiD function."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from .assurance import LevelOfAssurance
from .bsn import Bsn
from .control_code import ControlCodes, random_control_code
from .errors import (
    AlreadyLoggedIn,
    LevelTooLow,
    NotAllowed,
    SessionEnded,
    SessionExpired,
    SessionLocked,
    SessionNotFound,
)
from .login import (
    LOGIN_LIFETIME,
    CaseNumber,
    DigidAssertion,
    Identification,
    IdentificationStore,
    LoginRefused,
    PendingLogin,
    PendingLogins,
    ResidentResult,
    ResidentResults,
    new_result_token,
    token_digest,
)
from .policy import ServicePolicy
from .ports import BsnCipher, SessionRepository
from .proof import ProofOutbox
from .proof_services import proof_of_identification
from .services import record_resident_login
from .session import Flow, Official, Status

__all__ = [
    "LoginPlan",
    "finish_login",
    "identification_context",
    "identification_for_official",
    "plan_login",
    "register_login",
    "resident_result",
    "take_pending_login",
]


@dataclass(frozen=True)
class LoginPlan:
    """What the AuthnRequest must ask of DigiD."""

    flow: Flow
    required_loa: LevelOfAssurance
    force_authn: bool
    session_id: UUID | None = None


def identification_context(zaak_number: CaseNumber) -> dict[str, str]:
    return {"purpose": "identification-bsn", "zaak_number": str(zaak_number)}


def plan_login(
    session_id: UUID | None, *, policy: ServicePolicy, sessions: SessionRepository, now: datetime
) -> LoginPlan:
    """Refuse unknown, expired, used or locked sessions before the resident goes to DigiD."""
    if session_id is None:
        return LoginPlan(flow=Flow.NEW_RESIDENT, required_loa=policy.minimum_loa, force_authn=False)
    session = sessions.get(session_id)
    if session is None:
        raise LoginRefused("expired", "This link is not known or no longer valid.")
    status = session.status_at(now)
    if status is Status.EXPIRED:
        raise LoginRefused("expired", "This link has expired.")
    if status is not Status.CREATED:
        raise LoginRefused("already_used", "This link has been used already.")
    # Flows B and C bind a code to *this* login: DigiD must not reuse a login made for something else.
    return LoginPlan(flow=session.flow, required_loa=session.required_loa, force_authn=True, session_id=session.id)


def register_login(
    plan: LoginPlan, request_id: str, relay_state: str, *, pending: PendingLogins, now: datetime
) -> PendingLogin:
    login = PendingLogin(
        request_id=request_id,
        relay_state=relay_state,
        flow=plan.flow.value,
        required_loa=plan.required_loa,
        created_at=now,
        expires_at=now + LOGIN_LIFETIME,
        session_id=plan.session_id,
    )
    pending.add(login)
    return login


def take_pending_login(
    request_id: str | None, relay_state: str | None, *, pending: PendingLogins, now: datetime
) -> PendingLogin:
    """The answer must belong to a request we made, once, in time, from the same login (RelayState)."""
    if not request_id:
        raise LoginRefused("error", "The DigiD answer does not refer to a login request.")
    login = pending.take(request_id, now)
    if login is None:
        raise LoginRefused("already_used", "This DigiD answer was used before, has expired or is not ours.")
    if relay_state is not None and relay_state != login.relay_state:
        raise LoginRefused("error", "The DigiD answer belongs to another login.")
    return login


def finish_login(
    login: PendingLogin,
    bsn: Bsn,
    loa: LevelOfAssurance,
    *,
    policy: ServicePolicy,
    sessions: SessionRepository,
    codes: ControlCodes,
    cipher: BsnCipher,
    identifications: IdentificationStore,
    results: ResidentResults,
    now: datetime,
    proofs: ProofOutbox | None = None,
    assertion: DigidAssertion | None = None,
) -> tuple[str, ResidentResult]:
    """Record a successful DigiD login per flow; returns the browser's result token and what it shows.

    Flow A's identification is complete at login: its proof is handed to ``proofs`` before the resident sees
    the code (flows B and C make theirs at the official's code check or at Voltooien)."""
    if loa < login.required_loa:
        raise LoginRefused("loa_too_low", f"This login needs DigiD {login.required_loa.label} or higher.")
    if login.flow == Flow.NEW_RESIDENT.value:
        result = _register_identification(bsn, loa, policy, cipher, identifications, now, proofs, assertion)
    else:
        assert login.session_id is not None
        result = _log_in_to_session(login.session_id, bsn, loa, policy, sessions, codes, cipher, now, assertion)
    token = new_result_token()
    results.add(token_digest(token), result)
    return token, result


def _register_identification(
    bsn: Bsn,
    loa: LevelOfAssurance,
    policy: ServicePolicy,
    cipher: BsnCipher,
    identifications: IdentificationStore,
    now: datetime,
    proofs: ProofOutbox | None = None,
    assertion: DigidAssertion | None = None,
) -> ResidentResult:
    """Flow A: a random code and a new case number, the BSN sealed to that case number."""
    number = identifications.next_case_number(now.year)
    code = random_control_code()
    identification = Identification(
        zaak_number=number,
        sealed_bsn=cipher.seal(bsn.digits.encode(), identification_context(number)),
        code=code,
        login_at=now,
        loa=loa,
        expires_at=now + policy.identification_retention,
    )
    request = None
    if proofs is not None:
        request = proof_of_identification(
            identification,
            identification_context(number),
            municipality=policy.municipality_name,
            now=now,
            assertion=assertion,
        )
        # The look-up by case number shows the official which proof belongs to it.
        identification = replace(identification, proof_document_id=request.document_id)
    identifications.add(identification)
    if proofs is not None and request is not None:
        proofs.submit(request, None)
    return ResidentResult(
        flow=Flow.NEW_RESIDENT.value,
        code=code,
        zaak_number=str(number),
        municipality=policy.municipality_name,
        expires_at=now + LOGIN_LIFETIME,
    )


def _log_in_to_session(
    session_id: UUID,
    bsn: Bsn,
    loa: LevelOfAssurance,
    policy: ServicePolicy,
    sessions: SessionRepository,
    codes: ControlCodes,
    cipher: BsnCipher,
    now: datetime,
    assertion: DigidAssertion | None = None,
) -> ResidentResult:
    try:
        session = record_resident_login(
            session_id, bsn, loa, sessions=sessions, codes=codes, cipher=cipher, now=now, assertion=assertion
        )
    except (SessionNotFound, SessionExpired) as exc:
        raise LoginRefused("expired", "This link has expired.") from exc
    except (AlreadyLoggedIn, SessionEnded, SessionLocked) as exc:
        raise LoginRefused("already_used", "This link has been used already.") from exc
    except LevelTooLow as exc:
        raise LoginRefused("loa_too_low", exc.message) from exc
    assert session.login is not None
    return ResidentResult(
        flow=session.flow.value,
        code=session.login.resident_code,
        official_name=session.official.name if session.flow is Flow.HANDOVER else None,
        municipality=policy.municipality_name,
        expires_at=min(now + LOGIN_LIFETIME, session.expires_at),
    )


def resident_result(token: str | None, *, results: ResidentResults, now: datetime) -> ResidentResult:
    """The result for the browser holding the token; nothing for anyone else."""
    result = results.get(token_digest(token), now) if token else None
    if result is None:
        raise SessionNotFound("There is no login result for this browser (anymore).")
    return result


def identification_for_official(
    zaak_number: str,
    official: Official,
    lookup_group: str,
    *,
    identifications: IdentificationStore,
    cipher: BsnCipher,
    now: datetime,
) -> tuple[Identification, Bsn]:
    """Flow A look-up: only officials in the staff group may see identifications by case number."""
    if lookup_group not in official.groups:
        raise NotAllowed("Looking up identifications needs the case look-up role.")
    number = CaseNumber.parse(zaak_number)
    identification = identifications.get(number, now)
    if identification is None:
        raise SessionNotFound("There is no identification with this case number (anymore).")
    bsn = Bsn(cipher.open(identification.sealed_bsn, identification_context(number)).decode())
    return identification, bsn
