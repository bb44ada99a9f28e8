"""Proofs end to end on the local stack: the right code (or Voltooien of an unchecked session) queues a proof, the
local SQS poller runs the delivery function, and the official downloads the PDF through the presigned link
(builtin mode).
"""

from __future__ import annotations

import io
import time
from typing import Any

import requests

from infrastructure.local import LocalStack
from infrastructure.local.clients import OfficialClient, resident_login

RESIDENT = "999993653"


def pdf_text(pdf: bytes) -> str:
    import pypdf

    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def wait_for_proof(official: OfficialClient, document_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        status, proof = official.call("GET", f"/api/proofs/{document_id}")
        assert status == 200
        if proof["status"] != "pending" or time.monotonic() > deadline:
            return proof
        time.sleep(0.3)


def test_the_code_check_yields_a_pdf_proof_the_official_can_download(
    stack: LocalStack, official: OfficialClient
) -> None:
    # Given a handover session the resident logged in to
    _, created = official.create(flow="handover")
    login = resident_login(stack.site_url, created["id"], RESIDENT, loa="substantieel")
    # When the official confirms the code the resident read aloud
    status, checked = official.check(created["id"], login.result["code"])
    # Then the answer and the session name the proof, handed over without Voltooien
    assert status == 200 and checked["match"] is True and checked["proof"]["status"] == "pending"
    document_id = checked["proof"]["document_id"]
    assert official.read(created["id"])[1]["proof_document_id"] == document_id
    # And the proof is made in the background and can be downloaded as a PDF
    proof = wait_for_proof(official, document_id)
    assert proof["status"] == "stored" and len(proof["sha256"]) == 64
    pdf = requests.get(proof["download_url"], timeout=10)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert RESIDENT.encode() not in pdf.content  # flow C: no BSN on the proof
    # And it carries DigiD's own evidence from the login (through the session record), in Dutch local time
    text = pdf_text(pdf.content)
    assert "DigiD assertion-ID" in text and "DigiD AuthnInstant" in text
    assert "(UTC+01:00)" in text or "(UTC+02:00)" in text
    assert "Uitkomst Geïdentificeerd" in text.replace("\n", " ")
    # And Voltooien reports that same proof instead of making a second
    status, done = official.complete(created["id"])
    assert status == 200 and done["proof"] == {"document_id": document_id, "status": "stored"}


def test_voltooien_of_an_unchecked_session_yields_a_pdf_proof(stack: LocalStack, official: OfficialClient) -> None:
    # Given a handover session the resident logged in to, whose code was not checked in this service
    _, created = official.create(flow="handover")
    resident_login(stack.site_url, created["id"], RESIDENT, loa="substantieel")
    # When the official completes it
    status, done = official.complete(created["id"])
    # Then a proof is queued and made in the background
    assert status == 200 and done["proof"]["status"] == "pending"
    proof = wait_for_proof(official, done["proof"]["document_id"])
    assert proof["status"] == "stored"
    assert requests.get(proof["download_url"], timeout=10).content.startswith(b"%PDF-")


def test_flow_a_proofs_are_made_at_login_for_the_look_up_group(stack: LocalStack, official: OfficialClient) -> None:
    # Given a resident who logged in without a session (flow A)
    login = resident_login(stack.site_url, None, RESIDENT)
    number = login.result["zaak_number"]
    # When the official looks the case up, then it names the proof made at that login
    status, found = official.identification(number)
    assert status == 200 and found["proof_document_id"]
    # And the proof is made in the background, with the BSN on it (the case needs it)
    proof = wait_for_proof(official, found["proof_document_id"])
    assert proof["status"] == "stored" and proof["reference"] == number
    pdf = requests.get(proof["download_url"], timeout=10).content
    assert pdf.startswith(b"%PDF-")
    assert "DigiD assertion-ID" in pdf_text(pdf) and "DigiD AuthnInstant" in pdf_text(pdf)
