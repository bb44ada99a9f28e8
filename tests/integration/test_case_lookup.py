"""Flow A's look-up by case number on moto, through the Sessions handler: the session's id follows from the case
number, so one conditional write claims it (no case-number record, no read first); the previous release's sessions
(a random id and a record naming it) are still found, for one release."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import boto3
import pytest

import sessions.handler as sessions_fn
from bench.calls import AwsMeter
from legitimatie.adapters.dynamodb import DynamoDbIdentifications, DynamoDbSessionRepository
from legitimatie.adapters.kms import KmsBsnCipher
from legitimatie.assurance import LevelOfAssurance
from legitimatie.login.model import CaseNumber, Identification, case_session_id
from legitimatie.sessions.model import UNCLAIMED, Flow, ResidentLogin, Session, Status
from legitimatie.sessions.services import bsn_context

from .conftest import REGION, Aws, http_event, invoke
from .test_delivery import BSN, flow_a_login

COLLEAGUE = "sub-colleague"


def look_up(number: str, official_sub: str | None = None) -> tuple[int, dict[str, Any]]:
    subject = {"official_sub": official_sub} if official_sub else {}
    event = http_event("GET", "/api/identifications/{zaak_number}", path_params={"zaak_number": number}, **subject)
    return invoke(sessions_fn.lambda_handler, event)


def kinds(aws: Aws) -> list[str]:
    items = boto3.client("dynamodb", region_name=REGION).scan(TableName=aws.table_name, ConsistentRead=True)["Items"]
    return sorted(item["kind"]["S"] for item in items)


def test_a_flow_a_session_lives_under_its_case_numbers_id_and_no_case_number_record_is_written(aws: Aws) -> None:
    # Given a resident's flow A login
    number, _ = flow_a_login(aws)
    # Then the table holds the session, the resident's result and the counter: no record under the case number
    assert kinds(aws) == ["counter", "resident_result", "session"]
    # And the look-up finds the session under the id that follows from the number, with the BSN
    status, found = look_up(number)
    assert status == 200 and found["session_id"] == str(case_session_id(CaseNumber.parse(number)))
    assert found["bsn"] == BSN and found["status"] == "logged_in" and found["loa"] == "midden"


def test_a_flow_a_case_is_for_the_first_official_and_an_ended_or_expired_one_is_not_found(aws: Aws) -> None:
    # Given a flow A case looked up by an official
    number, _ = flow_a_login(aws)
    assert look_up(number)[0] == 200
    # Then they may look it up again, a colleague gets the 409 of today, and a number never given is a 404
    assert look_up(number)[0] == 200
    status, body = look_up(number, COLLEAGUE)
    assert (status, body["error"]) == (409, "wrong_state")
    status, body = look_up(f"{datetime.now(UTC).year}-99999")
    assert (status, body["error"]) == (404, "identification_not_found")
    # And once the session's time is up (the item remains: TTL deletes late, moto never), it is a 404 for everyone
    sessions = DynamoDbSessionRepository(boto3.client("dynamodb", region_name=REGION), aws.table_name)
    session_id = case_session_id(CaseNumber.parse(number))
    stored = sessions.get(session_id)
    assert stored is not None
    past = stored.created_at - timedelta(seconds=1)
    boto3.client("dynamodb", region_name=REGION).update_item(
        TableName=aws.table_name,
        Key={"pk": {"S": f"session#{session_id}"}},
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": {"N": str(int(past.timestamp()))}},
    )
    for official in (None, COLLEAGUE):
        status, body = look_up(number, official)
        assert (status, body["error"]) == (404, "identification_not_found")


def previous_release_session(aws: Aws) -> tuple[CaseNumber, UUID]:
    """A flow A login as the release before issue 13 stored it: a session with a random id, and a case-number record
    naming it."""
    dynamodb, kms = boto3.client("dynamodb", region_name=REGION), boto3.client("kms", region_name=REGION)
    identifications = DynamoDbIdentifications(dynamodb, aws.table_name)
    at = datetime.now(UTC).replace(microsecond=0)
    number, session_id = identifications.next_case_number(at.year), uuid4()
    sealed = KmsBsnCipher(kms, aws.data_key_id).seal(BSN.encode(), bsn_context(session_id))
    login = ResidentLogin(at=at, loa=LevelOfAssurance.SUBSTANTIEEL, resident_code="123456", sealed_bsn=sealed)
    session = Session(
        id=session_id,
        flow=Flow.NEW_RESIDENT,
        status=Status.LOGGED_IN,
        official=UNCLAIMED,
        required_loa=LevelOfAssurance.MIDDEN,
        created_at=at,
        expires_at=at + timedelta(minutes=30),
        login=login,
        zaak_number=str(number),
    )
    DynamoDbSessionRepository(dynamodb, aws.table_name).add(session)
    identifications.add(Identification(number, session_id, at, login.loa, session.expires_at))
    return number, session_id


def test_a_session_of_the_previous_release_is_found_through_its_case_number_record(aws: Aws) -> None:
    # Given a flow A session written by the release before (random id, case-number record)
    number, session_id = previous_release_session(aws)
    # When an official looks the number up, then they get that session, with its BSN, and it is theirs
    status, found = look_up(str(number))
    assert status == 200 and found["session_id"] == str(session_id) and found["bsn"] == BSN
    assert found["loa"] == "substantieel"
    # And a colleague gets the 409 as for any case taken
    status, body = look_up(str(number), COLLEAGUE)
    assert (status, body["error"]) == (409, "wrong_state")


@pytest.mark.parametrize("route", ["/api/public/sessions/{id}", "/api/sessions/{id}"])
def test_a_flow_a_sessions_derivable_id_opens_nothing_that_an_unknown_id_does_not(aws: Aws, route: str) -> None:
    # Given a flow A session not looked up yet: anyone who knows its case number can compute its id
    number, _ = flow_a_login(aws)
    derived = str(case_session_id(CaseNumber.parse(number)))
    # When the resident's start page, or an official who has not claimed it, asks for it by that id
    staff = {"official_sub": None if "public" in route else COLLEAGUE}
    answer = invoke(sessions_fn.lambda_handler, http_event("GET", route, path_params={"id": derived}, **staff))
    unknown = invoke(sessions_fn.lambda_handler, http_event("GET", route, path_params={"id": str(uuid4())}, **staff))
    # Then the answer is the one for an unknown id: nothing about the case
    assert answer == unknown and answer[0] == 404


def test_the_look_up_is_one_claim_and_one_decryption(aws: Aws) -> None:
    # Given a flow A case, and the AWS calls counted at botocore (as the bench counts them)
    number, _ = flow_a_login(aws)
    with AwsMeter() as meter, meter.reading() as calls:
        # When an official looks its case number up
        assert look_up(number)[0] == 200
    # Then that is the claim and the BSN's decryption: no read of a case-number record, no read before the claim
    assert dict(calls.calls) == {"dynamodb:UpdateItem": 1, "kms:Decrypt": 1}
