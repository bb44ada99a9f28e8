"""The live status locally: the template's WebSocket API on the gateway's own port, API Gateway's management API
(``PostToConnection``) for the function, and Lambda's DynamoDB stream event source mapping.

- ``LiveApi`` reads from template.yaml which paths CloudFront sends to the WebSocket API (the behaviours whose origin
  is the WebSocket API's domain) and which function serves ``$connect``. A handshake on such a path is handed to that
  function as API Gateway's ``$connect`` event (headers with the Cookie header, query string, ``requestContext`` with
  ``connectionId`` and ``eventType: CONNECT``, as in AWS's documented example); a status other than 2xx refuses
  the connection with that status, as API Gateway does. The handshake and the framing are the ``websockets``
  library's sans-I/O protocol on the gateway's socket.
- ``POST {LIVE_ENDPOINT}/@connections/{id}`` sends a text message to an open connection, or answers 410
  ``GoneException`` as API Gateway does for a closed one. The function reaches it through ``endpoint_url`` as it
  reaches the real API.
- ``StreamPoller`` reads the table's stream from moto (``dynamodbstreams``) and invokes the function with
  Lambda's DynamoDB event (records with ``eventSourceARN``, ``ApproximateCreationDateTime`` in epoch seconds),
  only the records the mapping's ``FilterCriteria`` let through.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from websockets.http11 import Request
from websockets.protocol import State
from websockets.server import ServerProtocol

from .events import HttpResponse
from .provision import ResourceRegistry
from .template import Resolver, Template

__all__ = [
    "LIVE_MANAGEMENT_PATH",
    "LiveApi",
    "LiveConnections",
    "StreamPoller",
    "insert_record",
    "matches_filter",
    "passes_filter",
    "start_stream_pollers",
]

log = logging.getLogger(__name__)
Invoke = Callable[[str, dict[str, Any]], Any]

# The stage path of the local management API (LIVE_ENDPOINT = <site>/_live); nothing else is served there.
LIVE_MANAGEMENT_PATH = "/_live"
_CONNECTIONS = re.compile(r"^/_live/@connections/([^/]+)$")


def _logical_id(value: Any) -> str | None:
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            return str(target[0] if isinstance(target, list) else target.split(".")[0])
    return None


def _sub_text(value: Any) -> str:
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return str(sub if isinstance(sub, str) else sub[0])
    return str(value)


@dataclass
class _Socket:
    protocol: ServerProtocol
    sock: socket.socket
    lock: threading.Lock = field(default_factory=threading.Lock)

    def flush(self) -> None:
        data = b"".join(self.protocol.data_to_send())
        if data:
            self.sock.sendall(data)


class LiveConnections:
    """Open connections by API Gateway connection id."""

    def __init__(self) -> None:
        self._open: dict[str, _Socket] = {}
        self._lock = threading.Lock()

    def add(self, connection_id: str, live: _Socket) -> None:
        with self._lock:
            self._open[connection_id] = live

    def remove(self, connection_id: str) -> None:
        with self._lock:
            self._open.pop(connection_id, None)

    def post(self, connection_id: str, data: bytes) -> bool:
        with self._lock:
            live = self._open.get(connection_id)
        if live is None:
            return False
        with live.lock:
            if live.protocol.state is not State.OPEN:
                return False
            live.protocol.send_text(data)
            try:
                live.flush()
            except OSError:
                return False
        return True

    def close_all(self) -> None:
        with self._lock:
            sockets, self._open = list(self._open.values()), {}
        for live in sockets:
            with live.lock:
                try:
                    live.protocol.send_close(1001, "going away")
                    live.flush()
                    live.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def respond(self, method: str, raw_path: str, body: bytes) -> HttpResponse | None:
        """The management API: ``POST /@connections/{id}`` (the only call the function makes)."""
        found = _CONNECTIONS.match(raw_path)
        if found is None:
            return None
        if method != "POST":
            return HttpResponse.json(405, {"message": "Only PostToConnection is emulated."})
        if self.post(unquote(found.group(1)), body):
            return HttpResponse(200, [("Content-Type", "application/json")], b"")
        return HttpResponse.json(410, {"message": None}, [("x-amzn-ErrorType", "GoneException")])


def _connection_id() -> str:
    return base64.b64encode(secrets.token_bytes(11)).decode()  # API Gateway's shape: 16 characters, ending in '='


class LiveApi:
    """The template's WebSocket API: which paths reach it and which function serves ``$connect``."""

    def __init__(self, paths: frozenset[str], connect_function: str, stage: str) -> None:
        self.paths = paths
        self.connect_function = connect_function
        self.stage = stage
        self.connections = LiveConnections()

    @classmethod
    def from_template(cls, template: Template, resolver: Resolver | None = None) -> LiveApi | None:
        resources = template.resources
        apis = {
            name
            for name, resource in resources.items()
            if resource.get("Type") == "AWS::ApiGatewayV2::Api"
            and (resource.get("Properties") or {}).get("ProtocolType") == "WEBSOCKET"
        }
        if not apis:
            return None
        connect = None
        for resource in resources.values():
            properties = resource.get("Properties") or {}
            if resource.get("Type") != "AWS::ApiGatewayV2::Route" or properties.get("RouteKey") != "$connect":
                continue
            integration = re.search(r"integrations/\$\{(\w+)\}", _sub_text(properties.get("Target")))
            if integration is None:
                continue
            uri = _sub_text((resources[integration.group(1)].get("Properties") or {}).get("IntegrationUri"))
            function = re.search(r"\$\{(\w+)\.Arn\}", uri)
            connect = function.group(1) if function else None
        domains = {
            _json((resources[str(_logical_id(p.get("DomainName")))].get("Properties") or {}).get("DomainName"))
            for resource in resources.values()
            if resource.get("Type") == "AWS::ApiGatewayV2::ApiMapping"
            and _logical_id((p := resource.get("Properties") or {}).get("ApiId")) in apis
        }
        stages = [
            str(resolver.resolve(r["Properties"]["StageName"]) if resolver else r["Properties"]["StageName"])
            for r in resources.values()
            if r.get("Type") == "AWS::ApiGatewayV2::Stage"
            and _logical_id((r.get("Properties") or {}).get("ApiId")) in apis
        ]
        paths: set[str] = set()
        for resource in resources.values():
            if resource.get("Type") != "AWS::CloudFront::Distribution":
                continue
            config = (resource.get("Properties") or {}).get("DistributionConfig") or {}
            origins = {o.get("Id") for o in config.get("Origins") or [] if _json(o.get("DomainName")) in domains}
            paths |= {
                str(b["PathPattern"]) for b in config.get("CacheBehaviors") or [] if b.get("TargetOriginId") in origins
            }
        if connect is None or not paths:
            return None
        return cls(frozenset(paths), connect, stages[0] if stages else "live")

    def wants(self, method: str, raw_path: str, headers: Mapping[str, str]) -> bool:
        return method == "GET" and raw_path in self.paths and "websocket" in (headers.get("upgrade") or "").lower()

    def connect_event(
        self, raw_path: str, raw_query: str, headers: list[tuple[str, str]], source_ip: str, connection_id: str
    ) -> dict[str, Any]:
        """API Gateway's ``$connect`` event (payload as in AWS's example for WebSocket APIs)."""
        now = time.time()
        request_id = base64.b64encode(secrets.token_bytes(6)).decode()
        single: dict[str, str] = {}
        multi: dict[str, list[str]] = {}
        for name, value in headers:
            multi.setdefault(name, []).append(value)
            single[name] = value
        query = parse_qsl(raw_query, keep_blank_values=True)
        event: dict[str, Any] = {
            "headers": single,
            "multiValueHeaders": multi,
            "requestContext": {
                "routeKey": "$connect",
                "eventType": "CONNECT",
                "extendedRequestId": request_id,
                "requestTime": datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "messageDirection": "IN",
                "stage": self.stage,
                "connectedAt": int(now * 1000),
                "requestTimeEpoch": int(now * 1000),
                "identity": {"sourceIp": source_ip, "userAgent": single.get("User-Agent", "")},
                "requestId": request_id,
                "domainName": single.get("Host", "localhost"),
                "connectionId": connection_id,
                "apiId": "local-live",
            },
            "isBase64Encoded": False,
        }
        if query:
            event["queryStringParameters"] = dict(query)
            multi_query: dict[str, list[str]] = {}
            for name, value in query:
                multi_query.setdefault(name, []).append(value)
            event["multiValueQueryStringParameters"] = multi_query
        return event

    def serve(
        self,
        sock: socket.socket,
        request_bytes: bytes,
        target: str,
        headers: list[tuple[str, str]],
        source_ip: str,
        invoke: Invoke,
    ) -> None:
        """One connection, on the gateway's request thread, until either side closes it."""
        protocol = ServerProtocol()
        protocol.receive_data(request_bytes)
        events = protocol.events_received()
        live = _Socket(protocol, sock)
        if not events or not isinstance(events[0], Request):
            return
        request = events[0]
        connection_id = _connection_id()
        raw_path, _, raw_query = target.partition("?")
        try:
            answer = invoke(
                self.connect_function, self.connect_event(raw_path, raw_query, headers, source_ip, connection_id)
            )
            status = int((answer or {}).get("statusCode", 500))
        except Exception:
            log.exception("%s failed on $connect", self.connect_function)
            status = 500
        if not 200 <= status < 300:
            protocol.send_response(protocol.reject(status, "Forbidden" if status == 403 else "Refused"))
            live.flush()
            return
        response = protocol.accept(request)
        with live.lock:
            self.connections.add(connection_id, live)
            protocol.send_response(response)
            live.flush()
        try:
            self._read_until_closed(live)
        finally:
            self.connections.remove(connection_id)

    @staticmethod
    def _read_until_closed(live: _Socket) -> None:
        sock, protocol = live.sock, live.protocol
        sock.settimeout(None)
        while True:
            try:
                data = sock.recv(65536)
            except OSError:
                return
            with live.lock:
                if data:
                    protocol.receive_data(data)
                else:
                    protocol.receive_eof()
                protocol.events_received()  # pages send nothing the API routes; pings and closes are answered
                try:
                    live.flush()
                except OSError:
                    return
                if not data or protocol.state is State.CLOSED or protocol.close_expected():
                    return


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


# ------------------------------------------------------------------ DynamoDB stream → Lambda


def _value_matches(rule: Any, value: Any) -> bool:
    if isinstance(rule, dict):
        if "prefix" in rule:
            return isinstance(value, str) and value.startswith(str(rule["prefix"]))
        if "anything-but" in rule:
            excluded = rule["anything-but"]
            return value is not None and value not in (excluded if isinstance(excluded, list) else [excluded])
        if "exists" in rule:
            return (value is not None) is bool(rule["exists"])
        raise ValueError(f"filter rule {rule} is not emulated locally")
    return bool(value == rule)


def matches_filter(pattern: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    """Lambda's event filtering (content filtering of the EventBridge pattern syntax, the subset the template uses):
    every key of the pattern must match; a list holds the values (or rules) any one of which is enough."""
    for key, rule in pattern.items():
        value = record.get(key) if isinstance(record, Mapping) else None
        if isinstance(rule, Mapping):
            if not isinstance(value, Mapping) or not matches_filter(rule, value):
                return False
        elif isinstance(rule, list):
            if not any(_value_matches(option, value) for option in rule):
                return False
        else:
            raise ValueError(f"filter {key}: a pattern's values are lists")
    return True


def passes_filter(mapping: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    """Whether an event source mapping (its template properties) lets ``record`` through to its function."""
    filters = (mapping.get("FilterCriteria") or {}).get("Filters") or []
    return not filters or any(matches_filter(json.loads(f["Pattern"]), record) for f in filters)


def insert_record(key: str, stream_arn: str, region: str, sequence: int = 1) -> dict[str, Any]:
    """A keys-only stream record of an item's insert as Lambda hands it to a trigger, where the streams API is not
    served (moto in-process, the bench): the same shape as ``StreamPoller.lambda_record``."""
    return {
        "eventID": uuid.uuid4().hex,
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": {
            "ApproximateCreationDateTime": int(time.time()),
            "Keys": {"pk": {"S": key}},
            "SequenceNumber": str(sequence),
            "SizeBytes": len(key) + 2,
            "StreamViewType": "KEYS_ONLY",
        },
        "eventSourceARN": stream_arn,
    }


@dataclass
class StreamPoller:
    function: str
    stream_arn: str
    batch_size: int
    patterns: list[dict[str, Any]]
    streams: Any
    invoke: Invoke
    interval: float = 0.1

    def __post_init__(self) -> None:
        self._stopping = threading.Event()
        self._iterators: dict[str, str] = {}
        self._thread = threading.Thread(target=self._run, name=f"stream-{self.function}", daemon=True)

    def start(self) -> StreamPoller:
        for shard in self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]:
            self._iterators[shard["ShardId"]] = self.streams.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)

    def lambda_record(self, record: dict[str, Any]) -> dict[str, Any]:
        """The record as Lambda hands it over (AWS's example event for DynamoDB): the stream's record, its
        ``ApproximateCreationDateTime`` in epoch seconds, and the stream's ARN."""
        change = dict(record["dynamodb"])
        created = change.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            change["ApproximateCreationDateTime"] = int(created.timestamp())
        return {
            "eventID": record["eventID"],
            "eventName": record["eventName"],
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": record.get("awsRegion", ""),
            "dynamodb": change,
            "eventSourceARN": self.stream_arn,
        }

    def poll_once(self) -> int:
        """Every shard read once; the records the filters let through, in batches, to the function."""
        handed = 0
        for shard, iterator in list(self._iterators.items()):
            answer = self.streams.get_records(ShardIterator=iterator, Limit=100)
            self._iterators[shard] = answer["NextShardIterator"]
            records = [self.lambda_record(r) for r in answer.get("Records", [])]
            records = [r for r in records if not self.patterns or any(matches_filter(p, r) for p in self.patterns)]
            for start in range(0, len(records), self.batch_size):
                batch = records[start : start + self.batch_size]
                try:
                    result = self.invoke(self.function, {"Records": batch}) or {}
                    if result.get("batchItemFailures"):
                        log.warning(
                            "%s reported %d failed stream records", self.function, len(result["batchItemFailures"])
                        )
                except Exception:
                    log.exception("%s failed on a stream batch", self.function)
                handed += len(batch)
        return handed

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                self.poll_once()
            except Exception:
                if not self._stopping.wait(1):
                    log.exception("Reading the stream for %s failed", self.function)


def start_stream_pollers(
    template: Template, registry: ResourceRegistry, client: Callable[[str], Any], invoke: Invoke
) -> list[StreamPoller]:
    """One poller per DynamoDB stream event source mapping of the template whose function and table exist locally."""
    pollers = []
    for _, resource in template.resources_of_type("AWS::Lambda::EventSourceMapping"):
        properties = resource.get("Properties") or {}
        source = properties.get("EventSourceArn")
        function = _logical_id(properties.get("FunctionName"))
        table = _logical_id(source)
        if function is None or table is None or registry[table].resource_type != "AWS::DynamoDB::Table":
            continue
        stream_arn = registry[table].attributes.get("StreamArn")
        if not stream_arn:
            continue
        filters = (properties.get("FilterCriteria") or {}).get("Filters") or []
        poller = StreamPoller(
            function=function,
            stream_arn=str(stream_arn),
            batch_size=int(properties.get("BatchSize", 100)),
            patterns=[json.loads(f["Pattern"]) for f in filters],
            streams=client("dynamodbstreams"),
            invoke=invoke,
        )
        pollers.append(poller.start())
    return pollers
