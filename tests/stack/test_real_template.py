"""The project's own template.yaml runs locally, and the seeded official can log in."""

from __future__ import annotations

from collections.abc import Iterator

import jwt
import pytest

from infrastructure.local import LocalStack
from infrastructure.local.stack import REPO_ROOT

pytestmark = pytest.mark.skipif(not (REPO_ROOT / "template.yaml").exists(), reason="template.yaml not written yet")


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(port=0) as running:
        yield running


def test_the_seeded_official_logs_in_with_user_password_auth(stack: LocalStack) -> None:
    # When
    result = stack.client("cognito-idp").initiate_auth(
        ClientId=stack.user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ambtenaar@voorbeeld.nl", "PASSWORD": "Beeldbellen-Test-2026!"},
    )

    # Then
    claims = jwt.decode(result["AuthenticationResult"]["IdToken"], options={"verify_signature": False})
    assert claims["iss"] == f"https://cognito-idp.eu-west-1.amazonaws.com/{stack.user_pool_id}"
    assert claims["aud"] == stack.user_pool_client_id
    assert claims["name"] == "A. Ambtenaar"
    assert claims["cognito:groups"] == [stack.parameters["StaffLookupGroup"]]


def test_the_template_resources_exist_in_moto(stack: LocalStack) -> None:
    # When
    ttl = stack.client("dynamodb").describe_time_to_live(TableName=stack.table_name)["TimeToLiveDescription"]
    key = stack.client("kms").describe_key(KeyId=stack.environment["CONTROL_CODE_KEY_ID"])["KeyMetadata"]
    table = stack.client("dynamodb").describe_table(TableName=stack.table_name)["Table"]

    # Then
    assert ttl["TimeToLiveStatus"] == "ENABLED"
    # the sweep's sparse index of pending proofs, as the template declares it
    [index] = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "PendingProofs"
    assert [k["AttributeName"] for k in index["KeySchema"]] == ["outbox", "created_at"]
    assert key["KeySpec"] == "HMAC_256"
    assert stack.environment["SITE_URL"] == stack.site_url
    assert stack.environment["MUNICIPALITY_NAME"] == "Gemeente Voorbeeld"
    assert stack.environment["GEMEENTECODE"] == "0999"


def test_the_functions_run_their_logger_as_lambdas_logging_controls_set_it(stack: LocalStack) -> None:
    # Given the template's LoggingConfig (JSON, application level INFO), which Lambda turns into two variables
    # When the local stack gives the functions their environment
    # Then they get the same two, so Powertools' Logger (which prefers AWS_LAMBDA_LOG_LEVEL) runs as on Lambda
    assert stack.environment["AWS_LAMBDA_LOG_FORMAT"] == "JSON"
    assert stack.environment["AWS_LAMBDA_LOG_LEVEL"] == "INFO"
