"""The local stack's fixed values: region, account, parameter values, the seeded test official."""

from __future__ import annotations

from typing import Any

from .provision import Official

__all__ = [
    "ACCOUNT_ID",
    "FAKE_CREDENTIALS",
    "LOCAL_ONLY_PATTERN_EXEMPT",
    "REGION",
    "STACK_NAME",
    "TEST_OFFICIAL_NAME",
    "TEST_OFFICIAL_PASSWORD",
    "TEST_OFFICIAL_USERNAME",
    "local_parameters",
    "seeded_official",
]

REGION = "eu-west-1"
ACCOUNT_ID = "123456789012"  # moto's default account
STACK_NAME = "legitimatie-local"

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
}

# The documented test official (README, stack.json): local only, never a real account.
TEST_OFFICIAL_USERNAME = "ambtenaar@voorbeeld.nl"
TEST_OFFICIAL_PASSWORD = "Beeldbellen-Test-2026!"  # noqa: S105 (a published local test password)
TEST_OFFICIAL_NAME = "A. Ambtenaar"

# SiteUrl must be https:// without a port when deployed; the local site is http://127.0.0.1:<port>.
LOCAL_ONLY_PATTERN_EXEMPT = frozenset({"SiteUrl"})


def local_parameters(site_url: str) -> dict[str, Any]:
    """Template parameter values for the local stack (only those the template declares are used)."""
    return {
        "MunicipalityName": "Gemeente Voorbeeld",
        "Gemeentecode": "0999",
        "MinimumLoa": "midden",
        "SessionLifetimeMinutes": "30",
        "SiteUrl": site_url,
        "AllowPasswordAuth": "true",
        "DigidSpEntityId": f"{site_url}/digid/metadata",
        # The API's custom domain is not emulated: the local gateway plays CloudFront and API Gateway at once.
        "ApiCertificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-4000-8000-000000000000",
        # No CloudFront in front: the local gateway is the only way in, so the origin check is off (empty token).
        "OriginVerifyToken": "",
    }


def seeded_official(groups: tuple[str, ...]) -> Official:
    return Official(TEST_OFFICIAL_USERNAME, TEST_OFFICIAL_PASSWORD, TEST_OFFICIAL_NAME, groups)
