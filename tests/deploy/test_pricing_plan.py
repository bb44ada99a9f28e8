"""Issue 13: CloudFront's flat-rate Free plan, offered by the WAF stack, and only for a distribution that fits it.

The real templates are read; a finding of infrastructure/deploy/pricing_plan.py is what AWS' plan table gives to a
higher tier or to no plan (the subscription is refused, or the feature is billed outside the plan).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infrastructure.deploy.pricing_plan import free_plan_blockers, plan_default
from infrastructure.local.template import Template

ROOT = Path(__file__).resolve().parents[2]


def templates() -> tuple[dict[str, Any], dict[str, Any]]:
    main = Template.load(ROOT / "template.yaml").body
    waf = Template.load(ROOT / "infrastructure" / "deploy" / "waf.yaml").body
    return main, waf


def _distribution(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"]["SiteDistribution"]["Properties"]["DistributionConfig"]  # type: ignore[no-any-return]


def _rules(waf: dict[str, Any]) -> list[dict[str, Any]]:
    return waf["Resources"]["WebAcl"]["Properties"]["Rules"]  # type: ignore[no-any-return]


def test_the_waf_stack_puts_the_distribution_and_its_web_acl_on_the_free_plan_only_with_the_distribution() -> None:
    # Given the WAF stack
    _main, waf = templates()
    parameter = waf["Parameters"]["CloudFrontPricingPlan"]
    subscription = waf["Resources"]["PricingPlan"]
    # Then the plan is a choice between the Free plan and none
    assert parameter["AllowedValues"] == ["FREE", "PAY_AS_YOU_GO"]
    # and the subscription exists only with FREE and the main stack's distribution id
    assert subscription["Condition"] == "OnFreePlan"
    assert waf["Conditions"]["OnFreePlan"] == {
        "Fn::And": [{"Condition": "HasDistribution"}, {"Fn::Equals": [{"Ref": "CloudFrontPricingPlan"}, "FREE"]}]
    }
    assert waf["Conditions"]["HasDistribution"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "DistributionId"}, ""]}]}
    # and it covers exactly that distribution and this stack's web ACL, on the Free tier
    properties = subscription["Properties"]
    assert (properties["PlanFamily"], properties["PlanTier"], properties["UsageLevel"]) == (
        "CloudFront",
        "FREE",
        "DEFAULT",
    )
    assert properties["ResourceArns"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${DistributionId}"},
        {"Fn::GetAtt": ["WebAcl", "Arn"]},
    ]


def test_the_free_plan_is_the_default_only_for_a_distribution_and_web_acl_that_fit_it() -> None:
    # Given the templates as they are
    main, waf = templates()
    # When what keeps them off the Free plan is listed
    blockers = free_plan_blockers(main, waf)
    # Then the WAF stack defaults to the Free plan exactly when nothing does (adding an unsupported feature while
    # the default is FREE turns this red; so does a distribution that fits while the default stays pay-as-you-go)
    assert plan_default(waf) == ("FREE" if not blockers else "PAY_AS_YOU_GO"), blockers


def test_the_web_acl_fits_the_free_plan_and_the_distribution_only_lacks_managed_policies() -> None:
    # Given the templates as they are
    main, waf = templates()
    # When what keeps them off the Free plan is listed
    blockers = free_plan_blockers(main, waf)
    # Then the web ACL (4 rules: a rate-based rule on the path, three AWS managed groups) fits,
    assert not [blocker for blocker in blockers if blocker.startswith("WebAcl")]
    # and the distribution's only findings are its custom origin request and response headers policies, which
    # flat-rate plans offer from Business on (the reason CloudFrontPricingPlan defaults to PAY_AS_YOU_GO)
    assert blockers, "the distribution fits the Free plan now: make FREE the default (README, Deploy)"
    assert all(
        "custom origin request policy" in blocker or "custom response headers policy" in blocker for blocker in blockers
    ), blockers


def _behavior(key: str, value: Any) -> Callable[[dict[str, Any], dict[str, Any]], None]:
    def change(main: dict[str, Any], _waf: dict[str, Any]) -> None:
        _distribution(main)["CacheBehaviors"][0][key] = value

    return change


def _config(key: str, value: Any) -> Callable[[dict[str, Any], dict[str, Any]], None]:
    def change(main: dict[str, Any], _waf: dict[str, Any]) -> None:
        _distribution(main)[key] = value

    return change


def _sixth_behavior(main: dict[str, Any], _waf: dict[str, Any]) -> None:
    behaviors = _distribution(main)["CacheBehaviors"]
    behaviors.append({**behaviors[-1], "PathPattern": "/extra/*"})


def _oai(main: dict[str, Any], _waf: dict[str, Any]) -> None:
    _distribution(main)["Origins"][0]["S3OriginConfig"]["OriginAccessIdentity"] = "origin-access-identity/cloudfront/E1"


def _iam_certificate(main: dict[str, Any], _waf: dict[str, Any]) -> None:
    _distribution(main)["ViewerCertificate"]["Fn::If"][1] = {
        "IamCertificateId": "ASCA1",
        "SslSupportMethod": "sni-only",
    }


def _realtime_log_resource(main: dict[str, Any], _waf: dict[str, Any]) -> None:
    main["Resources"]["Realtime"] = {"Type": "AWS::CloudFront::RealtimeLogConfig", "Properties": {}}


def _sixth_rule(_main: dict[str, Any], waf: dict[str, Any]) -> None:
    rules = _rules(waf)
    rules.append({**rules[-1], "Name": "Extra", "Priority": 4})
    rules.append({**rules[-1], "Name": "Extra2", "Priority": 5})


def _rule_action(action: dict[str, Any]) -> Callable[[dict[str, Any], dict[str, Any]], None]:
    def change(_main: dict[str, Any], waf: dict[str, Any]) -> None:
        _rules(waf)[0]["Action"] = action

    return change


def _statement(statement: dict[str, Any]) -> Callable[[dict[str, Any], dict[str, Any]], None]:
    def change(_main: dict[str, Any], waf: dict[str, Any]) -> None:
        _rules(waf)[0]["Statement"]["RateBasedStatement"]["ScopeDownStatement"] = statement

    return change


def _managed_group(vendor: str, name: str) -> Callable[[dict[str, Any], dict[str, Any]], None]:
    def change(_main: dict[str, Any], waf: dict[str, Any]) -> None:
        _rules(waf)[1]["Statement"]["ManagedRuleGroupStatement"] = {"VendorName": vendor, "Name": name}

    return change


_HEADER = {"ByteMatchStatement": {"FieldToMatch": {"SingleHeader": {"Name": "user-agent"}}, "SearchString": "x",
                                  "PositionalConstraint": "CONTAINS", "TextTransformations": []}}  # fmt: skip
UNSUPPORTED: dict[str, tuple[Callable[[dict[str, Any], dict[str, Any]], None], str]] = {
    "ForwardedValues": (_behavior("ForwardedValues", {"QueryString": True}), "legacy ForwardedValues"),
    "legacy TTLs": (_behavior("DefaultTTL", 60), "legacy cache settings"),
    "Lambda@Edge": (_behavior("LambdaFunctionAssociations", [{"EventType": "origin-request"}]), "Lambda@Edge"),
    "real-time logs": (_behavior("RealtimeLogConfigArn", "arn:aws:cloudfront::1:realtime-log-config/x"), "real-time"),
    "real-time log resource": (_realtime_log_resource, "real-time access logs"),
    "field-level encryption": (_behavior("FieldLevelEncryptionId", "E1"), "field-level encryption"),
    "custom cache policy": (_behavior("CachePolicyId", {"Ref": "MyCachePolicy"}), "custom cache policy"),
    "a sixth cache behavior": (_sixth_behavior, "6 cache behaviors"),
    "continuous deployment": (_config("ContinuousDeploymentPolicyId", "abc"), "continuous deployment"),
    "staging distribution": (_config("Staging", True), "continuous deployment"),
    "origin access identity": (_oai, "origin access identity"),
    "IAM certificate": (_iam_certificate, "IAM server certificate"),
    "origin failover": (_config("OriginGroups", {"Quantity": 1}), "origin failover"),
    "no web ACL": (_config("WebACLId", None), "no web ACL"),
    "six WAF rules": (_sixth_rule, "6 WAF rules"),
    "CAPTCHA": (_rule_action({"Captcha": {}}), "CAPTCHA"),
    "custom block response": (_rule_action({"Block": {"CustomResponse": {"ResponseCode": 429}}}), "custom WAF"),
    "header match": (_statement(_HEADER), "request headers"),
    "regex": (_statement({"RegexMatchStatement": {"RegexString": "^/x"}}), "regex-based"),
    "own rule group": (_statement({"RuleGroupReferenceStatement": {"ARN": "arn"}}), "rule group of our own"),
    "partner rules": (_managed_group("F5", "Bots"), "partner managed rules"),
    "account takeover prevention": (_managed_group("AWS", "AWSManagedRulesATPRuleSet"), "ATPRuleSet (no plan)"),
    "Bot Control": (_managed_group("AWS", "AWSManagedRulesBotControlRuleSet"), "Business plan"),
}


@pytest.mark.parametrize("feature", list(UNSUPPORTED))
def test_a_feature_the_free_plan_does_not_offer_is_found_in_the_real_templates(feature: str) -> None:
    # Given the real templates with one feature added that the Free plan does not offer
    main, waf = (copy.deepcopy(body) for body in templates())
    before = set(free_plan_blockers(main, waf))
    change, expected = UNSUPPORTED[feature]
    change(main, waf)
    # When what keeps them off the Free plan is listed
    added = set(free_plan_blockers(main, waf)) - before
    # Then the added feature is among the findings, named
    assert any(expected in blocker for blocker in added), added
