"""The local WebSocket gateway answers PostToConnection as API Gateway does while a page's handshake is under way,
and a push with the real adapter gets through it by trying again.

API Gateway establishes a connection only once its $connect integration has returned; before that a
PostToConnection is refused with 410 GoneException ("You must establish the connection before using this command",
AWS, "Use @connections commands in your backend service"). The $connect's own write of the live record can bring a
push that early (functions/live/events.py): here the $connect stands in for the live function and starts that push
itself, before it answers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from websockets.sync.client import connect

from infrastructure.local.gateway import Gateway, GatewayServer
from infrastructure.local.lambdas import RouteTable
from infrastructure.local.live import LIVE_MANAGEMENT_PATH, LiveApi
from infrastructure.local.site import ResponseHeadersPolicy, StaticSite
from legitimatie.adapters.live_connections import ApiGatewayLivePushes
from legitimatie.live.model import CONNECTION_LIFETIME, LiveConnection, Role
from legitimatie.live.services import LivePushReport, push_change
from tests.fakes import METRICS, FakeCipher, InMemorySessionRepository
from tests.unit.test_live_services import NOW, InMemoryLiveChannels, logged_in, new_session

REGION = "eu-west-1"


class ConnectThatPushes:
    """The live function's $connect, which keeps the connection and whose write sets off a push at once: the push
    runs on its own thread (as the stream's invocation would) and its first try is made before $connect answers."""

    def __init__(self, management_url: str) -> None:
        client = boto3.client(
            "apigatewaymanagementapi",
            endpoint_url=management_url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        self.pushes = FirstTrySignalled(ApiGatewayLivePushes(client))
        self.reports: list[LivePushReport] = []
        self.first_try_answers: list[bool] = []
        self._thread: threading.Thread | None = None

    def invoke(self, event: dict[str, Any], request_id: str) -> dict[str, Any]:
        connection_id = event["requestContext"]["connectionId"]
        self._thread = threading.Thread(target=self._push, args=(connection_id,), daemon=True)
        self._thread.start()
        assert self.pushes.first_try.wait(10), "the push made no first try"
        return {"statusCode": 200}

    def _push(self, connection_id: str) -> None:
        # a logged-in session whose official's page connects now
        sessions, cipher = InMemorySessionRepository(), FakeCipher()
        session = logged_in(new_session(sessions), sessions, cipher)
        live = InMemoryLiveChannels(sessions)
        now = NOW  # the session's clock (the unit tests' moment): the connection opens at it
        connection = LiveConnection(connection_id, Role.OFFICIAL, now + CONNECTION_LIFETIME)
        live.connect(session.id, connection, session.expires_at)
        report = push_change(
            session.id,
            live=live,
            pushes=self.pushes,
            cipher=cipher,
            official_body=lambda view: {"status": view.status.value},
            metrics=METRICS,
            now=now,
            sleep=time.sleep,
            opened_since=now - timedelta(seconds=2),
        )
        self.reports.append(report)

    def join(self) -> None:
        assert self._thread is not None
        self._thread.join(10)


class FirstTrySignalled:
    """The real adapter; the first try's answer is kept and signalled."""

    def __init__(self, pushes: ApiGatewayLivePushes) -> None:
        self._pushes = pushes
        self.first_try = threading.Event()
        self.answers: list[bool] = []

    def push(self, connection_id: str, body: dict[str, object]) -> bool:
        answer = self._pushes.push(connection_id, body)
        self.answers.append(answer)
        self.first_try.set()
        return answer


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[tuple[GatewayServer, ConnectThatPushes]]:
    server = GatewayServer("127.0.0.1", 0)
    function = ConnectThatPushes(server.url + LIVE_MANAGEMENT_PATH)
    live = LiveApi(frozenset({"/api/live"}), "LiveFunction", "live")
    server.serve_in_thread(
        Gateway(
            RouteTable([]),
            {"LiveFunction": function},  # type: ignore[dict-item]
            {},
            StaticSite(tmp_path),
            ResponseHeadersPolicy(),
            api_id="local",
            region=REGION,
            account_id="123456789012",
            live=live,
        )
    )
    try:
        yield server, function
    finally:
        server.stop()


def test_a_push_during_the_handshake_is_refused_as_gone_and_reaches_the_page_when_tried_again(
    gateway: tuple[GatewayServer, ConnectThatPushes],
) -> None:
    server, function = gateway
    # When a page opens its socket and its $connect sets off a push before answering
    with connect(server.url.replace("http://", "ws://") + "/api/live", open_timeout=10) as socket:
        message = socket.recv(timeout=10)
    function.join()
    # Then the local gateway refused the first try with 410, as API Gateway does before the $connect has returned;
    # the push tried again after a short wait and the page got the message
    assert function.pushes.answers[0] is False
    assert function.pushes.answers[-1] is True
    assert message == '{"status":"logged_in"}'
    assert function.reports == [LivePushReport(sent=1, gone=0, retried=len(function.pushes.answers) - 1)]
