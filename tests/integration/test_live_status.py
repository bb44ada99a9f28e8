"""The live function's rules on the real handler against moto: who may open a connection, and what a session
change pushes (API Gateway's management API in moto records what was sent)."""

from __future__ import annotations

import copy
import json
import time
from typing import Any
from urllib.parse import quote
from uuid import UUID

import boto3
import pytest
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

import code_check.handler as code_check
import live.handler as live_fn
import outcome.handler as outcome_fn
import sessions.handler as sessions_fn

from .conftest import EVENTS, REGION, Aws, LambdaContext, http_event, invoke
from .test_official_api import resident_logs_in

BSN = "999993653"
ORIGIN_TOKEN = "origin-token-of-this-deployment"


def connect_event(connection_id: str, ticket: str | None, origin: str | None = ORIGIN_TOKEN) -> dict[str, Any]:
    """API Gateway's $connect event (tests/events: AWS's documented example), as CloudFront forwards it."""
    event = copy.deepcopy(json.loads((EVENTS / "websocket_connect.json").read_text()))
    event["requestContext"]["connectionId"] = connection_id
    if ticket is not None:
        event["queryStringParameters"] = {"ticket": ticket}
        event["multiValueQueryStringParameters"] = {"ticket": [ticket]}
    if origin is not None:
        event["headers"]["X-Origin-Verify"] = origin
        event["multiValueHeaders"]["X-Origin-Verify"] = [origin]
    return event


def live_item(aws: Aws, session_id: str) -> dict[str, Any]:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    return dict(dynamodb.get_item(TableName=aws.table_name, Key={"pk": {"S": f"live#{session_id}"}}).get("Item") or {})


def sent_to(connection_id: str) -> bytes:
    """What moto's management API received for a connection (moto keeps the id as it was in the URL)."""
    connections = apigatewaymanagementapi_backends["123456789012"][REGION].connections
    return b"".join(
        connections[key].data for key in (connection_id, quote(connection_id, safe="")) if key in connections
    )


def stream_event(session_id: str, record: str = "session") -> dict[str, Any]:
    """Lambda's DynamoDB event (tests/events: AWS's example) for a change of the session (or of its ``live`` record,
    written now); the stream has keys only."""
    event = copy.deepcopy(json.loads((EVENTS / "dynamodb_stream_modify.json").read_text()))
    event["Records"][0]["dynamodb"]["Keys"] = {"pk": {"S": f"{record}#{session_id}"}}
    event["Records"][0]["dynamodb"]["ApproximateCreationDateTime"] = int(time.time())
    return event


@pytest.fixture
def origin_checked(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Aws:
    monkeypatch.setenv("ORIGIN_VERIFY_TOKEN", ORIGIN_TOKEN)
    return aws


def through_cloudfront(event: dict[str, Any]) -> dict[str, Any]:
    event["headers"]["x-origin-verify"] = ORIGIN_TOKEN
    return event


def new_session_with_ticket() -> tuple[str, str]:
    create = through_cloudfront(http_event("POST", "/api/sessions", body={"flow": "handover"}))
    status, created = invoke(sessions_fn.lambda_handler, create)
    assert status == 201
    event = through_cloudfront(http_event("POST", "/api/sessions/{id}/live", path_params={"id": created["id"]}))
    status, ticket = invoke(live_fn.lambda_handler, event)
    assert status == 201
    return created["id"], ticket["ticket"]


def test_a_connection_around_cloudfront_is_refused_and_leaves_the_ticket_unused(origin_checked: Aws) -> None:
    # Given a session and its official's ticket
    session_id, ticket = new_session_with_ticket()
    before = live_item(origin_checked, session_id)
    # When the ticket is shown without CloudFront's proof, or with a wrong one
    for origin in (None, "guessed"):
        answer = live_fn.lambda_handler(connect_event("TdzvufRkoAMCJhA=", ticket, origin), LambdaContext())
        # Then the connection is refused and nothing changed
        assert answer == {"statusCode": 403}
        assert live_item(origin_checked, session_id) == before
    # And through CloudFront the same ticket still opens it
    assert live_fn.lambda_handler(connect_event("TdzvufRkoAMCJhA=", ticket), LambdaContext()) == {"statusCode": 200}


def test_a_ticket_request_around_cloudfront_is_refused(origin_checked: Aws) -> None:
    create = through_cloudfront(http_event("POST", "/api/sessions", body={"flow": "handover"}))
    created = invoke(sessions_fn.lambda_handler, create)[1]
    before = live_item(origin_checked, created["id"])  # the create answer's ticket, unused
    event = http_event("POST", "/api/sessions/{id}/live", path_params={"id": created["id"]})
    assert invoke(live_fn.lambda_handler, event)[0] == 403
    assert live_item(origin_checked, created["id"]) == before


def test_a_login_is_pushed_to_the_officials_connection_as_the_official_would_read_it(origin_checked: Aws) -> None:
    # Given a flow C session with the official's page connected
    session_id, ticket = new_session_with_ticket()
    assert live_fn.lambda_handler(connect_event("OfficialTab1A=", ticket), LambdaContext()) == {"statusCode": 200}
    # When the resident logs in and the stream brings the change
    resident_logs_in(origin_checked, session_id, BSN)
    answer = live_fn.lambda_handler(stream_event(session_id), LambdaContext())
    # Then the page got the body of GET /api/sessions/{id}, and nothing failed
    assert answer == {"batchItemFailures": []}
    read = through_cloudfront(http_event("GET", "/api/sessions/{id}", path_params={"id": session_id}))
    assert json.loads(sent_to("OfficialTab1A=")) == invoke(sessions_fn.lambda_handler, read)[1]


def test_a_page_that_connects_after_the_login_is_pushed_the_login_by_its_own_connect(origin_checked: Aws) -> None:
    # Given a flow C session whose resident logged in before the official's page opened its socket
    session_id, ticket = new_session_with_ticket()
    resident_logs_in(origin_checked, session_id, BSN)
    assert live_fn.lambda_handler(stream_event(session_id), LambdaContext()) == {"batchItemFailures": []}
    assert sent_to("LateTab1A=") == b""  # nobody followed the session yet
    # When the page connects: its $connect writes the live record, and the stream brings that change
    assert live_fn.lambda_handler(connect_event("LateTab1A=", ticket), LambdaContext()) == {"statusCode": 200}
    answer = live_fn.lambda_handler(stream_event(session_id, record="live"), LambdaContext())
    # Then the page got the login, as GET /api/sessions/{id} answers it, without reading it
    assert answer == {"batchItemFailures": []}
    read = through_cloudfront(http_event("GET", "/api/sessions/{id}", path_params={"id": session_id}))
    assert json.loads(sent_to("LateTab1A=")) == invoke(sessions_fn.lambda_handler, read)[1]


def test_a_session_no_page_follows_pushes_nothing(origin_checked: Aws) -> None:
    # Given a session whose official asked for a ticket but never connected
    session_id, _ = new_session_with_ticket()
    resident_logs_in(origin_checked, session_id, BSN)
    # When the stream brings its change
    answer = live_fn.lambda_handler(stream_event(session_id), LambdaContext())
    # Then nothing failed and nothing was sent to anyone
    assert answer == {"batchItemFailures": []}
    assert apigatewaymanagementapi_backends["123456789012"][REGION].connections == {}


def test_expiry_is_decided_at_every_read_of_the_live_record(aws: Aws) -> None:
    # Given a live record on the real table with one connection in time and one past its end
    from datetime import UTC, datetime, timedelta
    from uuid import uuid4

    from legitimatie.adapters.dynamodb import DynamoDbLiveChannels
    from legitimatie.live.model import LiveConnection, Role

    live = DynamoDbLiveChannels(boto3.client("dynamodb", region_name=REGION), aws.table_name)
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    session_id, session_end = uuid4(), now + timedelta(minutes=30)
    live.connect(session_id, LiveConnection("in-time", Role.OFFICIAL, now + timedelta(hours=2)), session_end)
    live.connect(session_id, LiveConnection("too-late", Role.RESIDENT, now), session_end)
    # When the push reads it, then only the connection still in time is there (DynamoDB's TTL is not waited for)
    _session, connections = live.session_and_connections(session_id, now)
    assert [connection.connection_id for connection in connections] == ["in-time"]
    # And once the record itself is past the session's end, no connection is, whatever each says
    assert live.session_and_connections(session_id, session_end)[1] == []


def test_a_ticket_opens_nothing_once_its_minute_is_over(aws: Aws) -> None:
    # Given a ticket written to the real table
    from datetime import UTC, datetime, timedelta
    from uuid import uuid4

    from legitimatie.adapters.dynamodb import DynamoDbLiveChannels
    from legitimatie.live.model import LiveConnection, Role, new_ticket

    live = DynamoDbLiveChannels(boto3.client("dynamodb", region_name=REGION), aws.table_name)
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    ticket = new_ticket(uuid4(), now)
    live.add_ticket(ticket, "sub-1", now + timedelta(minutes=30))
    connection = LiveConnection("conn-1", Role.OFFICIAL, now + timedelta(hours=2))
    # When it is shown at the moment it ends, then it opens nothing and is not used up
    assert live.connect_with_ticket(ticket.value, connection, ticket.expires_at) is False
    assert "ticket_digest" in live_item(aws, str(ticket.session_id))
    # And a second before, it opens the connection once
    assert live.connect_with_ticket(ticket.value, connection, ticket.expires_at - timedelta(seconds=1)) is True
    assert live.connect_with_ticket(ticket.value, connection, ticket.expires_at - timedelta(seconds=1)) is False


def _pushed(session_id: str) -> tuple[dict[str, Any], Any]:
    """The stream's invocation for a change of the session, with the AWS calls it made (counted at botocore)."""
    from bench.calls import AwsMeter

    with AwsMeter() as meter, meter.reading() as reading:
        answer = live_fn.lambda_handler(stream_event(session_id), LambdaContext())
    assert answer == {"batchItemFailures": []}
    return answer, reading.calls


def test_each_page_is_pushed_only_what_it_did_not_do_itself(origin_checked: Aws) -> None:
    # Given a flow B session followed by the official's page (its ticket) and the resident's result page
    from datetime import UTC, datetime, timedelta

    from legitimatie.adapters.dynamodb import DynamoDbLiveChannels
    from legitimatie.live.model import LiveConnection, Role

    create = through_cloudfront(http_event("POST", "/api/sessions", body={"flow": "known_bsn", "bsn": BSN}))
    status, created = invoke(sessions_fn.lambda_handler, create)
    assert status == 201
    session_id = created["id"]
    assert live_fn.lambda_handler(connect_event("OfficialB1=", created["live_ticket"]), LambdaContext()) == {
        "statusCode": 200
    }
    live = DynamoDbLiveChannels(boto3.client("dynamodb", region_name=REGION), origin_checked.table_name)
    in_two_hours = datetime.now(UTC) + timedelta(hours=2)
    live.connect(UUID(session_id), LiveConnection("ResidentB1=", Role.RESIDENT, in_two_hours), in_two_hours)

    # When the resident logs in: the official's page hears of it, the resident's (still waiting) does not
    resident_logs_in(origin_checked, session_id, BSN)
    _, calls = _pushed(session_id)
    assert calls["apigatewaymanagementapi:PostToConnection"] == 1
    assert json.loads(sent_to("OfficialB1="))["status"] == "logged_in" and sent_to("ResidentB1=") == b""
    official_heard = sent_to("OfficialB1=")

    # When the official checks the code: neither page is told (the official's shows its own answer), no BSN opened
    check = through_cloudfront(
        http_event("POST", "/api/sessions/{id}/check", path_params={"id": session_id}, body={"code": created["code"]})
    )
    assert invoke(code_check.lambda_handler, check)[1]["match"] is True
    _, calls = _pushed(session_id)
    assert "apigatewaymanagementapi:PostToConnection" not in calls and "kms:Decrypt" not in calls

    # When the official completes: only the resident's page hears the outcome
    body = {"outcome": "identified"}
    complete = through_cloudfront(
        http_event("POST", "/api/sessions/{id}/complete", path_params={"id": session_id}, body=body)
    )
    assert invoke(outcome_fn.lambda_handler, complete)[0] == 200
    _, calls = _pushed(session_id)
    assert calls["apigatewaymanagementapi:PostToConnection"] == 1 and "kms:Decrypt" not in calls
    assert json.loads(sent_to("ResidentB1=")) == {"outcome": "identified"}
    assert sent_to("OfficialB1=") == official_heard


class RefusedPushes:
    """API Gateway's answer to every push to a connection whose handshake never completes: 410."""

    def __init__(self) -> None:
        self.tries = 0

    def push(self, connection_id: str, body: dict[str, object]) -> bool:
        self.tries += 1
        return False


def test_one_invocations_waits_for_handshakes_stay_well_inside_the_functions_timeout(
    origin_checked: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given five logged-in sessions, each with an official's page that connected just now and never completes its
    # handshake, and the stream bringing the five changes in one batch
    from types import SimpleNamespace

    from msgspec.structs import replace

    import live.events as live_events
    from live.wiring import wiring

    records = []
    for number in range(5):
        session_id, ticket = new_session_with_ticket()
        resident_logs_in(origin_checked, session_id, BSN)
        connection = f"Stuck{number}AAAAAAA="
        assert live_fn.lambda_handler(connect_event(connection, ticket), LambdaContext()) == {"statusCode": 200}
        records += stream_event(session_id)["Records"]
    refused, slept = RefusedPushes(), []
    monkeypatch.setattr(live_events, "wiring", lambda: replace(wiring(), pushes=refused))
    monkeypatch.setattr(live_events, "time", SimpleNamespace(sleep=slept.append))
    # When the batch is pushed
    answer = live_fn.lambda_handler({"Records": records}, LambdaContext())
    # Then every young connection was tried again, but the invocation waited its budget at most in all (not 5 x
    # 1.75 s), and nothing failed: the connections that never opened are given up as gone
    assert answer == {"batchItemFailures": []}
    assert refused.tries > 5
    assert slept[:3] == [0.25, 0.5, 1.0]
    assert sum(slept) == live_events.WAITS_PER_INVOCATION_S < 10
