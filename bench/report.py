"""The printed table: every figure next to its target, and a note where a target is missed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bench.cost import TARGETS

# Issue 13: ratio to the floor with one client and call; the functions not named here aim at 1.2x.
COLD_START_TARGETS = {"DigidFunction": 1.5, "ProofsFunction": 1.5}

# Why a target is missed and what would reach it (issue 13), printed once under the missed targets.
WHY_MISSED = {
    "cold start": "cold start: no API handler imports pydantic (bodies are validated by pydantic_core on core "
    "schemas generated from the models at build time, request_schemas.json), only a close loads the proofs modules, "
    "only the functions that read login records load the login model, a function builds only its own settings "
    "classes, clients are made on first use (boto3 and the models every route needs are loaded at the INIT, which "
    "runs at a full vCPU: runtime.aws warm_up), Powertools loads only the modules a handler uses, the bundle ships "
    "3.13 bytecode, the first invocation takes what the init made out of the garbage collector's generations, and the "
    "first client boto3's modules (gc.freeze(): the first request's collections no longer traverse them; under "
    "callgrind CodeCheck 1.12x -> 1.04x, Outcome 1.13x -> 1.05x, Sessions 1.11x -> 1.03x, Live 1.10x -> 1.02x). "
    "Before the login split, under callgrind (instructions, which load does not move) Sessions was 1.21x, "
    "CodeCheck 1.17x, Outcome "
    "1.19x; the CPU ratios read 0.01-0.05 higher (1.24, 1.22, 1.20 on a quiet machine: loading each module's file "
    "costs system time that instructions do not count). What is left beyond the floor is mostly our own "
    "modules (enums, and the value types: msgspec structs since issue 13, ~0.04 ms a class to build at import where "
    "a frozen dataclass compiled its generated source in ~0.8 ms; 10-16 classes a first request) and Powertools' "
    "api_gateway "
    "resolver with the openapi modules it always loads (~8 ms). The DigiD login's own types and services are in "
    "login.digid_model/digid_services, which only the DigiD function loads, and Sessions loads the resident's result "
    "and flow A's look-up on their routes' first call: its first request (a handover create) loads what a create "
    "needs (sessions, live ticket, settings, audit; ~27 ms of our modules; callgrind 1.20x -> 1.16x). Digid's "
    "metadata request still loads the login services and the DynamoDB adapters its wiring builds (~20 ms); building "
    "the SP configuration apart from the adapters would take that off. Then (callgrind, before -> after): a close "
    "builds the proof's record but not what the proof says (proofs/content.py) nor the sweep's resend, Outcome "
    "1.21x -> 1.18x; Live's ticket route loads neither the login's part nor the session services (live/tickets.py, "
    "the socket's events in live/events.py), 1.18x -> 1.14x; KeySettings only in Sessions and DigiD, CodeCheck "
    "1.18x -> 1.17x. The first requests of CodeCheck, Outcome and Live here are on an unknown session (404): "
    "CodeCheck's reads the session after its conditional write failed, a second call that a right code does not make. "
    "Left: the domain's modules and enums every route needs, `import msgspec` (~4-5 ms, over half of it submodules "
    "its __init__ imports eagerly and we do not use: inspect, json, toml, yaml; msgspec/msgspec#1090 would make them "
    "lazy) and the resolver's modules (~9 ms)",
    "AWS calls": "AWS calls: each state change is one conditional write and the right code, the login start and flow "
    "A's look-up read nothing first; one KMS MAC per BSN gives code and pseudonym; the live ticket comes with the "
    "create answer; the proof goes by the table's stream (no SQS send on the close), and the close is one "
    "transaction with no read (delivery gathers the proof's facts from the session). Left per flow: the start "
    "page's read, the ACS's read of its pending login (before the answer is trusted), and in flow A the case "
    "number's counter, the BSN's sealing and opening and the look-up's read of the case number",
    "cost": "cost: the pages no longer poll (the live status pushes over a WebSocket; the polling fallback is priced "
    "apart, cost.flows.<X>.polling_fallback_per_1000_usd); each page fetches one stylesheet and one script (hashed, "
    "cached for a year); a cold start is billed once per function per identification, cold with the probability of "
    "cost.init_model at the stated traffic: the INIT (the runtime's start and the import, at a full vCPU) and what "
    "the first request does beyond a warm one (at the memory's CPU share); the total at other levels: "
    "total_per_1000_usd_by_identifications_per_hour; once CloudFront's access log is on, the WAF log keeps only "
    "blocked and counted requests. What is left is "
    "mostly per request (CloudFront, WAF, the HTTP API, the log lines), DynamoDB's writes (a transaction's items "
    "count double) and INIT at low traffic: fewer requests per identification (the start page's read, the live "
    "sockets' $connect through CloudFront and WAF) and fewer transactional writes would lower it further. "
    "CloudFront's flat-rate Free plan (cost.pricing_plan; waf.yaml CloudFrontPricingPlan) would take CloudFront's and "
    "WAF's requests, the path function and the pages' data transfer off, and the web ACL's $9 off the idle month: "
    "it needs a distribution with AWS managed origin request and response headers policies only (the CSP and the "
    "forwarded headers by other means; cost.pricing_plan.free_plan.blockers)",
}

__all__ = ["render", "table"]

MB = 1024 * 1024


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain text table; numbers right-aligned."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [
        max(len(str(h)), *(len(row[i]) for row in cells)) if cells else len(str(h)) for i, h in enumerate(headers)
    ]

    def line(values: Sequence[str], numeric: Sequence[bool]) -> str:
        parts = [v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric, strict=True)]
        return "  ".join(parts).rstrip()

    numeric = [all(_numeric(row[i]) for row in cells) and bool(cells) for i in range(len(headers))]
    out = [line([str(h) for h in headers], numeric), line(["-" * w for w in widths], numeric)]
    out += [line(row, numeric) for row in cells]
    return "\n".join(out)


def _numeric(text: str) -> bool:
    stripped = text.replace(".", "").replace("$", "").replace("x", "").replace(",", "").replace("-", "")
    return stripped.strip().isdigit()


def _ok(met: bool) -> str:
    return "ok" if met else "MISSED"


def _failed(part: dict[str, Any] | None, title: str) -> str | None:
    if part is None:
        return f"{title}: not run"
    if "error" in part:
        return f"{title}: FAILED: {part['error']}"
    return None


def _spread(quartiles: list[float] | None) -> str:
    """`` (1.19-1.23)``: the middle half of the paired runs, next to their median."""
    return f" ({quartiles[0]:.2f}-{quartiles[1]:.2f})" if quartiles and len(quartiles) == 2 else ""


def _cold_start(part: dict[str, Any], notes: list[str]) -> str:
    floor = part["floor_ms"]
    rows = []
    for logical_id, f in part["functions"].items():
        target = COLD_START_TARGETS.get(logical_id, 1.2)
        ratio = f.get("ratio_to_floor_with_call", f["ratio_to_floor"])
        met = ratio <= target
        rows.append(
            [
                logical_id,
                f["memory_mb"],
                f["first_request"],
                f["status"],
                f"{f['import_ms']:.0f}",
                f"{f['first_request_ms']:.0f}",
                f"{ratio:.2f}x" + _spread(f.get("ratio_to_floor_with_call_quartiles")),
                f"{f.get('best_ratio_to_floor_with_call', float('nan')):.2f}x",
                f"{f.get('ratio_to_floor_with_call_cpu', float('nan')):.2f}x",
                f"≤ {target}x {_ok(met)}",
                f"{f.get('compile_ms', float('nan')):.0f}",
                f"{f.get('first_invocation_extra_cpu_ms', float('nan')):.0f}",
                f"{f.get('max_rss_mb', float('nan')):.0f}",
            ]
        )
        if not met:
            heavy = ", ".join(f"{name} {ms:.0f}" for name, ms in list(f["imports_beyond_floor_ms"].items())[:6])
            notes.append(f"cold start {logical_id}: {ratio:.2f}x floor+call; imports beyond the floor, ms: {heavy}")
    head = (
        f"1. Cold start, layout {part.get('layout', '?')} (median of {part['runs']} fresh processes; "
        f"import boto3, aws_lambda_powertools = {floor:.0f} ms;\n"
        f"   floor = that + first DynamoDB client and call = {part['floor_with_first_call_ms']:.0f} ms; "
        "total ms = import + first request; best = fastest run / fastest floor;\n"
        "   cpu = the same ratio in CPU time, steadier than the wall clock on a shared machine;\n"
        f"   bytecode: {part.get('bytecode', '?')};\n"
        "   compile ms: what each cold start adds when the bundle ships no bytecode, not in 'x floor';\n"
        "   1st extra: CPU ms the first request takes beyond the same request warm (after INIT, at the memory's CPU\n"
        "   share on Lambda); peak MB: the process's resident peak, against MB)"
    )
    headers = [
        "function",
        "MB",
        "first request",
        "status",
        "import ms",
        "total ms",
        "x floor+call",
        "best",
        "cpu",
        "target",
        "compile ms",
        "1st extra",
        "peak MB",
    ]
    return head + "\n" + table(headers, rows)


def _latency(part: dict[str, Any], notes: list[str]) -> str:
    rows = []
    for step, s in part["steps"].items():
        met = s["own"]["median_ms"] <= TARGETS["own_ms_median"]
        rows.append(
            [
                step,
                s["function"],
                s["total"]["n"],
                f"{s['total']['median_ms']:.1f}",
                f"{s['total']['p95_ms']:.1f}",
                f"{s['aws']['median_ms']:.1f}",
                f"{s['http']['median_ms']:.1f}",
                f"{s['own']['median_ms']:.2f}",
                f"{s['own']['p95_ms']:.2f}",
                _ok(met),
            ]
        )
        if not met:
            notes.append(f"warm overhead {step}: {s['own']['median_ms']:.1f} ms median outside AWS and DigiD calls")
    head = "2. Warm latency per step, in-process, AWS = moto in-process (ms; own = total - AWS - DigiD back channel)"
    headers = ["step", "function", "n", "total p50", "p95", "AWS p50", "DigiD p50", "own p50", "own p95", "≤ 5 ms"]
    return head + "\n" + table(headers, rows)


def _calls(part: dict[str, Any], notes: list[str]) -> str:
    rows = []
    for flow, f in part["flows"].items():
        met = f["call_count"] <= TARGETS["calls_per_identification"]
        by_op = ", ".join(f"{key} {count}" for key, count in f["calls"].items())
        units = f.get("dynamodb_units") or {}
        every = f.get("all_dynamodb_units") or {}
        measured = (
            f"{units.get('WRU', 0):g} / {units.get('RRU', 0):g} ({every.get('WRU', 0):g} / {every.get('RRU', 0):g})"
        )
        row = [flow, len(f["steps"]), f["call_count"], f.get("all_call_count", "-"), measured, by_op, _ok(met)]
        rows.append(row)
        if not met:
            notes.append(f"AWS calls flow {flow}: {f['call_count']} > {TARGETS['calls_per_identification']:.0f}")
    cold = ", ".join(f"{key} {count}" for key, count in part["cold_start_calls"].items()) or "none"
    head = (
        "3. AWS calls per identification (counted at botocore). calls: the request path; all calls: also proof delivery"
        " (incl. Lambda's SQS poller),\n   the audit forwarder (a batch per invocation that logs audit lines) and the"
        " live status (the $connect of each page,\n   the stream's pushes: a session's changes and each $connect's own"
        " write, no read when a socket opens).\n   DynamoDB WRU / RRU: request units measured from each request's"
        " items and their stored sizes (bench.calls.DynamoDbUnits)"
    )
    foot = f"   once per cold start, not above: {cold}"
    invocation_rows = []
    for flow, f in part["flows"].items():
        steps = " → ".join(f"{s['step']} [{sum(s['calls'].values())}]" for s in f["steps"])
        invocation_rows.append(f"   {flow}: {steps}")
        behind = ", ".join(f"{key} {count}" for key, count in (f.get("background_calls") or {}).items())
        invocation_rows.append(f"      off the request path: {behind or 'none'}; polls: {f.get('polls')}")
    return (
        head
        + "\n"
        + table(
            ["flow", "invocations", "calls", "all calls", "DynamoDB WRU / RRU (all)", "by service:operation", "≤ 10"],
            rows,
        )
        + "\n"
        + foot
        + ("\n" + "\n".join(invocation_rows))
    )


def _size(part: dict[str, Any]) -> str:
    rows = []
    for logical_id, p in part["packages"].items():
        if "error" in p:
            rows.append([logical_id, "-", "-", "-", p["error"][:80]])
            continue
        cached = "cached" if p.get("cached") else "built"
        rows.append(
            [logical_id, f"{p['unzipped_bytes'] / MB:.1f}", f"{p['zipped_bytes'] / MB:.1f}", p["files"], cached]
        )
    head = "4. Deployment package size (functions/Makefile build for python3.13 arm64; Lambda limit 250 MB unzipped)"
    return head + "\n" + table(["function", "unzipped MB", "zipped MB", "files", ""], rows)


def _cost(cost: dict[str, Any], notes: list[str]) -> str:
    rows = []
    for flow, f in cost.get("flows", {}).items():
        total = f.get("total_per_1000_usd", f["per_1000_usd"])
        met = total <= TARGETS["usd_per_1000"]
        items = sorted((f.get("items") or f["items_per_1000_usd"]).items(), key=lambda item: -item[1])
        top = ", ".join(f"{name} {usd:.4f}" for name, usd in items[:4])
        free_tier = f.get("within_cloudfront_free_tier_per_1000_usd", float("nan"))
        rows.append(
            [
                flow,
                f"${f['per_1000_usd']:.4f}",
                f"${free_tier:.4f}",
                f"${f['with_polling_per_1000_usd']:.4f}",
                f"${total:.4f}",
                top,
                _ok(met),
            ]
        )
        if not met:
            notes.append(f"cost flow {flow}: ${total:.4f} per 1,000 (everything); largest: {top}")
    polling = cost.get("polling", {})
    polls = (
        "with the live socket open none (a page's own $connect brings it what it needs now); without it (fallback) "
        f"the official's page every {polling.get('interval_ms', 0) / 1000:.0f} s,"
        f" {polling.get('polls_before_login', 0):.0f} polls while the resident logs in; the resident's page every"
        f" {polling.get('resident_interval_ms', 0) / 1000:.0f} s, {polling.get('polls_after_login', 0):.0f} polls"
        " until the outcome"
    )
    head = (
        f"5. Cost per 1,000 identifications, {cost.get('region')} list prices as of {cost.get('prices_as_of')}\n"
        f"   (AWS latency, CPU share per MB, static requests: assumptions in bench/prices.py; "
        f"polling: {polls};\n"
        "   CF free tier: without CloudFront request charges, which its always-free 10M requests a month cover)"
    )
    headers = ["flow", "request path", "CF free tier", "+ polling", "TOTAL", "largest items (USD/1000)", "≤ $0.10"]
    text = head + "\n" + table(headers, rows)
    for flow, f in cost.get("flows", {}).items():
        text += f"\n   {flow} itemised: " + ", ".join(f"{k} {v:.4f}" for k, v in (f.get("items") or {}).items())
    if cost.get("not_counted"):
        text += "\n   Not counted: " + "; ".join(cost["not_counted"])
    xray = cost.get("xray") or {}
    text += f"\n   X-Ray: template Tracing {cost.get('tracing')}; if Active: {xray.get('rule', '?')}"
    platform = cost.get("platform_logs")
    if platform:
        text += (
            f"\n   Lambda's own log records: system log level {platform['system_log_level']},"
            f" {platform['bytes_per_invocation']:g} bytes per invocation, {platform['bytes_per_cold_start']:g} per"
            " cold start"
        )
    proofs = {flow: f["proof_pdf"] for flow, f in cost.get("flows", {}).items() if f.get("proof_pdf")}
    if proofs:
        text += "\n   Proof PDF: " + ", ".join(
            f"{flow} {p['pdf_bytes'] / 1024:.1f} KB ({p['source'].split(':')[0]})" for flow, p in proofs.items()
        )
        text += f", kept {next(iter(proofs.values()))['retention_months']:.2f} months (ProofRetentionDays)"
    init = cost.get("init_model")
    if init:
        levels = ", ".join(f"{k}/h {v:.2f}" for k, v in init["cold_share_by_identifications_per_hour"].items())
        text += (
            f"\n   INIT: {init['basis']}; at {init['identifications_per_hour']:g} identifications an hour and"
            f" {init['environment_idle_minutes']:g} idle minutes: {init['cold_share']:.2f} (by traffic: {levels})"
        )
        for flow, f in cost.get("flows", {}).items():
            by = f.get("total_per_1000_usd_by_identifications_per_hour") or {}
            text += f"\n   {flow} total by identifications an hour: " + ", ".join(
                f"{k}/h ${v:.4f}" for k, v in by.items()
            )
            if "total_per_1000_usd_if_init_throttled" in f:
                text += f"; if INIT ran at the memory's CPU share: ${f['total_per_1000_usd_if_init_throttled']:.4f}"
    static = cost.get("static_requests")
    if static:
        text += (
            f"\n   Static requests per identification: resident {static['resident']:g}"
            f" (flow A {len(static.get('resident_requests_flow_a') or []) or static['resident']:g}), official"
            f" {static.get('official_per_identification', 0):.2f} ({static['basis']})"
        )
    idle = cost.get("idle")
    if idle:
        met = idle["monthly_usd"] <= TARGETS["idle_usd_month"]
        idle_rows = [[name, f"${item['usd']:.2f}", item["basis"]] for name, item in idle["items"].items()]
        idle_rows.append(["total", f"${idle['monthly_usd']:.2f}", f"target ≤ $20: {_ok(met)}"])
        text += "\n   Idle deployment per month:\n" + table(["item", "USD/month", "basis"], idle_rows)
        if not met:
            notes.append(f"idle cost ${idle['monthly_usd']:.2f} a month > $20")
    text += _pricing_plan(cost)
    if cost.get("custom_metrics_month_usd"):
        text += (
            f"\n   Plus, in any month with traffic: custom metrics (EMF) ${cost['custom_metrics_month_usd']:.2f}"
            " ($0.30 per metric name and dimension values seen in this run)"
        )
    return text


def _pricing_plan(cost: dict[str, Any]) -> str:
    """The CloudFront pricing plan the figures above are for, and what the Free plan would make of them."""
    plan = cost.get("pricing_plan")
    if not plan:
        return ""
    free = plan["free_plan"]
    totals = ", ".join(
        f"{flow} ${f['pay_as_you_go_total_per_1000_usd']:.4f} / ${f['free_plan_total_per_1000_usd']:.4f}"
        for flow, f in cost.get("flows", {}).items()
    )
    shares = ", ".join(
        f"{level}/h {row['share_of_requests_allowance']:.1%} of the requests, {row['share_of_bytes_allowance']:.2%}"
        " of the bytes"
        for level, row in plan["by_identifications_per_hour"].items()
    )
    fits = (
        "fits"
        if free["fits"]
        else f"does not fit yet ({len(free['blockers'])} findings): " + "; ".join(free["blockers"][:3])
    )
    return (
        f"\n   CloudFront pricing plan as deployed by default: {plan['plan']} (waf.yaml CloudFrontPricingPlan)."
        f"\n   Per 1,000, pay-as-you-go / Free plan: {totals}; idle with the Free plan"
        f" ${free['idle_monthly_usd']:.2f} a month. The distribution {fits}"
        f"\n   Free plan allowance used ({plan['basis']}): {shares}; {plan['throttling']}"
    )


def _load(part: dict[str, Any]) -> str:
    rows = [
        [
            part["residents"],
            part["completed"],
            part["errors"],
            f"{part['elapsed_s']:.1f}",
            f"{part['throughput_per_s']:.1f}",
            f"{part['median_s']:.2f}",
            f"{part.get('p95_s', float('nan')):.2f}",
            f"{part.get('p99_s', float('nan')):.2f}",
            f"{part['max_s']:.2f}",
            "ok" if part["errors"] == 0 else "ERRORS",
        ]
    ]
    head = f"6. Load: concurrent residents through the local stack over HTTP ({part['flows']})"
    text = (
        head
        + "\n"
        + table(
            ["residents", "done", "errors", "seconds", "per s", "p50 s", "p95 s", "p99 s", "max s", "0 errors"], rows
        )
    )
    if part.get("error_examples"):
        text += "\n   " + "; ".join(part["error_examples"])
    return text


def render(results: dict[str, Any]) -> str:
    notes: list[str] = []
    sections = []
    for key, title, draw in (
        ("cold_start", "1. Cold start", lambda p: _cold_start(p, notes)),
        ("latency", "2./3. Latency and AWS calls", lambda p: _latency(p, notes) + "\n\n" + _calls(p, notes)),
        ("size", "4. Package size", _size),
        ("cost", "5. Cost", lambda p: _cost(p, notes)),
        ("load", "6. Load", _load),
    ):
        part = results.get(key)
        failure = _failed(part, title)
        sections.append(failure if failure else draw(part))
    if results.get("quick"):
        sections.insert(0, "QUICK RUN: small numbers, for trying the machinery; do not quote these figures")
    if notes:
        why = [text for key, text in WHY_MISSED.items() if any(note.startswith(key) for note in notes)]
        sections.append(
            "Targets missed:\n"
            + "\n".join(f" - {note}" for note in notes)
            + ("\nWhy, and what would reach them:\n" + "\n".join(f" - {text}" for text in why) if why else "")
        )
    return "\n\n".join(sections)
