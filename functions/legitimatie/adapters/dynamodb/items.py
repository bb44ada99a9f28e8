"""The stored forms of sessions and the login's records (pending logins, resident results, the previous release's
case-number records), each under its own key prefix in ``pk``, each with ``kind``, ``expires_at`` and ``ttl`` (a
proof's is in ``proofs``: the delivery function reads proofs only). The login's records are read back in ``logins``.

Expiry is decided by the core and the repositories at every read; ``ttl`` only lets DynamoDB tidy up late. Times are
whole epoch seconds. No BSN in clear: a session holds at most its login's sealed BSN (flow C).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ...assurance import LevelOfAssurance
from ...clock import from_epoch, to_epoch
from ...flow import Flow
from ...sessions.model import Official, ResidentEvent, ResidentLogin, Session, Status
from .codec import Item, Record, decode, encode
from .table import expiry

if TYPE_CHECKING:  # written here, read back only by the login repositories (logins.py), which build them
    from ...login.digid_model import PendingLogin
    from ...login.model import CaseNumber, Identification, ResidentResult

__all__ = [
    "PENDING_LOGIN_ATTRIBUTES",
    "identification_item",
    "identification_key",
    "pending_login_condition",
    "pending_login_item",
    "pending_login_key",
    "result_item",
    "result_key",
    "session_from_item",
    "session_from_record",
    "session_key",
    "session_to_item",
]

PENDING_LOGIN_ATTRIBUTES = (
    "pending_request_id",
    "pending_relay_state",
    "pending_browser_digest",
    "pending_created_at",
    "pending_expires_at",
)
"""Flows B and C: the one pending login kept on the session's item."""


def session_key(session_id: UUID) -> str:
    return f"session#{session_id}"


def result_key(token_hash: str) -> str:
    return f"result#{token_hash}"


def identification_key(zaak_number: CaseNumber | str) -> str:
    return f"zaak#{zaak_number}"


def pending_login_key(request_id: str) -> str:
    return f"authn#{request_id}"


def _epoch(moment: datetime | None) -> int | None:
    return to_epoch(moment) if moment is not None else None


def _moment(record: Record, name: str) -> datetime | None:
    return from_epoch(record[name]) if name in record else None


def _text(value: object) -> str | None:
    return str(value) if value is not None else None


# ---------------------------------------------------------------------------------------------------------- sessions


def session_to_item(session: Session) -> Item:
    """The stored form of a session: no BSN in clear, only the login's sealed BSN (flow C)."""
    claimed = bool(session.official.id)  # flow A: no owner until an official looks the case up
    record: dict[str, Any] = {
        "pk": session_key(session.id),
        "kind": "session",
        "flow": session.flow.value,
        "status": session.status.value,
        "required_loa": int(session.required_loa),
        "created_at": to_epoch(session.created_at),
        **expiry(session.expires_at),
        "code_version": session.code_version,
        "attempts_left": session.attempts_left,
        "official_id": session.official.id if claimed else None,
        "official_name": session.official.name if claimed else None,
        "official_code": session.official_code,
        "outcome_reason": _text(session.outcome_reason),
        "resident_event": _text(session.resident_event),
        "zaak_number": _text(session.zaak_number),
        "verified_at": _epoch(session.verified_at),
        "proof_document_id": _text(session.proof_document_id),
    }
    login = session.login
    if login is not None:
        record |= {
            "login_at": to_epoch(login.at),
            "login_loa": int(login.loa),
            "resident_code": login.resident_code,
            "sealed_bsn": login.sealed_bsn,
            "code_match": login.code_match,
            "digid_assertion_id": login.digid_assertion_id,
            "digid_authn_instant": _epoch(login.digid_authn_instant),
        }
    return encode(record)


def session_from_item(item: Item) -> Session:
    return session_from_record(decode(item))


def session_from_record(record: Record) -> Session:
    login = None
    if "login_at" in record:
        login = ResidentLogin(
            at=from_epoch(record["login_at"]),
            loa=LevelOfAssurance(record["login_loa"]),
            resident_code=record["resident_code"],
            sealed_bsn=record.get("sealed_bsn"),
            code_match=record.get("code_match"),
            digid_assertion_id=record.get("digid_assertion_id"),
            digid_authn_instant=_moment(record, "digid_authn_instant"),
        )
    return Session(
        id=UUID(record["pk"].removeprefix("session#")),
        flow=Flow(record["flow"]),
        status=Status(record["status"]),
        official=Official(id=record.get("official_id") or "", name=record.get("official_name") or ""),
        required_loa=LevelOfAssurance(record["required_loa"]),
        created_at=from_epoch(record["created_at"]),
        expires_at=from_epoch(record["expires_at"]),
        official_code=record.get("official_code"),
        code_version=record["code_version"],
        login=login,
        attempts_left=record["attempts_left"],
        verified_at=_moment(record, "verified_at"),
        proof_document_id=UUID(record["proof_document_id"]) if "proof_document_id" in record else None,
        outcome_reason=record.get("outcome_reason"),
        resident_event=ResidentEvent(record["resident_event"]) if "resident_event" in record else None,
        zaak_number=record.get("zaak_number"),
    )


# ---------------------------------------------------------------------------------------------------------- logins


def pending_login_item(pending: PendingLogin) -> Item:
    """Flow A's pending login, an item of its own (flows B and C keep theirs on the session's item)."""
    return encode(
        {
            "pk": pending_login_key(pending.request_id),
            "kind": "pending_login",
            "relay_state": pending.relay_state,
            "flow": pending.flow.value,
            "required_loa": int(pending.required_loa),
            "created_at": to_epoch(pending.created_at),
            **expiry(pending.expires_at),
            "browser_digest": pending.browser_digest or None,
        }
    )


def pending_login_condition(login: PendingLogin, now: datetime) -> tuple[str, dict[str, object]]:
    """The condition of the write that uses flow A's pending login up, and its values: the item is there (not used
    before: every comparison needs it), in time, and holds the RelayState, the browser's digest and the level the
    answer was validated against. The ACS builds that expectation without reading the item (``expected_login``), so
    this condition is where the pending login is checked: a policy change between start and answer refuses rather
    than lowers the level, and an answer in another browser or with another RelayState changes nothing."""
    return (
        "expires_at > :now AND relay_state = :relay AND browser_digest = :browser AND required_loa = :loa",
        {
            ":now": to_epoch(now),
            ":relay": login.relay_state,
            ":browser": login.browser_digest,
            ":loa": int(login.required_loa),
        },
    )


def result_item(token_hash: str, result: ResidentResult) -> Item:
    """A resident's result under the digest of the browser's token (the token itself is never stored)."""
    return encode(
        {
            "pk": result_key(token_hash),
            "kind": "resident_result",
            "flow": result.flow.value,
            "code": result.code,
            **expiry(result.expires_at),
            "zaak_number": _text(result.zaak_number),
            "official_name": _text(result.official_name),
            "municipality": _text(result.municipality),
            "session_id": _text(result.session_id),
            "limit_at": _epoch(result.limit_at),
            "extensions": result.extensions,
        }
    )


def identification_item(identification: Identification) -> Item:
    """Flow A's case-number record, as the release before issue 13 wrote it (this one writes none)."""
    return encode(
        {
            "pk": identification_key(identification.zaak_number),
            "kind": "identification",
            "session_id": str(identification.session_id),
            "login_at": to_epoch(identification.login_at),
            "loa": int(identification.loa),
            **expiry(identification.expires_at),
        }
    )
