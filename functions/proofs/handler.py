"""Proofs function: shows an official a proof's delivery state with a short-lived download link
(``GET /api/proofs/{document_id}``); hands each new proof record over from the session table's stream to the proof
queue; and, from the proof queue, makes each proof (PDF/A, pdf.py), stores it and delivers it to the ZGW case
system (zgw mode).

The hand-over (``forward_batch``, the DynamoDB trigger ``ProofsFromSessionStream``, filtered to inserts of
``proof#`` records) sends each new record's document id to the queue and does nothing else: no read, no PDF, no
case system, so a failing delivery never holds back the stream. A Lambda trigger's stream reads are free (an
EventBridge Pipe's would be billed, idle or not).

A queue message refers to a committed proof record (the trigger's or the sweep's document id); the request is the
record's own ``message``, read with the record in one GetItem. SQS: partial batch responses, so one failing proof is
retried alone. A message on its last receive that still fails marks its proof ``dead_lettered`` before SQS moves
it to the dead-letter queue (redrive policy).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from legitimatie.adapters.dynamodb import PROOF_KEY_PREFIX
from legitimatie.adapters.sqs import proof_request, queued_document_id
from legitimatie.clock import utc_now
from legitimatie.errors import ProofNotFound
from legitimatie.proofs.content import ProofRequest
from legitimatie.proofs.model import ProofRecord
from legitimatie.proofs.services import deliver_proof, mark_dead_lettered, parse_document_id, proof_for_official
from legitimatie.runtime.aws import warm_up
from legitimatie.runtime.http import current_official, json_response, new_resolver
from legitimatie.runtime.observability import audit_trail, counts, logger, observed
from legitimatie.runtime.views import proof_body
from proofs.wiring import Wiring, hand_over_queue, wiring

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

app = new_resolver()
warm_up("dynamodb")  # the official's read and the delivery read the proof (at INIT: legitimatie.runtime.aws)


@app.get("/api/proofs/<document_id>")
def read_proof(document_id: str) -> Any:
    w = wiring()
    view = proof_for_official(
        parse_document_id(document_id),
        current_official(app),
        w.settings.staff_lookup_group,
        records=w.records,
        pdfs=w.pdfs,
        now=utc_now(),
    )
    return json_response(200, proof_body(view))


def _committed(document_id: UUID, w: Wiring) -> tuple[ProofRecord, ProofRequest]:
    """The proof record the message refers to, and its request: the record's message, or, the first time, the
    closed session's facts gathered into it (``gather_proof``: here, not in the forwarder, so the stream's hand-over
    stays a send and a gathering that fails is retried like a delivery). An unknown or expired record is refused (it
    is retried, and on its last receive goes to the dead-letter queue, where the alarm fires)."""
    now = utc_now()
    record = w.records.get(document_id)
    if record is None or record.expires_at <= now:
        raise ProofNotFound("The queued proof has no live record to deliver.")
    if record.message:
        return record, proof_request(record.message)
    from legitimatie.sessions.services import gather_proof  # the session services only where a proof is gathered

    request = gather_proof(record, sessions=w.sessions, municipality=w.settings.municipality_name, now=now)
    return record, request


def _deliver(message: SQSRecord, w: Wiring) -> None:
    from proofs.pdf import render_proof  # fpdf2 only where a proof is made

    document_id: UUID | None = None
    request: ProofRequest | None = None
    try:
        document_id = queued_document_id(message.body)
        record, request = _committed(document_id, w)
        result = deliver_proof(
            request,
            record=record,
            records=w.records,
            pdfs=w.pdfs,
            render=render_proof,
            cipher=w.cipher,
            case_system=w.case_system,
            author=w.settings.municipality_name,
            audit=audit_trail,
            metrics=counts,
        )
    except Exception as exc:
        # Only the kind of failure: texts from a case system may echo what we sent.
        logger.warning("Proof delivery failed; SQS retries it", extra={"error": type(exc).__name__})
        last = int(message.attributes.approximate_receive_count or "1") >= w.settings.proof_max_receives
        if last and document_id is not None:
            # Whether the delivery or the gathering before it failed: the proof says so, the sweep leaves it.
            mark_dead_lettered(document_id, request, records=w.records, audit=audit_trail, metrics=counts)
        raise
    # The document id and the SHA-256 of the PDF: what the audit trail needs to recognise this exact file.
    logger.info(
        "Proof made",
        extra={"document_id": str(request.document_id), "status": result.status.value, "sha256": result.sha256},
    )


def deliver_batch(event: dict[str, Any]) -> dict[str, Any]:
    """Powertools' batch utility: each failed record is reported alone (partial batch response), so SQS retries
    only that one; a batch that fails entirely is reported the same way, not raised."""
    # Imported here: the batch utility (and asyncio with it) costs the HTTP path's cold start nothing.
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    w = wiring()
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return dict(process_partial_response(event, lambda record: _deliver(record, w), processor))


def _forward(record: DynamoDBRecord) -> None:
    """One record of the session table's stream (keys only): a new proof record's document id to the proof queue.
    Anything else is not this trigger's (its filter lets only proof inserts through) and is left alone."""
    key = str((record.dynamodb.keys if record.dynamodb else {}).get("pk") or "")
    if record.raw_event.get("eventName") != "INSERT" or not key.startswith(PROOF_KEY_PREFIX):
        return
    document_id = UUID(key.removeprefix(PROOF_KEY_PREFIX))  # a key that is no document id fails (reported)
    hand_over_queue().hand_over(document_id)
    logger.info("Proof handed over", extra={"document_id": str(document_id)})


def forward_batch(event: dict[str, Any]) -> dict[str, Any]:
    """New proof records from the stream: a record whose send failed is reported alone (the mapping retries it,
    bisecting), the rest are done."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    return dict(process_partial_response(event, _forward, processor))


@observed
def _http_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)


def _sqs(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return deliver_batch(event)


def _stream(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return forward_batch(event)


_sqs_handler = observed(_sqs, http=False)
_stream_handler = observed(_stream, http=False)


def _from_stream(event: dict[str, Any]) -> bool:
    records = event.get("Records") or []
    return bool(records) and all(r.get("eventSource") == "aws:dynamodb" for r in records)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if "routeKey" in event:  # HTTP API payload 2.0
        return _http_handler(event, context)
    if _from_stream(event):
        return _stream_handler(event, context)
    return _sqs_handler(event, context)
