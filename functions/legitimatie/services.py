"""Service functions: one per step of the flows. They take their adapters as arguments.

Every function reads the record, lets the domain decide, and writes conditionally on what it read, so a
concurrent step can never be silently overwritten and a failed step changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID, uuid4

from .assurance import LevelOfAssurance
from .bsn import Bsn
from .control_code import ControlCodes, codes_equal
from .errors import InvalidInput, SessionExpired, SessionNotFound, WrongState
from .login import DigidAssertion
from .policy import ServicePolicy
from .ports import BsnCipher, ExpiredRecords, SessionRepository
from .proof import ProofOutbox, ProofRecord
from .proof_services import proof_of_session
from .session import CheckOutcome, Flow, Official, ResidentLogin, Session, Status

__all__ = [
    "OfficialSessionView",
    "cancel_session",
    "check_control_code",
    "complete_session_with_proof",
    "completion_tombstone",
    "create_handover_session",
    "create_known_bsn_session",
    "official_session",
    "parse_session_id",
    "public_session",
    "record_resident_login",
    "sweep_expired",
]


@dataclass(frozen=True)
class OfficialSessionView:
    """What the owning official may see of a session, the BSN opened only for them (flow C)."""

    session: Session
    status: Status
    bsn: Bsn | None


def parse_session_id(raw: str) -> UUID:
    """Session ids are UUID v4 strings; anything else is bad input, never a lookup."""
    try:
        session_id = UUID(raw)
    except (ValueError, AttributeError, TypeError):
        raise InvalidInput("This is not a valid session id.") from None
    if session_id.version != 4 or str(session_id) != raw.strip().lower():
        raise InvalidInput("This is not a valid session id.")
    return session_id


def bsn_context(session_id: UUID) -> dict[str, str]:
    """The KMS encryption context that binds a sealed BSN to exactly one session."""
    return {"purpose": "handover-bsn", "session_id": str(session_id)}


def _new_session(
    flow: Flow, requested_loa: LevelOfAssurance | None, official: Official, policy: ServicePolicy, now: datetime
) -> Session:
    return Session(
        id=uuid4(),
        flow=flow,
        status=Status.CREATED,
        official=official,
        required_loa=policy.required_loa(requested_loa),
        created_at=now,
        expires_at=now + policy.session_lifetime,
    )


def create_known_bsn_session(
    bsn: Bsn,
    requested_loa: LevelOfAssurance | None,
    official: Official,
    *,
    policy: ServicePolicy,
    sessions: SessionRepository,
    codes: ControlCodes,
    now: datetime,
) -> Session:
    """Flow B: the official knows the BSN; the session stores only the code derived from it."""
    session = _new_session(Flow.KNOWN_BSN, requested_loa, official, policy, now)
    code = codes.for_session(session.id, bsn, session.code_version)
    session = replace(session, official_code=code)
    sessions.add(session)
    return session


def create_handover_session(
    requested_loa: LevelOfAssurance | None,
    official: Official,
    *,
    policy: ServicePolicy,
    sessions: SessionRepository,
    now: datetime,
) -> Session:
    """Flow C: the record holds the UUID and the official's name until the resident logs in."""
    session = _new_session(Flow.HANDOVER, requested_loa, official, policy, now)
    sessions.add(session)
    return session


def _owned_session(
    session_id: UUID, official: Official, sessions: SessionRepository, *, completed_too: bool = False
) -> Session:
    session = sessions.get(session_id)
    # Someone else's session is reported exactly like a missing one: its existence is not ours to reveal.
    # A completed session is gone by contract: only its tombstone is left, for a retried Voltooien.
    if session is None or not session.is_owned_by(official):
        raise SessionNotFound("There is no session with this id.")
    if session.status is Status.COMPLETED and not completed_too:
        raise SessionNotFound("There is no session with this id.")
    return session


def completion_tombstone(completed: Session) -> Session:
    """What stays of a completed session until its expiry: status, owner and the proof's document id; no BSN,
    no codes, no login."""
    return replace(completed, official_code=None, login=None)


def _hand_over_proof(
    session: Session, zaak_url: str | None, proofs: ProofOutbox, municipality: str, now: datetime
) -> tuple[Session, ProofRecord]:
    """Record and queue the proof of ``session``; returns it with the proof's document id, for the one write."""
    record = proofs.submit(
        proof_of_session(session, municipality=municipality, zaak_url=zaak_url, now=now), session.official.id
    )
    return replace(session, proof_document_id=record.document_id), record


def _existing_proof(session: Session, zaak_url: str | None, proofs: ProofOutbox) -> ProofRecord | None:
    """The proof made before (at the code check, or at a first Voltooien), reported again and never remade."""
    if session.proof_document_id is None:
        return None  # a tombstone written before sessions kept their proof's id
    record = proofs.get(session.proof_document_id)
    if zaak_url is not None and (record is None or record.zaak_url != zaak_url):
        # The proof is on its way already (to its zaak, or to none); another zaak would need a second proof.
        raise WrongState("This session's proof has been made already; name the zaak when checking the code.")
    return record


def official_session(
    session_id: UUID, official: Official, *, sessions: SessionRepository, cipher: BsnCipher, now: datetime
) -> OfficialSessionView:
    """The official's view. The BSN (flow C) is opened only while the session is live."""
    session = _owned_session(session_id, official, sessions)
    status = session.status_at(now)
    bsn = None
    if session.login and session.login.sealed_bsn and not status.is_end_state:
        bsn = Bsn(cipher.open(session.login.sealed_bsn, bsn_context(session.id)).decode())
    return OfficialSessionView(session=session, status=status, bsn=bsn)


def public_session(session_id: UUID, *, sessions: SessionRepository, now: datetime) -> Session:
    """What the resident's start page may know: unknown and expired sessions are refused."""
    session = sessions.get(session_id)
    if session is None or session.status is Status.COMPLETED:
        raise SessionNotFound("This link is not known.")
    if session.status_at(now) is Status.EXPIRED:
        raise SessionExpired("This link has expired.")
    return session


def check_control_code(
    session_id: UUID,
    given_code: str,
    official: Official,
    zaak_url: str | None = None,
    *,
    sessions: SessionRepository,
    proofs: ProofOutbox,
    municipality: str,
    now: datetime,
) -> tuple[CheckOutcome, ProofRecord | None]:
    """The official types the code the resident read aloud; the right code completes the identification.

    On a match the proof is handed to the outbox (recorded and queued) *before* the session is written as
    verified, and that one conditional write stores the proof's document id with the status. If handing over
    fails, nothing changed and the check can be retried; once the session reads ``verified`` its proof is on
    its way, also when the session expires without Voltooien, and a later Voltooien makes no second proof.
    ``zaak_url`` names an existing zaak the proof is attached to (zgw mode); a wrong code makes no proof."""
    if not (isinstance(given_code, str) and len(given_code) == 6 and given_code.isascii() and given_code.isdigit()):
        raise InvalidInput("A control code is exactly six digits.")
    session = _owned_session(session_id, official, sessions)
    checked, outcome = session.with_check(given_code, now)
    record = None
    if checked.status is Status.VERIFIED:
        checked, record = _hand_over_proof(checked, zaak_url, proofs, municipality, now)
    sessions.replace(checked, expected_status=session.status, expected_attempts_left=session.attempts_left)
    return outcome, record


def complete_session_with_proof(
    session_id: UUID,
    official: Official,
    zaak_url: str | None,
    *,
    sessions: SessionRepository,
    proofs: ProofOutbox,
    municipality: str,
    now: datetime,
) -> tuple[Session, ProofRecord | None]:
    """Voltooien: the identification is done; the BSN, the codes and the login are deleted at once.

    Idempotent: the record is replaced (one conditional write, so a concurrent login or check cannot slip
    between) by a tombstone without personal data that lives until the session's expiry. A retry after a
    lost response finds the tombstone and answers success again; every other read answers 404 as before.
    The returned session is the full completed one (for the proof), never the tombstone.

    One proof per session: a verified session got its proof at the code check, which is reported here again.
    An unverified one is handed to the proof outbox (recorded and queued) *before* the record becomes a
    tombstone that keeps the proof's document id: if handing over fails, nothing changed and the official can
    try again; a retried Voltooien finds the tombstone and reports the same proof."""
    session = _owned_session(session_id, official, sessions, completed_too=True)
    if session.status is Status.COMPLETED:
        return session, _existing_proof(session, zaak_url, proofs)
    completed = session.completed(now)
    if completed.proof_document_id is not None:
        record = _existing_proof(completed, zaak_url, proofs)
    else:
        completed, record = _hand_over_proof(completed, zaak_url, proofs, municipality, now)
    sessions.replace(
        completion_tombstone(completed),
        expected_status=session.status,
        expected_attempts_left=session.attempts_left,
    )
    return completed, record


def cancel_session(session_id: UUID, official: Official, *, sessions: SessionRepository, now: datetime) -> Session:
    """The official stops the session; its record is deleted, whatever its status."""
    session = _owned_session(session_id, official, sessions)
    sessions.delete(session.id)
    return replace(session, status=Status.CANCELLED)


def record_resident_login(
    session_id: UUID,
    bsn: Bsn,
    loa: LevelOfAssurance,
    *,
    sessions: SessionRepository,
    codes: ControlCodes,
    cipher: BsnCipher,
    now: datetime,
    assertion: DigidAssertion | None = None,
) -> Session:
    """A DigiD login for a session of flow B or C. The BSN is kept only sealed, and only in flow C."""
    session = sessions.get(session_id)
    if session is None:
        raise SessionNotFound("This link is not known.")
    session.ensure_accepts_login(loa, now)  # before any KMS call: a refused login costs nothing
    resident_code = codes.for_session(session.id, bsn, session.code_version)
    if session.flow is Flow.KNOWN_BSN:
        match = session.official_code is not None and codes_equal(session.official_code, resident_code)
        login = ResidentLogin(at=now, loa=loa, resident_code=resident_code, code_match=match)
    else:
        sealed = cipher.seal(bsn.digits.encode(), bsn_context(session.id))
        login = ResidentLogin(at=now, loa=loa, resident_code=resident_code, sealed_bsn=sealed)
    if assertion is not None:
        login = replace(login, digid_assertion_id=assertion.assertion_id, digid_authn_instant=assertion.authn_instant)
    logged_in = session.with_login(login, now)
    sessions.replace(logged_in, expected_status=Status.CREATED, expected_attempts_left=session.attempts_left)
    return logged_in


def sweep_expired(*, records: ExpiredRecords, now: datetime) -> int:
    """The scheduled cleanup: delete every record past its expiry time."""
    return records.delete_expired(now)
