"""The benchmark's machinery (issue 7) with tiny numbers: it counts, prices and reports what it is given.

No timing is asserted here: timings belong to ``make bench``, not to a test that must pass on any machine.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bench.calls import AwsMeter, dynamodb_item_bytes, percentile, summary
from bench.cost import (
    add_cost,
    cold_share,
    flow_cost,
    idle_cost,
    invocation_ms,
    live_cost,
    load_waf_template,
    platform_log_bytes,
    pricing_plan,
    proof_retention_months,
    proof_storage,
    static_requests,
    system_log_level,
    waf_logs_allowed_requests,
    xray_share,
)
from bench.prices import ASSUMPTIONS, PRICE_SOURCES, PRICES
from bench.report import render
from bench.size import package_sizes
from infrastructure.local.template import Template

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def test_the_meter_counts_each_aws_call_made_inside_a_reading_by_service_and_operation(table: Any) -> None:
    # Given a meter around the process's botocore clients
    with AwsMeter() as meter:
        table.put_item(TableName="t", Item={"pk": {"S": "before"}})  # outside any reading: not counted
        # When a known sequence of calls is made inside a reading
        with meter.reading() as reading:
            table.put_item(TableName="t", Item={"pk": {"S": "a"}})
            table.put_item(TableName="t", Item={"pk": {"S": "b"}})
            table.get_item(TableName="t", Key={"pk": {"S": "a"}})
    # Then exactly those are counted, and their time is recorded
    assert dict(reading.calls) == {"dynamodb:PutItem": 2, "dynamodb:GetItem": 1}
    assert reading.call_count == 3
    assert reading.aws_seconds > 0


def test_an_items_size_is_counted_as_dynamodb_counts_it() -> None:
    # names and values in UTF-8 bytes; a number one byte per two significant digits plus one; binary its raw bytes;
    # a map 3 bytes plus one per element
    item = {
        "pk": {"S": "é"},
        "n": {"N": "12345"},
        "b": {"B": "AAEC"},
        "ok": {"BOOL": True},
        "m": {"M": {"k": {"S": "v"}}},
    }
    assert dynamodb_item_bytes(item) == (2 + 2) + (1 + 4) + (1 + 3) + (2 + 1) + (1 + 3 + 1 + 1 + 1)


def test_the_meter_measures_dynamodb_request_units_from_the_items_sizes(table: Any) -> None:
    big = {"pk": {"S": "big"}, "data": {"S": "x" * 1500}}  # 1,507 bytes: two started KB
    with AwsMeter() as meter:
        # Given an item of two started KB and a small one
        table.put_item(TableName="t", Item=big)
        table.put_item(TableName="t", Item={"pk": {"S": "small"}})
        # When a small update of the big item, a read of each, a missing item's read, and a transaction are made
        with meter.reading() as update:
            table.update_item(
                TableName="t",
                Key={"pk": {"S": "big"}},
                UpdateExpression="SET n = :n",
                ExpressionAttributeValues={":n": {"N": "1"}},
            )
        with meter.reading() as reads:
            table.get_item(TableName="t", Key={"pk": {"S": "big"}}, ConsistentRead=True)
            table.get_item(TableName="t", Key={"pk": {"S": "nothing"}})  # eventually consistent, missing: half
            table.batch_get_item(
                RequestItems={"t": {"Keys": [{"pk": {"S": "big"}}, {"pk": {"S": "small"}}], "ConsistentRead": True}}
            )
        with meter.reading() as transaction:
            table.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": "t", "Item": {"pk": {"S": "new"}}}},
                    {"Delete": {"TableName": "t", "Key": {"pk": {"S": "big"}}}},
                ]
            )
    # Then an update is billed by the larger item (2 WRU, not 1), a read per started 4 KB, a transaction 2 per KB
    assert dict(update.units) == {"WRU": 2}
    assert dict(reads.units) == {"RRU": 1 + 0.5 + 2}
    assert dict(transaction.units) == {"WRU": 2 * 1 + 2 * 2}
    assert dict(update.calls) == {"dynamodb:UpdateItem": 1}  # the meter's own look-ups at moto are no calls


def test_the_meter_puts_botocore_back_as_it_was() -> None:
    from botocore.client import BaseClient

    # Given botocore's own method
    original = BaseClient._make_api_call
    # When a meter is installed and removed
    with AwsMeter():
        assert BaseClient._make_api_call is not original
    # Then the original is back
    assert BaseClient._make_api_call is original


def test_percentiles_are_nearest_rank_and_summaries_are_in_milliseconds() -> None:
    values = [i / 1000 for i in range(1, 101)]  # 1 .. 100 ms
    assert percentile(values, 0.95) == pytest.approx(0.095)
    assert summary(values) == {"median_ms": pytest.approx(50.5), "p95_ms": pytest.approx(95.0), "n": 100}


def test_billed_duration_scales_cpu_time_by_the_memory_share_and_adds_aws_waiting() -> None:
    # Given 10 ms of our own CPU time at half a vCPU and one DynamoDB call
    assumptions = {**ASSUMPTIONS, "full_vcpu_memory_mb": 1024, "latency_ms_dynamodb": 5}
    step = {"memory_mb": 512, "own_ms": 10.0, "calls": {"dynamodb:GetItem": 1}, "http_calls": 0}
    # Then Lambda bills 20 ms of CPU and 5 ms of waiting
    assert invocation_ms(step, assumptions) == 25.0


def test_the_cost_model_computes_a_known_figure_from_known_inputs() -> None:
    # Given one invocation of 1024 MB that runs 100 ms with one KMS call and one write, no logs, no static files
    assumptions = {
        **ASSUMPTIONS,
        "full_vcpu_memory_mb": 1024,
        "latency_ms_kms": 0,
        "latency_ms_dynamodb": 0,
        "access_log_bytes_per_request": 0,
        "cloudfront_log_bytes_per_request": 0,
    }
    step = {
        "memory_mb": 1024,
        "own_ms": 100.0,
        "calls": {"kms:GenerateMac": 1, "dynamodb:PutItem": 1},
        "dynamodb_units": {"WRU": 1},
    }
    # When it is priced (Lambda's own records off: system log level WARN)
    cost = flow_cost([step], assumptions, waf=False, cold_start_share=0.0, system_log_level="WARN")
    # Then it is the sum of the list prices, per 1,000 (the API request reaches the HTTP API through CloudFront)
    expected = (
        PRICES["lambda_request"]
        + 0.1 * PRICES["lambda_arm64_gb_second"]
        + PRICES["cloudfront_https_request"]
        + PRICES["http_api_request"]
        + PRICES["kms_request"]
        + PRICES["dynamodb_write_request_unit"]
    ) * 1000
    assert cost["per_1000_usd"] == pytest.approx(expected)
    assert cost["items_per_1000_usd"]["kms"] == pytest.approx(PRICES["kms_request"] * 1000)


def test_lambdas_own_log_records_follow_the_templates_system_log_level() -> None:
    # Given the deployed template, and templates with another level or without the JSON format
    deployed = Template.load(REPO_ROOT / "template.yaml")
    globals_ = "Globals:\n  Function:\n    LoggingConfig:\n      LogFormat: JSON\n      SystemLogLevel: !Ref Level\n"
    info = Template.from_text(
        "Parameters:\n  Level:\n    Type: String\n    Default: INFO\n" + globals_ + "Resources: {}\n"
    )
    text = Template.from_text("Globals:\n  Function:\n    Timeout: 3\nResources: {}\n")

    # When the level is read and a successful invocation without logs of its own is priced at each level
    step = {"function": "F", "memory_mb": 128, "own_ms": 0.0, "calls": {}}

    def logs(level: str) -> float:
        return float(
            flow_cost([step], http=False, cold_start_share=0.0, system_log_level=level)["items_per_1000_usd"]["logs"]
        )

    # Then the template's default is WARN, which adds nothing to a successful invocation; INFO adds START and
    # REPORT as JSON records, which are larger than the text lines Lambda writes without the JSON format
    assert (system_log_level(deployed), system_log_level(info), system_log_level(text)) == ("WARN", "INFO", "TEXT")
    per_gb = PRICES["cloudwatch_logs_ingest_gb"] / 1024**3 * 1000
    start_report = ASSUMPTIONS["platform_json_start_bytes"] + ASSUMPTIONS["platform_json_report_bytes"]
    assert logs("WARN") == 0
    assert logs("INFO") == pytest.approx(start_report * per_gb)
    assert logs("TEXT") == pytest.approx(ASSUMPTIONS["platform_text_log_bytes_per_invocation"] * per_gb)
    assert logs("DEBUG") > logs("INFO") > logs("TEXT")
    # and a cold start adds platform.initStart from INFO on
    assert platform_log_bytes("WARN")["per_cold_start"] == 0 < platform_log_bytes("INFO")["per_cold_start"]
    with pytest.raises(ValueError, match="ERROR"):
        platform_log_bytes("ERROR")


def test_the_proofs_storage_is_priced_at_the_measured_pdf_size_for_the_templates_retention() -> None:
    # Given a flow whose delivery stored one PDF of a measured size, and one that measured none
    measured = {"proof_pdf_bytes": 12_345, "background_steps": [{"calls": {"s3:PutObject": 1}}, {"calls": {}}]}
    unmeasured = {"background_steps": [{"calls": {"s3:PutObject": 1}}]}
    months = proof_retention_months(Template.load(REPO_ROOT / "template.yaml"))

    # When their storage is priced
    priced, assumed = proof_storage(measured, months), proof_storage(unmeasured, months)

    # Then the measured size is priced, for the template's ProofRetentionDays, one PDF per PutObject; the
    # assumption is only the fallback
    assert months == pytest.approx(14 / (365.25 / 12))
    per_byte = months * PRICES["s3_storage_gb_month"] * 1000 / 1024**3
    assert (priced["pdf_bytes"], priced["pdfs"]) == (12_345, 1) and priced["source"].startswith("measured")
    assert priced["per_1000_usd"] == pytest.approx(12_345 * per_byte)
    assert assumed["per_1000_usd"] == pytest.approx(ASSUMPTIONS["proof_pdf_kb"] * 1024 * per_byte)
    assert assumed["source"].startswith("assumed")


def test_init_billing_and_active_tracing_are_priced_and_background_steps_pay_no_api() -> None:
    # Given two 1024 MB invocations of a function that imports in 200 ms, its first one cold half of the time,
    # and tracing active with a rule that records 5% of the requests
    assumptions = {**ASSUMPTIONS, "full_vcpu_memory_mb": 1024}
    step = {"function": "F", "memory_mb": 1024, "own_ms": 0.0, "calls": {}}
    # When they are priced as requests and one as a background invocation
    cost = flow_cost([step, step], assumptions, init_ms={"F": 200.0}, tracing="Active", cold_start_share=0.5,
                     xray_share=0.05)  # fmt: skip
    background = flow_cost([step], assumptions, http=False, init_ms={"F": 200.0}, tracing="PassThrough")
    # Then INIT (the runtime's start and the import) is billed once for the function (half of it), not per
    # invocation; 5% of each is a trace; and the background step has no API, CloudFront or WAF
    items = cost["items_per_1000_usd"]
    init_s = (ASSUMPTIONS["runtime_init_ms"] + 200.0) / 1000
    assert items["lambda_init"] == pytest.approx(0.5 * init_s * PRICES["lambda_arm64_gb_second"] * 1000)
    assert items["xray"] == pytest.approx(2 * 0.05 * PRICES["xray_trace_recorded"] * 1000)
    quiet = background["items_per_1000_usd"]
    assert quiet["http_api"] == quiet["cloudfront"] == quiet["waf"] == quiet["xray"] == 0


def test_idle_cost_is_itemised_from_the_templates_resources() -> None:
    # Given a template with two keys, three alarms (one on a metric math expression of two metrics), a dashboard
    # and a secret parameter
    template = Template.from_text(
        """
Parameters:
  SigningSecretArn: {Type: String}
Resources:
  KeyA: {Type: AWS::KMS::Key}
  KeyB: {Type: AWS::KMS::Key}
  Alarm1: {Type: AWS::CloudWatch::Alarm, Properties: {MetricName: Errors}}
  Alarm2: {Type: AWS::CloudWatch::Alarm, Properties: {MetricName: Throttles}}
  Alarm3:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Metrics:
        - {Id: sum, Expression: m1 + m2}
        - {Id: m1, MetricStat: {Metric: {MetricName: Errors}}}
        - {Id: m2, MetricStat: {Metric: {MetricName: Errors}}}
  Board: {Type: AWS::CloudWatch::Dashboard}
"""
    )
    # When its idle month is priced
    idle = idle_cost(template, None)
    # Then each item is there with its list price
    assert idle["items"]["KMS keys"]["usd"] == pytest.approx(2.0)
    assert idle["items"]["CloudWatch alarms"]["usd"] == pytest.approx(0.4)  # billed per metric an alarm reads
    assert idle["items"]["Secrets Manager secrets"]["usd"] == pytest.approx(0.4)
    assert idle["monthly_usd"] == pytest.approx(2.0 + 0.4 + 3.0 + 0.4)


def test_package_sizes_are_measured_unzipped_and_zipped(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("x = 1\n" * 1000)
    sizes = package_sizes(tmp_path)
    assert sizes["unzipped_bytes"] == 6000
    assert sizes["files"] == 1
    assert 0 < sizes["zipped_bytes"] < 6000


def test_the_report_marks_a_missed_target_and_says_which() -> None:
    results = {
        "cold_start": {
            "runs": 1,
            "floor_ms": 100.0,
            "floor_with_first_call_ms": 150.0,
            "functions": {
                "SlowFunction": {
                    "memory_mb": 512,
                    "first_request": "GET /x",
                    "status": 200,
                    "import_ms": 180.0,
                    "first_request_ms": 200.0,
                    "ratio_to_floor": 2.0,
                    "ratio_to_floor_with_call": 1.33,
                    "ratio_to_floor_with_call_quartiles": [1.31, 1.36],
                    "imports_beyond_floor_ms": {"heavy": 80.0},
                }
            },
        },
        "size": {"error": "not run in this test"},
    }
    text = render(results)
    assert "1.33x (1.31-1.36)" in text  # the median with the middle half of the runs
    assert "MISSED" in text
    assert "cold start SlowFunction: 1.33x floor" in text
    assert "heavy 80" in text
    assert "FAILED: not run in this test" in text


@pytest.mark.integration
def test_the_latency_part_runs_every_flow_against_the_real_handlers(tmp_path: Path) -> None:
    # Given the latency part with tiny numbers, in its own process (it owns stdout and moto there)
    out = tmp_path / "latency.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.latency", "--out", str(out), "--calls", "2", "--acs", "1", "--repeats", "1"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(out.read_text())
    # Then every flow made AWS calls, and the DigiD function's configuration loads are counted apart
    assert set(result["flows"]) == {"A", "B", "C"}
    assert all(flow["call_count"] > 0 for flow in result["flows"].values())
    assert any(key.startswith("secretsmanager:") for key in result["cold_start_calls"])
    assert result["steps"]["ACS (artifact)"]["total"]["n"] == 1
    # and everything the identification sets off is counted too: delivery, the audit forwarder, the polling
    for flow in result["flows"].values():
        assert flow["all_call_count"] > flow["call_count"]
        assert flow["background_calls"].get("logs:PutLogEvents", 0) > 0
        assert flow["background_calls"].get("s3:PutObject") == 1
        # the proof goes by the table's stream and the proofs function's trigger: none of it on the close, all of it
        # in the background (the trigger's one invocation and its one SendMessage to the proof queue)
        [complete] = [step for step in flow["steps"] if step["step"] == "complete"]
        assert not [key for key in complete["calls"] if key.startswith("sqs:")]
        assert flow["background_calls"].get("sqs:SendMessage") == 1
        assert not [key for key in flow["background_calls"] if key.startswith("pipes:")]
    # and the live status: each page's socket opened, the login pushed to the official, the outcome to the resident;
    # in B and C each $connect's write of the live record brings the stream's function (flow A's resident's is the
    # record's insert, which the filter holds back)
    for name, sockets in (("A", 1), ("B", 2), ("C", 2)):
        live = result["flows"][name]["live"]
        assert len(live["connect_steps"]) == sockets
        assert live["calls"].get("apigatewaymanagementapi:PostToConnection", 0) >= 1
        connects_pushed = [s for s in live["push_steps"] if s["step"].endswith("$connect)")]
        assert len(connects_pushed) == (0 if name == "A" else sockets)
    # no page reads while its socket is open, not even when it opens; without a socket both pages poll
    assert result["flows"]["B"]["polls"]["before_login"] == 0
    assert result["flows"]["B"]["polls"]["after_login"] == 0
    assert result["flows"]["B"]["polling_fallback"]["before_login"] > 0
    assert result["flows"]["B"]["polling_fallback"]["after_login"] > 0
    # and every call a function made is one its role in template.yaml allows (moto does not enforce IAM)
    assert _calls_its_role_does_not_allow(result) == {}
    # and the proof PDF each flow's delivery stored, measured in the proof bucket
    assert all(flow["proof_pdf_bytes"] > 1000 for flow in result["flows"].values())
    # and the cost of each flow has its total and its items
    results = {"latency": result}
    add_cost(results)
    assert results["cost"]["platform_logs"]["system_log_level"] == "WARN"
    for name, flow in result["flows"].items():
        proof = results["cost"]["flows"][name]["proof_pdf"]
        assert (proof["pdf_bytes"], proof["source"][:8]) == (flow["proof_pdf_bytes"], "measured")
    for name in ("A", "B", "C"):
        flow_cost_ = results["cost"]["flows"][name]
        assert flow_cost_["total_per_1000_usd"] > 0
        assert {
            "request path: lambda_init",
            "delivery + audit forwarder: s3",
            "delivery + audit forwarder: sqs",
        } <= set(flow_cost_["items"])
    assert results["cost"]["not_counted"]
    for name in ("B", "C"):
        items = results["cost"]["flows"][name]["items"]
        assert "live status socket: websocket connection minutes" in items
        assert "live status socket: pushes (stream): apigatewaymanagementapi" in items
        assert results["cost"]["flows"][name]["polling_fallback_per_1000_usd"] > 0
    # and the default deployment's pricing plan (waf.yaml), with the other one's figures and the Free allowance
    plan = results["cost"]["pricing_plan"]
    assert plan["plan"] == load_waf_template(REPO_ROOT).parameters["CloudFrontPricingPlan"]["Default"]
    assert plan["free_plan"]["fits"] == (plan["free_plan"]["blockers"] == [])
    for name in ("A", "B", "C"):
        flow_cost_ = results["cost"]["flows"][name]
        default = flow_cost_[
            "free_plan_total_per_1000_usd" if plan["plan"] == "FREE" else "pay_as_you_go_total_per_1000_usd"
        ]
        assert flow_cost_["total_per_1000_usd"] == default
        saved = sum(flow_cost_["free_plan_saves_per_1000_usd"].values())
        assert flow_cost_["pay_as_you_go_total_per_1000_usd"] - saved == pytest.approx(
            flow_cost_["free_plan_total_per_1000_usd"]
        )
        assert "request path: edge logs (CloudFront + WAF)" not in flow_cost_["free_plan_saves_per_1000_usd"]
        assert flow_cost_["edge_requests"] > len(flow_cost_["billed_ms"])  # the pages' files and sockets too
    assert set(plan["by_identifications_per_hour"]) == {"0.5", "2", "10", "60"}
    assert 0 < plan["by_identifications_per_hour"]["60"]["share_of_requests_allowance"] < 1
    assert plan["free_plan"]["idle_monthly_usd"] < results["cost"]["idle"]["monthly_usd"] or plan["plan"] == "FREE"


# The IAM action a counted call needs. A transaction needs the actions of its parts (PutItem, UpdateItem, DeleteItem,
# ConditionCheckItem), which its count does not show: the template tests list those per function. SQS batches need
# the single message's action; a push needs ManageConnections.
_IAM_ACTION = {
    "dynamodb:TransactWriteItems": None,
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "sqs:SendMessageBatch": "sqs:SendMessage",
    "apigatewaymanagementapi:PostToConnection": "execute-api:ManageConnections",
}


def _calls_its_role_does_not_allow(latency: dict[str, Any]) -> dict[str, set[str]]:
    """Per function, the actions of the calls it made in the flows that its policies in template.yaml do not list."""
    template = Template.load(REPO_ROOT / "template.yaml")

    def actions(node: Any) -> set[str]:
        if isinstance(node, dict):
            found = {node["Action"]} if isinstance(node.get("Action"), str) else set(node.get("Action") or [])
            return found.union(*(actions(value) for key, value in node.items() if key != "Action"))
        if isinstance(node, list):
            return set().union(*(actions(value) for value in node))
        return set()

    missing: dict[str, set[str]] = {}
    for flow in latency["flows"].values():
        live = flow.get("live") or {}
        for step in [*flow["steps"], *flow["background_steps"], *live["connect_steps"], *live["push_steps"]]:
            allowed = actions((template.resources[step["function"]].get("Properties") or {}).get("Policies"))
            for call in step["calls"]:
                needed = _IAM_ACTION.get(call, call)
                if needed is not None and needed not in allowed:
                    missing.setdefault(step["function"], set()).add(needed)
    return missing


def test_the_live_status_is_priced_per_socket_and_per_push() -> None:
    # Given two sockets of a flow (each a minute) and one push, of functions that cost nothing themselves
    assumptions = {
        **ASSUMPTIONS,
        "seconds_polling_before_login": 60,
        "seconds_polling_after_login": 60,
    }
    free = {"memory_mb": 128, "own_ms": 0.0, "calls": {}, "function": "Live"}
    push = {**free, "calls": {"apigatewaymanagementapi:PostToConnection": 1}}
    latency = {**assumptions, "latency_ms_apigatewaymanagementapi": 0}
    # When the live status is priced
    items = live_cost({"connect_steps": [free, free], "push_steps": [push]}, latency, waf=True, cold_start_share=0.0)
    # Then each socket pays CloudFront with its path function, WAF and its handshake, two connection minutes in all,
    # and the push one WebSocket message
    per_connect = PRICES["cloudfront_https_request"] + PRICES["cloudfront_function_invocation"]
    assert items["$connect: cloudfront + its path function"] == pytest.approx(2 * per_connect * 1000)
    assert items["$connect: waf"] == pytest.approx(2 * PRICES["waf_request"] * 1000)
    assert items["$connect: websocket message (the handshake)"] == pytest.approx(2 * PRICES["websocket_message"] * 1000)
    assert items["websocket connection minutes"] == pytest.approx(2 * PRICES["websocket_connection_minute"] * 1000)
    assert items["pushes (stream): apigatewaymanagementapi"] == pytest.approx(PRICES["websocket_message"] * 1000)


@pytest.mark.integration
def test_the_cold_start_part_measures_every_function_in_the_lambda_layout(tmp_path: Path) -> None:
    # Given the cold start part with one run, in its own process
    out = tmp_path / "cold.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.cold_start", "--out", str(out), "--runs", "1"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(out.read_text())
    # Then every function was built and run in the Lambda layout, with its ratio to the floor with a call
    assert result["layout"] == "lambda" and result["floor_with_first_call_ms"] > 0
    for function in result["functions"].values():
        assert function["layout"] == "lambda"
        assert function["ratio_to_floor_with_call"] > 0
        assert function["ratio_to_floor_with_call_cpu"] > 0  # the steadier figure on a shared machine
        first, third = function["ratio_to_floor_with_call_quartiles"]  # the spread of the paired runs
        assert 0 < first <= function["ratio_to_floor_with_call"] <= third
        assert function["bundle_modules"] > 0  # our own modules come from the built bundle, not the repository
        # And the first request passes validation: a 400/422 would time a path that never reaches AWS
        assert function["status"] not in (400, 422), function


@pytest.mark.integration
def test_the_load_part_reports_residents_errors_and_percentiles(tmp_path: Path) -> None:
    # Given the load part with two residents
    out = tmp_path / "load.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.load", "--out", str(out), "--residents", "2", "--deadline", "120"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(out.read_text())
    # Then the figures are there
    assert result["residents"] == 2 and result["errors"] == 0
    assert {"p50_s", "p95_s", "p99_s"} <= set(result)


def test_the_stream_reads_of_lambda_triggers_are_listed_at_no_cost_when_idle() -> None:
    # Given a template with two Lambda triggers on a table's stream and one on a queue
    template = Template.from_text(
        """
Resources:
  Table: {Type: AWS::DynamoDB::Table}
  Queue: {Type: AWS::SQS::Queue}
  Live:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {FunctionName: !Ref Live, EventSourceArn: !GetAtt Table.StreamArn}
  Proofs:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {FunctionName: !Ref Proofs, EventSourceArn: !GetAtt Table.StreamArn}
  Delivery:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {FunctionName: !Ref Proofs, EventSourceArn: !GetAtt Queue.Arn}
"""
    )
    # When its idle month is priced
    items = idle_cost(template, None)["items"]
    # Then the stream's readers are listed, at $0 (a Lambda trigger's GetRecords are free), and no pipe is priced
    item = items["DynamoDB Streams reads by Lambda's event source mappings"]
    assert item["usd"] == 0 and item["basis"].startswith("2 mapping(s)")
    assert not [name for name in items if "pipe" in name.lower()]
    # And the queue's mapping still pays its long polls
    assert items["SQS long polling by Lambda's event source mapping"]["usd"] > 0


def test_the_cold_share_falls_with_traffic_and_is_one_when_idle() -> None:
    # Given environments reclaimed after 10 idle minutes
    assumptions = {**ASSUMPTIONS, "environment_idle_minutes": 10}
    # Then at 6 identifications an hour (one per 10 minutes on average) a function is cold e^-1 of the time
    assert cold_share(assumptions, per_hour=6) == pytest.approx(math.exp(-1))
    assert cold_share(assumptions, per_hour=0) == 1.0
    assert cold_share(assumptions, per_hour=60) < cold_share(assumptions, per_hour=2) < 1.0


def test_the_static_requests_are_counted_in_the_built_pages(tmp_path: Path) -> None:
    # Given the site as make site builds it (its vendor files are there when the browser tests ran or make site did)
    counted = static_requests(REPO_ROOT)
    if "resident_requests" not in counted:
        pytest.skip("static_site is not built: make site")
    # Then the resident fetches the start page with its stylesheet and script (the logos are in the page), then the
    # result page only (its stylesheet and script are the start page's, cached); flow A's start page no /config.json
    # (the published page names the municipality)
    resident = counted["resident_requests"]
    assert resident[0] == "/index.html" and resident[-1] == "/resultaat.html"
    assert sum(1 for url in resident if url.endswith(".css")) == 1
    assert sum(1 for url in resident if url.endswith(".js")) == 1
    assert counted["resident"] == len(resident) == 4
    assert counted["resident_config_fetches"] == 0
    assert counted["resident_requests_flow_a"] == resident
    # And with the HTTP-POST binding the DigiD hand-over page's script too
    assert static_requests(REPO_ROOT, autopost_pages=1)["resident"] == 5
    # And the official's page load of the day is shared by the identifications of that day
    assert counted["official_per_identification"] == pytest.approx(
        len(counted["official_per_day"]) / ASSUMPTIONS["identifications_per_official_day"]
    )


def test_the_xray_share_comes_from_the_templates_sampling_rule() -> None:
    rule = """
Resources:
  Rule:
    Type: AWS::XRay::SamplingRule
    Properties:
      SamplingRule: {ReservoirSize: %d, FixedRate: 0.05}
"""
    assert xray_share(Template.from_text(rule % 0))[0] == 0.05
    assert xray_share(Template.from_text(rule % 1))[0] == 1.0
    assert xray_share(Template.from_text("Resources: {}\n"))[0] == 1.0
    # And the template's own rule records a small share
    assert xray_share(Template.load(REPO_ROOT / "template.yaml"))[0] < 0.1


def test_every_price_says_what_it_was_checked_against() -> None:
    assert set(PRICE_SOURCES) == set(PRICES)
    assert all(source for source in PRICE_SOURCES.values())


def test_a_rotating_key_adds_its_kept_key_material_to_the_idle_cost() -> None:
    keys = """
Resources:
  Plain: {Type: AWS::KMS::Key, Properties: {KeySpec: HMAC_256}}
  Rotating: {Type: AWS::KMS::Key, Properties: {EnableKeyRotation: true}}
"""
    items = idle_cost(Template.from_text(keys), None)["items"]
    assert items["KMS keys"]["usd"] == 2 * PRICES["kms_key_month"]
    assert (
        items["KMS rotated key material (from the third year)"]["usd"] == 2 * PRICES["kms_rotated_key_material_month"]
    )


def test_each_request_through_cloudfront_pays_its_cloudfront_and_waf_log_lines() -> None:
    # Given one API request and three of the pages' files, each logging 1 KB at CloudFront and 2 KB at WAF
    assumptions = {**ASSUMPTIONS, "cloudfront_log_bytes_per_request": 1024, "waf_log_bytes_per_request": 2048}
    step = {"memory_mb": 128, "own_ms": 0.0, "calls": {}}
    # When priced with and without a web ACL
    with_waf = flow_cost([step], assumptions, static_requests=3, cold_start_share=0.0)["items_per_1000_usd"]
    without = flow_cost([step], assumptions, static_requests=3, cold_start_share=0.0, waf=False)["items_per_1000_usd"]
    # Then four requests' lines are ingested as vended logs
    per_kb = PRICES["cloudwatch_vended_logs_us_east_1_gb"] / 1024**2 * 1000
    assert with_waf["edge logs (CloudFront + WAF)"] == pytest.approx(4 * 3 * per_kb)
    assert without["edge logs (CloudFront + WAF)"] == pytest.approx(4 * 1 * per_kb)
    # And a WAF that logs only what it blocked or counted pays no WAF line for them (allowed requests)
    filtered = flow_cost([step], assumptions, static_requests=3, cold_start_share=0.0, waf_logs_allowed=False)
    assert filtered["items_per_1000_usd"]["edge logs (CloudFront + WAF)"] == pytest.approx(4 * 1 * per_kb)
    assert filtered["items_per_1000_usd"]["waf"] == with_waf["waf"]  # WAF still inspects every request


def test_the_waf_log_of_allowed_requests_is_read_from_the_logging_filter() -> None:
    # Given WAF logging without a filter, and with the project's filter (only blocked and counted, once
    # CloudFront's access log is on)
    logging = """
Conditions:
  HasDistribution: {"Fn::Equals": ["a", "a"]}
Resources:
  Logging:
    Type: AWS::WAFv2::LoggingConfiguration
    Properties:
      ResourceArn: arn
"""
    filtered = (
        logging
        + """      LoggingFilter:
        Fn::If:
          - HasDistribution
          - DefaultBehavior: DROP
            Filters:
              - Behavior: KEEP
                Requirement: MEETS_ANY
                Conditions: [{ActionCondition: {Action: BLOCK}}, {ActionCondition: {Action: COUNT}}]
          - {Ref: AWS::NoValue}
"""
    )
    keeps_allowed = filtered.replace("{Action: COUNT}", "{Action: ALLOW}")
    # Then only the filter that drops allowed requests saves their lines
    assert waf_logs_allowed_requests(Template.from_text(logging)) is True
    assert waf_logs_allowed_requests(Template.from_text(filtered)) is False
    assert waf_logs_allowed_requests(Template.from_text(keeps_allowed)) is True
    # And the project's waf.yaml has that filter
    assert waf_logs_allowed_requests(load_waf_template(REPO_ROOT)) is False


def test_a_cold_start_bills_init_at_full_cpu_and_the_first_invocations_extra_at_the_memorys_share() -> None:
    # Given a 256 MB function whose import takes 300 ms at full CPU and whose first request takes 20 ms of CPU more
    # than the same request warm, always cold
    step = {"function": "F", "memory_mb": 256, "own_ms": 0.0, "calls": {}}
    share = 256 / ASSUMPTIONS["full_vcpu_memory_mb"]
    options = {"init_ms": {"F": 300.0}, "first_invocation_ms": {"F": 20.0}, "cold_start_share": 1.0}
    # When it is priced as AWS documents the INIT (unthrottled), and as if INIT ran at the memory's CPU share
    items = flow_cost([step], **options)["items_per_1000_usd"]
    throttled = flow_cost([step], init_throttled=True, **options)["items_per_1000_usd"]
    # Then the INIT is the runtime's start and the import at 0.25 GB, the first invocation's extra work is slowed by
    # the CPU share, and the sensitivity slows the INIT too
    gb_second = PRICES["lambda_arm64_gb_second"] * 1000
    init_s = (ASSUMPTIONS["runtime_init_ms"] + 300.0) / 1000
    assert items["lambda_init"] == pytest.approx(0.25 * init_s * gb_second)
    assert items["lambda_first_invocation"] == pytest.approx(0.25 * 0.020 / share * gb_second)
    assert throttled["lambda_init"] == pytest.approx(0.25 * init_s / share * gb_second)
    assert throttled["lambda_first_invocation"] == pytest.approx(items["lambda_first_invocation"])


def test_a_function_pays_its_init_once_per_identification_across_its_parts() -> None:
    # Given a function invoked on the request path and again by a socket of the same identification
    step = {"function": "Live", "memory_mb": 1024, "own_ms": 0.0, "calls": {}}
    other = {**step, "function": "Other"}
    billed: set[str] = set()
    # When both parts are priced with the identification's record of what already paid INIT
    first = flow_cost([step], init_ms={"Live": 100.0}, cold_start_share=1.0, init_billed=billed)
    second = flow_cost([step, other], http=False, init_ms={"Live": 100.0, "Other": 100.0}, cold_start_share=1.0,
                       init_billed=billed)  # fmt: skip
    # Then the second part pays only the function the first did not start
    assert first["items_per_1000_usd"]["lambda_init"] == pytest.approx(second["items_per_1000_usd"]["lambda_init"])
    assert billed == {"Live", "Other"}


def test_the_free_plan_pays_cloudfront_waf_and_functions_but_not_the_edge_logs() -> None:
    # Given one request through CloudFront with the pages' files, and a page's socket
    step = {"memory_mb": 1024, "own_ms": 1.0, "calls": {}}
    live = {"connect_steps": [step]}
    # When it is priced pay-as-you-go and on the Free plan
    paid = flow_cost([step], static_requests=4)["items_per_1000_usd"]
    free = flow_cost([step], static_requests=4, edge_covered=True)["items_per_1000_usd"]
    paid_live, free_live = live_cost(live), live_cost(live, edge_covered=True)
    # Then the plan takes CloudFront's and WAF's requests and the path function off; every other item stays
    assert paid["cloudfront"] == pytest.approx(5 * PRICES["cloudfront_https_request"] * 1000)
    assert paid["waf"] > 0 and free["cloudfront"] == free["waf"] == 0
    assert {key: value for key, value in free.items() if key not in ("cloudfront", "waf")} == {
        key: value for key, value in paid.items() if key not in ("cloudfront", "waf")
    }
    assert free["edge logs (CloudFront + WAF)"] > 0  # the Free plan's table includes the logs' ingestion from Pro on
    assert "$connect: waf" not in free_live and "$connect: cloudfront + its path function" not in free_live
    assert set(paid_live) - set(free_live) == {"$connect: waf", "$connect: cloudfront + its path function"}


def test_the_free_plan_takes_the_web_acl_off_the_idle_month_and_keeps_it_itemised() -> None:
    # Given the real templates
    template = Template.load(REPO_ROOT / "template.yaml")
    waf = load_waf_template(REPO_ROOT)
    # When the idle month is priced pay-as-you-go and on the Free plan
    paid, free = idle_cost(template, waf), idle_cost(template, waf, "FREE")
    # Then the web ACL and its rules ($5 + $1 a rule) are the plan's, the plan costs nothing, the rest is unchanged
    rules = len(waf.resources["WebAcl"]["Properties"]["Rules"])
    assert paid["items"]["WAF web ACL + rules"]["usd"] == pytest.approx(5 + rules)
    assert free["items"]["WAF web ACL + rules"]["usd"] == 0
    assert free["items"]["CloudFront flat-rate plan (Free)"]["usd"] == 0
    assert free["monthly_usd"] == pytest.approx(paid["monthly_usd"] - 5 - rules)
    assert free["monthly_usd"] == pytest.approx(sum(item["usd"] for item in free["items"].values()))


def test_the_free_plan_allowance_is_shared_by_the_identifications_of_a_month() -> None:
    # Given flows that send 20 and 10 requests and 1 MB through CloudFront per identification
    flows = {"A": {"edge_requests": 20.0, "edge_bytes": 1024**2}, "B": {"edge_requests": 10.0, "edge_bytes": 0}}
    # When the plan's use is reported
    plan = pricing_plan("FREE", [], flows)
    # Then the busiest flow counts: 60 an hour in the office hours a month, against 1 M requests and 100 GB
    month = 60 * ASSUMPTIONS["office_hours_per_month"]
    row = plan["by_identifications_per_hour"]["60"]
    assert row["requests_per_month"] == pytest.approx(month * 20)
    assert row["share_of_requests_allowance"] == pytest.approx(month * 20 / 1_000_000)
    assert row["share_of_bytes_allowance"] == pytest.approx(month * 1024**2 / (100 * 1024**3))
    assert "50,000 identifications a month" in plan["throttling"]
    assert plan["free_plan"]["fits"] and plan["monthly_usd"] == 0
