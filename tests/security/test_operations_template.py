"""What the template promises a security officer and DevOps: the audit trail, alarms, tracing and the WAF hook."""

from __future__ import annotations

from typing import Any

Template = dict[str, Any]
API_FUNCTIONS = ["SessionsFunction", "CodeCheckFunction", "OutcomeFunction", "DigidFunction"]


def of_type(template: Template, kind: str) -> dict[str, Template]:
    return {name: res for name, res in template["Resources"].items() if res["Type"] == kind}


def test_the_audit_trail_has_its_own_log_group_with_the_retention_parameter_kept_after_deletion(sam_template) -> None:
    group = sam_template["Resources"]["AuditLogGroup"]
    assert group["Properties"]["RetentionInDays"] == {"Ref": "AuditRetentionDays"}
    assert group["DeletionPolicy"] == "Retain"
    assert sam_template["Parameters"]["AuditRetentionDays"]["Default"] == 365


def test_every_api_function_log_group_sends_exactly_its_audit_lines_to_the_forwarder(sam_template) -> None:
    # Given the subscription filters
    filters = of_type(sam_template, "AWS::Logs::SubscriptionFilter").values()
    # Then every function's log group but the forwarder's own has one, selecting audit lines, to the forwarder
    sources = {f["Properties"]["LogGroupName"]["Ref"] for f in filters}
    function_groups = {
        function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        for function in of_type(sam_template, "AWS::Serverless::Function").values()
    }
    assert {name.replace("Function", "LogGroup") for name in API_FUNCTIONS} <= sources
    assert sources == function_groups - {"AuditForwarderLogGroup"}
    for subscription in filters:
        assert subscription["Properties"]["FilterPattern"] == '{ $.log_type = "audit" }'
        assert subscription["Properties"]["DestinationArn"] == {"Fn::GetAtt": ["AuditForwarderFunction", "Arn"]}
    env = sam_template["Resources"]["AuditForwarderFunction"]["Properties"]["Environment"]["Variables"]
    assert env["AUDIT_LOG_GROUP"] == {"Ref": "AuditLogGroup"}


def test_the_saved_queries_include_all_events_of_a_case_and_failed_logins_per_hour(sam_template) -> None:
    queries = {
        q["Properties"]["Name"]["Fn::Sub"]: q["Properties"]
        for q in of_type(sam_template, "AWS::Logs::QueryDefinition").values()
    }
    case = queries["${AWS::StackName}/audit/all-events-of-a-case"]
    failed = queries["${AWS::StackName}/audit/failed-logins-per-hour"]
    assert "session_id" in case["QueryString"] and "zaak_number" in case["QueryString"]
    assert 'action = "digid_login_failed"' in failed["QueryString"] and "bin(1h)" in failed["QueryString"]
    assert all(q["LogGroupNames"] == [{"Ref": "AuditLogGroup"}] for q in queries.values())


def test_pseudonyms_use_an_hmac_key_of_their_own_that_outlives_the_stack(sam_template) -> None:
    key = sam_template["Resources"]["PseudonymKey"]
    assert key["Properties"]["KeySpec"] == "HMAC_256" and key["Properties"]["KeyUsage"] == "GENERATE_VERIFY_MAC"
    assert key["DeletionPolicy"] == "Retain"


def test_every_alarm_notifies_the_alarm_topic_and_the_email_is_optional(sam_template) -> None:
    alarms = of_type(sam_template, "AWS::CloudWatch::Alarm")
    assert {"ApiServerErrorsAlarm", "DigidErrorsAlarm", "FunctionErrorsAlarm", "FunctionThrottlesAlarm"} <= set(alarms)
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms.values())
    assert sam_template["Resources"]["AlarmEmailSubscription"]["Condition"] == "HasAlarmEmail"
    assert of_type(sam_template, "AWS::CloudWatch::Dashboard")


def test_the_function_alarms_cover_every_function(cfn_template) -> None:
    functions = of_type(cfn_template, "AWS::Lambda::Function")
    metrics = cfn_template["Resources"]["FunctionErrorsAlarm"]["Properties"]["Metrics"]
    watched = {m["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Ref"] for m in metrics if "MetricStat" in m}
    # issue 5's proofs function has alarms of its own (its dead-letter queue); every other function is watched
    assert set(functions) - watched <= {"ProofsFunction"}
    # Throttling happens when the account's concurrency is used up (no function reserves any): the account-wide
    # metric (no dimensions) watches every function, ours included, as one alarm metric
    throttles = cfn_template["Resources"]["FunctionThrottlesAlarm"]["Properties"]
    assert (throttles["Namespace"], throttles["MetricName"]) == ("AWS/Lambda", "Throttles")
    assert "Dimensions" not in throttles and "Metrics" not in throttles
    assert not any("ReservedConcurrentExecutions" in f["Properties"] for f in functions.values())


def test_functions_record_no_xray_traces_unless_a_caller_samples(sam_template) -> None:
    # Active tracing on Lambda samples at a fixed rate that no sampling rule lowers: nearly every invocation would
    # be a billed trace (issue 13). PassThrough records only traces an upstream caller sampled: none here.
    assert sam_template["Globals"]["Function"]["Tracing"] == "PassThrough"


def test_the_distribution_takes_a_waf_acl_made_in_us_east_1(sam_template) -> None:
    parameter = sam_template["Parameters"]["WebAclArn"]
    assert ":wafv2:us-east-1:" in parameter["AllowedPattern"] and "global/webacl" in parameter["AllowedPattern"]
    config = sam_template["Resources"]["SiteDistribution"]["Properties"]["DistributionConfig"]
    assert config["WebACLId"] == {"Fn::If": ["HasWebAcl", {"Ref": "WebAclArn"}, {"Ref": "AWS::NoValue"}]}
