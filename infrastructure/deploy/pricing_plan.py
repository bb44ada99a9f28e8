"""Can the deployment's distribution and web ACL be on CloudFront's flat-rate Free plan? What in them stands in the way.

Read from the templates as written (``template.yaml``'s distribution, ``infrastructure/deploy/waf.yaml``'s web ACL),
against AWS' own page "CloudFront flat-rate pricing plans" (Amazon CloudFront Developer Guide, read 2026-12-01):
its table "Features by pricing plan tier" and its lists "Unsupported features" and "Unsupported associations".
A feature the page gives to a higher tier only, or to no plan, blocks the Free plan: AWS refuses the subscription
(the WAF stack's update rolls back), or the feature's use would be billed outside the plan.

``infrastructure/deploy/waf.yaml``'s ``CloudFrontPricingPlan`` may default to ``FREE`` only when this finds nothing
(tests/deploy/test_pricing_plan.py); bench/cost.py prices the default deployment with it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["FREE_PLAN", "free_plan_blockers", "plan_default"]

# What the Free plan allows, where it has a number (the page's table).
FREE_PLAN: dict[str, int] = {"cache_behaviors": 5, "waf_rules": 5, "request_body_kb": 16}

# AWS managed policies, by their fixed ids (the Developer Guide's "Use managed ... policies" pages). Any other
# policy is custom: custom cache, origin request and response header rules come with the Business plan.
_MANAGED_CACHE_POLICIES = {
    "658327ea-f89d-4fab-a63d-7e88639e58f6",  # CachingOptimized
    "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",  # CachingDisabled
    "b2884449-e4de-46a7-ac36-70bc7f1ddd6d",  # CachingOptimizedForUncompressedObjects
    "83da9c7e-98b4-4e11-a168-04f0df8e2c65",  # UseOriginCacheControlHeaders
    "4cc15a8a-d715-48a4-82b8-cc0b614638fe",  # UseOriginCacheControlHeaders-QueryStrings
}
_MANAGED_ORIGIN_REQUEST_POLICIES = {
    "216adef6-5c7f-47e4-b989-5492eafa07d3",  # AllViewer
    "b689b0a8-53d0-40ab-baf2-68738e2966ac",  # AllViewerExceptHostHeader
    "33f36d7e-f396-46d9-90e0-52428a34d9dc",  # AllViewerAndCloudFrontHeaders-2022-06
    "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",  # CORS-S3Origin
    "59781a5b-3903-41f3-afcb-af62929ccde1",  # CORS-CustomOrigin
    "acba4595-bd28-49b8-b9fe-13317c0390fa",  # UserAgentRefererHeaders
}
_MANAGED_RESPONSE_HEADERS_POLICIES = {
    "67f7725c-6f97-4210-82d7-5512b31e9d03",  # SecurityHeadersPolicy
    "60669652-455b-4ae9-85a4-c4c02393f86c",  # SimpleCORS
    "5cc3b908-e619-4b99-88e5-2cf7f45965bd",  # CORS-With-Preflight
    "e61eb60c-9c35-4d20-a928-2b84e02af89c",  # CORS-and-SecurityHeadersPolicy
    "eaab4381-ed33-4a86-88ca-d9558dc6cd63",  # CORS-with-preflight-and-SecurityHeadersPolicy
}
_POLICIES = (
    ("CachePolicyId", _MANAGED_CACHE_POLICIES, "a custom cache policy (Business plan and up)"),
    (
        "OriginRequestPolicyId",
        _MANAGED_ORIGIN_REQUEST_POLICIES,
        "a custom origin request policy (Business plan and up)",
    ),
    (
        "ResponseHeadersPolicyId",
        _MANAGED_RESPONSE_HEADERS_POLICIES,
        "a custom response headers policy (Business plan and up)",
    ),
)
# Per cache behavior: legacy or unsupported settings (the page's "Unsupported features"), and Lambda@Edge, which a
# plan allows but bills at pay-as-you-go rates on top.
_BEHAVIOR_KEYS = {
    "ForwardedValues": "legacy ForwardedValues (use an origin request policy)",
    "MinTTL": "legacy cache settings (use a cache policy)",
    "DefaultTTL": "legacy cache settings (use a cache policy)",
    "MaxTTL": "legacy cache settings (use a cache policy)",
    "RealtimeLogConfigArn": "real-time access logs (no plan)",
    "FieldLevelEncryptionId": "field-level encryption (no plan)",
    "LambdaFunctionAssociations": "Lambda@Edge (billed outside the plan)",
}
# AWS managed rule groups the Free plan lacks: use-case protections (Pro), Bot Control and anti-DDoS (Business),
# account takeover and creation fraud prevention (no plan).
_MANAGED_RULE_GROUPS_BEYOND_FREE = {
    "AWSManagedRulesPHPRuleSet": "Pro",
    "AWSManagedRulesWordPressRuleSet": "Pro",
    "AWSManagedRulesSQLiRuleSet": "Pro",
    "AWSManagedRulesLinuxRuleSet": "Pro",
    "AWSManagedRulesUnixRuleSet": "Pro",
    "AWSManagedRulesWindowsRuleSet": "Pro",
    "AWSManagedRulesBotControlRuleSet": "Business",
    "AWSManagedRulesAntiDDoSRuleSet": "Business",
    "AWSManagedRulesATPRuleSet": "no",
    "AWSManagedRulesACFPRuleSet": "no",
}
_HEADER_FIELDS = {"SingleHeader", "Headers", "HeaderOrder"}
_REGEX_STATEMENTS = {"RegexMatchStatement", "RegexPatternSetReferenceStatement"}


def plan_default(waf_template: Mapping[str, Any] | None) -> str:
    """The plan the WAF stack subscribes the distribution to unless told otherwise (``CloudFrontPricingPlan``)."""
    parameters = (waf_template or {}).get("Parameters") or {}
    return str((parameters.get("CloudFrontPricingPlan") or {}).get("Default", "PAY_AS_YOU_GO"))


def free_plan_blockers(template: Mapping[str, Any], waf_template: Mapping[str, Any] | None) -> list[str]:
    """What keeps the distribution (``template``) and the web ACL (``waf_template``) off the Free plan, each with
    where it is and why; empty when both fit."""
    resources = template.get("Resources") or {}
    found: list[str] = []
    for name, resource in resources.items():
        kind = resource.get("Type")
        if kind == "AWS::CloudFront::RealtimeLogConfig":
            found.append(f"{name}: real-time access logs (no plan)")
        elif kind in ("AWS::CloudFront::DistributionTenant", "AWS::CloudFront::AnycastIpList"):
            found.append(f"{name}: {kind} (no plan)")
        elif kind == "AWS::CloudFront::Distribution":
            config = (resource.get("Properties") or {}).get("DistributionConfig") or {}
            found += [f"{name}: {problem}" for problem in (*_behaviors(config), *_distribution(config))]
    for name, resource in ((waf_template or {}).get("Resources") or {}).items():
        if resource.get("Type") == "AWS::WAFv2::WebACL":
            found += [f"{name}: {problem}" for problem in _web_acl(resource.get("Properties") or {})]
    return found


def _behaviors(config: Mapping[str, Any]) -> Iterator[str]:
    behaviors = [config.get("DefaultCacheBehavior") or {}, *(config.get("CacheBehaviors") or [])]
    if len(behaviors) > FREE_PLAN["cache_behaviors"]:
        yield f"{len(behaviors)} cache behaviors (the Free plan allows {FREE_PLAN['cache_behaviors']})"
    for behavior in behaviors:
        where = behavior.get("PathPattern", "default behavior")
        for key, managed, what in _POLICIES:
            policy = behavior.get(key)
            if policy is not None and not (isinstance(policy, str) and policy in managed):
                yield f"{where}: {key} {_name(policy)} is {what}"
        for key, what in _BEHAVIOR_KEYS.items():
            if behavior.get(key):
                yield f"{where}: {what}"


def _distribution(config: Mapping[str, Any]) -> Iterator[str]:
    for leaf in _leaves(config):
        if leaf in ("ContinuousDeploymentPolicyId", "Staging", "AnycastIpListId", "TenantConfig"):
            yield f"{leaf}: continuous deployment, Anycast static IPs or multi-tenancy (no plan)"
    if config.get("ConnectionMode") == "tenant-only":
        yield "ConnectionMode tenant-only: a multi-tenant distribution (no plan)"
    certificate = config.get("ViewerCertificate") or {}
    for branch in _branches(certificate):
        if branch.get("IamCertificateId"):
            yield "ViewerCertificate: an IAM server certificate (use ACM)"
        if branch.get("SslSupportMethod") == "vip":
            yield "ViewerCertificate: dedicated IP SSL (no plan)"
    for origin in config.get("Origins") or []:
        if ((origin.get("S3OriginConfig") or {}).get("OriginAccessIdentity") or "") != "":
            yield f"origin {origin.get('Id')}: an origin access identity (use origin access control)"
        if (origin.get("OriginShield") or {}).get("Enabled"):
            yield f"origin {origin.get('Id')}: Origin Shield (Premium plan)"
        if origin.get("VpcOriginConfig"):
            yield f"origin {origin.get('Id')}: a VPC origin (Business plan and up)"
    if config.get("OriginGroups"):
        yield "OriginGroups: origin failover (Premium plan)"
    if config.get("WebACLId") is None:
        yield "no web ACL: a plan needs one associated with the distribution"


def _web_acl(properties: Mapping[str, Any]) -> Iterator[str]:
    rules = properties.get("Rules") or []
    if len(rules) > FREE_PLAN["waf_rules"]:
        yield f"{len(rules)} WAF rules (the Free plan allows {FREE_PLAN['waf_rules']})"
    if properties.get("CustomResponseBodies"):
        yield "custom response bodies (Pro plan and up)"
    body = ((properties.get("AssociationConfig") or {}).get("RequestBody") or {}).get("CLOUDFRONT") or {}
    if body.get("DefaultSizeInspectionLimit", "KB_16") != "KB_16":
        yield f"request body inspection {body['DefaultSizeInspectionLimit']} (the Free plan inspects 16 KB)"
    for rule in rules:
        where = f"rule {rule.get('Name')}"
        action = rule.get("Action") or {}
        if "Captcha" in action:
            yield f"{where}: CAPTCHA (Pro plan and up)"
        if "Challenge" in action:
            yield f"{where}: JavaScript challenge (Business plan and up)"
        if (action.get("Block") or {}).get("CustomResponse"):
            yield f"{where}: a custom WAF response (Pro plan and up)"
        yield from (f"{where}: {problem}" for problem in _statement(rule.get("Statement") or {}))


def _statement(statement: Any) -> Iterator[str]:
    """Every nested statement of a rule: scope-down, And/Or/Not, rate-based keys."""
    if isinstance(statement, list):
        for item in statement:
            yield from _statement(item)
        return
    if not isinstance(statement, dict):
        return
    for key, value in statement.items():
        if key == "RuleGroupReferenceStatement":
            yield "a rule group of our own (no plan: write the rules into the web ACL)"
        elif key in _REGEX_STATEMENTS:
            yield f"{key}: regex-based filtering (Business plan and up)"
        elif key == "FieldToMatch" and isinstance(value, dict) and _HEADER_FIELDS & value.keys():
            yield "a match on request headers (Pro plan and up)"
        elif key == "ManagedRuleGroupStatement" and isinstance(value, dict):
            if value.get("VendorName") != "AWS":
                yield f"partner managed rules {value.get('VendorName')}/{value.get('Name')} (no plan)"
            elif value.get("Name") in _MANAGED_RULE_GROUPS_BEYOND_FREE:
                yield f"{value['Name']} ({_MANAGED_RULE_GROUPS_BEYOND_FREE[value['Name']]} plan)"
        yield from _statement(value)


def _leaves(node: Mapping[str, Any]) -> Iterator[str]:
    for key, value in node.items():
        if value not in (None, "", False):
            yield key


def _branches(node: Any) -> list[dict[str, Any]]:
    """Both branches of an ``Fn::If``: either may be deployed."""
    if isinstance(node, dict) and "Fn::If" in node:
        return [branch for branch in node["Fn::If"][1:] if isinstance(branch, dict)]
    return [node] if isinstance(node, dict) else []


def _name(policy: Any) -> str:
    if isinstance(policy, dict):
        reference = policy.get("Ref") or policy.get("Fn::GetAtt")
        return str(reference[0] if isinstance(reference, list) else reference)
    return str(policy)
