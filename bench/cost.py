"""Money: cost per 1,000 identifications per flow, and the fixed monthly cost of an idle deployment.

Per identification the model takes what the benchmark measured (the invocations of a flow, each with its own
handler time, AWS calls by operation and log bytes), the pages' own files as ``make site`` builds them
(``static_requests``), and adds what cannot be measured here, from ``bench.prices.ASSUMPTIONS``: the latency of real
AWS calls, Lambda's CPU share at the configured memory size, the traffic that decides how often a function starts
cold (``cold_share``), the edge log lines per request and the staff page's polling. The idle cost is read from
template.yaml (and ``infrastructure/deploy/waf.yaml`` when present): what a deployment pays per month with no
identifications.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from bench.prices import ASSUMPTIONS, PRICES
from infrastructure.deploy.pricing_plan import free_plan_blockers, plan_default

__all__ = [
    "TARGETS",
    "add_cost",
    "cloudfront_log_bytes",
    "cold_share",
    "flow_cost",
    "idle_cost",
    "invocation_ms",
    "live_cost",
    "platform_log_bytes",
    "polling_cost",
    "pricing_plan",
    "proof_storage",
    "static_requests",
    "system_log_level",
    "xray_share",
]

# The targets of issue 7, reported next to the figures (never asserted as timings in tests).
TARGETS: dict[str, float] = {
    "cold_start_ratio": 1.5,
    "calls_per_identification": 10,
    "own_ms_median": 5.0,
    "usd_per_1000": 0.10,  # issue 13: everything counted
    "idle_usd_month": 20.0,
}

# Traffic levels (identifications an hour, one municipality) at which the total is also reported: INIT depends on it.
TRAFFIC_LEVELS_PER_HOUR = (0.5, 2, 10, 60)
# the items a cold start adds: linear in the cold share
COLD_ITEMS = ("lambda_init", "lambda_first_invocation")


def invocation_ms(step: Mapping[str, Any], assumptions: Mapping[str, float] = ASSUMPTIONS) -> float:
    """Billed duration on Lambda: our CPU time scaled to the memory's CPU share, plus waiting for AWS and DigiD."""
    cpu_share = min(1.0, float(step["memory_mb"]) / assumptions["full_vcpu_memory_mb"])
    waiting = 0.0
    for key, count in step["calls"].items():
        service = key.split(":", 1)[0]
        waiting += count * assumptions.get(f"latency_ms_{service}", assumptions["latency_ms_other"])
    waiting += step.get("http_calls", 0) * assumptions["latency_ms_digid_back_channel"]
    return float(math.ceil(step["own_ms"] / cpu_share + waiting))


def system_log_level(template: Any) -> str:
    """Which of Lambda's own log records the functions write as the template deploys by default: Globals'
    ``LoggingConfig.SystemLogLevel`` (a ``!Ref`` to a parameter: its Default; Lambda's INFO when not set), or
    ``"TEXT"`` without the JSON format (START, END and REPORT as text lines; levels are a JSON-only control)."""
    config = (template.globals.get("Function") or {}).get("LoggingConfig") or {}
    if config.get("LogFormat") != "JSON":
        return "TEXT"
    level = config.get("SystemLogLevel", "INFO")
    if isinstance(level, dict) and "Ref" in level:
        level = (template.parameters.get(level["Ref"]) or {}).get("Default", "INFO")
    return str(level)


def platform_log_bytes(level: str, assumptions: Mapping[str, float] = ASSUMPTIONS) -> dict[str, float]:
    """Bytes of Lambda's own records in a function's log group at a system log ``level`` (``system_log_level``):
    per successful invocation, and per cold start (INIT). AWS' system log level event mapping: platform.start and a
    successful platform.report are INFO, a successful platform.runtimeDone DEBUG, platform.initStart INFO (a managed
    runtime names its version), an on-demand initReport DEBUG; WARN keeps only failures' records (NOT_COUNTED)."""
    start_report = assumptions["platform_json_start_bytes"] + assumptions["platform_json_report_bytes"]
    init_start = assumptions["platform_json_init_start_bytes"]
    per_level = {
        "TEXT": (assumptions["platform_text_log_bytes_per_invocation"], 0.0),  # INIT duration is in REPORT
        "WARN": (0.0, 0.0),
        "INFO": (start_report, init_start),
        "DEBUG": (
            start_report + assumptions["platform_json_runtime_done_bytes"],
            init_start + assumptions["platform_json_init_debug_bytes"],
        ),
    }
    if level not in per_level:
        raise ValueError(f"unknown system log level {level!r}: one of {sorted(per_level)}")
    per_invocation, per_cold_start = per_level[level]
    return {"per_invocation": float(per_invocation), "per_cold_start": float(per_cold_start)}


def _dynamodb_cost(step: Mapping[str, Any]) -> float:
    """The step's DynamoDB request units as measured (``bench.calls.DynamoDbUnits``: from each request's items and
    their stored sizes), at the on-demand prices."""
    units = step.get("dynamodb_units")
    if units is None:
        if any(key.startswith("dynamodb:") for key in step["calls"]):
            raise ValueError(f"{step.get('step', 'a step')}: DynamoDB calls without their measured request units")
        return 0.0
    return float(
        units.get("WRU", 0) * PRICES["dynamodb_write_request_unit"]
        + units.get("RRU", 0) * PRICES["dynamodb_read_request_unit"]
    )


def _call_cost(key: str, count: int, assumptions: Mapping[str, float]) -> float:
    service, _, operation = key.partition(":")
    if service == "dynamodb":
        return 0.0  # by the units each call consumed: _dynamodb_cost
    if service == "s3":
        price = PRICES["s3_get_request"] if operation.startswith(("Get", "Head")) else PRICES["s3_put_request"]
        return count * price
    per_call = {
        "apigatewaymanagementapi": PRICES["websocket_message"],  # PostToConnection: one message (< 32 KB) sent
        "kms": PRICES["kms_request"],
        "sqs": PRICES["sqs_request"],
        "secretsmanager": PRICES["secretsmanager_api_call"],
        "ssm": PRICES["ssm_api_call"],
    }
    return count * per_call.get(service, 0.0)


def flow_cost(
    steps: list[Mapping[str, Any]],
    assumptions: Mapping[str, float] = ASSUMPTIONS,
    *,
    waf: bool = True,
    waf_logs_allowed: bool = True,
    http: bool = True,
    init_ms: Mapping[str, float] | None = None,
    first_invocation_ms: Mapping[str, float] | None = None,
    init_throttled: bool = False,
    tracing: str = "PassThrough",
    static_requests: float = 0.0,
    cold_start_share: float | None = None,
    xray_share: float = 1.0,
    init_billed: set[str] | None = None,
    edge_covered: bool = False,
    system_log_level: str = "INFO",
) -> dict[str, Any]:
    """USD per 1,000 identifications of one flow, itemised; ``steps`` are the flow's measured invocations.

    ``http``: the steps came through CloudFront, WAF and the HTTP API (False for SQS and CloudWatch Logs
    invocations). ``init_ms``: measured import time per function at full CPU, which with the runtime's own start
    (ASSUMPTIONS runtime_init_ms) is the INIT Lambda bills on a cold start (an on-demand INIT is not throttled);
    ``first_invocation_ms``: the CPU time a function's first request takes beyond the same request warm, which runs
    after INIT at the memory's CPU share. Both billed once per function of the steps with probability
    ``cold_start_share`` (default: ``cold_share`` at the assumed traffic). ``init_throttled``: the INIT at the
    memory's CPU share instead (what it would cost if AWS throttled INIT like an invocation: the sensitivity).
    ``static_requests``: the pages' own files fetched through CloudFront and WAF (``static_requests``).
    ``xray_share``: with ``tracing`` Active, the share of invocations the sampling rule records (``xray_share``).
    ``init_billed``: functions whose INIT another part of the same identification already paid (updated here).
    ``waf_logs_allowed``: the WAF log has a line for every request, not only for blocked and counted ones.
    ``edge_covered``: a CloudFront flat-rate plan pays the distribution's and the web ACL's requests (not their logs'
    ingestion: the Free plan's table gives that to Pro and up). ``system_log_level``: which of Lambda's own records
    each invocation and cold start adds to the logs (``platform_log_bytes``; Lambda's INFO unless the template says).
    """
    items = {"lambda": 0.0, "lambda_init": 0.0, "lambda_first_invocation": 0.0}
    items |= {"http_api": 0.0, "cloudfront": 0.0, "waf": 0.0, "logs": 0.0}
    items["xray"] = 0.0
    cold = cold_share(assumptions) if cold_start_share is None else cold_start_share
    inits: dict[str, tuple[float, float]] = {}
    platform = platform_log_bytes(system_log_level, assumptions)
    for step in steps:
        gb_seconds = step["memory_mb"] / 1024 * invocation_ms(step, assumptions) / 1000
        items["lambda"] += PRICES["lambda_request"] + gb_seconds * PRICES["lambda_arm64_gb_second"]
        cpu_share = min(1.0, float(step["memory_mb"]) / assumptions["full_vcpu_memory_mb"])
        measured = (init_ms or {}).get(str(step.get("function")))
        init = assumptions["runtime_init_ms"]
        init += measured if measured is not None else assumptions["init_ms_when_unmeasured"]
        init /= cpu_share if init_throttled else 1.0
        first = (first_invocation_ms or {}).get(str(step.get("function")), 0.0) / cpu_share
        # the first invocation of each function in an identification may find no environment; the next ones,
        # seconds to minutes later, find the one it left
        gb = step["memory_mb"] / 1024
        inits[str(step.get("function", step.get("step")))] = (gb * init / 1000, gb * first / 1000)
        if tracing == "Active":  # no upstream decision: each invocation is a trace root, sampled by the rule
            items["xray"] += xray_share * PRICES["xray_trace_recorded"]
        if http:
            items["http_api"] += PRICES["http_api_request"]
        log_bytes = step.get("log_bytes", 0) + platform["per_invocation"]
        log_bytes += assumptions["access_log_bytes_per_request"] if http else 0
        items["logs"] += log_bytes / 1024**3 * PRICES["cloudwatch_logs_ingest_gb"]
        for key, count in step["calls"].items():
            service = key.split(":", 1)[0]
            items[service] = items.get(service, 0.0) + _call_cost(key, count, assumptions)
        if "dynamodb" in items or step.get("dynamodb_units"):
            items["dynamodb"] = items.get("dynamodb", 0.0) + _dynamodb_cost(step)
    billed = set() if init_billed is None else init_billed
    new = {function: gb_seconds for function, gb_seconds in inits.items() if function not in billed}
    billed.update(new)
    gb_second = PRICES["lambda_arm64_gb_second"]
    items["lambda_init"] = cold * sum(init for init, _first in new.values()) * gb_second
    items["lambda_first_invocation"] = cold * sum(first for _init, first in new.values()) * gb_second
    items["logs"] += cold * len(new) * platform["per_cold_start"] / 1024**3 * PRICES["cloudwatch_logs_ingest_gb"]
    if http:
        requests = len(steps) + static_requests
        items["cloudfront"] = 0.0 if edge_covered else requests * PRICES["cloudfront_https_request"]
        items["waf"] = requests * PRICES["waf_request"] if waf and not edge_covered else 0.0
        items["edge logs (CloudFront + WAF)"] = requests * _edge_log_usd(assumptions, waf=waf and waf_logs_allowed)
    per_1000 = {name: value * 1000 for name, value in items.items()}
    return {"per_1000_usd": sum(per_1000.values()), "items_per_1000_usd": per_1000}


def cold_share(assumptions: Mapping[str, float] = ASSUMPTIONS, per_hour: float | None = None) -> float:
    """The chance that a function's first invocation in an identification is a cold start.

    Lambda reclaims an execution environment that has been idle for a while (not documented; minutes, taken as
    ``environment_idle_minutes``). With identifications arriving at random (Poisson) at ``per_hour`` an hour,
    the function was idle that long before an identification with probability exp(-rate x idle time). Within one
    identification its later invocations come seconds to minutes after the first: warm.
    """
    rate = assumptions["identifications_per_hour"] if per_hour is None else per_hour
    return math.exp(-rate / 60 * assumptions["environment_idle_minutes"])


def digid_autopost_pages(template: Any) -> int:
    """How often the resident's browser loads the DigiD hand-over page's script (/assets/autopost.js) at the
    template's defaults: once with the HTTP-POST request binding, never with the redirect binding. (An answer
    by POST that arrives without the login cookie is posted once more; POST answers are off by default.)"""
    binding = (template.parameters.get("DigidRequestBinding") or {}).get("Default", "redirect")
    return 1 if str(binding) == "post" else 0


def static_requests(
    repo_root: Path, assumptions: Mapping[str, float] = ASSUMPTIONS, autopost_pages: int = 0
) -> dict[str, Any]:
    """What the browsers fetch of the site per identification, from the pages as ``make site`` builds them.

    The resident is new: the start page (``index.html``) with all it names, the DigiD hand-over page's script
    (``autopost_pages``), then ``resultaat.html`` with what it names that the browser has not cached yet (files
    served immutable come from its cache; pages are revalidated on every visit, ``no-cache``: a request each).
    Flow A's start page (no session link) also fetches ``/config.json`` (``no-store``) when its script names it;
    B and C's start page reads the session's view (an API call, counted with the flow's steps) instead. The official
    keeps the staff page open all day (it switches between sessions without loading the page again): its load is
    shared by ``identifications_per_official_day``. tests/browser/test_requests.py holds these lists to what
    Chromium fetches.
    """
    import gzip
    import tempfile

    from infrastructure.deploy.site_build import IMMUTABLE, build, cache_control

    with tempfile.TemporaryDirectory(prefix="site-") as directory:
        out = Path(directory) / "dist"
        try:
            pages = {page.name: page for page in build(repo_root / "static_site", out, purge=True)}  # as make site
        except SystemExit as exc:  # the vendor files are missing: make site has not run
            return {"resident": assumptions["static_requests_when_unbuilt"], "official_per_identification": 0.0,
                    "basis": f"assumed, the site is not built ({exc})"}  # fmt: skip

        def visit(fetched: list[str], urls: tuple[str, ...]) -> list[str]:
            cached = {url for url in fetched if cache_control(url.lstrip("/")) == IMMUTABLE}
            return fetched + [url for url in urls if url not in cached]

        start = pages["index.html"]
        resident = visit(visit([], start.requests), ("/assets/autopost.js",) * autopost_pages)
        resident = visit(resident, pages["resultaat.html"].requests)
        start_script = (out / start.script.lstrip("/")).read_bytes() if start.script else b""
        config_fetches = 1 if b'"/config.json"' in start_script else 0
        resident_a = [*resident[: len(start.requests)], *["/config.json"] * config_fetches]
        resident_a += resident[len(start.requests) :]
        official = [*pages["medewerker.html"].requests, "/config.json"]

        # CloudFront compresses (Compress: true); a revalidated page is sent again. Its CachingOptimized policy
        # also serves Brotli to browsers that accept it, at a level CloudFront does not publish: measured on these
        # files with node's zlib, Brotli at quality 4 is larger than gzip -9, at 5 about 5% smaller, at 11 about 12%
        # smaller. gzip -9 stays the estimate: at most about 12% high on this item, never low.
        def sent(urls: list[str]) -> int:
            files = [out / url.lstrip("/") for url in urls]
            return sum(len(gzip.compress(path.read_bytes())) for path in files if path.is_file())

        resident_bytes, official_bytes = sent(resident), sent(official)
    per_day = assumptions["identifications_per_official_day"]
    return {
        "resident": float(len(resident)),
        "resident_requests": resident,
        "resident_requests_flow_a": resident_a,
        "resident_config_fetches": float(config_fetches),
        "official_per_day": official,
        "official_per_identification": len(official) / per_day,
        "resident_bytes": resident_bytes,
        "official_bytes_per_identification": official_bytes / per_day,
        "basis": f"counted in the built pages; the official's page load shared by {per_day:.0f} identifications",
    }


# One CloudFront access log record's fields (standard logging v2) as a request of ours fills them: a phone's user
# agent, an IPv6 client, an API path with a session id. A field not listed here counts 20 bytes.
CLOUDFRONT_LOG_TYPICAL: Final[dict[str, str]] = {
    "timestamp": "1764658800.123",
    "DistributionId": "E2ABCDEFGHIJKL",
    "x-edge-location": "AMS58-P3",
    "x-edge-request-id": "SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==",
    "c-ip": "2001:db8:85a3::8a2e:370:7334",
    "c-port": "54321",
    "c-country": "NL",
    "cs-method": "GET",
    "cs(Host)": "beeldbellen.voorbeeld.nl",
    "cs-uri-stem": "/api/public/sessions/3f1e2d4c-5b6a-4789-9abc-def012345678",
    "cs-protocol": "https",
    "cs-protocol-version": "HTTP/2.0",
    "cs(User-Agent)": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1",
    "sc-status": "200",
    "sc-bytes": "1523",
    "time-taken": "0.032",
    "x-edge-result-type": "Miss",
    "x-edge-detailed-result-type": "Miss",
    "ssl-protocol": "TLSv1.3",
    "ssl-cipher": "TLS_AES_128_GCM_SHA256",
    "cache-behavior-path-pattern": "/api/*",
}


def cloudfront_log_bytes(waf_template: Any | None) -> float | None:
    """The size of one access log record (JSON) with the fields waf.yaml's ``AWS::Logs::Delivery`` selects
    (``RecordFields``); None without that resource (ASSUMPTIONS cloudfront_log_bytes_per_request then)."""
    if waf_template is None:
        return None
    for _logical_id, delivery in waf_template.resources_of_type("AWS::Logs::Delivery"):
        fields = (delivery.get("Properties") or {}).get("RecordFields")
        if fields:
            record = {field: CLOUDFRONT_LOG_TYPICAL.get(field, "x" * 20) for field in fields}
            return float(len(json.dumps(record, separators=(",", ":")).encode()))
    return None


def _edge_log_usd(assumptions: Mapping[str, float], *, waf: bool) -> float:
    """One request's lines in the CloudFront access log and (``waf``) the WAF log (infrastructure/deploy/waf.yaml:
    both delivered to CloudWatch Logs in us-east-1 as vended logs)."""
    size = assumptions["cloudfront_log_bytes_per_request"] + (assumptions["waf_log_bytes_per_request"] if waf else 0)
    return size / 1024**3 * PRICES["cloudwatch_vended_logs_us_east_1_gb"]


def polling_cost(
    poll: Mapping[str, Any], polls: float, assumptions: Mapping[str, float] = ASSUMPTIONS, **options: Any
) -> float:
    """USD per 1,000 identifications for ``polls`` of the staff page (each: CloudFront, WAF, API, Lambda, AWS)."""
    # polls come every few seconds: their execution environment is warm, no INIT is billed
    options = {**options, "static_requests": 0.0, "cold_start_share": 0.0, "init_billed": None}
    one = flow_cost([poll], assumptions, **options)["per_1000_usd"]
    return float(one * polls)


def _polling(
    flow: Mapping[str, Any], reads: list[Any], polls: Mapping[str, float], options: Mapping[str, Any]
) -> float:
    """The staff page's reads while waiting and the result page's until the outcome, per 1,000 identifications."""
    official = polling_cost(flow["poll"], polls["before_login"], **options) if flow.get("poll") else 0.0
    return official + (polling_cost(reads[0], polls["after_login"], **options) if reads else 0.0)


def tracing_mode(template: Any) -> str:
    """The functions' X-Ray tracing as template.yaml sets it (Globals), Lambda's default when absent."""
    return str((template.globals.get("Function") or {}).get("Tracing", "PassThrough"))


def xray_share(template: Any) -> tuple[float, str]:
    """The share of invocations X-Ray records with active tracing, from the template's AWS::XRay::SamplingRule.

    No request of ours arrives with a sampling decision (the HTTP API, CloudWatch Logs, SQS and the stream pass
    none), so each invocation asks for one. At a municipality's traffic (well under one request a second) a
    reservoir of one or more a second records every request; with no reservoir, ``FixedRate`` of them.
    Without a rule: X-Ray's default (1 a second and 5% more), i.e. every request here.
    """
    for _logical_id, resource in template.resources_of_type("AWS::XRay::SamplingRule"):
        rule = (resource.get("Properties") or {}).get("SamplingRule") or {}
        reservoir, rate = int(rule.get("ReservoirSize", 1)), float(rule.get("FixedRate", 0.05))
        if reservoir >= 1:
            return 1.0, f"sampling rule: reservoir {reservoir}/s (every request at this traffic)"
        return rate, f"sampling rule: no reservoir, {rate:.0%} of the requests"
    return 1.0, "no sampling rule: X-Ray's default (1/s and 5%), every request at this traffic"


# What the per-identification figure leaves out, printed with it.
NOT_COUNTED = (
    "free tiers (Lambda, CloudFront 10 M requests, X-Ray 100k traces, KMS 20k requests): not applied",
    "data transfer out of CloudFront for the API's answers (JSON of a few KB per request; the pages' files are in)",
    "CloudFront's always-free tier (1 TB out and 10 M requests a month), which covers any municipality's site: "
    "not applied",
    "X-Ray with Tracing PassThrough records nothing; with Active, cost.xray's rule; traces retrieved or scanned "
    "while debugging ($0.50 per million, first million a month free)",
    "CloudWatch Logs storage after ingestion ($0.03/GB-month; retention LogRetentionDays/AuditRetentionDays)",
    "Lambda's own log records of failed invocations: at the system log level WARN (cost.platform_logs) a timeout, "
    "a crash or an unhandled error still writes its platform.runtimeDone and platform.report records (~1 KB of "
    "JSON), a failed INIT its initRuntimeDone and initReport; an identification that succeeds has none",
    "DynamoDB storage and PITR of items that live at most a day (fractions of a cent a month)",
    "Secrets Manager / SSM reads at a cold start (DigiD: 2-3 calls per new execution environment)",
    "Cognito staff logins (free below 10,000 monthly active users) and DigiD's own fees (Logius)",
    "the polling fallback of a browser that cannot open the live socket (a proxy without WebSockets): "
    "cost.flows.<X>.polling_fallback_per_1000_usd is its price, per 1,000 identifications if every browser fell back",
    "DynamoDB Streams reads (GetRecords) by Lambda's event source mappings, the live status's and the proof "
    "hand-over's: free for Lambda triggers (listed at $0 in the idle cost)",
    "CloudFront flat-rate plans: with the Free plan (cost.pricing_plan) the distribution's requests and data "
    "transfer, the web ACL with its rules and requests and CloudFront Functions are the plan's; the CloudWatch Logs "
    "ingestion of the CloudFront and WAF logs stays priced (AWS' plan table includes it from Pro on); the plan's "
    "S3 storage credits (5 GB a month of S3 Standard) are not applied to the proof PDFs; requests WAF blocks (which "
    "the allowance does not count) are not modelled",
)


def live_cost(
    live: Mapping[str, Any], assumptions: Mapping[str, float] = ASSUMPTIONS, **options: Any
) -> dict[str, float]:
    """USD per 1,000 identifications of the live status, itemised: each page's socket ($connect through CloudFront,
    its function and WAF, the handshake as a message, its connection minutes) and each pushed change (the stream's
    invocation, its reads and PostToConnection, priced as a WebSocket message by ``_call_cost``)."""
    connects = list(live.get("connect_steps") or [])
    pushes = list(live.get("push_steps") or [])
    items: dict[str, float] = {}
    if connects:
        on_connect = flow_cost(connects, assumptions, http=False, **options)["items_per_1000_usd"]
        for key, value in on_connect.items():
            items[f"$connect: {key}"] = value
        requests = len(connects) * 1000
        covered = options.get("edge_covered", False)  # a flat-rate plan: requests, WAF and CloudFront Functions
        items["$connect: cloudfront + its path function"] = (
            0.0
            if covered
            else requests * (PRICES["cloudfront_https_request"] + PRICES["cloudfront_function_invocation"])
        )
        items["$connect: waf"] = requests * PRICES["waf_request"] if options.get("waf", True) and not covered else 0.0
        items["$connect: edge logs (CloudFront + WAF)"] = requests * _edge_log_usd(
            assumptions, waf=options.get("waf", True) and options.get("waf_logs_allowed", True)
        )
        items["$connect: websocket message (the handshake)"] = requests * PRICES["websocket_message"]
        minutes = math.ceil(assumptions["seconds_polling_before_login"] / 60) if len(connects) > 1 else 0
        minutes += math.ceil(assumptions["seconds_polling_after_login"] / 60)
        items["websocket connection minutes"] = minutes * 1000 * PRICES["websocket_connection_minute"]
    if pushes:
        options = {key: value for key, value in options.items() if key != "waf"}
        for key, value in flow_cost(pushes, assumptions, http=False, **options)["items_per_1000_usd"].items():
            items[f"pushes (stream): {key}"] = value
    return {key: value for key, value in items.items() if value}


def proof_storage(
    flow: Mapping[str, Any], retention_months: float, assumptions: Mapping[str, float] = ASSUMPTIONS
) -> dict[str, Any]:
    """The proof PDFs' S3 storage for the retention, per 1,000 identifications of a flow: one PDF per PutObject its
    background made, of the size the latency part measured (``proof_pdf_bytes``: the PDF delivery stored), else of
    ``proof_pdf_kb``."""
    measured = flow.get("proof_pdf_bytes")
    size = float(measured) if measured else assumptions["proof_pdf_kb"] * 1024
    pdfs = sum(1 for step in flow.get("background_steps") or [] if step["calls"].get("s3:PutObject"))
    per_1000 = size / 1024**3 * retention_months * PRICES["s3_storage_gb_month"] * 1000 * pdfs
    return {
        "pdf_bytes": size,
        "source": "measured: the PDF delivery stored (latency)" if measured else "assumed: ASSUMPTIONS proof_pdf_kb",
        "pdfs": pdfs,
        "retention_months": retention_months,
        "per_1000_usd": per_1000,
    }


def proof_retention_months(template: Any) -> float:
    """How long the proof bucket keeps a PDF: the template's ProofRetentionDays default, in months."""
    days = (template.parameters.get("ProofRetentionDays") or {}).get("Default")
    return float(days) / (365.25 / 12) if days is not None else ASSUMPTIONS["proof_retention_months"]


def poll_interval_ms(repo_root: Path, page: str = "staff.js") -> float:
    """A page's polling interval (``POLL_MS`` in static_site/assets/<page>: the staff page's ``staff.js``, the
    resident's result page's ``result.js``), else the assumption."""
    script = repo_root / "static_site" / "assets" / page
    match = re.search(r"POLL_MS\s*=\s*(\d+)", script.read_text(encoding="utf-8")) if script.exists() else None
    return float(match[1]) if match else ASSUMPTIONS["poll_interval_ms_when_unknown"]


def _schedule_per_month(expression: str) -> float:
    match = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", expression.strip())
    if not match:
        return 0.0
    minutes = int(match[1]) * {"minute": 1, "hour": 60, "day": 1440}[match[2].rstrip("s")]
    return 30 * 24 * 60 / minutes


def idle_cost(template: Any, waf_template: Any | None, plan: str = "PAY_AS_YOU_GO") -> dict[str, Any]:
    """Monthly USD of a deployment that identifies nobody, itemised from the template's resources; ``plan``: the
    distribution's CloudFront pricing plan (``FREE``: its web ACL and rules are the plan's)."""
    count: dict[str, int] = {}
    for _logical_id, resource in template.resources.items():
        count[resource.get("Type", "")] = count.get(resource.get("Type", ""), 0) + 1
    items: dict[str, tuple[float, str]] = {}
    keys = count.get("AWS::KMS::Key", 0)
    items["KMS keys"] = (keys * PRICES["kms_key_month"], f"{keys} x $1")
    rotating = sum(
        1
        for _, key in template.resources_of_type("AWS::KMS::Key")
        if str((key.get("Properties") or {}).get("EnableKeyRotation", False)).lower() == "true"
    )
    if rotating:  # a yearly rotation keeps the old key material: billed from the first two rotations on
        items["KMS rotated key material (from the third year)"] = (
            rotating * 2 * PRICES["kms_rotated_key_material_month"],
            f"{rotating} rotating key(s) x 2 rotations x $1 ($0 in the first year, half in the second)",
        )
    secret_parameters = [name for name in template.parameters if name.endswith("SecretArn")]
    secrets = len(secret_parameters) + count.get("AWS::SecretsManager::Secret", 0)
    items["Secrets Manager secrets"] = (secrets * PRICES["secretsmanager_secret_month"], f"{secrets} x $0.40")
    alarms = [(alarm.get("Properties") or {}) for _, alarm in template.resources_of_type("AWS::CloudWatch::Alarm")]
    # billed per alarm metric: a metric math alarm pays for every metric it reads
    alarm_metrics = sum(
        sum(1 for query in alarm["Metrics"] if "MetricStat" in query) if "Metrics" in alarm else 1 for alarm in alarms
    )
    items["CloudWatch alarms"] = (
        alarm_metrics * PRICES["cloudwatch_alarm_month"],
        f"{len(alarms)} alarms reading {alarm_metrics} metrics x $0.10",
    )
    dashboards = count.get("AWS::CloudWatch::Dashboard", 0)
    items["CloudWatch dashboards"] = (
        dashboards * PRICES["cloudwatch_dashboard_month"],
        f"{dashboards} x $3 (free if the account has fewer than 3)",
    )
    if any("WebAcl" in name or "WebACL" in name for name in template.parameters) or waf_template is not None:
        rules, source = _waf_rules(waf_template)
        items["WAF web ACL + rules"] = (
            (0.0, f"in the CloudFront Free plan (pay-as-you-go: $5 + {rules} rules x $1; {source})")
            if plan == "FREE"
            else (PRICES["waf_web_acl_month"] + rules * PRICES["waf_rule_month"], f"$5 + {rules} rules x $1 ({source})")
        )
    if plan == "FREE":
        items["CloudFront flat-rate plan (Free)"] = (
            PRICES["cloudfront_free_plan_month"],
            "distribution, web ACL, rules, requests, CloudFront Functions; no overage charges",
        )
    if any("IdpMetadataParameter" in name for name in template.parameters):
        items["SSM advanced parameter (IdP metadata)"] = (PRICES["ssm_advanced_parameter_month"], "1 x $0.05")
    tables = count.get("AWS::DynamoDB::Table", 0)
    items["DynamoDB on-demand + PITR, empty"] = (0.0, f"{tables} table(s): no requests, (nearly) no bytes")
    if count.get("AWS::Cognito::UserPool"):
        items["Cognito staff user pool"] = (0.0, "Essentials: free below 10,000 monthly active users")
    sweeps = 0.0
    default_memory = (template.globals.get("Function") or {}).get("MemorySize", 128)
    for _logical_id, function in template.resources_of_type("AWS::Serverless::Function"):
        properties = function.get("Properties") or {}
        memory_mb = float(properties.get("MemorySize", default_memory))
        for event in (properties.get("Events") or {}).values():
            if event.get("Type") != "Schedule":
                continue
            runs = _schedule_per_month(str((event.get("Properties") or {}).get("Schedule", "")))
            per_run = PRICES["lambda_request"] + memory_mb / 1024 * 0.1 * PRICES["lambda_arm64_gb_second"]
            per_run += PRICES["dynamodb_read_request_unit"]  # a Scan of an empty table: one read unit
            sweeps += runs * per_run
    items["Scheduled functions (sweep)"] = (sweeps, "~100 ms per run, one read unit")
    queues = {name for name, _ in template.resources_of_type("AWS::SQS::Queue")}
    mappings = sum(  # a DynamoDB stream's mapping polls for free; an SQS queue's pays its receives
        1
        for _, mapping in template.resources_of_type("AWS::Lambda::EventSourceMapping")
        if any(name in json.dumps((mapping.get("Properties") or {}).get("EventSourceArn")) for name in queues)
    )
    esm_requests = mappings * ASSUMPTIONS["sqs_esm_idle_pollers"] * 3 * 60 * 24 * 30  # a 20 s long poll each
    items["SQS long polling by Lambda's event source mapping"] = (
        esm_requests * PRICES["sqs_request"],
        f"{mappings} mapping(s) x {ASSUMPTIONS['sqs_esm_idle_pollers']:.0f} pollers x 3 polls a minute",
    )
    stream_readers = sum(
        1
        for _, mapping in template.resources_of_type("AWS::Lambda::EventSourceMapping")
        if "StreamArn" in json.dumps((mapping.get("Properties") or {}).get("EventSourceArn"))
    )
    items["DynamoDB Streams reads by Lambda's event source mappings"] = (
        0.0,
        f"{stream_readers} mapping(s) on the table's stream (live status, proof hand-over): a Lambda trigger's "
        "GetRecords are free, idle or not",
    )
    items["X-Ray"] = (0.0, "no invocations, no traces")
    items["S3, SNS, HTTP API, CloudFront, Lambda idle"] = (0.0, "pay per request or per byte stored")
    total = sum(value for value, _ in items.values())
    return {"monthly_usd": total, "items": {name: {"usd": v, "basis": basis} for name, (v, basis) in items.items()}}


def _waf_rules(waf_template: Any | None) -> tuple[int, str]:
    if waf_template is None:
        return int(ASSUMPTIONS["waf_rules_when_unknown"]), "assumed: infrastructure/deploy/waf.yaml not found"
    rules = 0
    for _logical_id, resource in waf_template.resources_of_type("AWS::WAFv2::WebACL"):
        rules += len((resource.get("Properties") or {}).get("Rules") or [])
    return rules, "counted in infrastructure/deploy/waf.yaml"


def waf_logs_allowed_requests(waf_template: Any | None) -> bool:
    """Whether the WAF log has a line for every allowed request in the deployment the README describes (WAF stack
    deployed again with the distribution's id): False when its logging filter then drops what WAF allowed."""
    if waf_template is None:
        return True
    for _logical_id, logging in waf_template.resources_of_type("AWS::WAFv2::LoggingConfiguration"):
        kept = (logging.get("Properties") or {}).get("LoggingFilter")
        if isinstance(kept, dict) and "Fn::If" in kept:
            kept = kept["Fn::If"][1]  # the branch with the CloudFront log on (HasDistribution)
        if not isinstance(kept, dict) or kept.get("DefaultBehavior") != "DROP":
            return True
        actions = {
            condition.get("ActionCondition", {}).get("Action")
            for rule in kept.get("Filters") or []
            if rule.get("Behavior") == "KEEP"
            for condition in rule.get("Conditions") or []
        }
        return "ALLOW" in actions or None in actions  # a condition on labels may keep allowed requests
    return True


def load_waf_template(repo_root: Path) -> Any | None:
    from infrastructure.local.template import Template

    path = repo_root / "infrastructure" / "deploy" / "waf.yaml"
    return Template.load(path) if path.exists() else None


def pricing_plan(plan: str, blockers: list[str], flows: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The distribution's CloudFront pricing plan as deployed by default (``plan``), what keeps it off the Free plan
    (``blockers``), and the traffic against the Free plan's monthly allowance at each traffic level."""
    hours = ASSUMPTIONS["office_hours_per_month"]
    allowance = {
        "requests": PRICES["cloudfront_free_plan_requests"],
        "bytes": PRICES["cloudfront_free_plan_gb"] * 1024**3,
    }
    busiest = max(flows.values(), key=lambda flow: flow["edge_requests"], default=None)
    per_identification = {
        "requests": busiest["edge_requests"] if busiest else 0.0,
        "bytes": busiest["edge_bytes"] if busiest else 0.0,
    }
    by_level: dict[str, Any] = {}
    for level in TRAFFIC_LEVELS_PER_HOUR:
        month = level * hours
        requests, sent = month * per_identification["requests"], month * per_identification["bytes"]
        by_level[f"{level:g}"] = {
            "identifications_per_month": month,
            "requests_per_month": requests,
            "bytes_per_month": sent,
            "share_of_requests_allowance": requests / allowance["requests"],
            "share_of_bytes_allowance": sent / allowance["bytes"],
        }
    # the identifications a month at which the requests, and at which the bytes, reach the allowance
    limits = {
        key: allowance[key] / per_identification[key] if per_identification[key] else math.inf
        for key in ("requests", "bytes")
    }
    first = min(limits, key=lambda key: limits[key])
    limit, other = limits[first], limits["bytes" if first == "requests" else "requests"]
    return {
        "plan": plan,
        "monthly_usd": PRICES["cloudfront_free_plan_month"] if plan == "FREE" else None,
        "free_plan": {
            "monthly_usd": PRICES["cloudfront_free_plan_month"],
            "allowance_requests_per_month": allowance["requests"],
            "allowance_bytes_per_month": allowance["bytes"],
            "covers": "the distribution's requests and data transfer, the web ACL, its rules and requests, "
            "CloudFront Functions (not the CloudWatch Logs ingestion of the access and WAF logs: Pro and up)",
            "blockers": blockers,
            "fits": not blockers,
        },
        "per_identification": {**per_identification, "basis": "the flow with the most requests through CloudFront"},
        "by_identifications_per_hour": by_level,
        "identifications_per_month_at_allowance": limits,
        "throttling": f"no overage charges; beyond {limit:,.0f} identifications a month ({limit / hours:.0f} an "
        f"hour in {hours:.0f} office hours) the {first} pass the Free allowance (the other at {other:,.0f}): AWS "
        "tolerates a first month up to 3x and may then slow the delivery of sustained excess (fewer edge locations)",
        "basis": f"identifications_per_hour x {hours:.0f} office hours a month (ASSUMPTIONS office_hours_per_month)",
    }


def _price_flow(
    name: str, flow: Mapping[str, Any], context: Mapping[str, Any], *, edge_covered: bool
) -> dict[str, Any]:
    """One flow's (``name``: A, B or C) USD per 1,000 identifications, itemised; ``edge_covered``: on a CloudFront
    flat-rate plan."""
    static, levels, headline_cold = context["static"], context["levels"], context["headline_cold"]
    before, after = context["before"], context["after"]
    steps = flow["steps"]
    # INIT once per function per identification, whichever part (request, socket, push, background) is first
    options = {
        "waf": context["waf"],
        "waf_logs_allowed": context["waf_logs_allowed"],
        "init_ms": context["init_ms"],
        "first_invocation_ms": context["first_invocation_ms"],
        "init_throttled": context.get("init_throttled", False),
        "assumptions": context["assumptions"],
        "tracing": context["tracing"],
        "xray_share": context["share"],
        "init_billed": set(),
        "edge_covered": edge_covered,
        "system_log_level": context["system_log_level"],
    }
    # Every flow has an official on the staff page (flow A's looks the case up there); flow A's resident comes
    # without a session link, and its start page may fetch /config.json (static_requests says)
    resident = static.get("resident_requests_flow_a") if name == "A" else None
    pages = (float(len(resident)) if resident is not None else static["resident"]) + static[
        "official_per_identification"
    ]
    per_flow = flow_cost(steps, static_requests=pages, **options)
    per_flow["static_requests"] = pages
    sent = static.get("resident_bytes", 0) + static.get("official_bytes_per_identification", 0)
    per_flow["static_bytes"] = sent
    reads = [step for step in steps if step["step"] == "public result"]  # the resident's page, polling
    polls = flow.get("polls") or {"before_login": before if flow.get("poll") else 0.0, "after_login": after}

    per_flow["polling_per_1000_usd"] = _polling(flow, reads, polls, options)
    # A browser that cannot open the socket polls as before: not in the total, priced here (NOT_COUNTED)
    fallback = flow.get("polling_fallback")
    per_flow["polling_fallback_per_1000_usd"] = (
        _polling(flow, reads, fallback, options) if fallback else per_flow["polling_per_1000_usd"]
    )
    live = live_cost(flow.get("live") or {}, **options)
    per_flow["with_polling_per_1000_usd"] = per_flow["per_1000_usd"] + per_flow["polling_per_1000_usd"]
    # CloudFront's always-free tier (10 million requests a month) covers any municipality's traffic
    per_flow["within_cloudfront_free_tier_per_1000_usd"] = (
        per_flow["per_1000_usd"] - per_flow["items_per_1000_usd"]["cloudfront"]
    )
    background = flow.get("background_steps") or []
    behind = flow_cost(background, http=False, **{**options, "waf": False}) if background else None
    audit_copy = flow.get("audit_bytes", 0) / 1024**3 * PRICES["cloudwatch_logs_ingest_gb"] * 1000
    proofs = proof_storage(flow, context["proof_retention_months"])
    per_flow["proof_pdf"] = proofs
    items = {f"request path: {key}": value for key, value in per_flow["items_per_1000_usd"].items()}
    for key, value in ((behind or {}).get("items_per_1000_usd") or {}).items():
        items[f"delivery + audit forwarder: {key}"] = value
    items["audit log group: ingestion of the copied lines"] = audit_copy
    items["cloudfront: data transfer out of the pages' files (compressed)"] = (
        0.0 if edge_covered else sent / 1024**3 * PRICES["cloudfront_data_transfer_out_gb"] * 1000
    )
    items["proof PDFs: S3 storage for the retention"] = proofs["per_1000_usd"]
    items["live status polling: official while waiting, resident until the outcome (all services)"] = per_flow[
        "polling_per_1000_usd"
    ]
    for key, value in live.items():
        items[f"live status socket: {key}"] = value
    per_flow["items"] = {key: value for key, value in items.items() if value}
    per_flow["total_per_1000_usd"] = sum(items.values())
    # INIT is linear in the cold share: the total at other traffic levels
    init_all_cold = sum(value for key, value in items.items() if key.endswith(COLD_ITEMS)) / headline_cold
    per_flow["total_per_1000_usd_by_identifications_per_hour"] = {
        f"{level:g}": per_flow["total_per_1000_usd"] + (cold_share(per_hour=level) - headline_cold) * init_all_cold
        for level in levels
    }
    per_flow["billed_ms"] = {f"{i}:{step['step']}": invocation_ms(step) for i, step in enumerate(steps)}
    # What a flat-rate plan's allowance counts: every request through the distribution (pages, API, DigiD, polls,
    # sockets) and the bytes it sends (the pages' files as measured, an API answer or a pushed change as assumed)
    live_flow = flow.get("live") or {}
    polled = (polls["before_login"] if flow.get("poll") else 0.0) + (polls["after_login"] if reads else 0.0)
    answers = len(steps) + polled + len(live_flow.get("push_steps") or [])
    per_flow["edge_requests"] = len(steps) + pages + polled + len(live_flow.get("connect_steps") or [])
    per_flow["edge_bytes"] = sent + answers * ASSUMPTIONS["api_response_bytes"]
    return per_flow


def add_cost(results: dict[str, Any]) -> None:
    """Put ``results["cost"]`` next to the measured parts: per flow from the latency part, idle from the template."""
    from bench.environment import REPO_ROOT
    from bench.prices import PRICE_SOURCES, PRICES_AS_OF, REGION
    from infrastructure.local.template import Template

    cost: dict[str, Any] = {"prices_as_of": PRICES_AS_OF, "region": REGION, "assumptions": dict(ASSUMPTIONS)}
    cost["price_sources"] = dict(PRICE_SOURCES)
    template = Template.load(REPO_ROOT / "template.yaml")
    waf_template = load_waf_template(REPO_ROOT)
    waf = waf_template is not None or any("WebAcl" in name for name in template.parameters)
    waf_logs_allowed = waf_logs_allowed_requests(waf_template)
    assumptions = dict(ASSUMPTIONS)
    record = cloudfront_log_bytes(waf_template)
    if record is not None:
        assumptions["cloudfront_log_bytes_per_request"] = record
    cost["cloudfront_log"] = {
        "bytes_per_request": assumptions["cloudfront_log_bytes_per_request"],
        "basis": "one JSON record with the fields waf.yaml's CloudFrontLogDelivery selects, filled as a phone's API "
        "request fills them (bench.cost.CLOUDFRONT_LOG_TYPICAL)"
        if record is not None
        else "ASSUMPTIONS cloudfront_log_bytes_per_request (no waf.yaml)",
    }
    cost["waf_log"] = (
        "every request"
        if waf_logs_allowed
        else "blocked and counted requests only, once CloudFront's access log is on (waf.yaml LoggingFilter)"
    )
    flows = (results.get("latency") or {}).get("flows") or {}
    # The staff page polls only while the resident logs in (staff.js: not once the session left "created"); the
    # resident's result page polls from the login until the outcome is final (result.js).
    interval = poll_interval_ms(REPO_ROOT)
    resident_interval = poll_interval_ms(REPO_ROOT, "result.js")
    before = ASSUMPTIONS["seconds_polling_before_login"] * 1000 / interval
    after = ASSUMPTIONS["seconds_polling_after_login"] * 1000 / resident_interval
    cost["polling"] = {
        "interval_ms": interval,
        "resident_interval_ms": resident_interval,
        "polls_before_login": before,
        "polls_after_login": after,
    }
    tracing = tracing_mode(template)
    share, rule = xray_share(template)
    cost["tracing"] = tracing
    cost["xray"] = {"tracing": tracing, "sampled_share_when_active": share, "rule": rule}
    cold = (results.get("cold_start") or {}).get("functions") or {}
    init_ms = {name: float(f["import_ms"]) for name, f in cold.items() if isinstance(f, dict) and "import_ms" in f}
    first_ms = {
        name: float(f["first_invocation_extra_cpu_ms"])
        for name, f in cold.items()
        if isinstance(f, dict) and "first_invocation_extra_cpu_ms" in f
    }
    cost["init_ms_measured"] = init_ms
    cost["first_invocation_extra_ms_measured"] = first_ms
    headline_cold = cold_share()
    levels = [float(level) for level in TRAFFIC_LEVELS_PER_HOUR]
    cost["init_model"] = {
        "basis": "each function's first invocation in an identification is cold with probability "
        "exp(-identifications_per_hour / 60 x environment_idle_minutes); its later ones are warm. A cold start "
        "bills the INIT (runtime_init_ms + the measured import, at full CPU: an on-demand INIT is not throttled, "
        "ASSUMPTIONS) at the configured memory, and the first invocation's CPU beyond the same request warm "
        "(cold_start first_invocation_extra_cpu_ms) at the memory's CPU share",
        "runtime_init_ms": ASSUMPTIONS["runtime_init_ms"],
        "identifications_per_hour": ASSUMPTIONS["identifications_per_hour"],
        "environment_idle_minutes": ASSUMPTIONS["environment_idle_minutes"],
        "cold_share": headline_cold,
        "cold_share_by_identifications_per_hour": {f"{level:g}": cold_share(per_hour=level) for level in levels},
    }
    static = static_requests(REPO_ROOT, autopost_pages=digid_autopost_pages(template))
    cost["static_requests"] = static
    cost["not_counted"] = list(NOT_COUNTED)
    plan = plan_default(waf_template.body if waf_template is not None else None)
    blockers = free_plan_blockers(template.body, waf_template.body if waf_template is not None else None)
    context = {"static": static, "waf": waf, "waf_logs_allowed": waf_logs_allowed, "init_ms": init_ms}
    context["assumptions"] = assumptions
    context["first_invocation_ms"] = first_ms
    context |= {"tracing": tracing, "share": share, "before": before, "after": after}
    context |= {"headline_cold": headline_cold, "levels": levels}
    level = system_log_level(template)
    platform = platform_log_bytes(level)
    cost["platform_logs"] = {
        "system_log_level": level,
        "bytes_per_invocation": platform["per_invocation"],
        "bytes_per_cold_start": platform["per_cold_start"],
        "basis": "template.yaml Globals LoggingConfig (LambdaSystemLogLevel's default); JSON record sizes are "
        "ASSUMPTIONS platform_json_*; at WARN only failed invocations and INITs write records (not_counted)",
    }
    context |= {"system_log_level": level, "proof_retention_months": proof_retention_months(template)}
    cost["flows"] = {}
    for name, flow in flows.items():
        pay_as_you_go = _price_flow(name, flow, context, edge_covered=False)
        free = _price_flow(name, flow, context, edge_covered=True)
        per_flow = free if plan == "FREE" else pay_as_you_go
        per_flow["pay_as_you_go_total_per_1000_usd"] = pay_as_you_go["total_per_1000_usd"]
        per_flow["free_plan_total_per_1000_usd"] = free["total_per_1000_usd"]
        # the sensitivity to the one assumption AWS documents least: INIT at full CPU
        throttled = _price_flow(name, flow, {**context, "init_throttled": True}, edge_covered=plan == "FREE")
        per_flow["total_per_1000_usd_if_init_throttled"] = throttled["total_per_1000_usd"]
        # what the Free plan takes off each item (all of it, or for the polling the requests' part)
        per_flow["free_plan_saves_per_1000_usd"] = {
            key: value - free["items"].get(key, 0.0)
            for key, value in pay_as_you_go["items"].items()
            if free["items"].get(key, 0.0) < value
        }
        cost["flows"][name] = per_flow
    cost["pricing_plan"] = pricing_plan(plan, blockers, cost["flows"])
    metrics = (results.get("latency") or {}).get("custom_metrics") or []
    cost["custom_metrics_month_usd"] = len(metrics) * PRICES["cloudwatch_custom_metric_month"]
    cost["idle"] = idle_cost(template, waf_template, plan)
    cost["pricing_plan"]["free_plan"]["idle_monthly_usd"] = idle_cost(template, waf_template, "FREE")["monthly_usd"]
    results["cost"] = cost
