"""Warm latency per step and AWS calls per identification: every handler in this process, AWS served by moto
in-process (``mock_aws``), the DigiD simulator answering artifact resolution over mutual TLS.

Run alone: ``python -m bench.latency --out latency.json [--calls 200 --acs 40 --repeats 5]``.

The time a step takes is split into what is spent inside AWS calls (botocore + moto), inside the HTTP back
channel to the simulator, and the rest: our handler's own overhead, which is what the ≤ 5 ms target is about.
The handlers' stdout (Powertools JSON logs and metrics) goes into a counter: log bytes per request feed the
CloudWatch Logs estimate, and no handler output (and no test BSN) reaches the terminal.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.page_requests import PAGE_REQUESTS

__all__ = ["main", "run"]

RESIDENT_BSN = "999993653"  # a test BSN of the simulator's range; never printed (stdout is the log counter)
RESIDENT_LOA = "midden"
STEPS = ("create session", "DigiD login redirect", "ACS (artifact)", "public result", "check", "complete")


class LogCounter:
    """Stands in for stdout while handlers run: counts the bytes Lambda would send to CloudWatch Logs."""

    def __init__(self) -> None:
        self.bytes = 0
        self.last_error = ""
        self.metrics: set[str] = set()  # EMF metrics seen: CloudWatch bills each name + dimension values a month
        self.audit_lines: list[str] = []  # what the subscription filters hand to the audit forwarder

    def write(self, text: str) -> int:
        self.bytes += len(text.encode("utf-8"))
        if '"log_type":"audit"' in text:
            self.audit_lines.extend(line for line in text.splitlines() if '"log_type":"audit"' in line)
        if '"level":"ERROR"' in text or '"level":"WARNING"' in text:
            self.last_error = _error_summary(text)
        if '"_aws"' in text:
            self._collect_metrics(text)
        return len(text)

    def _collect_metrics(self, text: str) -> None:
        for line in text.splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            for directive in record.get("_aws", {}).get("CloudWatchMetrics", []):
                for dimensions in directive.get("Dimensions", []):
                    values = ",".join(f"{name}={record.get(name)}" for name in dimensions)
                    for metric in directive.get("Metrics", []):
                        self.metrics.add(f"{directive.get('Namespace')}/{metric.get('Name')}[{values}]")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


@dataclass
class Sample:
    step: str
    function: str
    memory_mb: int
    status: int
    total_s: float
    aws_s: float
    http_s: float
    calls: Counter[str]
    log_bytes: int
    audit_lines: tuple[str, ...] = ()
    units: Counter[str] = field(default_factory=Counter)  # DynamoDB's billed WRU and RRU (bench.calls.DynamoDbUnits)
    stored_pdf_bytes: tuple[int, ...] = ()  # the proof PDFs this invocation stored in the proof bucket, by size

    @property
    def own_s(self) -> float:
        return max(0.0, self.total_s - self.aws_s - self.http_s)


@dataclass
class Flow:
    name: str
    samples: list[Sample] = field(default_factory=list)
    poll: Sample | None = None  # the staff page's poll while the resident is still at DigiD (priced per poll)
    # off the request path: proof delivery (SQS) and the audit forwarder (one CloudWatch Logs batch per step)
    background: list[Sample] = field(default_factory=list)
    # the live status: the pages' WebSocket $connect invocations, and the session stream's pushes
    live_connects: list[Sample] = field(default_factory=list)
    live_pushes: list[Sample] = field(default_factory=list)


# The resident logs in tens of seconds after the official's page connected; the flows wait this much (unmeasured),
# more than the 2 s before its write by which a $connect's push counts a connection as opened by it
# (functions/live/events.py): so the resident's $connect tells the resident's page only, as it would in practice.
RESIDENT_ARRIVES_S = 3.0


class LiveChannel:
    """The template's live status as Lambda would run it: ``$connect`` events for the pages' sockets, and each
    change of the session handed to the stream's function as Lambda's DynamoDB event (tests/events, AWS's example;
    moto in-process does not serve the streams API, so a step's write is seen by comparing the item before and
    after), only when the mapping's FilterCriteria let it through. Lambda's own stream reads are free (not metered)."""

    def __init__(self, deployment: Any) -> None:
        import boto3

        from infrastructure.local.live import LiveApi

        api = LiveApi.from_template(deployment.template)
        # The live function's mapping on the stream (the proofs function has one too: Bench.stream_hand_over).
        mappings = [
            resource["Properties"]
            for _, resource in deployment.template.resources_of_type("AWS::Lambda::EventSourceMapping")
            if "StreamArn" in json.dumps(resource["Properties"].get("EventSourceArn"))
            and api is not None
            and resource["Properties"].get("FunctionName") == {"Ref": api.connect_function}
        ]
        if api is None or not mappings:
            raise LookupError("template.yaml has no live status")
        self.connect_function = deployment.functions[api.connect_function]
        self.stream_function = deployment.functions[mappings[0]["FunctionName"]["Ref"]]
        self._table = deployment.environment["TABLE_NAME"]
        self._dynamodb = boto3.client("dynamodb", region_name=os.environ["AWS_REGION"])
        self._patterns = [
            json.loads(f["Pattern"]) for f in (mappings[0].get("FilterCriteria") or {}).get("Filters", [])
        ]

    def item(self, session_id: str, record: str = "session") -> dict[str, Any]:
        """The session's item, or its live record (``record="live"``: the connections a $connect writes)."""
        key = {"pk": {"S": f"{record}#{session_id}"}}
        return dict(self._dynamodb.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item") or {})

    def change(self, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any] | None:
        """Lambda's event for one change, or None when the mapping's filter holds it back."""
        from bench.environment import EVENTS
        from infrastructure.local.live import matches_filter

        if old == new or not (old or new):  # no write, no stream record
            return None
        event = json.loads((EVENTS / "dynamodb_stream_modify.json").read_text())
        record = event["Records"][0]
        record["eventName"] = ("MODIFY" if new else "REMOVE") if old else "INSERT"
        record["dynamodb"]["Keys"] = {"pk": (new or old)["pk"]}  # the template's stream has keys only
        record["dynamodb"]["ApproximateCreationDateTime"] = int(time.time())  # written now (a $connect's change)
        if self._patterns and not any(matches_filter(p, record) for p in self._patterns):
            return None
        return dict(event)

    @staticmethod
    def connect_event(*, ticket: str | None = None, cookies: list[str] | None = None) -> dict[str, Any]:
        from bench.environment import EVENTS

        event = json.loads((EVENTS / "websocket_connect.json").read_text())
        event["requestContext"]["connectionId"] = base64.b64encode(os.urandom(11)).decode()
        if ticket is not None:
            event["queryStringParameters"] = {"ticket": ticket}
            event["multiValueQueryStringParameters"] = {"ticket": [ticket]}
        if cookies:
            event["headers"]["Cookie"] = "; ".join(cookies)
            event["multiValueHeaders"]["Cookie"] = ["; ".join(cookies)]
        return dict(event)


class Bench:
    """Drives the handlers as the HTTP API, the official's page and the resident's browser would."""

    def __init__(self, deployment: Any, aws: Any, log: LogCounter) -> None:
        from infrastructure.local.clients import choose_at_simulator

        self.deployment = deployment
        self.aws = aws
        self.log = log
        self._choose = choose_at_simulator
        self.samples: dict[str, list[Sample]] = defaultdict(list)
        self._streamed: set[str] = set()  # the table's keys the (emulated) stream has handed to the trigger
        self._stored: set[str] = set()  # the proof bucket's keys already seen (_stored_pdfs)
        try:
            self.live: LiveChannel | None = LiveChannel(deployment)
        except LookupError:
            self.live = None

    def live_connect(self, flow: Flow, who: str, session_id: str | None, **credentials: Any) -> None:
        """A page opens its socket: API Gateway's $connect, which the function must accept; its write of the
        session's live record reaches the stream's function (where the mapping's filter lets it through), which
        tells the new page what it needs now: the page reads nothing when its socket opens."""
        if self.live is None:
            return
        before = self.live.item(session_id, "live") if session_id else {}
        sample, answer = self.invoke(
            f"$connect ({who})", self.live.connect_function, LiveChannel.connect_event(**credentials)
        )
        if answer.get("statusCode") != 200:
            raise RuntimeError(f"$connect ({who}) was refused: {answer}")
        flow.live_connects.append(sample)
        event = self.live.change(before, self.live.item(session_id, "live")) if session_id else None
        if event is not None:
            pushed_sample, pushed = self.invoke(
                f"live push (stream, {who}'s $connect)", self.live.stream_function, event
            )
            if pushed.get("batchItemFailures"):
                raise RuntimeError(f"the live push failed: {pushed}")
            flow.live_pushes.append(pushed_sample)

    def live_claimed(self, flow: Flow, session_id: str) -> None:
        if self.live is None:
            return
        event = self.live.change({"pk": {"S": "before"}}, self.live.item(session_id))
        if event is not None:
            sample, _ = self.invoke("live push (stream)", self.live.stream_function, event)
            flow.live_pushes.append(sample)

    def live_step(
        self, flow: Flow, session_id: str, change: Callable[[], Any], push: str = "live push (stream)"
    ) -> Any:
        """A step that changes the session, and the stream's invocation for it (changes come seconds apart: one
        batch each), sampled as ``push``."""
        if self.live is None:
            return change()
        old = self.live.item(session_id)
        answer = change()
        event = self.live.change(old, self.live.item(session_id))
        if event is not None:
            sample, pushed = self.invoke(push, self.live.stream_function, event)
            if pushed.get("batchItemFailures"):
                raise RuntimeError(f"the live push failed: {pushed}")
            flow.live_pushes.append(sample)
        return answer

    def call(self, step: str, method: str, path: str, **options: Any) -> tuple[Sample, dict[str, Any]]:
        route = self.deployment.route(method, path)
        self.deployment.handler(route.function)  # imported outside the measurement
        from bench.environment import http_event
        from infrastructure.local.lambdas import LambdaContext

        event = http_event(route, path, **options)
        context = LambdaContext(route.function)
        sample, response = self.invoke(step, route.function, event, context)
        return sample, response

    def invoke(self, step: str, function: Any, event: Any, context: Any = None) -> tuple[Sample, Any]:
        """One invocation of ``function``'s handler, measured."""
        from infrastructure.local.lambdas import LambdaContext

        handler = self.deployment.handler(function)
        log_before, audit_before = self.log.bytes, len(self.log.audit_lines)
        with self.aws.reading() as reading:
            started = time.perf_counter()
            response = handler(event, context or LambdaContext(function))
            total = time.perf_counter() - started
        status = int(response.get("statusCode", 0)) if isinstance(response, dict) else 0
        sample = Sample(
            step,
            function.logical_id,
            function.memory_mb,
            status,
            total,
            reading.aws_seconds,
            reading.http_seconds,
            reading.calls,
            self.log.bytes - log_before,
            tuple(self.log.audit_lines[audit_before:]),
            reading.units,
        )
        return sample, response

    def background(self, samples: list[Sample]) -> list[Sample]:
        """What the flow's steps set off: the stream trigger's hand-over of each proof record the flow committed (the
        proofs function's invocation and its SendMessage), the delivery of each, and the audit forwarder for every
        invocation that logged audit lines (one batch each, as CloudWatch Logs delivers them at this traffic).
        """
        done: list[Sample] = []
        delivery = self._function_with("PROOF_BUCKET")
        queue_url = self.deployment.environment.get("PROOF_QUEUE_URL")
        if delivery is not None and queue_url:
            done += self.stream_hand_over(delivery)
            sqs = self._sqs()
            while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
                records = [
                    {
                        "messageId": m["MessageId"],
                        "receiptHandle": m["ReceiptHandle"],
                        "body": m["Body"],
                        "attributes": {"ApproximateReceiveCount": "1"},
                        "messageAttributes": {},
                        "eventSource": "aws:sqs",
                    }
                    for m in messages
                ]
                delivered, _ = self.invoke("proof delivery (SQS)", delivery, {"Records": records})
                delivered.stored_pdf_bytes = self._stored_pdfs(delivery)
                # Lambda's SQS poller receives and deletes each batch: SQS requests the account pays for
                delivered.calls.update({"sqs:ReceiveMessage": 1, "sqs:DeleteMessageBatch": 1})
                done.append(delivered)
                for m in messages:
                    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
        forwarder = self._function_with("AUDIT_LOG_GROUP")
        if forwarder is not None:
            for sample in [*samples, *done]:
                if sample.audit_lines:
                    event = _logs_batch(sample.function, sample.audit_lines)
                    forwarded, _ = self.invoke(f"audit forwarder ({sample.step})", forwarder, event)
                    done.append(forwarded)
        return done

    def _stored_pdfs(self, delivery: Any) -> tuple[int, ...]:
        """The sizes of the PDFs in the proof bucket that were not there at the last look: what S3 stores and bills
        for each proof. Read outside any measurement (not a call of the flow)."""
        import boto3

        s3 = boto3.client("s3", region_name=os.environ["AWS_REGION"])
        sizes = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=delivery.environment["PROOF_BUCKET"]):
            for stored in page.get("Contents", []):
                if stored["Key"] not in self._stored:
                    self._stored.add(stored["Key"])
                    sizes.append(int(stored["Size"]))
        return tuple(sizes)

    def _function_with(self, variable: str) -> Any:
        """The one function whose own environment has ``variable`` (the delivery function, the audit forwarder)."""
        found = [f for f in self.deployment.functions.values() if variable in f.environment]
        return found[0] if len(found) == 1 else None

    def stream_hand_over(self, function: Any, *, measured: bool = True) -> list[Sample]:
        """The proofs function's trigger on the table's stream (ProofsFromSessionStream): every item committed since
        the last hand-over becomes the stream's keys-only INSERT record (moto in-process serves no streams API, so
        the table is read for them, outside any measurement), the mapping's filter decides, and what passes is one
        invocation of the proofs function, which forwards each record to the proof queue (its SendMessage counted
        with it). The stream's reads by a Lambda trigger are free. Returns the invocation, if any."""
        import boto3

        from infrastructure.local.live import insert_record, passes_filter

        mappings = [
            resource.get("Properties") or {}
            for name, resource in self.deployment.template.resources_of_type("AWS::Lambda::EventSourceMapping")
            if name == "ProofsFromSessionStream"
        ]
        if not mappings:
            return []
        region = os.environ["AWS_REGION"]
        table = self.deployment.environment["TABLE_NAME"]
        items = boto3.client("dynamodb", region_name=region).scan(TableName=table, ProjectionExpression="pk")["Items"]
        inserted = [item["pk"]["S"] for item in items if item["pk"]["S"] not in self._streamed]
        self._streamed.update(inserted)
        arn = f"arn:aws:dynamodb:{region}:123456789012:table/{table}/stream/bench"
        records = (insert_record(key, arn, region, n) for n, key in enumerate(inserted, 1))
        passed = [r for r in records if passes_filter(mappings[0], r)]
        if not passed:
            return []
        if not measured:
            from infrastructure.local.lambdas import LambdaContext

            self.deployment.handler(function)({"Records": passed}, LambdaContext(function))
            return []
        forwarded, _ = self.invoke("proof hand-over (stream)", function, {"Records": passed})
        return [forwarded]

    def forget_queued_proofs(self) -> None:
        """The latency loops commit proofs too; a flow's background counts only its own."""
        queue_url = self.deployment.environment.get("PROOF_QUEUE_URL")
        delivery = self._function_with("PROOF_BUCKET")
        if queue_url and delivery is not None:
            self.stream_hand_over(delivery, measured=False)
            self._sqs().purge_queue(QueueUrl=queue_url)

    def _sqs(self) -> Any:
        import boto3

        if not hasattr(self, "_sqs_client"):
            self._sqs_client = boto3.client("sqs", region_name=os.environ["AWS_REGION"])
        return self._sqs_client

    def record(self, step: str, method: str, path: str, **options: Any) -> tuple[Sample, dict[str, Any]]:
        sample, response = self.call(step, method, path, **options)
        self.samples[step].append(sample)
        return sample, response

    def expect(self, sample: Sample, status: int) -> None:
        if sample.status != status:
            detail = f"; last error logged: {self.log.last_error}" if self.log.last_error else ""
            raise RuntimeError(f"{sample.step}: {sample.function} answered {sample.status}, expected {status}{detail}")

    # ------------------------------------------------------------------ the steps

    def create(self, flow: str, step: Callable[..., Any]) -> dict[str, Any]:
        body: dict[str, Any] = {"flow": flow}
        if flow == "known_bsn":
            body["bsn"] = RESIDENT_BSN
        sample, response = step("create session", "POST", "/api/sessions", body=body)
        self.expect(sample, 201)
        return dict(json.loads(response["body"]))

    def login(self, session_id: str | None, step: Callable[..., Any]) -> tuple[dict[str, str], list[str]]:
        """DigiD login redirect, the resident at the simulator: the ACS query our function receives and the browser's
        pre-login cookie (the ACS accepts the answer only in the browser that started the login)."""
        query = {"session": session_id} if session_id else None
        sample, response = step("DigiD login redirect", "GET", "/digid/login", query=query)
        self.expect(sample, 303)
        import requests

        from bench.environment import split_location

        with requests.Session() as browser:
            answer = self._choose(browser, response["headers"]["Location"], RESIDENT_BSN, RESIDENT_LOA)
        login_cookies = [cookie.split(";", 1)[0] for cookie in response.get("cookies") or []]
        return split_location(answer.headers["Location"])[1], login_cookies

    def acs(self, login: tuple[dict[str, str], list[str]], step: Callable[..., Any]) -> list[str]:
        acs_query, login_cookies = login
        sample, response = step("ACS (artifact)", "GET", "/digid/acs", query=acs_query, cookies=login_cookies)
        self.expect(sample, 303)
        cookies = [
            cookie.split(";", 1)[0] for cookie in response.get("cookies") or [] if cookie.startswith("lbb_result=")
        ]
        if not cookies:
            raise RuntimeError(f"the ACS did not log the resident in: {response['headers'].get('Location')}")
        return cookies

    def result(self, cookies: list[str], step: Callable[..., Any]) -> dict[str, Any]:
        sample, response = step("public result", "GET", "/api/public/result", cookies=cookies)
        self.expect(sample, 200)
        return dict(json.loads(response["body"]))

    def finish(self, session_id: str, code: str, step: Callable[..., Any], flow: Flow | None = None) -> None:
        def check() -> Any:
            return step("check", "POST", f"/api/sessions/{session_id}/check", body={"code": code})

        def complete() -> Any:
            return step("complete", "POST", f"/api/sessions/{session_id}/complete", body={"outcome": "identified"})

        sample, response = self.live_step(flow, session_id, check) if flow else check()
        self.expect(sample, 200)
        if not json.loads(response["body"]).get("match"):
            raise RuntimeError("the control code did not match")
        sample, _ = self.live_step(flow, session_id, complete) if flow else complete()
        self.expect(sample, 200)

    # ------------------------------------------------------------------ the flows (design A, B, C)

    def flow(self, name: str) -> Flow:
        """Flow ``name``'s identification, measured; its request path is bench/page_requests.py's, step for step
        (which tests/browser/test_api_requests.py holds the pages to)."""
        flow = self._flow(name)
        measured = [sample.step for sample in flow.samples]
        if measured != [request.step for request in PAGE_REQUESTS[name]]:
            raise RuntimeError(f"flow {name} measured {measured}, not the steps of bench/page_requests.py")
        return flow

    def _flow(self, name: str) -> Flow:
        flow = Flow(name)

        def step(step_name: str, method: str, path: str, **options: Any) -> tuple[Sample, dict[str, Any]]:
            sample, response = self.call(step_name, method, path, **options)
            flow.samples.append(sample)
            return sample, response

        if name == "A":
            cookies = self.acs(self.login(None, step), step)
            result = self.result(cookies, step)
            # no live record before (no official's ticket in flow A): the $connect's write is an insert, which the
            # mapping's filter holds back, so no push follows it
            self.live_connect(flow, "resident", None, cookies=cookies)
            sample, found = step("official looks up case", "GET", f"/api/identifications/{result['zaak_number']}")
            self.expect(sample, 200)
            self.live_claimed(flow, json.loads(found["body"])["session_id"])  # the claim is a write: a push
            # Flow A ends like B and C (issue 11): the official checks the code heard and completes.
            session_id = json.loads(found["body"])["session_id"]
            self.finish(session_id, result["code"], step, flow)
            self.background_of(flow, session_id, [*flow.samples, *flow.live_connects, *flow.live_pushes])
            return flow
        created = self.create("known_bsn" if name == "B" else "handover", step)
        sample, _ = step("resident start page", "GET", f"/api/public/sessions/{created['id']}")
        self.expect(sample, 200)
        # the staff page's socket opens with the create answer's ticket (it asks for one only after a reload)
        self.live_connect(flow, "official", created["id"], ticket=created["live_ticket"])
        # with a socket: no read (its $connect's push tells the page); without: the first of the polls while waiting,
        # measured here for the fallback's price only (not a step of the flow)
        flow.poll, _ = self.call("official polls (waiting)", "GET", f"/api/sessions/{created['id']}")
        self.expect(flow.poll, 200)
        if self.live is not None:
            time.sleep(RESIDENT_ARRIVES_S)  # not measured: the resident opens the link and goes to DigiD
        login = self.live_step(flow, created["id"], lambda: self.login(created["id"], step))  # the pending login
        cookies = self.live_step(flow, created["id"], lambda: self.acs(login, step))  # pushed to the staff page
        result = self.result(cookies, step)
        self.live_connect(flow, "resident", created["id"], cookies=cookies)
        if self.live is None:
            sample, _ = step("official reads session (after login)", "GET", f"/api/sessions/{created['id']}")
            self.expect(sample, 200)
        self.finish(created["id"], result["code"], step, flow)  # verified and completed, pushed to the result page
        reads = [flow.poll] if self.live is None else []  # the polls' audit lines, where the page polls
        self.background_of(flow, created["id"], [*flow.samples, *reads, *flow.live_connects, *flow.live_pushes])
        return flow

    def background_of(self, flow: Flow, session_id: str, samples: list[Sample]) -> None:
        """The flow's background (``background``), and the live status's push for the session's change the proof
        gathering makes after the close (it strips the session to its tombstone): one more stream invocation."""
        gathering = "live push (stream, proof gathered)"
        flow.background = self.live_step(flow, session_id, lambda: self.background(samples), push=gathering)

    # ------------------------------------------------------------------ the latency loops

    def latency(self, calls: int, acs_calls: int) -> None:
        ids = [self.create("known_bsn", self.record)["id"] for _ in range(calls)]
        for session_id in ids:
            self.record("DigiD login redirect", "GET", "/digid/login", query={"session": session_id})
        cookies: list[str] = []
        for session_id in ids[:acs_calls]:
            cookies = self.acs(self.login(session_id, self.call), self.record)
            code = self.result(cookies, self.record)["code"]
            self.finish(session_id, code, self.record)
        while len(self.samples["public result"]) < calls:
            self.result(cookies, self.record)


def _error_summary(line: str) -> str:
    """The exception type and message of a Powertools error log line (for the report when a step fails)."""
    try:
        record = json.loads(line)
    except ValueError:
        return ""
    exception = str(record.get("exception") or "").strip().splitlines()
    return f"{record.get('message')} ({exception[-1] if exception else record.get('reason', '')})"


def _flow_summary(runs: list[Flow]) -> dict[str, Any]:
    """One flow: its invocations in order, each with the median of its own time over the runs."""
    first = runs[-1]
    steps = []
    for index, sample in enumerate(first.samples):
        own = [run.samples[index].own_s for run in runs]
        total = [run.samples[index].total_s for run in runs]
        steps.append(
            {
                "step": sample.step,
                "function": sample.function,
                "memory_mb": sample.memory_mb,
                "own_ms": statistics.median(own) * 1000,
                "total_ms": statistics.median(total) * 1000,
                "http_calls": 1 if sample.http_s > 0 else 0,
                "calls": dict(sample.calls),
                "dynamodb_units": dict(sample.units),
                "log_bytes": sample.log_bytes,
            }
        )
    calls: Counter[str] = Counter()
    for sample in first.samples:
        calls.update(sample.calls)
    background: Counter[str] = Counter()
    for sample in first.background:
        background.update(sample.calls)
    summary = {
        "steps": steps,
        "calls": dict(sorted(calls.items())),
        "call_count": sum(calls.values()),  # the request path
        "background_steps": [
            {
                "step": sample.step,
                "function": sample.function,
                "memory_mb": sample.memory_mb,
                "own_ms": statistics.median(run.background[index].own_s for run in runs if len(run.background) > index)
                * 1000,
                "calls": dict(sample.calls),
                "dynamodb_units": dict(sample.units),
                "log_bytes": sample.log_bytes,
            }
            for index, sample in enumerate(first.background)
        ],
        "background_calls": dict(sorted(background.items())),
        "live": _live_summary(runs),
        "audit_bytes": sum(len(line) for sample in [*first.samples, *first.background] for line in sample.audit_lines),
    }
    # The proof as S3 stores it (bench.cost prices its storage); every run's, as the PDF's texts differ a little
    pdfs = [size for run in runs for sample in run.background for size in sample.stored_pdf_bytes]
    if pdfs:
        summary["proof_pdf_bytes"] = round(statistics.median(pdfs))
    polls = _polls(first)
    summary["polls"] = polls
    poll_calls = sum(first.poll.calls.values()) if first.poll is not None else 0
    read_calls = next((sum(x.calls.values()) for x in first.samples if x.step == "public result"), 0)
    live_calls = sum(sum(x.calls.values()) for x in [*first.live_connects, *first.live_pushes])
    summary["all_call_count"] = (
        summary["call_count"]
        + sum(background.values())
        + live_calls
        + polls["before_login"] * poll_calls
        + polls["after_login"] * read_calls
    )
    # DynamoDB's request units as measured (the request path; and everything, as all_call_count counts calls)
    units: Counter[str] = Counter()
    for sample in first.samples:
        units.update(sample.units)
    all_units = Counter(units)
    for sample in [*first.background, *first.live_connects, *first.live_pushes]:
        all_units.update(sample.units)
    read = next((x.units for x in first.samples if x.step == "public result"), Counter())
    for unit in ("WRU", "RRU"):
        all_units[unit] += polls["before_login"] * (first.poll.units[unit] if first.poll is not None else 0)
        all_units[unit] += polls["after_login"] * read[unit]
    summary["dynamodb_units"] = {unit: units[unit] for unit in ("WRU", "RRU")}
    summary["all_dynamodb_units"] = {unit: all_units[unit] for unit in ("WRU", "RRU")}
    summary["polling_fallback"] = _polls(first, live=False)
    if first.poll is not None:
        poll = first.poll
        own = statistics.median(run.poll.own_s for run in runs if run.poll is not None) * 1000
        summary["poll"] = {
            "step": poll.step,
            "function": poll.function,
            "memory_mb": poll.memory_mb,
            "own_ms": own,
            "calls": dict(poll.calls),
            "dynamodb_units": dict(poll.units),
            "log_bytes": poll.log_bytes,
        }
    return summary


def _live_summary(runs: list[Flow]) -> dict[str, Any]:
    """The live status's invocations: the pages' $connect and the stream's pushes (median own time over the runs)."""
    first = runs[-1]

    def steps(pick: Callable[[Flow], list[Sample]]) -> list[dict[str, Any]]:
        return [
            {
                "step": sample.step,
                "function": sample.function,
                "memory_mb": sample.memory_mb,
                "own_ms": statistics.median(pick(run)[index].own_s for run in runs if len(pick(run)) > index) * 1000,
                "calls": dict(sample.calls),
                "dynamodb_units": dict(sample.units),
                "log_bytes": sample.log_bytes,
            }
            for index, sample in enumerate(pick(first))
        ]

    calls: Counter[str] = Counter()
    for sample in [*first.live_connects, *first.live_pushes]:
        calls.update(sample.calls)
    return {
        "connect_steps": steps(lambda run: run.live_connects),
        "push_steps": steps(lambda run: run.live_pushes),
        "calls": dict(sorted(calls.items())),
    }


def _polls(flow: Flow, live: bool | None = None) -> dict[str, float]:
    """The live status beyond the reads the flow already has. With the pages' sockets open (``live``): none (a page's
    own $connect brings it what it needs now, counted in the live pushes). Without (the fallback of a browser that
    cannot open a socket): the staff page's one request per POLL_MS (static_site/assets/staff.js) while the resident
    logs in, never after (flows B and C; flow A's official looks the case up once); the resident's result page's one
    request per POLL_MS (result.js) from the login until the outcome is final (every flow; its first read is in the
    flow)."""
    live = bool(flow.live_connects) if live is None else live
    if live:
        return {
            "interval_ms": 0.0,
            "resident_interval_ms": 0.0,
            "before_login": 0.0,
            "after_login": 0.0,
        }
    from bench.cost import poll_interval_ms
    from bench.environment import REPO_ROOT
    from bench.prices import ASSUMPTIONS

    interval = poll_interval_ms(REPO_ROOT)
    resident_interval = poll_interval_ms(REPO_ROOT, "result.js")
    before = math.ceil(ASSUMPTIONS["seconds_polling_before_login"] * 1000 / interval) if flow.poll is not None else 0
    after = max(0, math.ceil(ASSUMPTIONS["seconds_polling_after_login"] * 1000 / resident_interval) - 1)
    return {
        "interval_ms": interval if flow.poll is not None else 0.0,
        "resident_interval_ms": resident_interval,
        "before_login": float(before),
        "after_login": float(after),
    }


def _logs_batch(function: str, lines: tuple[str, ...]) -> dict[str, Any]:
    """A CloudWatch Logs subscription delivery of ``lines`` from one execution environment's stream of ``function``."""
    import base64
    import gzip

    now = int(time.time() * 1000)
    batch = {
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": f"/aws/lambda/{function}",
        "logStream": "2026/01/01/[$LATEST]bench0000000000000000000000000000",  # one warm environment
        "subscriptionFilters": ["audit"],
        "logEvents": [{"id": str(i), "timestamp": now + i, "message": line} for i, line in enumerate(lines)],
    }
    return {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(batch).encode())).decode()}}


def _step_summary(samples: list[Sample]) -> dict[str, Any]:
    from bench.calls import summary

    return {
        "function": samples[0].function,
        "total": summary([s.total_s for s in samples]),
        "own": summary([s.own_s for s in samples]),
        "aws": summary([s.aws_s for s in samples]),
        "http": summary([s.http_s for s in samples]),
        "aws_calls_per_request": statistics.median(sum(s.calls.values()) for s in samples),
    }


@contextmanager
def _prepared(log: LogCounter) -> Iterator[tuple[Bench, Any]]:
    """moto in-process with the template's resources, the simulator, and the handlers' environment."""
    import boto3
    from moto import mock_aws

    from bench.calls import AwsMeter, HttpMeter
    from bench.environment import aws_environment, provision

    for name in [name for name in os.environ if name.startswith("AWS_ENDPOINT_URL")]:
        del os.environ[name]
    os.environ.update(aws_environment())
    with mock_aws(), AwsMeter() as aws, HttpMeter(aws):
        deployment = provision(lambda service: boto3.client(service, region_name=os.environ["AWS_REGION"]))
        os.environ.update(deployment.environment)
        audit_group = deployment.environment.get("AUDIT_LOG_GROUP")
        if audit_group:  # not emulated by the local stack; the forwarder writes into it here
            boto3.client("logs", region_name=os.environ["AWS_REGION"]).create_log_group(logGroupName=audit_group)
        try:
            yield Bench(deployment, aws, log), deployment
        finally:
            deployment.stop()


def run(calls: int = 200, acs_calls: int = 40, repeats: int = 5) -> dict[str, Any]:
    """All of it; returns the JSON-ready result. Handler output is counted, not shown, while it runs."""
    log = LogCounter()
    real_stdout, sys.stdout = sys.stdout, log  # before any handler import: Powertools binds its stream then
    try:
        with _prepared(log) as (bench, deployment):
            # The SP metadata for the simulator, from our DigiD function: its first request (configuration loads).
            metadata_route = deployment.route("GET", "/digid/metadata")
            sample, response = bench.call("SP metadata (cold)", "GET", "/digid/metadata")
            bench.expect(sample, 200)
            assert deployment.digid is not None and deployment.digid.simulator is not None
            deployment.digid.simulator.load_sp_metadata(response["body"])
            cold = {flow: bench.flow(flow) for flow in "ABC"}  # the other functions' first requests
            bench.latency(calls, acs_calls)
            bench.forget_queued_proofs()
            steady = {flow: [bench.flow(flow) for _ in range(repeats)] for flow in "ABC"}
            cold_calls: Counter[str] = Counter(sample.calls)
            for flow in "ABC":
                for cold_sample, warm_sample in zip(cold[flow].samples, steady[flow][-1].samples, strict=True):
                    cold_calls.update(cold_sample.calls)
                    cold_calls.subtract(warm_sample.calls)
            return {
                "parameters": {"calls": calls, "acs_calls": acs_calls, "flow_repeats": repeats},
                "steps": {step: _step_summary(bench.samples[step]) for step in STEPS if bench.samples[step]},
                "flows": {flow: _flow_summary(runs) for flow, runs in steady.items()},
                "cold_start_calls": {key: count for key, count in sorted(cold_calls.items()) if count > 0},
                "cold_start_function": metadata_route.function.logical_id,
                "custom_metrics": sorted(log.metrics),
            }
    finally:
        sys.stdout = real_stdout


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--acs", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    result = run(args.calls, args.acs, args.repeats)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
