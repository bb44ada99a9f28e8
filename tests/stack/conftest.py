"""Tests of the local stack itself, with a small template and a fake handler (not the project's functions).

``sample_stack`` is one running stack per module; tests that start and stop stacks themselves use
``sample_template``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from infrastructure.local import LocalStack

# One public and one JWT route (plus a few more to exercise the gateway), a table, an HMAC key, the staff pool.
SAMPLE_TEMPLATE = textwrap.dedent("""\
    AWSTemplateFormatVersion: "2010-09-09"
    Transform: AWS::Serverless-2016-10-31
    Parameters:
      MunicipalityName:
        Type: String
      Gemeentecode:
        Type: String
        AllowedPattern: "^[0-9]{4}$"
      AllowPasswordAuth:
        Type: String
        AllowedValues: ["true", "false"]
        Default: "false"
      StaffLookupGroup:
        Type: String
        Default: zaak-opzoeken
    Conditions:
      PasswordAuthAllowed: !Equals [!Ref AllowPasswordAuth, "true"]
    Globals:
      Function:
        CodeUri: fns/
        MemorySize: 256
        Timeout: 7
        Environment:
          Variables:
            TABLE_NAME: !Ref Table
            MUNICIPALITY_NAME: !Ref MunicipalityName
            KEY_ARN: !GetAtt Key.Arn
    Resources:
      Table:
        Type: AWS::DynamoDB::Table
        Properties:
          BillingMode: PAY_PER_REQUEST
          AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
          KeySchema: [{AttributeName: pk, KeyType: HASH}]
          TimeToLiveSpecification: {AttributeName: ttl, Enabled: true}
      Key:
        Type: AWS::KMS::Key
        Properties:
          KeySpec: HMAC_256
          KeyUsage: GENERATE_VERIFY_MAC
      Pool:
        Type: AWS::Cognito::UserPool
        Properties:
          UserPoolName: !Sub ${AWS::StackName}-staff
          UsernameAttributes: [email]
          AdminCreateUserConfig: {AllowAdminCreateUserOnly: true}
          Schema:
            - {Name: email, AttributeDataType: String, Required: true, Mutable: true}
            - {Name: name, AttributeDataType: String, Required: true, Mutable: true}
          Policies:
            PasswordPolicy: {MinimumLength: 12, RequireSymbols: true}
      PoolClient:
        Type: AWS::Cognito::UserPoolClient
        Properties:
          UserPoolId: !Ref Pool
          GenerateSecret: false
          ExplicitAuthFlows:
            - ALLOW_REFRESH_TOKEN_AUTH
            - !If [PasswordAuthAllowed, ALLOW_USER_PASSWORD_AUTH, !Ref AWS::NoValue]
      LookupGroup:
        Type: AWS::Cognito::UserPoolGroup
        Properties:
          UserPoolId: !Ref Pool
          GroupName: !Ref StaffLookupGroup
      Api:
        Type: AWS::Serverless::HttpApi
        Properties:
          Auth:
            DefaultAuthorizer: StaffAuthorizer
            Authorizers:
              StaffAuthorizer:
                IdentitySource: $request.header.Authorization
                JwtConfiguration:
                  issuer: !Sub https://cognito-idp.${AWS::Region}.amazonaws.com/${Pool}
                  audience: [!Ref PoolClient]
      EchoFunction:
        Type: AWS::Serverless::Function
        Properties:
          Handler: echo_fn.handler.lambda_handler
          Environment:
            Variables:
              ECHO_ONLY: "yes"
          Events:
            Public:
              Type: HttpApi
              Properties: {ApiId: !Ref Api, Method: GET, Path: "/api/public/things/{id}", Auth: {Authorizer: NONE}}
            Private:
              Type: HttpApi
              Properties: {ApiId: !Ref Api, Method: GET, Path: "/api/things/{id}", Auth: {Authorizer: StaffAuthorizer}}
            Scoped:
              Type: HttpApi
              Properties:
                ApiId: !Ref Api
                Method: GET
                Path: /api/scoped
                Auth: {Authorizer: StaffAuthorizer, AuthorizationScopes: [beeldbellen/admin]}
            Post:
              Type: HttpApi
              Properties: {ApiId: !Ref Api, Method: POST, Path: /api/public/echo, Auth: {Authorizer: NONE}}
            Shaped:
              Type: HttpApi
              Properties: {ApiId: !Ref Api, Method: GET, Path: "/api/public/shaped/{kind}", Auth: {Authorizer: NONE}}
            Digid:
              Type: HttpApi
              Properties: {ApiId: !Ref Api, Method: GET, Path: /digid/start, Auth: {Authorizer: NONE}}
      SecurityHeadersPolicy:
        Type: AWS::CloudFront::ResponseHeadersPolicy
        Properties:
          ResponseHeadersPolicyConfig:
            Name: !Sub ${AWS::StackName}-security-headers
            SecurityHeadersConfig:
              ContentSecurityPolicy: {ContentSecurityPolicy: "default-src 'self'; frame-ancestors 'none'", Override: true}
              StrictTransportSecurity: {AccessControlMaxAgeSec: 63072000, IncludeSubdomains: true, Preload: true,
                                        Override: true}
              ContentTypeOptions: {Override: true}
              FrameOptions: {FrameOption: DENY, Override: true}
              ReferrerPolicy: {ReferrerPolicy: no-referrer, Override: true}
            CustomHeadersConfig:
              Items:
                - {Header: Permissions-Policy, Value: "camera=(), microphone=()", Override: true}
                - {Header: Cache-Control, Value: no-cache, Override: false}
""")

# The fake function: echoes what it received, or answers in the shape a test asks for.
ECHO_HANDLER = textwrap.dedent("""\
    import base64
    import json
    import os


    def lambda_handler(event, context):
        kind = (event.get("pathParameters") or {}).get("kind")
        if kind == "boom":
            raise RuntimeError("the fake handler failed on purpose")
        if kind == "plain":
            return {"plain": True}
        if kind == "binary":
            return {"statusCode": 200, "headers": {"content-type": "application/octet-stream"},
                    "body": base64.b64encode(bytes([0, 255, 1])).decode(), "isBase64Encoded": True}
        if kind == "cookies":
            return {"statusCode": 302, "headers": {"Location": "/next", "Cache-Control": "no-store"},
                    "cookies": ["result=abc; HttpOnly; Secure; Path=/", "other=1"], "body": ""}
        if kind == "invalid":
            return {"statusCode": "two hundred"}
        body = {
            "event": event,
            "context": {
                "function_name": context.function_name,
                "memory_limit_in_mb": context.memory_limit_in_mb,
                "invoked_function_arn": context.invoked_function_arn,
                "aws_request_id": context.aws_request_id,
                "remaining_ms": context.get_remaining_time_in_millis(),
            },
            "environ": {name: os.environ.get(name) for name in
                        ("TABLE_NAME", "MUNICIPALITY_NAME", "KEY_ARN", "ECHO_ONLY", "AWS_ENDPOINT_URL")},
        }
        return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}
""")


@dataclass(frozen=True)
class SampleProject:
    root: Path
    template: Path
    static_dir: Path
    outside_file: Path  # a file next to static_site/ that must never be served


def write_sample_project(root: Path) -> SampleProject:
    (root / "fns" / "echo_fn").mkdir(parents=True)
    (root / "fns" / "echo_fn" / "__init__.py").write_text("")
    (root / "fns" / "echo_fn" / "handler.py").write_text(ECHO_HANDLER)
    template = root / "template.yaml"
    template.write_text(SAMPLE_TEMPLATE)
    static_dir = root / "static_site"
    (static_dir / "assets").mkdir(parents=True)
    (static_dir / "index.html").write_text("<!doctype html><title>Start</title><p>Startpagina</p>\n")
    (static_dir / "assets" / "app.js").write_text("console.log('ok');\n")
    (static_dir / "assets" / "site.css").write_text("body { margin: 0; }\n")
    (static_dir / ".hidden").write_text("not for visitors\n")
    outside = root / "secret.txt"
    outside.write_text("outside the site\n")
    return SampleProject(root, template, static_dir, outside)


def sample_stack_for(project: SampleProject, **options: object) -> LocalStack:
    return LocalStack(
        port=0,
        template_path=project.template,
        static_dir=project.static_dir,
        components=[],
        parameters={"MunicipalityName": "Gemeente Testdorp"},  # over the local default "Gemeente Voorbeeld"
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
def sample_project(tmp_path: Path) -> SampleProject:
    return write_sample_project(tmp_path)


@pytest.fixture(scope="module")
def module_project(tmp_path_factory: pytest.TempPathFactory) -> SampleProject:
    return write_sample_project(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def sample_stack(module_project: SampleProject) -> Iterator[LocalStack]:
    with sample_stack_for(module_project) as stack:
        yield stack
