"""template.yaml translates offline and declares what the service and the local stack rely on."""

from __future__ import annotations

from collections import Counter
from typing import Any

Template = dict[str, Any]

# The local stack (infrastructure/local) reads these logical IDs from template.yaml: renaming one breaks it.
LOGICAL_IDS_THE_LOCAL_STACK_READS = {
    "SessionTable",
    "ControlCodeKey",
    "DataKey",
    "ProofBucket",
    "ProofBucketPolicy",
    "StaffUserPool",
    "StaffUserPoolClient",
    "StaffLookupUserGroup",
    "HttpApi",
    "SessionsFunction",
    "CodeCheckFunction",
    "OutcomeFunction",
    "DigidFunction",
    "SiteBucket",
    "SiteBucketPolicy",
    "SiteOriginAccessControl",
    "SecurityHeadersPolicy",
    "SiteDistribution",
}


def count_types(template: Template) -> Counter[str]:
    return Counter(resource["Type"] for resource in template["Resources"].values())


def test_the_template_translates_offline_into_the_expected_resources(cfn_template: Template) -> None:
    # Given the SAM template translated in-process (conftest), without AWS
    # When we count what CloudFormation would create
    types = count_types(cfn_template)

    # Then every part of the service is there, in the numbers we expect
    expected = {
        "AWS::Lambda::Function": 4 + 1 + 1 + 1,  # + the audit forwarder + proof delivery + the live status
        "AWS::IAM::Role": 4 + 1 + 1 + 1,  # the functions' (no pipe: the proofs function forwards new proof records)
        "AWS::ApiGatewayV2::Api": 1 + 1,  # the HTTP API and the live status's WebSocket API
        "AWS::ApiGatewayV2::Stage": 1 + 1,
        "AWS::ApiGatewayV2::Route": 1,  # the WebSocket API's $connect
        # 15 routes + sweep + openapi.json + logs to the forwarder + proofs + the live ticket and $connect
        "AWS::Lambda::Permission": 16 + 2 + 1 + 2,
        "AWS::Events::Rule": 1,
        "AWS::DynamoDB::Table": 1,
        "AWS::KMS::Key": 3,  # control code, data, pseudonym
        "AWS::S3::Bucket": 3,  # proofs, site, their access logs
        "AWS::S3::BucketPolicy": 3,
        "AWS::Cognito::UserPool": 1,
        "AWS::Cognito::UserPoolClient": 1,
        "AWS::Cognito::UserPoolGroup": 1,
        "AWS::CloudFront::Distribution": 1,
        "AWS::CloudFront::OriginAccessControl": 1,
        "AWS::CloudFront::ResponseHeadersPolicy": 1,
        "AWS::CloudFront::OriginRequestPolicy": 1 + 1,
        "AWS::CloudFront::Function": 1,  # the live status's paths to the WebSocket API's root
        "AWS::ApiGatewayV2::DomainName": 1 + 1,
        "AWS::ApiGatewayV2::ApiMapping": 1 + 1,
        "AWS::Logs::LogGroup": 7 + 3,  # one per function + both APIs' access logs + the audit trail
        "AWS::Logs::SubscriptionFilter": 6,  # audit lines of the API, delivery and live functions to the forwarder
        "AWS::SQS::Queue": 4,  # proof delivery, its dead-letter queue, failed live pushes, failed proof hand-overs
        "AWS::Lambda::EventSourceMapping": 3,  # proof queue, session changes (live), new proof records (proofs)
        "AWS::Logs::QueryDefinition": 4,
        "AWS::SNS::Topic": 1,
        "AWS::CloudWatch::Alarm": 5 + 1,  # + proofs in the dead-letter queue
        "AWS::CloudWatch::Dashboard": 1,
    }
    assert {kind: types[kind] for kind in expected} == expected
    assert not [kind for kind in types if kind.startswith("AWS::Serverless::")]


def test_the_logical_ids_the_local_stack_reads_keep_their_names(sam_template: Template) -> None:
    # Given the template as written (the local stack reads it before any transform)
    # When we list its logical IDs
    declared = set(sam_template["Resources"])

    # Then none of the agreed names is missing
    assert LOGICAL_IDS_THE_LOCAL_STACK_READS - declared == set()


def test_the_staff_user_pool_exists_only_without_an_external_issuer(sam_template: Template) -> None:
    # Given the staff login resources
    resources = sam_template["Resources"]
    pool_resources = ["StaffUserPool", "StaffUserPoolClient", "StaffLookupUserGroup"]

    # When we read their conditions
    conditions = {name: resources[name].get("Condition") for name in pool_resources}

    # Then they are all created exactly when StaffOidcIssuer is empty
    assert set(conditions.values()) == {"UseStaffUserPool"}
    assert sam_template["Conditions"]["UseStaffUserPool"] == {"Fn::Equals": [{"Ref": "StaffOidcIssuer"}, ""]}


def test_deployment_settings_have_the_agreed_defaults_and_limits(sam_template: Template) -> None:
    # Given the template's parameters
    parameters = sam_template["Parameters"]

    # When we look at the settings with a default or a limit
    # Then they are the ones in the brief
    assert parameters["MinimumLoa"]["AllowedValues"] == ["basis", "midden", "substantieel", "hoog"]
    assert parameters["MinimumLoa"]["Default"] == "midden"
    assert (
        parameters["SessionLifetimeMinutes"]["Default"],
        parameters["SessionLifetimeMinutes"]["MinValue"],
        parameters["SessionLifetimeMinutes"]["MaxValue"],
    ) == (30, 5, 120)
    assert parameters["Gemeentecode"]["AllowedPattern"] == "^[0-9]{4}$"
    assert parameters["SiteUrl"]["AllowedPattern"] == "^https://[a-z0-9.-]+$"
    assert "Default" not in parameters["SiteUrl"]
    assert parameters["AllowPasswordAuth"]["Default"] == "false"
    assert parameters["StaffLookupGroup"]["Default"] == "zaak-opzoeken"
    assert parameters["DigidRequestBinding"]["AllowedValues"] == ["redirect", "post"]
    assert parameters["DigidEnvironment"]["AllowedValues"] == ["preproduction", "production"]
    for optional in ("SiteCertificateArn", "StaffOidcIssuer", "StaffOidcAudience"):
        assert parameters[optional]["Default"] == ""


def test_an_external_issuer_cannot_be_deployed_without_an_audience(sam_template: Template) -> None:
    # Given the template's rules
    rule = sam_template["Rules"]["ExternalIssuerNeedsAudience"]

    # When the issuer is set
    # Then CloudFormation asserts that the audience is set too
    assert rule["RuleCondition"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "StaffOidcIssuer"}, ""]}]}
    assert rule["Assertions"][0]["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "StaffOidcAudience"}, ""]}]}


def test_the_outputs_name_what_deployers_and_the_site_need(cfn_template: Template) -> None:
    # Given the translated template
    # When we list its outputs
    outputs = set(cfn_template["Outputs"])

    # Then the agreed ones are all there
    assert {
        "SiteUrl",
        "ApiOriginDomainName",
        "SessionTableName",
        "UserPoolId",
        "UserPoolClientId",
        "ProofBucketName",
        "SiteBucketName",
        "DistributionId",
    } <= outputs
