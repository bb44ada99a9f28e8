"""The DynamoDB item codec (adapters/dynamodb/codec.py) and the stored forms built on it (items.py, proofs.py).

The codec is pure: boto3's TypeSerializer/TypeDeserializer with their Decimal and Binary converted in one place. These
tests pin the round trip of every attribute type we store, the wire format the table already holds (items written
before the codec must still read), and that importing the adapters does not load boto3 (a cold start that never
reaches DynamoDB must not pay ~200 ms for it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest

from legitimatie.adapters.dynamodb.codec import decode, encode, encode_value
from legitimatie.adapters.dynamodb.items import (
    identification_item,
    pending_login_item,
    result_item,
    session_from_item,
    session_to_item,
)
from legitimatie.adapters.dynamodb.logins import identification_from_record, result_from_record
from legitimatie.adapters.dynamodb.pending_logins import pending_login_from_record
from legitimatie.adapters.dynamodb.proofs import proof_from_record, proof_item
from legitimatie.assurance import LevelOfAssurance
from legitimatie.flow import Flow
from legitimatie.login.digid_model import PendingLogin
from legitimatie.login.model import CaseNumber, Identification, ResidentResult
from legitimatie.proofs.model import ProofRecord, ProofStatus
from legitimatie.sessions.model import Official, ResidentEvent, ResidentLogin, Session, Status

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
NOW = datetime(2026, 3, 4, 10, 15, 30, tzinfo=UTC)
SESSION_ID = UUID("3f2b1c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d")


def test_every_attribute_type_we_store_round_trips_as_plain_python() -> None:
    # Given a record with each kind of value, nested too
    record = {
        "pk": "session#1",
        "count": 3,
        "big": 2**62,
        "negative": -7,
        "zero": 0,
        "yes": True,
        "no": False,
        "empty_text": "",
        "sealed": b"\x00\x01binary\xff",
        "names": {"a", "b"},
        "numbers": {1, 2, 3},
        "blobs": {b"x", b"y"},
        "list": [1, "two", b"three", None, {"deep": {"n": 4, "b": b"\x02"}}],
        "map": {"n": 5, "flag": False, "nothing": None, "inner": {"numbers": {9}}},
    }
    # When it is encoded and decoded
    back = decode(encode(record))
    # Then it is the same record, with ints (not Decimal) and bytes (not boto3's Binary) at every depth
    assert back == record
    assert type(back["count"]) is int and type(back["sealed"]) is bytes
    assert type(back["list"][4]["deep"]["n"]) is int and type(back["list"][4]["deep"]["b"]) is bytes
    assert {type(member) for member in back["numbers"]} == {int}
    assert {type(member) for member in back["blobs"]} == {bytes}
    assert type(back["yes"]) is bool


def test_none_means_absent_at_the_top_level() -> None:
    # Given a record with an optional attribute that has no value
    item = encode({"pk": "x", "zaak_number": None, "code_match": False})
    # Then the attribute is left out of the item (False is a value, kept), and an absent attribute reads as absent
    assert item == {"pk": {"S": "x"}, "code_match": {"BOOL": False}}
    assert decode(item) == {"pk": "x", "code_match": False}


def test_the_wire_format_is_the_one_the_table_holds() -> None:
    # The item forms written before the codec ({"N": str(int)}, {"B": bytes}, {"BOOL": ...}) are what it writes now,
    # so items already stored read back unchanged
    assert encode({"n": 1767225600, "s": "v1", "b": b"\x01", "t": True}) == {
        "n": {"N": "1767225600"},
        "s": {"S": "v1"},
        "b": {"B": b"\x01"},
        "t": {"BOOL": True},
    }
    assert decode({"n": {"N": "42"}, "b": {"B": b"\x01"}}) == {"n": 42, "b": b"\x01"}


def test_a_stored_number_that_is_not_whole_is_refused() -> None:
    # We store whole numbers only (epoch seconds, counts, levels): a fraction is a corrupted item, not a value to round
    with pytest.raises(ValueError, match="whole number"):
        decode({"expires_at": {"N": "1767225600.5"}})


def test_an_expression_value_cannot_be_none() -> None:
    assert encode_value(3) == {"N": "3"}
    with pytest.raises(ValueError, match="None"):
        encode_value(None)


def _full_session() -> Session:
    return Session(
        id=SESSION_ID,
        flow=Flow.HANDOVER,
        status=Status.VERIFIED,
        official=Official(id="official-1", name="D. Dorknoper"),
        required_loa=LevelOfAssurance.SUBSTANTIEEL,
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=30),
        official_code="123456",
        code_version="v1",
        login=ResidentLogin(
            at=NOW + timedelta(minutes=2),
            loa=LevelOfAssurance.HOOG,
            resident_code="654321",
            sealed_bsn=b"\x01\x02sealed\x00",
            code_match=False,
            digid_assertion_id="_assertion-1",
            digid_authn_instant=NOW + timedelta(minutes=1),
        ),
        attempts_left=1,
        verified_at=NOW + timedelta(minutes=3),
        proof_document_id=UUID("0b7c6f1e-2d3a-4b5c-9d8e-7f6a5b4c3d2e"),
        outcome_reason="reason",
        resident_event=ResidentEvent.LOA_TOO_LOW,
        zaak_number="2026-00042",
    )


def test_a_session_with_every_field_round_trips() -> None:
    session = _full_session()
    item = session_to_item(session)
    assert session_from_item(item) == session
    # the sealed BSN is binary, the code match a boolean, times whole epoch seconds, and every item has its TTL
    assert item["sealed_bsn"] == {"B": b"\x01\x02sealed\x00"} and item["code_match"] == {"BOOL": False}
    assert item["ttl"] == item["expires_at"] == {"N": str(int((NOW + timedelta(minutes=30)).timestamp()))}


def test_a_session_with_no_optional_field_round_trips_and_stores_none_of_them() -> None:
    # Given an unclaimed flow A session before its login (no owner, no login, nothing optional)
    session = Session(
        id=SESSION_ID,
        flow=Flow.NEW_RESIDENT,
        status=Status.CREATED,
        official=Official(id="", name=""),
        required_loa=LevelOfAssurance.MIDDEN,
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=30),
    )
    item = session_to_item(session)
    # Then it round-trips, and the item holds only what is set
    assert session_from_item(item) == session
    assert set(item) == {
        "pk",
        "kind",
        "flow",
        "status",
        "required_loa",
        "created_at",
        "expires_at",
        "ttl",
        "code_version",
        "attempts_left",
    }


def test_the_login_records_round_trip() -> None:
    pending = PendingLogin(
        request_id="_req-1",
        relay_state="relay",
        flow=Flow.NEW_RESIDENT,
        required_loa=LevelOfAssurance.MIDDEN,
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=15),
        browser_digest="digest",
    )
    assert pending_login_from_record("_req-1", decode(pending_login_item(pending))) == pending
    result = ResidentResult(
        flow=Flow.HANDOVER,
        code="123456",
        expires_at=NOW + timedelta(minutes=5),
        zaak_number="2026-00001",
        official_name="D. Dorknoper",
        municipality="Gemeente Voorbeeld",
        session_id=SESSION_ID,
        limit_at=NOW + timedelta(minutes=30),
        extensions=2,
    )
    assert result_from_record(decode(result_item("hash", result))) == result
    bare = ResidentResult(flow=Flow.NEW_RESIDENT, code="000001", expires_at=NOW)
    assert result_from_record(decode(result_item("hash", bare))) == bare
    identification = Identification(
        zaak_number=CaseNumber(2026, 42),
        session_id=SESSION_ID,
        login_at=NOW,
        loa=LevelOfAssurance.HOOG,
        expires_at=NOW + timedelta(minutes=30),
    )
    stored = identification_item(identification)
    assert stored["pk"] == {"S": "zaak#2026-00042"}
    assert identification_from_record(CaseNumber(2026, 42), decode(stored)) == identification


@pytest.mark.parametrize("status", [ProofStatus.PENDING, ProofStatus.DELIVERED])
def test_a_proof_record_round_trips_and_only_a_pending_one_is_in_the_outbox(status: ProofStatus) -> None:
    record = ProofRecord(
        document_id=SESSION_ID,
        reference="ref",
        flow=Flow.HANDOVER,
        status=status,
        s3_key="proofs/key.pdf",
        created_at=NOW,
        expires_at=NOW + timedelta(days=7),
        owner_id="official-1",
        identified=False,
        sha256="ab" * 32,
        zaak_url="https://zaken/1",
        message='{"document_id": "x"}',
    )
    item = proof_item(record)
    assert proof_from_record(SESSION_ID, decode(item)) == record
    assert ("outbox" in item) is (status is ProofStatus.PENDING)
    assert "rol_url" not in item and item["identified"] == {"BOOL": False}


def test_importing_the_dynamodb_adapters_does_not_load_boto3() -> None:
    # Given a fresh interpreter (this test process has boto3 loaded already)
    script = (
        "import json, sys\n"
        "from legitimatie.adapters.dynamodb import DynamoDbSessionRepository, DynamoDbProofRecords\n"
        "from legitimatie.adapters.dynamodb import DynamoDbPendingLogins\n"
        "at_import = 'boto3' in sys.modules\n"
        "from legitimatie.adapters.dynamodb.codec import encode\n"
        "encode({'n': 1})\n"
        "print(json.dumps({'at_import': at_import, 'after_encode': 'boto3.dynamodb.types' in sys.modules}))\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(FUNCTIONS)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environment, timeout=120, check=True
    )
    # Then boto3 is loaded only by the first encode
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"at_import": False, "after_encode": True}
