"""The stack creates in moto what the template declares, and seeds the test official."""

from __future__ import annotations

from infrastructure.local import LocalStack


def test_the_table_is_created_with_its_key_billing_mode_and_ttl(sample_stack: LocalStack) -> None:
    # Given
    dynamodb = sample_stack.client("dynamodb")

    # When
    table = dynamodb.describe_table(TableName=sample_stack.table_name)["Table"]
    ttl = dynamodb.describe_time_to_live(TableName=sample_stack.table_name)["TimeToLiveDescription"]

    # Then
    assert sample_stack.table_name == "table-local"
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"}


def test_the_kms_key_has_the_declared_spec_and_usage(sample_stack: LocalStack) -> None:
    # Given
    assert sample_stack.resources is not None
    key_id = sample_stack.resources["Key"].ref

    # When
    metadata = sample_stack.client("kms").describe_key(KeyId=key_id)["KeyMetadata"]

    # Then
    assert metadata["KeySpec"] == "HMAC_256"
    assert metadata["KeyUsage"] == "GENERATE_VERIFY_MAC"


def test_the_user_pool_client_gets_password_auth_through_the_local_parameter(sample_stack: LocalStack) -> None:
    # When
    client = sample_stack.client("cognito-idp").describe_user_pool_client(
        UserPoolId=sample_stack.user_pool_id, ClientId=sample_stack.user_pool_client_id
    )["UserPoolClient"]

    # Then (the !If on AllowPasswordAuth took the local value "true")
    assert client["ExplicitAuthFlows"] == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"]


def test_the_user_pool_has_the_declared_name_and_password_policy(sample_stack: LocalStack) -> None:
    # When
    pool = sample_stack.client("cognito-idp").describe_user_pool(UserPoolId=sample_stack.user_pool_id)["UserPool"]

    # Then
    assert pool["Name"] == "legitimatie-local-staff"
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 12


def test_the_test_official_is_confirmed_named_and_in_the_lookup_group(sample_stack: LocalStack) -> None:
    # Given
    cognito = sample_stack.client("cognito-idp")
    assert sample_stack.official is not None

    # When
    user = cognito.admin_get_user(UserPoolId=sample_stack.user_pool_id, Username=sample_stack.official.username)
    groups = cognito.admin_list_groups_for_user(
        UserPoolId=sample_stack.user_pool_id, Username=sample_stack.official.username
    )["Groups"]

    # Then
    attributes = {item["Name"]: item["Value"] for item in user["UserAttributes"]}
    assert user["UserStatus"] == "CONFIRMED"
    assert attributes["name"] == "A. Ambtenaar"
    assert attributes["email"] == "ambtenaar@voorbeeld.nl"
    assert [group["GroupName"] for group in groups] == ["zaak-opzoeken"]


def test_a_test_can_add_a_second_official_outside_the_group(sample_stack: LocalStack) -> None:
    # Given
    sample_stack.add_official("tweede@voorbeeld.nl", "Nog-Een-Wachtwoord-1!", "B. Tweede")

    # When
    token = sample_stack.login("tweede@voorbeeld.nl", "Nog-Een-Wachtwoord-1!")

    # Then
    assert token.count(".") == 2
