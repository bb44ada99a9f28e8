"""Proofs end to end on the local stack: Voltooien queues a proof, the local SQS poller runs the delivery
function, and the official downloads the PDF through the presigned link (builtin mode)."""

from __future__ import annotations

import time
from typing import Any

import requests

from infrastructure.local import LocalStack
from infrastructure.local.clients import OfficialClient, resident_login

RESIDENT = "999993653"


def wait_for_proof(official: OfficialClient, document_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        status, proof = official.call("GET", f"/api/proofs/{document_id}")
        assert status == 200
        if proof["status"] != "pending" or time.monotonic() > deadline:
            return proof
        time.sleep(0.3)


def test_voltooien_yields_a_pdf_proof_the_official_can_download(stack: LocalStack, official: OfficialClient) -> None:
    # Given a handover session whose code the official confirmed
    _, created = official.create(flow="handover")
    login = resident_login(stack.site_url, created["id"], RESIDENT, loa="substantieel")
    assert official.check(created["id"], login.result["code"])[1]["match"] is True
    # When the official completes it
    status, done = official.complete(created["id"])
    assert status == 200 and done["proof"]["status"] == "pending"
    # Then the proof is made in the background and can be downloaded as a PDF
    proof = wait_for_proof(official, done["proof"]["document_id"])
    assert proof["status"] == "stored" and len(proof["sha256"]) == 64
    pdf = requests.get(proof["download_url"], timeout=10)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert RESIDENT.encode() not in pdf.content  # flow C: no BSN on the proof


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
    assert requests.get(proof["download_url"], timeout=10).content.startswith(b"%PDF-")
