"""Proofs end to end on the local stack: Voltooien commits the proof's outbox record, the table's stream in moto
brings it to the proofs function (the local stream poller, as its trigger ProofsFromSessionStream with the template's
filter), which forwards it to the proof queue; the local SQS poller runs the proofs function again to make it, and
the official downloads the PDF through the presigned link (builtin mode). Nothing else queues a fresh record (the
sweep waits five minutes), so a stack that does not feed the proofs function fails the test of a record alone.
"""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import requests

from infrastructure.local import LocalStack
from infrastructure.local.clients import OfficialClient, resident_login
from legitimatie.adapters.dynamodb import DynamoDbProofRecords
from legitimatie.assurance import LevelOfAssurance
from legitimatie.flow import Flow
from legitimatie.proofs.content import CodeCheck, ProofRequest
from legitimatie.proofs.model import ProofStatus
from tests.proof_fakes import gathered_record

RESIDENT = "999993653"


def pdf_text(pdf: bytes) -> str:
    import pypdf

    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_completing_a_verified_session_yields_a_pdf_proof_the_official_can_download(
    stack: LocalStack, official: OfficialClient
) -> None:
    # Given a handover session the resident logged in to, whose code the official confirmed
    _, created = official.create(flow="handover")
    login = resident_login(stack.site_url, created["id"], RESIDENT, loa="substantieel")
    status, checked = official.check(created["id"], login.result["code"])
    assert status == 200 and checked["match"] is True and "proof" not in checked
    # When the official completes it as identified
    status, done = official.complete(created["id"])
    # Then the answer names the one proof, made in the background and downloadable as a PDF
    assert status == 200 and done["proof"]["status"] == "pending" and done["proof"]["outcome"] == "identified"
    proof = official.made_proof(done["proof"]["document_id"])
    assert proof["status"] == "stored" and len(proof["sha256"]) == 64 and proof["outcome"] == "identified"
    pdf = requests.get(proof["download_url"], timeout=10)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert RESIDENT.encode() not in pdf.content  # flow C: no BSN on the proof
    # And it carries DigiD's own evidence from the login (through the session record), in Dutch local time
    text = pdf_text(pdf.content)
    assert "DigiD assertion-ID" in text and "DigiD AuthnInstant" in text
    assert "(UTC+01:00)" in text or "(UTC+02:00)" in text
    assert "Uitkomst Geïdentificeerd" in text.replace("\n", " ")
    # And a retried Voltooien reports that same proof instead of making a second
    status, again = official.complete(created["id"])
    assert status == 200 and again["proof"]["document_id"] == done["proof"]["document_id"]


def test_flow_a_is_checked_and_completed_and_its_proof_carries_the_bsn(
    stack: LocalStack, official: OfficialClient
) -> None:
    # Given a resident who logged in without a session (flow A)
    login = resident_login(stack.site_url, None, RESIDENT)
    number = login.result["zaak_number"]
    # When the official looks the case up, types the code heard and completes
    status, found = official.identification(number)
    assert status == 200 and found["bsn"] == RESIDENT and "code" not in found
    assert official.check(found["session_id"], login.result["code"])[1]["status"] == "verified"
    status, done = official.complete(found["session_id"])
    # Then the case-number record with the BSN is gone at once, and the proof is made for the case
    assert status == 200 and official.identification(number)[0] == 404
    proof = official.made_proof(done["proof"]["document_id"])
    assert proof["status"] == "stored" and proof["reference"] == number
    pdf = requests.get(proof["download_url"], timeout=10).content
    assert pdf.startswith(b"%PDF-")
    assert "DigiD assertion-ID" in pdf_text(pdf) and "DigiD AuthnInstant" in pdf_text(pdf)


def test_a_committed_proof_record_alone_is_made_the_stream_trigger_forwards_it(stack: LocalStack) -> None:
    # Given a proof record written to the table and nothing else: no close, no message sent by anyone
    records = DynamoDbProofRecords(stack.client("dynamodb"), str(stack.table_name))
    at = datetime.now(UTC).replace(microsecond=0)
    request = ProofRequest(
        document_id=uuid4(),
        flow=Flow.HANDOVER,
        municipality="Gemeente Voorbeeld",
        created_at=at,
        login_at=at,
        loa=LevelOfAssurance.SUBSTANTIEEL,
        code_check=CodeCheck.MATCH,
        control_code="358974",
        official_id="sub-e2e",
        official_name="D. Dorknoper",
    )
    records.add(gathered_record(request, "sub-e2e", timedelta(days=1)))
    # When the stream's insert reaches the proofs function's trigger, which queues it, and the function takes it
    deadline = time.monotonic() + 30
    while (record := records.get(request.document_id)) is not None and record.status is ProofStatus.PENDING:
        assert time.monotonic() < deadline, "the committed proof record was not handed over"
        time.sleep(0.3)
    # Then its PDF is made and stored, once
    assert record is not None and record.status is ProofStatus.STORED and record.sha256
    pdf = stack.client("s3").list_objects_v2(Bucket=_proof_bucket(stack), Prefix=record.s3_key)["Contents"]
    assert [item["Key"] for item in pdf] == [record.s3_key]


def _proof_bucket(stack: LocalStack) -> str:
    return str(stack.functions["ProofsFunction"].environment["PROOF_BUCKET"])
