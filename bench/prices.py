"""AWS list prices for eu-west-1 (Ireland) that the cost model uses, in USD, without free tiers.

First written down on 2026-11-28 from memory. Checked on 2026-12-01 against public pages found with the project's
search tool (AWS' own pricing pages where the search had them, otherwise recent third-party summaries of them;
AWS itself was not contacted). ``PRICE_SOURCES`` says per price what it was checked against. Where a page gave
only the US East (N. Virginia) figure, the eu-west-1 figure below is still from memory, and it is marked so. Notes:
- DynamoDB on-demand prices were halved on 1 November 2024; the figures below are the reduced ones.
- Lambda: arm64 (Graviton) GB-second price, first tier; billed duration is rounded up to 1 ms, INIT included.
- HTTP API: per request up to 512 KB, first 300 million a month.
- CloudFront: HTTPS requests, Europe; its always-free tier (10 million requests a month) is not applied here.
- CloudFront flat-rate plans (since 18 November 2025): a monthly price per distribution and a monthly allowance,
  no overage charges; bench.cost prices the deployment on the plan infrastructure/deploy/waf.yaml defaults to.
"""

from __future__ import annotations

from typing import Final

__all__ = ["ASSUMPTIONS", "PRICES", "PRICES_AS_OF", "PRICE_SOURCES", "REGION"]

REGION: Final = "eu-west-1"
PRICES_AS_OF: Final = (
    "2026-12-01: WAF, X-Ray, KMS, CloudFront data transfer, free tiers and Functions checked against AWS' pricing "
    "pages; Lambda, DynamoDB, HTTP API, WebSocket API and CloudWatch Logs against the US East figures of recent "
    "summaries (the eu-west-1 figures used are from memory); CloudFront requests, S3, SQS, Secrets Manager and "
    "CloudWatch alarms/metrics from memory (see bench.prices.PRICE_SOURCES)"
)

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
    # the CloudFront access log and the WAF log: vended logs to CloudWatch Logs in us-east-1 (waf.yaml's stack)
    "cloudwatch_vended_logs_us_east_1_gb": 0.50,
    # API Gateway WebSocket APIs (the live status): messages in 32 KB units, sent and received; connection minutes
    "websocket_message": 1.00 / 1_000_000,
    "websocket_connection_minute": 0.25 / 1_000_000,
    "cloudfront_function_invocation": 0.10 / 1_000_000,  # LivePathFunction, on each socket's handshake
    "cloudfront_data_transfer_out_gb": 0.085,  # Europe, first 10 TB a month
    # per month
    "kms_key_month": 1.00,
    "kms_rotated_key_material_month": 1.00,  # per rotation of a key with EnableKeyRotation (the first two only)
    "waf_web_acl_month": 5.00,
    "waf_rule_month": 1.00,
    "cloudwatch_alarm_month": 0.10,  # standard resolution, per metric the alarm reads
    "cloudwatch_dashboard_month": 3.00,  # the first 3 dashboards of an account are free
    "cloudwatch_custom_metric_month": 0.30,  # per metric name + dimension values, first 10,000 metrics
    "secretsmanager_secret_month": 0.40,
    "ssm_advanced_parameter_month": 0.05,  # IdP metadata is larger than the 4 KB of a standard parameter
    "dynamodb_pitr_gb_month": 0.224,  # continuous backups, by table size: an idle table is (nearly) empty
    "cognito_mau_beyond_free": 0.015,  # Essentials tier; the first 10,000 MAU are free
    # CloudFront flat-rate plans (since 18 Nov 2025), per distribution: a monthly price with no overage charges and
    # a monthly allowance of requests and bytes out (beyond it AWS may slow the delivery, never bills more). The plan
    # covers the distribution (requests, data transfer), its web ACL (ACL, rules, requests), CloudFront Functions,
    # and from Pro on the CloudWatch Logs ingestion of the access log and the WAF log.
    "cloudfront_free_plan_month": 0.0,
    "cloudfront_free_plan_requests": 1_000_000,
    "cloudfront_free_plan_gb": 100,
    "cloudfront_pro_plan_month": 15.0,
    "cloudfront_pro_plan_requests": 10_000_000,
    "cloudfront_pro_plan_gb": 50 * 1024,
}

_AWS = "checked: "
_US = "US East figure checked, eu-west-1 from memory: "
_MEMORY = "from memory, not found in the searched pages"
_FLAT_RATE = (
    "checked: docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/flat-rate-pricing-plan.html (features and "
    "monthly usage allowances per tier, costs covered) and aws.amazon.com/cloudfront/pricing (monthly prices): "
)
# What each price was checked against on 2026-12-01 (public pages found with the project's search tool).
PRICE_SOURCES: Final[dict[str, str]] = {
    "lambda_arm64_gb_second": _US + "$0.0000133334 arm first tier (cloudchipr.com/blog/aws-lambda-pricing)",
    "lambda_request": _AWS + "$0.20 per million (aws.amazon.com/lambda/pricing, summaries)",
    "http_api_request": _US + "$1.00 per million first 300 M (awsforengineers.com, amnic.com); Ireland $1.11",
    "cloudfront_https_request": _MEMORY + " (aws.amazon.com/cloudfront/pricing showed only data transfer)",
    "waf_request": _AWS + "$0.60 per million, the same in every region (AWS networking blog on WAF cost)",
    "dynamodb_write_request_unit": _US + "$0.625 per million after the Nov 2024 cut (airbyte.com); Ireland x1.13",
    "dynamodb_read_request_unit": _US + "$0.125 per million after the Nov 2024 cut (airbyte.com); Ireland x1.13",
    "kms_request": _AWS + "$0.03 per 10,000 symmetric/HMAC requests (aws.amazon.com/kms/pricing)",
    "s3_put_request": _MEMORY,
    "s3_get_request": _MEMORY,
    "sqs_request": _MEMORY,
    "secretsmanager_api_call": _MEMORY,
    "xray_trace_recorded": _AWS + "$5.00 per million recorded (aws.amazon.com/xray/pricing)",
    "s3_storage_gb_month": _MEMORY,
    "ssm_api_call": _MEMORY,
    "cloudwatch_logs_ingest_gb": _US + "$0.50 per GB standard class (c3x.dev, hykell.com); Ireland $0.57",
    "cloudwatch_vended_logs_us_east_1_gb": "from memory: vended logs to CloudWatch Logs, first 10 TB, at the US "
    "East standard ingestion price ($0.50 per GB, checked: c3x.dev, hykell.com)",
    "websocket_message": _US + "$1.00 per million messages (amnic.com, awsforengineers.com)",
    "websocket_connection_minute": _US + "$0.25 per million connection minutes (amnic.com)",
    "cloudfront_data_transfer_out_gb": _AWS + "$0.085 per GB Europe, first 10 TB (aws.amazon.com/cloudfront/pricing)",
    "cloudfront_function_invocation": _AWS + "$0.10 per million (cur.vantage.sh, aws.amazon.com/cloudfront/pricing)",
    "kms_key_month": _AWS + "$1 per key a month, HMAC keys included (aws.amazon.com/kms/pricing)",
    "kms_rotated_key_material_month": _AWS + "each rotation's backing key $1 a month (aws.amazon.com/kms/pricing); "
    "from memory: since April 2024 only the first two rotations are billed",
    "waf_web_acl_month": _AWS + "$5 per web ACL a month (AWS networking blog, c3x.dev)",
    "waf_rule_month": _AWS + "$1 per rule or rule group a month (AWS networking blog, c3x.dev)",
    "cloudwatch_alarm_month": "from memory: $0.10 per standard-resolution alarm metric a month; an alarm on a metric "
    "math expression is billed for each metric the expression reads (aws.amazon.com/cloudwatch/pricing, not "
    "checked here)",
    "cloudwatch_dashboard_month": _MEMORY,
    "cloudwatch_custom_metric_month": _MEMORY,
    "secretsmanager_secret_month": _MEMORY,
    "ssm_advanced_parameter_month": _MEMORY,
    "dynamodb_pitr_gb_month": _MEMORY,
    "cognito_mau_beyond_free": _MEMORY,
    **dict.fromkeys(
        ("cloudfront_free_plan_month", "cloudfront_free_plan_requests", "cloudfront_free_plan_gb"),
        _FLAT_RATE + "Free $0 a month, 1 M requests and 100 GB a month",
    ),
    **dict.fromkeys(
        ("cloudfront_pro_plan_month", "cloudfront_pro_plan_requests", "cloudfront_pro_plan_gb"),
        _FLAT_RATE + "Pro $15 a month, 10 M requests and 50 TB a month",
    ),
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
    # Lambda's own log records per invocation, by the functions' system log level (template.yaml: Globals
    # LoggingConfig, parameter LambdaSystemLogLevel; bench.cost.platform_log_bytes picks). With the text format:
    # START, END and REPORT lines (~350 bytes). With JSON, each is a one-line JSON record shaped as AWS' Telemetry API
    # event schema (telemetry-schema-reference): {"time", "type", "record": {...}}. Sizes of such records written out
    # compactly with a request id, a trace header (Root, Parent, Sampled, Lineage) and typical metrics: platform.start
    # (requestId, version, tracing) ~312 bytes, platform.report (requestId, metrics: durationMs, billedDurationMs,
    # memorySizeMB, maxMemoryUsedMB, initDurationMs; tracing, status) ~429, platform.runtimeDone (status, tracing,
    # spans responseLatency/responseDuration, metrics) ~537; per cold start platform.initStart (runtime version and
    # its ARN, function name) ~377, and at DEBUG initRuntimeDone + initReport ~330. AWS does not publish the
    # records' exact bytes: an estimate, larger than the text lines.
    "platform_text_log_bytes_per_invocation": 350,
    "platform_json_start_bytes": 312,
    "platform_json_report_bytes": 429,
    "platform_json_runtime_done_bytes": 537,
    "platform_json_init_start_bytes": 377,
    "platform_json_init_debug_bytes": 330,
    # One HTTP API access log line.
    "access_log_bytes_per_request": 330,
    # Every request through CloudFront (pages, files, API, sockets) writes a line to the CloudFront access log
    # (standard logging v2, JSON, the 20-odd fields waf.yaml selects) and one to the WAF log (the verdict, the rule
    # matches and the request's headers, cookies and Authorization redacted): typical sizes.
    "cloudfront_log_bytes_per_request": 700,
    "waf_log_bytes_per_request": 1800,
    # The pages' own files per identification are counted in the built site (bench.cost.static_requests); this
    # many when static_site is not built (make site). Whether flow A's start page fetches /config.json is read from
    # its built script (the DigiD hand-over page's script is counted from the template's binding). The official
    # opens the staff page once a working day and handles this many identifications in it (it switches sessions
    # without reloading the page).
    "static_requests_when_unbuilt": 10,
    "identifications_per_official_day": 8,
    # The staff page polls GET /api/sessions/{id} every POLL_MS (static_site/assets/staff.js) only while the
    # resident logs in; the resident's result page polls GET /api/public/result every POLL_MS (result.js) from the
    # login until the outcome is final (the official checks and completes). A minute of each.
    "seconds_polling_before_login": 60,
    "seconds_polling_after_login": 60,
    "poll_interval_ms_when_unknown": 3000,
    # With the live status, each page keeps one socket open for as long as it would have polled: the staff page
    # until the login, the result page until the outcome (connection minutes are billed by the minute).
    "latency_ms_apigatewaymanagementapi": 10,
    # WAF rules when infrastructure/deploy/waf.yaml is not there to count them.
    "waf_rules_when_unknown": 4,
    # Lambda bills the INIT phase of on-demand functions (since August 2025). An execution environment idle for
    # longer than environment_idle_minutes is taken to be reclaimed (AWS does not document it; minutes). With
    # identifications arriving at random at identifications_per_hour (a mid-size municipality's office hours:
    # ~350 a month), each function's first invocation in an identification is cold with probability
    # exp(-per_hour / 60 x idle minutes) (bench.cost.cold_share: 0.72 here), its later ones warm. The total is
    # also reported at other traffic levels.
    # What a cold start bills: the INIT phase at the configured memory, and the first invocation's extra work.
    # - An on-demand INIT runs at a full vCPU whatever the memory, for at most 10 s (AWS Serverless Land,
    #   "Effectively running Java on Serverless: utilize initialization phase"; AWS Labs' Lambda Web Adapter
    #   "Async Initialization": "up to 10 seconds for function initialization with burst CPU"). Its time is the
    #   measured import (bench.cold_start import_ms, at full CPU) plus the runtime's own start, runtime_init_ms:
    #   not measured here; hello-world Python functions report an Init Duration of about 100-170 ms.
    #   cost.flows.<X>.total_per_1000_usd_if_init_throttled prices the INIT at the memory's CPU share instead.
    # - What the first request does beyond the same request warm (clients, models loaded on first use) runs in the
    #   invocation, at the memory's CPU share (bench.cold_start first_invocation_extra_cpu_ms).
    "identifications_per_hour": 2,
    "environment_idle_minutes": 10,
    "runtime_init_ms": 120,
    "init_ms_when_unmeasured": 800,
    # CloudFront flat-rate plans: identifications arrive in office hours (identifications_per_hour is their rate
    # then), about 22 days x 8 hours a month; an API answer (JSON) is about this size on the wire (not measured).
    "office_hours_per_month": 176,
    "api_response_bytes": 1500,
    # A proof PDF, when the latency part did not measure one (latency.flows.<X>.proof_pdf_bytes: the PDF delivery
    # stored in the proof bucket), kept for the template's ProofRetentionDays default (this when it has none).
    "proof_pdf_kb": 40,
    "proof_retention_months": 3,
    # Lambda's SQS event source mapping long-polls the proof queue even when idle (20 s polls; a few pollers).
    "sqs_esm_idle_pollers": 5,
}
