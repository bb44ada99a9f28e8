"""KMS failing during the DigiD step (ACS): the resident gets the error page, the session keeps waiting for its
one login, and the resident can simply log in again."""

from __future__ import annotations

import importlib

import pytest
from botocore.exceptions import ClientError

from infrastructure.local import LocalStack
from infrastructure.local.clients import OfficialClient, resident_login

RESIDENT = "999993653"


def throttled(*args: object, **kwargs: object) -> None:
    raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "GenerateMac")


@pytest.mark.parametrize("operation", ["generate_mac", "encrypt"])
def test_kms_throttled_at_login_shows_the_error_page_and_leaves_the_session_unused(
    stack: LocalStack, official: OfficialClient, monkeypatch, operation: str
) -> None:
    # Given a handover session, and KMS throttling the DigiD function's calls
    _, created = official.create(flow="handover")
    # (the stack imports the handlers afresh: patch its copy of the shared client, not this module's)
    aws_client = importlib.import_module("legitimatie.runtime.aws").aws_client
    monkeypatch.setattr(aws_client("kms"), operation, throttled)
    # When the resident logs in
    failed = resident_login(stack.site_url, created["id"], RESIDENT)
    # Then they see the error page, and the session still waits for a login
    assert failed.final_path == "/fout.html" and failed.query == {"reden": "error"}
    assert official.read(created["id"])[1]["status"] == "created"
    # And once KMS answers again the same link works
    monkeypatch.undo()
    again = resident_login(stack.site_url, created["id"], RESIDENT)
    assert again.final_path == "/resultaat.html" and official.read(created["id"])[1]["status"] == "logged_in"
