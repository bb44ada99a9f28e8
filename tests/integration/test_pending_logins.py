"""The pending-login adapter on moto: looked at without being taken, bound to a browser, taken once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3

from legitimatie.adapters.dynamodb_login import DynamoDbPendingLogins
from legitimatie.assurance import LevelOfAssurance
from legitimatie.login import LOGIN_LIFETIME, PendingLogin, token_digest
from tests.integration.conftest import REGION, Aws

NOW = datetime.now(UTC).replace(microsecond=0)


def _pending(aws: Aws) -> DynamoDbPendingLogins:
    return DynamoDbPendingLogins(boto3.client("dynamodb", region_name=REGION), aws.table_name)


def _login(request_id: str = "_req-1") -> PendingLogin:
    return PendingLogin(
        request_id=request_id,
        relay_state="relay-1",
        flow="new_resident",
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
    assert pending.take("_req-1", NOW) == _login()
    assert pending.take("_req-1", NOW) is None and pending.get("_req-1", NOW) is None


def test_an_expired_pending_login_is_neither_seen_nor_taken(aws: Aws) -> None:
    # Given a pending login past its 15 minutes, still in the table (TTL deletes late, moto never)
    pending = _pending(aws)
    pending.add(_login())
    later = NOW + LOGIN_LIFETIME + timedelta(seconds=1)
    # Then it is neither seen nor taken
    assert pending.get("_req-1", later) is None and pending.take("_req-1", later) is None


def test_the_table_holds_only_a_hash_of_the_browser_token(aws: Aws) -> None:
    # Given a stored pending login
    _pending(aws).add(_login())
    # Then the item holds the hash of the pre-login cookie's value, never the value
    item = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=aws.table_name, Key={"pk": {"S": "authn#_req-1"}}
    )["Item"]
    assert item["browser_digest"]["S"] == token_digest("browser-1") and "browser-1" not in str(item)
