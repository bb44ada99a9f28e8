"""Proofs end to end on the local stack: the right code (or Voltooien of an unchecked session) queues a proof, the
local SQS poller runs the proofs function, and the official downloads the PDF through the presigned link
(builtin mode).
"""

from __future__ import annotations

import io

import requests

from infrastructure.local import LocalStack
from infrastructure.local.clients import OfficialClient, resident_login

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
