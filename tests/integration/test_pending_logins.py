"""The pending-login adapter on moto: looked at without being taken, bound to a browser, taken once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import boto3
import pytest
from msgspec import structs

from legitimatie.adapters.dynamodb import DynamoDbPendingLogins, DynamoDbSessionRepository
from legitimatie.assurance import LevelOfAssurance
from legitimatie.errors import ConcurrentUpdate
from legitimatie.login.digid_model import PendingLogin, TakenLogin
from legitimatie.login.model import LOGIN_LIFETIME, token_digest
from legitimatie.sessions.model import UNCLAIMED, Flow, ResidentLogin, Session, Status
from tests.integration.conftest import REGION, Aws
from tests.integration.test_official_api import create

NOW = datetime.now(UTC).replace(microsecond=0)


def _pending(aws: Aws) -> DynamoDbPendingLogins:
    return DynamoDbPendingLogins(boto3.client("dynamodb", region_name=REGION), aws.table_name)


def _login(request_id: str = "_req-1") -> PendingLogin:
    return PendingLogin(
        request_id=request_id,
        relay_state="relay-1",
        flow=Flow.NEW_RESIDENT,
        required_loa=LevelOfAssurance.MIDDEN,
        created_at=NOW,
        expires_at=NOW + LOGIN_LIFETIME,
        browser_digest=token_digest("browser-1"),
    )


def test_looking_at_a_pending_login_does_not_take_it(aws: Aws) -> None:
    # Given a pending login bound to a browser
    pending = _pending(aws)
    pending.add(_login())
    # When it is looked at (to check an answer that is not proven genuine yet), twice
    first, second = pending.get("_req-1", NOW), pending.get("_req-1", NOW)
    # Then both see it, with the browser binding, and it can still be taken once
    assert first == second == _login()
    assert pending.take(_login(), NOW) == _login()
    assert pending.take(_login(), NOW) is None and pending.get("_req-1", NOW) is None


def test_an_expired_pending_login_is_neither_seen_nor_taken(aws: Aws) -> None:
    # Given a pending login past its 15 minutes, still in the table (TTL deletes late, moto never)
    pending = _pending(aws)
    pending.add(_login())
    later = NOW + LOGIN_LIFETIME + timedelta(seconds=1)
    # Then it is neither seen nor taken
    assert pending.get("_req-1", later) is None and pending.take(_login(), later) is None


def test_the_table_holds_only_a_hash_of_the_browser_token(aws: Aws) -> None:
    # Given a stored pending login
    _pending(aws).add(_login())
    # Then the item holds the hash of the pre-login cookie's value, never the value
    item = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=aws.table_name, Key={"pk": {"S": "authn#_req-1"}}
    )["Item"]
    assert item["browser_digest"]["S"] == token_digest("browser-1") and "browser-1" not in str(item)


def _session_login(aws: Aws, request_id: str = "_req-b") -> PendingLogin:
    """A pending login for a fresh handover session (flows B and C keep it on the session's item)."""
    _, created = create({"flow": "handover"})
    return replace(_login(request_id), flow=Flow.HANDOVER, session_id=UUID(created["id"]))


def _sessions(aws: Aws) -> DynamoDbSessionRepository:
    return DynamoDbSessionRepository(boto3.client("dynamodb", region_name=REGION), aws.table_name)


def _log_in(aws: Aws, found: PendingLogin, at: datetime) -> None:
    """The write that records the login (as finish_login makes it), using up ``found``."""
    assert found.session is not None
    logged_in = structs.replace(
        found.session,
        status=Status.LOGGED_IN,
        login=ResidentLogin(at=at, loa=LevelOfAssurance.MIDDEN, resident_code="123456"),
    )
    _sessions(aws).replace(
        logged_in, expected_status=Status.CREATED, expected_attempts_left=3, taking=TakenLogin(found, at)
    )


def test_a_session_login_lives_on_the_session_item_with_only_the_browser_hash(aws: Aws) -> None:
    # Given a login started for a session
    pending = _pending(aws)
    login = _session_login(aws)
    pending.add(login)
    # Then no item of its own: the session's item holds it, with the hash of the browser's token only (the live
    # record beside it holds the official's first ticket, nothing of the login)
    items = boto3.client("dynamodb", region_name=REGION).scan(TableName=aws.table_name)["Items"]
    assert sorted(item["pk"]["S"].split("#")[0] for item in items) == ["live", "session"]
    items = [item for item in items if item["kind"]["S"] == "session"]
    assert items[0]["pending_browser_digest"]["S"] == token_digest("browser-1") and "browser-1" not in str(items)
    # And it is found only under its session and its request id, with the session read in the same call
    found = pending.get("_req-b", NOW, login.session_id)
    assert found == login and found is not None and found.session is not None
    assert found.session.id == login.session_id
    # (an answer naming another request finds the session's own login, which the service then refuses)
    other = pending.get("_req-other", NOW, login.session_id)
    assert other is not None and other.request_id == "_req-b" and pending.get("_req-b", NOW) is None


def test_a_session_login_expires_at_its_second(aws: Aws) -> None:
    pending = _pending(aws)
    login = _session_login(aws)
    pending.add(login)
    last, expiry = login.expires_at - timedelta(seconds=1), login.expires_at
    assert pending.get("_req-b", last, login.session_id) is not None
    assert pending.get("_req-b", expiry, login.session_id) is None
    assert pending.take(login, expiry) is None
    assert pending.take(login, last) == login


def test_the_login_write_uses_the_session_login_up_once(aws: Aws) -> None:
    # Given a pending login on its session, read by the ACS
    pending = _pending(aws)
    login = _session_login(aws)
    pending.add(login)
    found = pending.get("_req-b", NOW, login.session_id)
    assert found is not None and found.session is not None
    # When the login is recorded, the pending login is gone with the same write
    _log_in(aws, found, NOW)
    assert pending.get("_req-b", NOW, login.session_id) is None
    assert (_sessions(aws).get(found.session.id) or found.session).status is Status.LOGGED_IN
    # And the same answer once more is refused (the write's condition), changing nothing
    with pytest.raises(ConcurrentUpdate):
        _log_in(aws, found, NOW)


def test_a_login_write_is_refused_when_its_pending_login_was_replaced_or_expired(aws: Aws) -> None:
    # Given a pending login read by the ACS, then replaced by a new login start for the same session
    pending = _pending(aws)
    login = _session_login(aws)
    pending.add(login)
    found = pending.get("_req-b", NOW, login.session_id)
    assert found is not None and found.session is not None
    pending.add(replace(login, request_id="_req-new", browser_digest=token_digest("browser-2")))
    # Then the first answer cannot log in, and the session still waits
    with pytest.raises(ConcurrentUpdate):
        _log_in(aws, found, NOW)
    assert (_sessions(aws).get(found.session.id) or found.session).status is Status.CREATED
    # And the new one cannot once past its expiry
    newer = pending.get("_req-new", NOW, login.session_id)
    assert newer is not None
    with pytest.raises(ConcurrentUpdate):
        _log_in(aws, newer, login.expires_at)
    assert (_sessions(aws).get(found.session.id) or found.session).status is Status.CREATED


def test_a_login_cannot_start_on_a_session_that_no_longer_waits(aws: Aws) -> None:
    # Given a session whose login is in already
    pending = _pending(aws)
    login = _session_login(aws)
    pending.add(login)
    found = pending.get("_req-b", NOW, login.session_id)
    assert found is not None
    _log_in(aws, found, NOW)
    # Then a new login start for it is refused and stores nothing
    with pytest.raises(ConcurrentUpdate):
        pending.add(replace(login, request_id="_req-late"))
    assert pending.get("_req-late", NOW, login.session_id) is None


def test_flow_a_login_write_uses_its_pending_login_up_once(aws: Aws) -> None:
    # Given flow A's pending login (an item of its own), read by the ACS
    pending = _pending(aws)
    pending.add(_login())
    found = pending.get("_req-1", NOW)
    assert found is not None

    # When the login's session is added with it, the pending login is gone in the same write
    first = _new_resident_session()
    _sessions(aws).add(first, taking=TakenLogin(found, NOW))
    assert pending.get("_req-1", NOW) is None and _sessions(aws).get(first.id) is not None
    # And a second answer to it adds nothing
    second = _new_resident_session()
    with pytest.raises(ConcurrentUpdate):
        _sessions(aws).add(second, taking=TakenLogin(found, NOW))
    assert _sessions(aws).get(second.id) is None


def _open(aws: Aws, session_id: UUID, now: datetime = NOW, request_id: str = "_req-open") -> PendingLogin | None:
    return _pending(aws).open_on_session(
        session_id, request_id, "relay-1", token_digest("browser-1"), now, now + LOGIN_LIFETIME
    )


def test_a_login_start_is_one_write_that_takes_the_level_from_the_session(aws: Aws) -> None:
    # Given a new handover session that asks for Substantieel
    _, created = create({"flow": "handover", "required_loa": "substantieel"})
    session_id = UUID(created["id"])
    # When the resident starts the login: one conditional write, no read before it
    started = _open(aws, session_id)
    # Then the pending login is kept on the session's item, with the level and flow the session asks
    assert started is not None and started.session_id == session_id
    assert started.required_loa is LevelOfAssurance.SUBSTANTIEEL and started.flow is Flow.HANDOVER
    assert _pending(aws).get("_req-open", NOW, session_id) == started


@pytest.mark.parametrize("unusable", ["logged_in", "expired", "unknown"])
def test_a_login_start_on_an_unusable_link_writes_nothing(aws: Aws, unusable: str) -> None:
    # Given a session that no longer waits for its login (used, or expired though TTL has not removed it), or none
    _, created = create({"flow": "handover"})
    session_id = UUID(created["id"]) if unusable != "unknown" else uuid4()
    at = NOW
    if unusable == "logged_in":
        found = _pending(aws).get("_req-x", NOW, session_id) or _open(aws, session_id, request_id="_req-x")
        assert found is not None
        _log_in(aws, found, NOW)
    elif unusable == "expired":
        at = NOW + timedelta(hours=2)
    table = boto3.client("dynamodb", region_name=REGION)
    before = table.scan(TableName=aws.table_name)["Items"]
    # When a login is started for it
    # Then the write is refused and nothing changes
    assert _open(aws, session_id, at) is None
    assert table.scan(TableName=aws.table_name)["Items"] == before


def _items(aws: Aws) -> list[dict[str, object]]:
    table = boto3.client("dynamodb", region_name=REGION)
    return sorted(table.scan(TableName=aws.table_name, ConsistentRead=True)["Items"], key=lambda item: str(item["pk"]))


def _new_resident_session() -> Session:
    return Session(
        id=uuid4(),
        flow=Flow.NEW_RESIDENT,
        status=Status.LOGGED_IN,
        official=UNCLAIMED,
        required_loa=LevelOfAssurance.MIDDEN,
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=30),
    )


def _use_up(aws: Aws, write: str, expected: PendingLogin, at: datetime) -> bool:
    """The write that uses flow A's pending login up for an answer that expects ``expected``: the login's
    transaction (a success) or the conditional delete (a cancel, a level too low, an error). True if it held."""
    if write == "take":
        return _pending(aws).take(expected, at) is not None
    try:
        _sessions(aws).add(_new_resident_session(), taking=TakenLogin(expected, at))
    except ConcurrentUpdate:
        return False
    return True


@pytest.mark.parametrize("write", ["login", "take"])
@pytest.mark.parametrize("part", ["used", "expired", "relay_state", "browser", "level"])
def test_flow_a_answers_are_checked_by_the_write_that_uses_the_pending_login_up(
    aws: Aws, write: str, part: str
) -> None:
    """The ACS reads nothing for flow A; each part of the write's condition is the only thing that refuses here."""
    # Given flow A's pending login (Midden, relay-1, browser-1), and an answer's expectation that differs in one part
    _pending(aws).add(_login())
    expected, at = _login(), NOW
    if part == "used":  # an earlier answer used it up (its write held: the expectation itself is right)
        assert _use_up(aws, write, _login(), NOW)
    elif part == "expired":  # the answer arrives at the login's last second
        at = _login().expires_at
    elif part == "relay_state":
        expected = replace(expected, relay_state="relay-2")
    elif part == "browser":  # another flow A browser's pre-login cookie
        expected = replace(expected, browser_digest=token_digest("browser-2"))
    else:  # the minimum level was raised between the login's start and its answer
        expected = replace(expected, required_loa=LevelOfAssurance.SUBSTANTIEEL)
    before = _items(aws)
    # When the write for that answer is made, then it is refused and changes nothing
    assert not _use_up(aws, write, expected, at)
    assert _items(aws) == before
    # And (but for a used one) the answer that matches in every part, in time, still holds
    if part != "used":
        assert _use_up(aws, write, _login(), NOW)
        assert _pending(aws).get("_req-1", NOW) is None
