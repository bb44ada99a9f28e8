"""AWS list prices for eu-west-1 (Ireland) that the cost model uses, in USD, without free tiers.

Written down on 2026-11-28 from the public pricing pages (aws.amazon.com/<service>/pricing/) as remembered by the
benchmark's author, not fetched: CHECK THEM against the pages (or the Price List API) before quoting a figure, and
update ``PRICES_AS_OF`` when you do. Notes:
- DynamoDB on-demand prices were halved on 1 November 2024; the figures below are the reduced ones.
- Lambda: arm64 (Graviton) GB-second price; billed duration is rounded up to 1 ms.
- HTTP API: per request up to 512 KB, first 300 million a month.
- CloudFront: HTTPS requests, Europe; its always-free tier (10 million requests a month) is not applied here.
"""

from __future__ import annotations

from typing import Final

__all__ = ["ASSUMPTIONS", "PRICES", "PRICES_AS_OF", "REGION"]

REGION: Final = "eu-west-1"
PRICES_AS_OF: Final = "2026-11-28 (from memory of the public price pages; to be checked)"

PRICES: Final[dict[str, float]] = {
    # per request / per unit
    "lambda_arm64_gb_second": 0.0000133334,
    "lambda_request": 0.20 / 1_000_000,
    "http_api_request": 1.11 / 1_000_000,
    "cloudfront_https_request": 0.0120 / 10_000,
    "waf_request": 0.60 / 1_000_000,
    "dynamodb_write_request_unit": 0.7068 / 1_000_000,  # was 1.4135 before the 2024 cut
    "dynamodb_read_request_unit": 0.1415 / 1_000_000,  # was 0.283 before the 2024 cut
    "kms_request": 0.03 / 10_000,  # GenerateMac, Encrypt, Decrypt, GenerateDataKey: the same price
    "s3_put_request": 0.005 / 1_000,  # PUT, COPY, POST, LIST (S3 Standard)
    "s3_get_request": 0.0004 / 1_000,  # GET, HEAD and the rest
    "sqs_request": 0.40 / 1_000_000,  # standard queue, per 64 KB chunk
    # No price for DynamoDB Streams reads: the only readers are Lambda triggers, whose GetRecords are free.
    "secretsmanager_api_call": 0.05 / 10_000,
    "xray_trace_recorded": 5.00 / 1_000_000,  # first 100,000 a month free (not applied)
    "s3_storage_gb_month": 0.023,
    "ssm_api_call": 0.0,  # standard throughput is free
    "cloudwatch_logs_ingest_gb": 0.57,  # standard log class
    # API Gateway WebSocket APIs (the live status): messages in 32 KB units, sent and received; connection minutes
    "websocket_message": 1.00 / 1_000_000,
    "websocket_connection_minute": 0.25 / 1_000_000,
    "cloudfront_function_invocation": 0.10 / 1_000_000,  # LivePathFunction, on each socket's handshake
    # per month
    "kms_key_month": 1.00,
    "waf_web_acl_month": 5.00,
    "waf_rule_month": 1.00,
    "cloudwatch_alarm_month": 0.10,  # standard resolution, one metric
    "cloudwatch_dashboard_month": 3.00,  # the first 3 dashboards of an account are free
    "cloudwatch_custom_metric_month": 0.30,  # per metric name + dimension values, first 10,000 metrics
    "secretsmanager_secret_month": 0.40,
    "ssm_advanced_parameter_month": 0.05,  # IdP metadata is larger than the 4 KB of a standard parameter
    "dynamodb_pitr_gb_month": 0.224,  # continuous backups, by table size: an idle table is (nearly) empty
    "cognito_mau_beyond_free": 0.015,  # Essentials tier; the first 10,000 MAU are free
}

# What the model cannot measure on this machine; each is a stated guess, shown with the figures.
ASSUMPTIONS: Final[dict[str, float]] = {
    # Lambda's CPU share grows with memory; at 1,769 MB a function has one full vCPU (about this machine's core).
    "full_vcpu_memory_mb": 1769,
    # Typical in-region latency of one call from Lambda, in ms (our handlers wait for these).
    "latency_ms_dynamodb": 5,
    "latency_ms_kms": 8,
    "latency_ms_s3": 20,
    "latency_ms_sqs": 10,
    "latency_ms_ssm": 10,
    "latency_ms_secretsmanager": 15,
    "latency_ms_other": 10,
    # Artifact resolution with DigiD over the internet with mutual TLS (a new TLS session per call).
    "latency_ms_digid_back_channel": 150,
    # Log lines Lambda adds per invocation (START, END, REPORT) and one HTTP API access log line.
    "platform_log_bytes_per_invocation": 350,
    "access_log_bytes_per_request": 330,
    # Static files the browsers fetch through CloudFront per identification (pages, CSS, JS, logo), cache misses.
    "static_requests_per_identification": 10,
    # The staff page polls GET /api/sessions/{id} every POLL_MS (static_site/assets/staff.js) only while the
    # resident logs in; the resident's result page polls GET /api/public/result every POLL_MS (result.js) from the
    # login until the outcome is final (the official checks and completes). A minute of each.
    "seconds_polling_before_login": 60,
    "seconds_polling_after_login": 60,
    "poll_interval_ms_when_unknown": 3000,
    # With the live status, each page keeps one socket open for as long as it would have polled: the staff page
    # until the login, the result page until the outcome (connection minutes are billed by the minute).
    "latency_ms_apigatewaymanagementapi": 10,
    # DynamoDB units per call for our small items (< 1 KB): strongly consistent reads, transactions cost double.
    "rru_per_read": 1,
    "wru_per_write": 1,
    "wru_per_transact_write": 6,  # two or three items (the login: session, result, pending login) at two units each
    # WAF rules when infrastructure/deploy/waf.yaml is not there to count them.
    "waf_rules_when_unknown": 4,
    # Lambda bills the INIT phase of on-demand functions (since August 2025). At a municipality's traffic (a few
    # identifications an hour) most execution environments have been reclaimed between two requests: this share
    # of invocations is a cold start. Its INIT time is the measured import at the configured memory's CPU share.
    "cold_start_share": 0.5,
    "init_ms_when_unmeasured": 800,
    # Active tracing samples 1 request a second and 5% beyond: at this traffic that is every invocation.
    "xray_traces_per_invocation_when_active": 1.0,
    # A proof PDF (~40 KB) kept for PROOF_RETENTION_DAYS (default 90).
    "proof_pdf_kb": 40,
    "proof_retention_months": 3,
    # Lambda's SQS event source mapping long-polls the proof queue even when idle (20 s polls; a few pollers).
    "sqs_esm_idle_pollers": 5,
}
