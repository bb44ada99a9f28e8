"""What security auditors check, read from the CloudFormation template that the SAM transform produces.

DigiD ICT-beveiligingsassessment (U/PW.03: no unsafe-inline/unsafe-eval), BIO (least privilege, retention of
logs), the DPIA (data minimisation, expiry, encryption at rest and in transit).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

Template = dict[str, Any]

STAFF = "StaffAuthorizer"
PUBLIC = "NONE"

# Every route of the HTTP contract (DESIGN.md): which function serves it, and who may call it.
ROUTES: dict[tuple[str, str], tuple[str, str]] = {
    ("POST", "/api/sessions"): ("SessionsFunction", STAFF),
    ("GET", "/api/sessions"): ("SessionsFunction", STAFF),
    ("GET", "/api/sessions/{id}"): ("SessionsFunction", STAFF),
    ("GET", "/api/identifications/{zaak_number}"): ("SessionsFunction", STAFF),
    ("GET", "/api/public/sessions/{id}"): ("SessionsFunction", PUBLIC),
    ("GET", "/api/public/result"): ("SessionsFunction", PUBLIC),
    ("DELETE", "/api/public/result"): ("SessionsFunction", PUBLIC),
    ("POST", "/api/public/result/extend"): ("SessionsFunction", PUBLIC),
    ("GET", "/api/openapi.json"): ("SessionsFunction", PUBLIC),
    ("POST", "/api/sessions/{id}/check"): ("CodeCheckFunction", STAFF),
    ("POST", "/api/sessions/{id}/complete"): ("OutcomeFunction", STAFF),
    ("DELETE", "/api/sessions/{id}"): ("OutcomeFunction", STAFF),
    ("GET", "/digid/login"): ("DigidFunction", PUBLIC),
    ("GET", "/digid/acs"): ("DigidFunction", PUBLIC),
    ("POST", "/digid/acs"): ("DigidFunction", PUBLIC),
    ("GET", "/digid/metadata"): ("DigidFunction", PUBLIC),
    ("GET", "/api/proofs/{document_id}"): ("ProofsFunction", STAFF),
    ("POST", "/api/sessions/{id}/live"): ("LiveFunction", STAFF),
}

FUNCTIONS = [
    "SessionsFunction",
    "CodeCheckFunction",
    "OutcomeFunction",
    "DigidFunction",
    "AuditForwarderFunction",
    "ProofsFunction",
    "LiveFunction",
]

# Least privilege: exactly these actions per function role, each on the named resources only.
PERMISSIONS: dict[str, dict[str, set[str]]] = {
    "SessionsFunction": {
        "SessionTable": {
            "dynamodb:GetItem",
            "dynamodb:BatchGetItem",  # the resident's result page: its result and its session in one read
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:Scan",
        },
        # the resident key: code (v2) and pseudonym from one MAC; no control code key (v1 is computed at login only)
        "PseudonymKey": {"kms:GenerateMac"},
        "DataKey": {"kms:Decrypt"},
    },
    # the right code: one conditional UpdateItem (SessionRepository.verify); a wrong one: the refused update's item
    # (ReturnValuesOnConditionCheckFailure, no read), then a conditional Put
    "CodeCheckFunction": {"SessionTable": {"dynamodb:PutItem", "dynamodb:UpdateItem"}},
    "OutcomeFunction": {
        "SessionTable": {
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",  # the close: one transaction, the session's conditional update and its proof
            "dynamodb:Scan",  # the sweep: expired records, deleted by BatchWriteItem
            "dynamodb:BatchWriteItem",
            "dynamodb:Query",  # the sparse index PendingProofs only
        },
        "ProofQueue": {"sqs:SendMessage"},  # the sweep only: a close's proof goes by the stream trigger
    },
    "DigidFunction": {
        "SessionTable": {
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:TransactWriteItems",
            "dynamodb:ConditionCheckItem",
        },
        "ControlCodeKey": {"kms:GenerateMac"},
        "PseudonymKey": {"kms:GenerateMac"},
        "DataKey": {"kms:Encrypt"},
        "DigidIdpMetadataParameter": {"ssm:GetParameter"},
        "DigidSigningSecretArn": {"secretsmanager:GetSecretValue"},
        "DigidTlsClientSecretArn": {"secretsmanager:GetSecretValue"},
    },
    # Issue 5: makes and stores the proof, reads the sealed BSN of flow A, delivers to ZGW (zgw mode only).
    # And forwards each new proof record from the table's stream to the proof queue (its trigger).
    "ProofsFunction": {
        "SessionTable": {
            "dynamodb:GetItem",
            "dynamodb:UpdateItem",
            # gathering a closed session's facts: the record's message, the session's tombstone
            "dynamodb:PutItem",
            "dynamodb:DescribeStream",
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
            "dynamodb:ListStreams",
        },
        "ProofHandOverFailureQueue": {"sqs:SendMessage"},
        "ProofBucket": {"s3:PutObject", "s3:GetObject"},
        "DataKey": {"kms:Decrypt", "kms:GenerateDataKey"},
        "ZgwSecretArn": {"secretsmanager:GetSecretValue"},
        "ProofQueue": {
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "sqs:ChangeMessageVisibility",
            "sqs:SendMessage",
        },
    },
    "AuditForwarderFunction": {"AuditLogGroup": {"logs:CreateLogStream", "logs:PutLogEvents"}},
    # The live status: authorises connections (sessions, results), keeps them (live records), reads the session
    # stream, opens flow A/C's BSN for the official's page as GET /api/sessions/{id} does, and pushes.
    "LiveFunction": {
        "SessionTable": {
            "dynamodb:GetItem",
            "dynamodb:UpdateItem",
            "dynamodb:BatchGetItem",
            "dynamodb:DescribeStream",
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
            "dynamodb:ListStreams",
        },
        "DataKey": {"kms:Decrypt"},
        "LiveApi": {"execute-api:ManageConnections"},
        "LiveFailureQueue": {"sqs:SendMessage"},
    },
}

# The one managed policy SAM attaches to every function role: CloudWatch Logs CreateLogGroup/CreateLogStream/
# PutLogEvents on "*". Accepted: it is how Lambda writes its own logs; it grants no access to any data.
# Tracing: Active (when a deployer turns it on) adds AWSXrayWriteOnlyAccess (PutTraceSegments/PutTelemetryRecords on "*"; X-Ray has no
# resource-level permissions). Accepted: it writes trace segments only and reads nothing.
ACCEPTED_MANAGED_POLICIES = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
}

GLOBAL_ENVIRONMENT = {
    "ORIGIN_VERIFY_TOKEN",
    "TABLE_NAME",
    "MUNICIPALITY_NAME",
    "GEMEENTECODE",
    "MINIMUM_LOA",
    "SESSION_LIFETIME_MINUTES",
    "SITE_URL",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
    "POWERTOOLS_LOGGER_LOG_EVENT",
}
FUNCTION_ENVIRONMENT = {
    "SessionsFunction": {"DATA_KEY_ID", "PSEUDONYM_KEY_ID", "STAFF_LOOKUP_GROUP"},
    "CodeCheckFunction": set(),
    "OutcomeFunction": {"PROOF_QUEUE_URL", "PROOF_RETENTION_DAYS"},
    "LiveFunction": {"DATA_KEY_ID", "LIVE_ENDPOINT"},
    "AuditForwarderFunction": {"AUDIT_LOG_GROUP"},
    "ProofsFunction": {
        "DATA_KEY_ID",
        "PROOF_BUCKET",
        "PROOF_QUEUE_URL",
        "PROOF_MAX_RECEIVES",
        "STAFF_LOOKUP_GROUP",
        "BACK_OFFICE_MODE",
        "ZGW_ZAKEN_API",
        "ZGW_DOCUMENTEN_API",
        "ZGW_ZAAKTYPE",
        "ZGW_ROLTYPE_INITIATOR",
        "ZGW_INFORMATIEOBJECTTYPE",
        "ZGW_RSIN",
        "ZGW_VERTROUWELIJKHEID",
        "ZGW_SECRET_ARN",
        "ZGW_STATUSTYPE",
        "ZGW_RESULTAATTYPE",
        "ZGW_IDENTIFICATIE_PREFIX",
    },
    "DigidFunction": {
        "CONTROL_CODE_KEY_ID",
        "DATA_KEY_ID",
        "PSEUDONYM_KEY_ID",
        "DIGID_ENVIRONMENT",
        "DIGID_SP_ENTITY_ID",
        "DIGID_IDP_METADATA_PARAMETER",
        "DIGID_SIGNING_SECRET_ARN",
        "DIGID_TLS_CLIENT_SECRET_ARN",
        "DIGID_REQUEST_BINDING",
        "DIGID_POST_BINDING",
    },
}


def resources_of_type(template: Template, resource_type: str) -> dict[str, Template]:
    return {name: res for name, res in template["Resources"].items() if res["Type"] == resource_type}


def props(template: Template, logical_id: str) -> Template:
    return template["Resources"][logical_id]["Properties"]  # type: ignore[no-any-return]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def referenced_names(value: Any) -> set[str]:
    """Logical IDs and parameters a CloudFormation value points at (Ref, GetAtt, ${...} in Sub)."""
    if isinstance(value, dict):
        if "Ref" in value:
            return {value["Ref"]}
        if "Fn::GetAtt" in value:
            return {value["Fn::GetAtt"][0]}
        if "Fn::Sub" in value:
            text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
            return {name.split(".")[0] for name in re.findall(r"\$\{([^}!]+)\}", text) if "::" not in name}
        return set().union(*(referenced_names(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(referenced_names(v) for v in value)) if value else set()
    return set()


def api_routes(template: Template) -> dict[tuple[str, str], tuple[str, str]]:
    """(method, path) -> (function, authorizer) from the HttpApi's OpenAPI body."""
    body = props(template, "HttpApi")["Body"]
    routes = {}
    for path, methods in body["paths"].items():
        for method, operation in methods.items():
            uri = operation["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
            function = re.search(r"\$\{(\w+)\.Arn\}", uri).group(1)  # type: ignore[union-attr]
            security = operation.get("security", [])
            authorizers = [name for requirement in security for name in requirement]
            assert len(authorizers) == 1, f"{method.upper()} {path} must name exactly one authorizer"
            routes[(method.upper(), path)] = (function, authorizers[0])
    return routes


def _unconditional(statements: list[Any]) -> list[Template]:
    """Statements behind ``Fn::If`` (e.g. the ZGW secret in zgw mode) count as granted: the strictest reading."""
    flat: list[Template] = []
    for statement in statements:
        if isinstance(statement, dict) and "Fn::If" in statement:
            flat += _unconditional([b for b in statement["Fn::If"][1:] if b != {"Ref": "AWS::NoValue"}])
        else:
            flat.append(statement)
    return flat


def allow_statements(role: Template) -> list[Template]:
    return [
        statement
        for policy in role["Properties"].get("Policies", [])
        for statement in _unconditional(policy["PolicyDocument"]["Statement"])
        if statement["Effect"] == "Allow"
    ]


def function_role(template: Template, function: str) -> Template:
    (role_name,) = referenced_names(props(template, function)["Role"])
    return template["Resources"][role_name]  # type: ignore[no-any-return]


# ---------------------------------------------------------------- functions


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_runs_python_3_13_on_arm64(cfn_template: Template, function: str) -> None:
    # Given a function of the service
    # When we read its runtime settings
    properties = props(cfn_template, function)

    # Then it targets the runtime the Makefile builds for
    assert properties["Runtime"] == "python3.13"
    assert properties["Architectures"] == ["arm64"]


def test_there_are_exactly_the_functions_this_file_checks(cfn_template: Template) -> None:
    # Given the translated template
    # When we list its Lambda functions
    functions = set(resources_of_type(cfn_template, "AWS::Lambda::Function"))

    # Then there is no function this file does not check
    assert functions == set(FUNCTIONS)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_gets_exactly_the_settings_it_reads(cfn_template: Template, function: str) -> None:
    # Given a function
    # When we read its environment
    variables = set(props(cfn_template, function)["Environment"]["Variables"])

    # Then it is the shared settings plus its own, nothing more (no secrets in the environment: ARNs only)
    assert variables == GLOBAL_ENVIRONMENT | FUNCTION_ENVIRONMENT[function]


def test_functions_take_the_site_url_from_the_parameter_not_the_distribution(cfn_template: Template) -> None:
    # Given the functions' environments
    # When we look at SITE_URL
    values = {function: props(cfn_template, function)["Environment"]["Variables"]["SITE_URL"] for function in FUNCTIONS}

    # Then it is the SiteUrl parameter (the distribution depends on the API: the other way round is a cycle)
    assert set(map(str, values.values())) == {str({"Ref": "SiteUrl"})}


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_logs_to_its_own_group_with_the_configured_retention(
    cfn_template: Template, function: str
) -> None:
    # Given a function
    # When we follow its LoggingConfig to the log group
    (group,) = referenced_names(props(cfn_template, function)["LoggingConfig"]["LogGroup"])
    log_group = cfn_template["Resources"][group]

    # Then that group is declared in the template and keeps logs as long as the deployment says
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert log_group["Properties"]["LogGroupName"]["Fn::Sub"].startswith("/aws/lambda/")


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_logs_json_keeps_info_lines_and_takes_the_platform_level_from_the_parameter(
    cfn_template: Template, function: str
) -> None:
    # Given a function as CloudFormation creates it (SAM merged Globals' LoggingConfig with the function's own)
    # When we read its advanced logging controls
    logging = props(cfn_template, function)["LoggingConfig"]

    # Then its logs are JSON (levels can be filtered); its own INFO lines stay: the audit events and the metrics are
    # lines without a level, which Lambda files as INFO, and the audit trail is built from them; and Lambda's own
    # records follow the deployment's LambdaSystemLogLevel
    assert logging["LogFormat"] == "JSON"
    assert logging["ApplicationLogLevel"] == "INFO"
    assert logging["SystemLogLevel"] == {"Ref": "LambdaSystemLogLevel"}


def test_lambdas_own_records_are_off_by_default_and_can_be_turned_on_for_an_investigation(
    cfn_template: Template,
) -> None:
    # Given the parameter the functions' SystemLogLevel refers to
    parameter = cfn_template["Parameters"]["LambdaSystemLogLevel"]

    # When we read its default and its choices
    # Then a deployment keeps only the failures' records (WARN), and INFO or DEBUG bring the rest back
    assert parameter["Default"] == "WARN"
    assert parameter["AllowedValues"] == ["DEBUG", "INFO", "WARN"]
    assert "REPORT" in parameter["Description"] and "INIT duration" in parameter["Description"]


# ---------------------------------------------------------------- API and staff login


def test_every_route_has_the_function_and_authorizer_of_the_http_contract(cfn_template: Template) -> None:
    # Given the HttpApi's routes after the transform
    # When we map each route to its function and authorizer
    routes = api_routes(cfn_template)

    # Then staff routes need a staff token, resident routes none, and no route exists outside the contract
    assert routes == ROUTES


def test_the_staff_authorizer_validates_jwts_from_the_authorization_header(cfn_template: Template) -> None:
    # Given the HttpApi's security schemes
    schemes = props(cfn_template, "HttpApi")["Body"]["components"]["securitySchemes"]

    # When we read the staff authorizer
    authorizer = schemes[STAFF]["x-amazon-apigateway-authorizer"]

    # Then it is a JWT authorizer on the bearer token, with the user pool or the external issuer
    assert set(schemes) == {STAFF}
    assert authorizer["type"] == "jwt"
    assert authorizer["identitySource"] == "$request.header.Authorization"
    issuer = authorizer["jwtConfiguration"]["issuer"]["Fn::If"]
    assert issuer[0] == "UseStaffUserPool"
    assert issuer[1] == {"Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${StaffUserPool}"}
    assert issuer[2] == {"Ref": "StaffOidcIssuer"}
    assert authorizer["jwtConfiguration"]["audience"] == [
        {"Fn::If": ["UseStaffUserPool", {"Ref": "StaffUserPoolClient"}, {"Ref": "StaffOidcAudience"}]}
    ]


def test_the_api_is_throttled_and_logs_access_without_paths(cfn_template: Template) -> None:
    # Given the HTTP API's stage
    (stage,) = [
        stage
        for stage in resources_of_type(cfn_template, "AWS::ApiGatewayV2::Stage").values()
        if stage["Properties"]["ApiId"] == {"Ref": "HttpApi"}
    ]
    settings = stage["Properties"]

    # When we read its route settings and access log format
    access_log = settings["AccessLogSettings"]

    # Then every route is throttled, and the access log names the route, never the path or query string
    assert settings["DefaultRouteSettings"]["ThrottlingBurstLimit"] <= 100
    assert settings["DefaultRouteSettings"]["ThrottlingRateLimit"] <= 50
    assert referenced_names(access_log["DestinationArn"]) == {"HttpApiAccessLogGroup"}
    assert "$context.routeKey" in access_log["Format"]
    assert "$context.path" not in access_log["Format"]
    assert "querystring" not in access_log["Format"].lower()


def test_the_live_status_api_is_throttled_and_logs_neither_the_ticket_nor_the_cookie(cfn_template: Template) -> None:
    # Given the WebSocket API and its stage
    api = props(cfn_template, "LiveApi")
    settings = props(cfn_template, "LiveStage")
    access_log = settings["AccessLogSettings"]

    # Then it has no execute-api endpoint, every route is throttled, and the access log names the route, never the
    # query string (the official's ticket) or a header (the resident's cookie)
    assert api["ProtocolType"] == "WEBSOCKET" and api["DisableExecuteApiEndpoint"] is True
    assert settings["DefaultRouteSettings"]["ThrottlingBurstLimit"] <= 100
    assert settings["DefaultRouteSettings"]["ThrottlingRateLimit"] <= 50
    assert referenced_names(access_log["DestinationArn"]) == {"LiveAccessLogGroup"}
    assert "$context.routeKey" in access_log["Format"]
    assert "querystring" not in access_log["Format"].lower() and "header" not in access_log["Format"].lower()
    # And its one route is $connect, decided by the live function
    routes = [r["Properties"] for r in resources_of_type(cfn_template, "AWS::ApiGatewayV2::Route").values()]
    assert [(r["RouteKey"], referenced_names(r["Target"])) for r in routes] == [("$connect", {"LiveIntegration"})]


def test_only_changes_of_sessions_and_their_live_records_reach_the_live_function_and_failures_are_isolated(
    cfn_template: Template,
) -> None:
    # Given the stream's event source mapping
    mapping = props(cfn_template, "LiveFromSessionChanges")
    patterns = [json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"]]

    # Then only changed session records and changed live records (a page connected) invoke it, a failing batch is
    # halved down to the failing change, which is retried a bounded number of times and then described in a queue
    assert patterns == [
        {"eventName": ["MODIFY"], "dynamodb": {"Keys": {"pk": {"S": [{"prefix": prefix}]}}}}
        for prefix in ("session#", "live#")
    ]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["MaximumRetryAttempts"] <= 3
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert referenced_names(mapping["DestinationConfig"]["OnFailure"]["Destination"]) == {"LiveFailureQueue"}
    # And the stream holds keys only: no personal data is kept there for its 24 hours
    assert props(cfn_template, "SessionTable")["StreamSpecification"] == {"StreamViewType": "KEYS_ONLY"}


def test_the_staff_client_allows_password_login_only_when_the_setting_says_so(cfn_template: Template) -> None:
    # Given the staff app client
    client = props(cfn_template, "StaffUserPoolClient")

    # When we read its auth flows
    flows = client["ExplicitAuthFlows"]

    # Then SRP and refresh always, plain password only through the AllowPasswordAuth condition
    assert flows[:2] == ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    assert flows[2:] == [{"Fn::If": ["PasswordAuthAllowed", "ALLOW_USER_PASSWORD_AUTH", {"Ref": "AWS::NoValue"}]}]
    assert cfn_template["Conditions"]["PasswordAuthAllowed"] == {"Fn::Equals": [{"Ref": "AllowPasswordAuth"}, "true"]}


def test_the_staff_client_is_a_public_pkce_client_with_short_lived_tokens(cfn_template: Template) -> None:
    # Given the staff app client
    client = props(cfn_template, "StaffUserPoolClient")

    # When we read its OAuth settings
    # Then it has no secret, uses the code flow back to the staff page, and hides whether users exist
    assert client["GenerateSecret"] is False
    assert client["AllowedOAuthFlows"] == ["code"]
    assert client["CallbackURLs"] == [{"Fn::Sub": "${SiteUrl}/medewerker.html"}]
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    assert (client["IdTokenValidity"], client["AccessTokenValidity"]) == (60, 60)
    assert client["TokenValidityUnits"]["IdToken"] == client["TokenValidityUnits"]["AccessToken"] == "minutes"


def test_staff_accounts_are_created_by_admins_with_strong_passwords_and_mfa(cfn_template: Template) -> None:
    # Given the staff user pool
    pool = props(cfn_template, "StaffUserPool")

    # When we read its sign-up and password settings
    password = pool["Policies"]["PasswordPolicy"]

    # Then nobody signs themselves up, passwords are long and varied, and a second factor is required
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert password["MinimumLength"] >= 12
    assert all(password[rule] for rule in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"))
    assert pool["MfaConfiguration"] == "ON"


# ---------------------------------------------------------------- security headers


def security_headers(template: Template) -> Template:
    return props(template, "SecurityHeadersPolicy")["ResponseHeadersPolicyConfig"]  # type: ignore[no-any-return]


def csp_directives(template: Template) -> dict[str, str]:
    csp = security_headers(template)["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert isinstance(csp, str), "the CSP must be a literal string: the local stack applies it as written"
    parts = [part.strip() for part in csp.split(";") if part.strip()]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in parts}


def test_the_csp_allows_no_inline_or_eval_code(cfn_template: Template) -> None:
    # Given the Content-Security-Policy
    csp = security_headers(cfn_template)["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]

    # When we look for the escapes DigiD norm U/PW.03 forbids
    # Then there are none, in any directive
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "unsafe-hashes" not in csp


def test_the_csp_locks_down_framing_scripts_and_plugins(cfn_template: Template) -> None:
    # Given the Content-Security-Policy
    # When we split it into directives
    directives = csp_directives(cfn_template)

    # Then nothing frames us, scripts and styles come only from our origin, and plugins and base tags are off
    assert directives["frame-ancestors"] == "'none'"
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert "upgrade-insecure-requests" in directives


def test_responses_carry_hsts_nosniff_deny_and_no_referrer(cfn_template: Template) -> None:
    # Given the security headers
    headers = security_headers(cfn_template)["SecurityHeadersConfig"]

    # When we read them
    hsts = headers["StrictTransportSecurity"]

    # Then HSTS lasts two years with subdomains and preload, and the classic headers are set and enforced
    assert hsts["AccessControlMaxAgeSec"] >= 63072000
    assert hsts["IncludeSubdomains"] is True
    assert hsts["Preload"] is True
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"
    assert all(header["Override"] is True for header in headers.values())


def test_responses_switch_off_camera_microphone_and_cross_origin_openers(cfn_template: Template) -> None:
    # Given the custom headers
    items = security_headers(cfn_template)["CustomHeadersConfig"]["Items"]

    # When we index them by name
    custom = {item["Header"]: item["Value"] for item in items}

    # Then the page can use no camera, microphone, location or payment, and keeps its own browsing context
    assert custom["Permissions-Policy"] == "camera=(), microphone=(), geolocation=(), payment=()"
    assert custom["Cross-Origin-Opener-Policy"] == "same-origin"


def test_every_cloudfront_behaviour_sends_the_security_headers_over_https(cfn_template: Template) -> None:
    # Given the distribution's behaviours
    config = props(cfn_template, "SiteDistribution")["DistributionConfig"]
    behaviours = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]

    # When we read their header policy and viewer protocol
    # Then the site, /api/* and /digid/* all get the same headers and never answer over plain HTTP
    assert [b.get("PathPattern", "default") for b in behaviours] == [
        "default",
        "/api/live",
        "/api/public/result/live",
        "/api/*",
        "/digid/*",
    ]
    for behaviour in behaviours:
        assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeadersPolicy"}
        assert behaviour["ViewerProtocolPolicy"] in {"redirect-to-https", "https-only"}


def test_the_api_behaviours_never_cache_and_reach_the_api_over_tls_1_2(cfn_template: Template) -> None:
    # Given the distribution
    config = props(cfn_template, "SiteDistribution")["DistributionConfig"]
    origins = {origin["Id"]: origin for origin in config["Origins"]}

    # When we follow the API behaviours to their origin
    api_behaviours = [b for b in config["CacheBehaviors"] if b["TargetOriginId"] == "api"]
    assert len(api_behaviours) == 2

    # Then nothing personal is cached at the edge, and the hop to API Gateway is HTTPS with TLS 1.2
    for behaviour in api_behaviours:
        assert behaviour["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled
        assert behaviour["OriginRequestPolicyId"] == {"Ref": "ApiOriginRequestPolicy"}
        origin = origins[behaviour["TargetOriginId"]]
        assert origin["DomainName"] == {"Fn::GetAtt": ["ApiDomain", "RegionalDomainName"]}
        assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
        assert origin["CustomOriginConfig"]["OriginSSLProtocols"] == ["TLSv1.2"]


def test_the_live_status_behaviours_reach_the_websocket_api_through_cloudfront_only(cfn_template: Template) -> None:
    # Given the distribution
    config = props(cfn_template, "SiteDistribution")["DistributionConfig"]
    (live_origin,) = [origin for origin in config["Origins"] if origin["Id"] == "live"]
    live_behaviours = [b for b in config["CacheBehaviors"] if b["TargetOriginId"] == "live"]
    policy = props(cfn_template, "LiveOriginRequestPolicy")["OriginRequestPolicyConfig"]

    # Then both page paths go uncached to the WebSocket API's own domain over TLS 1.2, with the proof that they
    # came through CloudFront, the handshake's headers, and only the result cookie and the ticket
    assert [b["PathPattern"] for b in live_behaviours] == ["/api/live", "/api/public/result/live"]
    for behaviour in live_behaviours:
        assert behaviour["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled
        assert behaviour["OriginRequestPolicyId"] == {"Ref": "LiveOriginRequestPolicy"}
        (association,) = behaviour["FunctionAssociations"]
        assert referenced_names(association["FunctionARN"]) == {"LivePathFunction"}
    assert live_origin["DomainName"] == props(cfn_template, "LiveDomain")["DomainName"]
    assert live_origin["CustomOriginConfig"]["OriginSSLProtocols"] == ["TLSv1.2"]
    assert live_origin["OriginCustomHeaders"] == [
        {"HeaderName": "X-Origin-Verify", "HeaderValue": {"Ref": "OriginVerifyToken"}}
    ]
    assert {"Sec-WebSocket-Key", "Sec-WebSocket-Version"} <= set(policy["HeadersConfig"]["Headers"])
    assert policy["CookiesConfig"] == {"CookieBehavior": "whitelist", "Cookies": ["lbb_result"]}
    assert policy["QueryStringsConfig"] == {"QueryStringBehavior": "whitelist", "QueryStrings": ["ticket"]}


def test_the_api_has_no_execute_api_endpoint_and_answers_only_on_the_domain_cloudfront_uses(
    cfn_template: Template,
) -> None:
    # Given the HTTP API, its custom domain and its mapping
    api = props(cfn_template, "HttpApi")
    domain = props(cfn_template, "ApiDomain")
    mapping = props(cfn_template, "ApiDomainMapping")

    # Then https://<id>.execute-api.<region>.amazonaws.com is off, so the WAF in front of CloudFront cannot be
    # skipped that way; the API answers on the site's own host name, with TLS 1.2, as CloudFront's origin
    assert api["Body"]["servers"] == [
        {"x-amazon-apigateway-endpoint-configuration": {"disableExecuteApiEndpoint": True}}
    ]
    assert domain["DomainName"] == {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "SiteUrl"}]}]}
    assert domain["DomainNameConfigurations"] == [
        {"CertificateArn": {"Ref": "ApiCertificateArn"}, "EndpointType": "REGIONAL", "SecurityPolicy": "TLS_1_2"}
    ]
    assert mapping["ApiId"] == {"Ref": "HttpApi"} and mapping["DomainName"] == {"Ref": "ApiDomain"}
    # And no output or origin still names the execute-api host
    assert "execute-api" not in json.dumps(cfn_template["Outputs"])
    assert "execute-api" not in json.dumps(props(cfn_template, "SiteDistribution"))


def test_cloudfront_proves_to_the_api_that_a_request_came_through_it(cfn_template: Template) -> None:
    # Given the API origin and the functions' settings
    config = props(cfn_template, "SiteDistribution")["DistributionConfig"]
    [api_origin] = [origin for origin in config["Origins"] if origin["Id"] == "api"]
    # Then CloudFront adds the deployment's token as X-Origin-Verify, and every function knows the token
    assert api_origin["OriginCustomHeaders"] == [
        {"HeaderName": "X-Origin-Verify", "HeaderValue": {"Ref": "OriginVerifyToken"}}
    ]
    for name, resource in cfn_template["Resources"].items():
        if resource["Type"] == "AWS::Lambda::Function":
            variables = resource["Properties"]["Environment"]["Variables"]
            assert variables["ORIGIN_VERIFY_TOKEN"] == {"Ref": "OriginVerifyToken"}, name
    # And the token is never shown by CloudFormation and must be set to deploy
    parameter = cfn_template["Parameters"]["OriginVerifyToken"]
    assert parameter["NoEcho"] is True and "Default" not in parameter
    assert parameter["AllowedPattern"] == "^$|^[A-Za-z0-9]{32,128}$"


def test_the_api_origin_gets_the_host_and_the_viewers_own_address(cfn_template: Template) -> None:
    # Given the origin request policy of the API behaviours
    config = props(cfn_template, "ApiOriginRequestPolicy")["OriginRequestPolicyConfig"]

    # Then the Host (the API domain's name), cookies, query strings and CloudFront-Viewer-Address reach the API
    assert config["HeadersConfig"] == {
        "HeaderBehavior": "allViewerAndWhitelistCloudFront",
        "Headers": ["CloudFront-Viewer-Address"],
    }
    assert config["CookiesConfig"] == {"CookieBehavior": "all"}
    assert config["QueryStringsConfig"] == {"QueryStringBehavior": "all"}


# ---------------------------------------------------------------- data at rest


def test_the_session_table_expires_items_and_can_be_restored(cfn_template: Template) -> None:
    # Given the session table
    table = props(cfn_template, "SessionTable")

    # When we read its TTL, backup, encryption and deletion settings
    # Then items carry a ttl attribute DynamoDB acts on, PITR is on, data is encrypted, deletion is guarded
    assert table["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert table["DeletionProtectionEnabled"] is True
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert table["BillingMode"] == "PAY_PER_REQUEST"


def test_the_control_code_key_is_an_hmac_key_that_stays_in_kms(cfn_template: Template) -> None:
    # Given the control code key
    key = props(cfn_template, "ControlCodeKey")

    # When we read its type
    # Then it can only make and verify MACs (a plain hash of a BSN could be brute-forced)
    assert (key["KeySpec"], key["KeyUsage"]) == ("HMAC_256", "GENERATE_VERIFY_MAC")


def test_the_data_key_rotates(cfn_template: Template) -> None:
    # Given the key that seals BSNs and proofs
    key = props(cfn_template, "DataKey")

    # When we read its settings
    # Then it is a symmetric encryption key with yearly rotation
    assert (key["KeySpec"], key["KeyUsage"], key["EnableKeyRotation"]) == ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", True)


@pytest.mark.parametrize("key", ["ControlCodeKey", "DataKey"])
def test_key_policies_trust_only_this_account(cfn_template: Template, key: str) -> None:
    # Given a KMS key policy
    statements = props(cfn_template, key)["KeyPolicy"]["Statement"]

    # When we list who it allows
    principals = [statement["Principal"] for statement in statements if statement["Effect"] == "Allow"]

    # Then that is the account itself (administered through IAM), never everyone or another account
    assert principals == [{"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}]


@pytest.mark.parametrize("bucket", ["ProofBucket", "SiteBucket"])
def test_buckets_block_every_kind_of_public_access(cfn_template: Template, bucket: str) -> None:
    # Given a bucket
    properties = props(cfn_template, bucket)

    # When we read its public access block and ownership
    block = properties["PublicAccessBlockConfiguration"]

    # Then all four switches are on and ACLs play no part
    assert block == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert properties["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def test_proofs_are_encrypted_with_the_data_key_and_expire(cfn_template: Template) -> None:
    # Given the proof bucket
    properties = props(cfn_template, "ProofBucket")

    # When we read its encryption and lifecycle
    (encryption,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    rules = properties["LifecycleConfiguration"]["Rules"]

    # Then objects are SSE-KMS under the data key, and expire after the configured retention
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert encryption["ServerSideEncryptionByDefault"]["KMSMasterKeyID"] == {"Fn::GetAtt": ["DataKey", "Arn"]}
    assert encryption["BucketKeyEnabled"] is True
    assert {"Ref": "ProofRetentionDays"} in [rule.get("ExpirationInDays") for rule in rules]
    assert all(rule["Status"] == "Enabled" for rule in rules)
    assert properties["VersioningConfiguration"]["Status"] == "Enabled"


@pytest.mark.parametrize(
    ("policy", "bucket"), [("ProofBucketPolicy", "ProofBucket"), ("SiteBucketPolicy", "SiteBucket")]
)
def test_buckets_refuse_requests_without_tls(cfn_template: Template, policy: str, bucket: str) -> None:
    # Given a bucket policy
    document = props(cfn_template, policy)["PolicyDocument"]

    # When we look for the statement about insecure transport
    denials = [
        statement
        for statement in document["Statement"]
        if statement["Effect"] == "Deny"
        and statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
    ]

    # Then everything on the bucket and its objects is denied to everyone without TLS
    assert len(denials) == 1
    assert denials[0]["Principal"] == "*"
    assert denials[0]["Action"] == "s3:*"
    assert denials[0]["Resource"] == [{"Fn::GetAtt": [bucket, "Arn"]}, {"Fn::Sub": f"${{{bucket}.Arn}}/*"}]


def test_only_this_distribution_can_read_the_site_bucket(cfn_template: Template) -> None:
    # Given the site bucket policy
    statements = props(cfn_template, "SiteBucketPolicy")["PolicyDocument"]["Statement"]

    # When we list what it allows
    (allow,) = [statement for statement in statements if statement["Effect"] == "Allow"]

    # Then CloudFront may read objects, and only on behalf of our distribution
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert referenced_names(allow["Condition"]["StringEquals"]["AWS:SourceArn"]) == {"SiteDistribution"}


# ---------------------------------------------------------------- IAM


def test_no_role_allows_every_action_or_writes_to_every_resource(cfn_template: Template) -> None:
    # Given every inline IAM statement in the translated template
    roles = resources_of_type(cfn_template, "AWS::IAM::Role")

    # When we look for wildcards
    problems = []
    for name, role in roles.items():
        for statement in allow_statements(role):
            actions = as_list(statement["Action"])
            if any(action == "*" or action.endswith(":*") for action in actions):
                problems.append(f"{name}: wildcard action {actions}")
            if "*" in as_list(statement.get("Resource", [])):
                # No exceptions: X-Ray comes as a managed policy (see ACCEPTED_MANAGED_POLICIES), metrics as log lines (EMF).
                problems.append(f"{name}: Resource '*' for {actions}")

    # Then there are none
    assert problems == []


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_may_do_exactly_its_job_on_named_resources(cfn_template: Template, function: str) -> None:
    # Given a function's role
    role = function_role(cfn_template, function)

    # When we collect its allowed actions per resource
    granted: dict[str, set[str]] = {}
    for statement in allow_statements(role):
        for resource in as_list(statement["Resource"]):
            (target,) = referenced_names(resource)
            granted.setdefault(target, set()).update(as_list(statement["Action"]))

    # Then they are exactly the agreed ones, and logging is the only managed policy
    assert granted == PERMISSIONS[function]
    assert {str(arn) for arn in role["Properties"]["ManagedPolicyArns"]} <= ACCEPTED_MANAGED_POLICIES


def test_the_proofs_function_reads_only_the_stream_of_the_table_and_only_new_proof_records(
    cfn_template: Template,
) -> None:
    # Given the proofs function's trigger on the table's stream, and its role
    mapping = props(cfn_template, "ProofsFromSessionStream")
    role = function_role(cfn_template, "ProofsFunction")
    stream_actions = {
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
    }

    # Then its stream actions are granted on the stream's ARN only, never on the table's items
    stream_statements = [s for s in allow_statements(role) if set(as_list(s["Action"])) & stream_actions]
    assert stream_statements and all(
        set(as_list(s["Action"])) == stream_actions and s["Resource"] == {"Fn::GetAtt": ["SessionTable", "StreamArn"]}
        for s in stream_statements
    )
    # And the mapping reads that stream, passing only the inserts of proof records (keys only: no personal data)
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["SessionTable", "StreamArn"]}
    assert referenced_names(mapping["FunctionName"]) == {"ProofsFunction"}
    [pattern] = [json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"]]
    assert pattern == {"eventName": ["INSERT"], "dynamodb": {"Keys": {"pk": {"S": [{"prefix": "proof#"}]}}}}
    assert props(cfn_template, "SessionTable")["StreamSpecification"] == {"StreamViewType": "KEYS_ONLY"}
    # And a failing send is isolated: halved down to the failing record, retried a bounded number of times within
    # a bounded age, then described in its own queue (the sweep sends the record again)
    assert mapping["BisectBatchOnFunctionError"] is True
    assert 1 <= mapping["MaximumRetryAttempts"] <= 10
    assert 60 <= mapping["MaximumRecordAgeInSeconds"] <= 24 * 3600
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert referenced_names(mapping["DestinationConfig"]["OnFailure"]["Destination"]) == {"ProofHandOverFailureQueue"}
    # And no pipe reads the stream any more (its reads are billed; the trigger's are free)
    assert resources_of_type(cfn_template, "AWS::Pipes::Pipe") == {}


def test_the_session_stream_has_at_most_two_readers(cfn_template: Template) -> None:
    # Given every event source mapping of the template
    mappings = resources_of_type(cfn_template, "AWS::Lambda::EventSourceMapping").values()
    # Then at most two read the table's stream: DynamoDB throttles a shard read by more than two
    readers = [
        m for m in mappings if m["Properties"]["EventSourceArn"] == {"Fn::GetAtt": ["SessionTable", "StreamArn"]}
    ]
    assert len(readers) == 2


@pytest.mark.parametrize("function", ["SessionsFunction", "DigidFunction", "LiveFunction"])
def test_bsn_sealing_requires_an_encryption_context(cfn_template: Template, function: str) -> None:
    # Given the statement that lets a function encrypt or decrypt with the data key
    (statement,) = [
        s
        for s in allow_statements(function_role(cfn_template, function))
        if referenced_names(s["Resource"]) == {"DataKey"}
    ]

    # When we read its condition
    # Then KMS only serves requests that bind the ciphertext to a purpose
    assert statement["Condition"] == {"Null": {"kms:EncryptionContext:purpose": "false"}}


def test_an_official_cannot_write_their_own_name_or_e_mail(cfn_template: Template) -> None:
    """moto's cognito-idp does not enforce an app client's WriteAttributes (it has no such check), so the
    renaming itself cannot be tried locally; this is the property Cognito enforces in AWS."""
    client = props(cfn_template, "StaffUserPoolClient")
    writable = set(client["WriteAttributes"])
    assert writable and not writable & {"name", "email", "email_verified"}
    assert {"name", "email"} <= set(client["ReadAttributes"])
