"""The live status end to end: the pages' WebSocket connections through the local stack (gateway, real LiveFunction,
the session table's stream in moto, the emulated PostToConnection), and who may open one."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from infrastructure.local import LocalStack
from infrastructure.local.clients import OfficialClient, resident_login
from infrastructure.local.live import StreamPoller

RESIDENT = "999993653"
WAIT = 10  # seconds; the push's own latency is printed here and measured by `make bench`


def live_url(stack: LocalStack, path: str) -> str:
    return stack.site_url.replace("http://", "ws://", 1) + path


def official_socket(stack: LocalStack, official: OfficialClient, session_id: str) -> ClientConnection:
    status, ticket = official.call("POST", f"/api/sessions/{session_id}/live")
    assert status == 201
    return connect(live_url(stack, f"/api/live?ticket={ticket['ticket']}"))


def next_with(socket: ClientConnection, name: str, value: str) -> dict[str, Any]:
    """The first push that says ``name: value`` (a write before it, e.g. the login's start, is pushed as it is too)."""
    while True:
        pushed = json.loads(socket.recv(timeout=WAIT))
        if pushed.get(name) == value:
            return dict(pushed)


def refused_status(url: str, headers: dict[str, str] | None = None) -> int:
    with pytest.raises(InvalidStatus) as refused, connect(url, additional_headers=headers or {}):
        pass
    return refused.value.response.status_code


def live_record(stack: LocalStack, session_id: str) -> dict[str, Any]:
    answer = stack.client("dynamodb").get_item(
        TableName=stack.table_name, Key={"pk": {"S": f"live#{session_id}"}}, ConsistentRead=True
    )
    return dict(answer.get("Item") or {})


def test_the_officials_page_hears_of_the_login_without_asking(stack: LocalStack, official: OfficialClient) -> None:
    # Given a flow C session whose page has opened its live connection
    _, created = official.create(flow="handover")
    with official_socket(stack, official, created["id"]) as socket:
        # When the resident logs in with DigiD
        started = time.monotonic()
        resident_login(stack.site_url, created["id"], RESIDENT)
        pushed = next_with(socket, "status", "logged_in")
        print(f"login pushed {time.monotonic() - started:.2f} s after the login started")

    # Then the page got exactly what GET /api/sessions/{id} answers now: the login, and the BSN of flow C
    assert pushed["status"] == "logged_in" and pushed["bsn"] == RESIDENT
    assert pushed == official.read(created["id"])[1]


def test_the_create_answers_ticket_opens_the_officials_socket_once(stack: LocalStack, official: OfficialClient) -> None:
    # Given a new flow C session: its create answer carries the page's first live ticket
    _, created = official.create(flow="handover")
    url = live_url(stack, f"/api/live?ticket={created['live_ticket']}")
    # When the page opens its socket with it and the resident logs in
    with connect(url) as socket:
        resident_login(stack.site_url, created["id"], RESIDENT)
        pushed = next_with(socket, "status", "logged_in")
    # Then the login was pushed as GET /api/sessions/{id} answers it, and the ticket was used up by that connection
    assert pushed == official.read(created["id"])[1]
    assert refused_status(url) == 403


def test_the_residents_page_hears_the_outcome_without_a_bsn(stack: LocalStack, official: OfficialClient) -> None:
    # Given a resident's result page with its live connection open (the result cookie travels under its path)
    _, created = official.create(flow="handover")
    login = resident_login(stack.site_url, created["id"], RESIDENT)
    with connect(live_url(stack, "/api/public/result/live"), additional_headers={"Cookie": login.cookie}) as socket:
        # When the official checks the code (verified: still waiting, nothing to tell) and closes as identified
        assert official.check(created["id"], login.result["code"])[1]["match"] is True
        assert official.complete(created["id"])[0] == 200
        pushed = json.loads(socket.recv(timeout=WAIT))

    # Then the first thing the page hears is the outcome its own read would give, and nothing else
    assert pushed == {"outcome": "identified"}


def test_a_closed_page_does_not_stop_the_pushes_to_the_others(stack: LocalStack, official: OfficialClient) -> None:
    # Given two tabs of the official on one session, of which the first is closed again
    _, created = official.create(flow="handover")
    with official_socket(stack, official, created["id"]):
        pass
    with official_socket(stack, official, created["id"]) as open_tab:
        # When the resident logs in
        resident_login(stack.site_url, created["id"], RESIDENT)
        # Then the open tab hears of it, although the closed one's push came back as GoneException
        assert next_with(open_tab, "status", "logged_in")

        # And the stream's record, handed to the function again, is done without a failure (gone is harmless)
        record = _last_change_of(stack, created["id"])
        assert stack.invoke("LiveFunction", {"Records": [record]}) == {"batchItemFailures": []}
        assert json.loads(open_tab.recv(timeout=WAIT))["status"] == "logged_in"


def _last_change_of(stack: LocalStack, session_id: str) -> dict[str, Any]:
    streams = stack.client("dynamodbstreams")
    arn = stack.client("dynamodb").describe_table(TableName=stack.table_name)["Table"]["LatestStreamArn"]
    poller = StreamPoller("LiveFunction", arn, 10, [], streams, stack.invoke)
    (shard,) = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=1000)["Records"]
    mine = [r for r in records if r["dynamodb"]["Keys"]["pk"]["S"] == f"session#{session_id}"]
    return poller.lambda_record(mine[-1])


def test_a_ticket_opens_one_connection_only(stack: LocalStack, official: OfficialClient) -> None:
    # Given a ticket that opened a connection
    _, created = official.create(flow="handover")
    _, ticket = official.call("POST", f"/api/sessions/{created['id']}/live")
    url = live_url(stack, f"/api/live?ticket={ticket['ticket']}")
    with connect(url):
        pass
    kept = set(live_record(stack, created["id"]))
    # When it is shown again
    # Then it is refused, and nothing was added
    assert refused_status(url) == 403
    assert set(live_record(stack, created["id"])) == kept


@pytest.mark.parametrize(
    "path",
    ["/api/live", "/api/live?ticket=", "/api/live?ticket=not-a-ticket", "/api/public/result/live"],
    ids=["no ticket", "empty ticket", "not a ticket", "no result cookie"],
)
def test_a_connection_without_a_ticket_or_a_result_cookie_is_refused(stack: LocalStack, path: str) -> None:
    assert refused_status(live_url(stack, path)) == 403


def test_a_made_up_ticket_for_a_real_session_is_refused_and_changes_nothing(
    stack: LocalStack, official: OfficialClient
) -> None:
    # Given a live session with a pending ticket
    _, created = official.create(flow="handover")
    official.call("POST", f"/api/sessions/{created['id']}/live")
    before = live_record(stack, created["id"])
    # When someone shows a ticket of their own making for it
    forged = f"{created['id']}.{'x' * 32}"
    # Then it is refused and the record is as it was
    assert refused_status(live_url(stack, f"/api/live?ticket={forged}")) == 403
    assert live_record(stack, created["id"]) == before


def test_another_officials_session_gets_no_ticket(stack: LocalStack, official: OfficialClient) -> None:
    # Given a session of another official
    stack.add_official("collega@voorbeeld.nl", "Beeldbellen-Test-2026!", "C. Collega")
    colleague = OfficialClient(stack.info, "collega@voorbeeld.nl", "Beeldbellen-Test-2026!")
    _, theirs = colleague.create(flow="handover")
    before = live_record(stack, theirs["id"])  # the colleague's first ticket, from their create answer
    # When this official asks for a ticket to it
    status, body = official.call("POST", f"/api/sessions/{theirs['id']}/live")
    # Then it is as if the session did not exist, and the live record is unchanged
    assert (status, body["error"]) == (404, "session_not_found")
    assert live_record(stack, theirs["id"]) == before


def test_a_wrong_result_cookie_is_refused(stack: LocalStack, official: OfficialClient) -> None:
    # Given a resident who logged in, and a cookie with the same session but another token
    _, created = official.create(flow="handover")
    login = resident_login(stack.site_url, created["id"], RESIDENT)
    name, _, value = login.cookie.partition("=")
    session_part = value.rpartition(".")[0]
    wrong = f"{name}={session_part}.{'A' * 43}"
    before = live_record(stack, created["id"])
    # Then it opens no connection, and nothing is kept for the session
    assert refused_status(live_url(stack, "/api/public/result/live"), {"Cookie": wrong}) == 403
    assert live_record(stack, created["id"]) == before
    assert not any(name.startswith("conn_") for name in before)


def test_the_local_pushes_never_leave_the_machine(stack: LocalStack) -> None:
    # Given the live function as the local stack runs it (a process execution environment applies the function's
    # own variables last)
    endpoint = stack.functions["LiveFunction"].environment["LIVE_ENDPOINT"]
    # Then PostToConnection goes to the gateway's emulated management API, never to an execute-api host
    assert endpoint.startswith(stack.site_url) and "amazonaws.com" not in endpoint


def test_an_ended_result_opens_no_connection(stack: LocalStack, official: OfficialClient) -> None:
    # Given a resident whose identification the official has completed
    _, created = official.create(flow="handover")
    login = resident_login(stack.site_url, created["id"], RESIDENT)
    assert login.result is not None
    official.check(created["id"], login.result["code"])
    official.complete(created["id"], "identified")
    before = live_record(stack, created["id"])
    # Then its result cookie, still valid, opens no connection: an ended result has nothing left to follow
    assert refused_status(live_url(stack, "/api/public/result/live"), {"Cookie": login.cookie}) == 403
    assert live_record(stack, created["id"]) == before
