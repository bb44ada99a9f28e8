"""Issue 14: the API cannot be reached around CloudFront and its WAF, and every layer logs who, what, when and
from where (DigiD norm C.07) without storing session ids, SAML artifacts, cookies or tokens."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import yaml
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parents[2]
CHECKOV_PYTHON = ROOT / ".venv-checkov" / "bin" / "python"
WAF_TEMPLATE = ROOT / "infrastructure" / "deploy" / "waf.yaml"

Template = dict[str, Any]


def waf_template() -> Template:
    return yaml_parse(WAF_TEMPLATE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_the_template_switches_the_execute_api_endpoint_off(sam_template: Template) -> None:
    # Given the HTTP API as written
    api = sam_template["Resources"]["HttpApi"]["Properties"]
    # Then its default endpoint is disabled: only ApiDomain, CloudFront's origin, answers
    assert api["DisableExecuteApiEndpoint"] is True
    assertions = [a["Assert"] for a in sam_template["Rules"]["ApiIsOnlyReachableThroughCloudFront"]["Assertions"]]
    assert assertions == [
        {"Fn::Not": [{"Fn::Equals": [{"Ref": "SiteCertificateArn"}, ""]}]},
        {"Fn::Not": [{"Fn::Equals": [{"Ref": "OriginVerifyToken"}, ""]}]},
        {"Fn::Not": [{"Fn::Equals": [{"Ref": "WebAclArn"}, ""]}]},
    ]


def test_checkov_skips_no_logging_check_but_the_one_for_legacy_cloudfront_logs() -> None:
    # Given every CloudFormation check checkov files under the LOGGING category
    listing = subprocess.run(
        [
            str(CHECKOV_PYTHON),
            "-c",
            "import json\n"
            "from checkov.cloudformation.checks.resource.registry import cfn_registry as r\n"
            "print(json.dumps(sorted({c.id for cs in r.checks.values() for c in cs"
            " if any(str(k).endswith('LOGGING') for k in c.categories)})))",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    logging_checks = set(json.loads(listing.stdout))
    assert {"CKV_AWS_18", "CKV_AWS_86"} <= logging_checks
    # When we read the project's checkov configuration
    skips = set(yaml.safe_load((ROOT / "infrastructure/deploy/checkov.yaml").read_text())["skip-check"])
    # Then only legacy CloudFront logging is skipped (it would store query strings); v2 is checked below
    assert skips & logging_checks == {"CKV_AWS_86"}


def test_every_request_is_logged_at_the_edge_with_query_string_cookies_and_tokens_redacted() -> None:
    resources = waf_template()["Resources"]
    group = resources["WafLogGroup"]["Properties"]
    logging = resources["WafLogging"]["Properties"]
    # Then the log group has the name WAF insists on and a retention
    assert group["LogGroupName"] == {"Fn::Sub": "aws-waf-logs-${NamePrefix}"}
    assert group["RetentionInDays"] == {"Ref": "WafLogRetentionDays"}
    # And the web ACL logs to it, without the parts that carry session ids, artifacts, cookies or tokens
    assert logging["ResourceArn"] == {"Fn::GetAtt": ["WebAcl", "Arn"]}
    assert "${WafLogGroup}" in logging["LogDestinationConfigs"][0]["Fn::Sub"]
    assert not logging["LogDestinationConfigs"][0]["Fn::Sub"].endswith(":*")
    assert {"QueryString": {}} in logging["RedactedFields"]
    headers = {field["SingleHeader"]["Name"] for field in logging["RedactedFields"] if "SingleHeader" in field}
    assert headers == {"cookie", "authorization"}
    # Every request is logged: by WAF alone until CloudFront's access log is on, then WAF keeps what only it knows
    kept = logging["LoggingFilter"]["Fn::If"]
    assert kept[0] == "HasDistribution" and kept[2] == {"Ref": "AWS::NoValue"}
    assert kept[1]["DefaultBehavior"] == "DROP"
    (rule,) = kept[1]["Filters"]
    actions = {condition["ActionCondition"]["Action"] for condition in rule["Conditions"]}
    assert rule["Behavior"] == "KEEP" and rule["Requirement"] == "MEETS_ANY"
    assert {"BLOCK", "COUNT", "EXCLUDED_AS_COUNT"} <= actions and "ALLOW" not in actions
    assert resources["CloudFrontLogDelivery"]["Condition"] == "HasDistribution"  # the same condition


def test_cloudfront_logs_who_what_when_and_from_where_but_no_query_string_or_cookie() -> None:
    template = waf_template()
    resources = template["Resources"]
    delivery = resources["CloudFrontLogDelivery"]["Properties"]
    source = resources["CloudFrontLogSource"]["Properties"]
    fields = set(delivery["RecordFields"])
    # Then the distribution's access logs (standard logging v2) go to a log group with a retention
    assert source["LogType"] == "ACCESS_LOGS"
    assert "distribution/${DistributionId}" in source["ResourceArn"]["Fn::Sub"]
    assert (
        "${CloudFrontLogGroup}"
        in resources["CloudFrontLogDestination"]["Properties"]["DestinationResourceArn"]["Fn::Sub"]
    )
    assert resources["CloudFrontLogGroup"]["Properties"]["RetentionInDays"] == {"Ref": "CloudFrontLogRetentionDays"}
    # With who (client address and port, country, user agent), what (method, host, path, status) and when, and the
    # request id the WAF log has too
    assert {"timestamp", "c-ip", "c-port", "c-country", "cs(User-Agent)"} <= fields
    assert {"cs-method", "cs(Host)", "cs-uri-stem", "sc-status", "x-edge-request-id"} <= fields
    # And never the query string (session ids, SAMLart), cookies, the referrer or client-chosen forwarding headers
    assert fields.isdisjoint({"cs-uri-query", "cs(Cookie)", "cs(Referer)", "x-forwarded-for"})
    # Every CloudFront logging resource waits for the distribution's id (a second deployment, README)
    for name in ("CloudFrontLogGroup", "CloudFrontLogSource", "CloudFrontLogDestination", "CloudFrontLogDelivery"):
        assert resources[name]["Condition"] == "HasDistribution"


def test_every_bucket_writes_s3_access_logs(sam_template: Template) -> None:
    buckets = {name: r for name, r in sam_template["Resources"].items() if r["Type"] == "AWS::S3::Bucket"}
    assert set(buckets) == {"ProofBucket", "SiteBucket", "AccessLogBucket"}
    for name, bucket in buckets.items():
        logging = bucket["Properties"]["LoggingConfiguration"]
        if name == "AccessLogBucket":
            assert logging == {"LogFilePrefix": "self/"}
        else:
            assert logging["DestinationBucketName"] == {"Ref": "AccessLogBucket"}
