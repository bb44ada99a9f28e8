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
import json
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

    def write(self, text: str) -> int:
        self.bytes += len(text.encode("utf-8"))
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

    @property
    def own_s(self) -> float:
        return max(0.0, self.total_s - self.aws_s - self.http_s)


@dataclass
class Flow:
    name: str
    samples: list[Sample] = field(default_factory=list)
    poll: Sample | None = None  # the staff page's poll while the resident is still at DigiD (priced per poll)


class Bench:
    """Drives the handlers as the HTTP API, the official's page and the resident's browser would."""

    def __init__(self, deployment: Any, aws: Any, log: LogCounter) -> None:
        from infrastructure.local.clients import choose_at_simulator

        self.deployment = deployment
        self.aws = aws
        self.log = log
        self._choose = choose_at_simulator
        self.samples: dict[str, list[Sample]] = defaultdict(list)

    def call(self, step: str, method: str, path: str, **options: Any) -> tuple[Sample, dict[str, Any]]:
        route = self.deployment.route(method, path)
        handler = self.deployment.handler(route.function)  # imported outside the measurement
        from bench.environment import http_event
        from infrastructure.local.lambdas import LambdaContext

        event = http_event(route, path, **options)
        context = LambdaContext(route.function)
        log_before = self.log.bytes
        with self.aws.reading() as reading:
            started = time.perf_counter()
            response = handler(event, context)
            total = time.perf_counter() - started
        sample = Sample(
            step,
            route.function.logical_id,
            route.function.memory_mb,
            int(response.get("statusCode", 0)),
            total,
            reading.aws_seconds,
            reading.http_seconds,
            reading.calls,
            self.log.bytes - log_before,
        )
        return sample, response

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

    def login(self, session_id: str | None, step: Callable[..., Any]) -> dict[str, str]:
        """DigiD login redirect, the resident at the simulator, and the ACS query our function receives."""
        query = {"session": session_id} if session_id else None
        sample, response = step("DigiD login redirect", "GET", "/digid/login", query=query)
        self.expect(sample, 303)
        import requests

        from bench.environment import split_location

        with requests.Session() as browser:
            answer = self._choose(browser, response["headers"]["Location"], RESIDENT_BSN, RESIDENT_LOA)
        return split_location(answer.headers["Location"])[1]

    def acs(self, acs_query: dict[str, str], step: Callable[..., Any]) -> list[str]:
        sample, response = step("ACS (artifact)", "GET", "/digid/acs", query=acs_query)
        self.expect(sample, 303)
        cookies = [cookie.split(";", 1)[0] for cookie in response.get("cookies") or []]
        if not cookies:
            raise RuntimeError(f"the ACS did not log the resident in: {response['headers'].get('Location')}")
        return cookies

    def result(self, cookies: list[str], step: Callable[..., Any]) -> dict[str, Any]:
        sample, response = step("public result", "GET", "/api/public/result", cookies=cookies)
        self.expect(sample, 200)
        return dict(json.loads(response["body"]))

    def finish(self, session_id: str, code: str, step: Callable[..., Any]) -> None:
        sample, response = step("check", "POST", f"/api/sessions/{session_id}/check", body={"code": code})
        self.expect(sample, 200)
        if not json.loads(response["body"]).get("match"):
            raise RuntimeError("the control code did not match")
        sample, _ = step("complete", "POST", f"/api/sessions/{session_id}/complete", body={"outcome": "identified"})
        self.expect(sample, 200)

    # ------------------------------------------------------------------ the flows (design A, B, C)

    def flow(self, name: str) -> Flow:
        flow = Flow(name)

        def step(step_name: str, method: str, path: str, **options: Any) -> tuple[Sample, dict[str, Any]]:
            sample, response = self.call(step_name, method, path, **options)
            flow.samples.append(sample)
            return sample, response

        if name == "A":
            result = self.result(self.acs(self.login(None, step), step), step)
            sample, found = step("official looks up case", "GET", f"/api/identifications/{result['zaak_number']}")
            self.expect(sample, 200)
            # Flow A ends like B and C (issue 11): the official checks the code heard and completes.
            self.finish(json.loads(found["body"])["session_id"], result["code"], step)
            return flow
        created = self.create("known_bsn" if name == "B" else "handover", step)
        sample, _ = step("resident start page", "GET", f"/api/public/sessions/{created['id']}")
        self.expect(sample, 200)
        flow.poll, _ = self.call("official polls (waiting)", "GET", f"/api/sessions/{created['id']}")
        self.expect(flow.poll, 200)
        result = self.result(self.acs(self.login(created["id"], step), step), step)
        sample, _ = step("official reads session (after login)", "GET", f"/api/sessions/{created['id']}")
        self.expect(sample, 200)
        self.finish(created["id"], result["code"], step)
        return flow

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
                "log_bytes": sample.log_bytes,
            }
        )
    calls: Counter[str] = Counter()
    for sample in first.samples:
        calls.update(sample.calls)
    summary = {"steps": steps, "calls": dict(sorted(calls.items())), "call_count": sum(calls.values())}
    if first.poll is not None:
        poll = first.poll
        own = statistics.median(run.poll.own_s for run in runs if run.poll is not None) * 1000
        summary["poll"] = {
            "step": poll.step,
            "function": poll.function,
            "memory_mb": poll.memory_mb,
            "own_ms": own,
            "calls": dict(poll.calls),
            "log_bytes": poll.log_bytes,
        }
    return summary


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
