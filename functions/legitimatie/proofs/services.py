"""Service functions for the proof of authentication: hand over, deliver, show to the official.

One proof per session, only for a committed end state: the step that ends a session writes the proof's outbox
record (pending, with the request as its ``message``) in the *same* DynamoDB transaction as the end state, so the
two commit together or not at all. That commit is the hand-over: the table's stream brings the new record's key to
the proofs function's stream trigger, which forwards it to the proof queue, and delivery reads the request from the
record. Delivery is idempotent by document id: it records every step's result in the proof record and each
case-system call looks up before it creates, so a retry (or a duplicate message) continues where the previous
attempt stopped.

Nothing accepted is lost: when the record does not reach the queue (the trigger gave up on it, or the message was
lost) or waits for a retry of delivery, the scheduled sweep queues it again (``resend_pending``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from msgspec import Struct

from ..audit import AuditAction, AuditEvent
from ..audit import Outcome as AuditOutcome
from ..bsn import Bsn
from ..errors import InvalidDocumentId, ProofNotFound
from ..ports import AuditTrail, BsnCipher, Metrics
from ..sessions.model import MAX_CODE_ATTEMPTS, Flow, Official, Session, Status
from .content import CodeCheck, DocumentSpec, ProofContent, ProofOutcome, ProofRequest, ZaakSpec
from .model import ProofRecord, ProofStatus
from .ports import CaseSystem, PdfStore, PendingProofs, ProofQueue, ProofRecords, ProofRenderer

__all__ = [
    "ProofView",
    "deliver_proof",
    "mark_dead_lettered",
    "parse_document_id",
    "proof_for_official",
    "proof_of_session",
    "resend_pending",
]

# A record pending this long lost its hand-over, or waits for a retry of delivery: sending it again is
# harmless either way (delivery is idempotent by document id). The sweep runs every 15 minutes (template.yaml).
RESEND_AFTER = timedelta(minutes=5)
RESEND_PER_RUN = 100  # well within the function's timeout; the rest waits for the next run


def proof_of_session(
    session: Session,
    *,
    municipality: str,
    zaak_url: str | None,
    now: datetime,
    bsn_context: dict[str, str],
    document_id: UUID | None = None,
) -> ProofRequest:
    """The snapshot of a session the official ended (``completed`` = identified, or ``not_identified``) at ``now``,
    for the proof ``document_id`` (the close drew it; a new one when not given).

    No BSN for flows B and C (not needed); flow A's case needs it, so the request carries it sealed."""
    assert session.login is not None
    identified = session.status is Status.COMPLETED
    if session.verified_at is not None:
        check = CodeCheck.MATCH
    elif session.attempts_left < MAX_CODE_ATTEMPTS or session.login.code_match is False:
        check = CodeCheck.NO_MATCH
    else:
        check = CodeCheck.NOT_CHECKED
    sealed = session.login.sealed_bsn if session.flow is Flow.NEW_RESIDENT else None
    return ProofRequest(
        document_id=document_id or uuid4(),
        flow=session.flow,
        municipality=municipality,
        created_at=now,
        login_at=session.login.at,
        loa=session.login.loa,
        code_check=check,
        outcome=ProofOutcome.IDENTIFIED if identified else ProofOutcome.NOT_IDENTIFIED,
        reason=None if identified else (session.outcome_reason or "Niet geïdentificeerd door de medewerker"),
        control_code=session.expected_code if identified else None,
        checked_at=session.verified_at,
        zaak_number=session.zaak_number,
        session_id=session.id,
        official_id=session.official.id,
        official_name=session.official.name,
        zaak_url=zaak_url,
        sealed_bsn=sealed,
        bsn_context=bsn_context if sealed else {},
        digid_assertion_id=session.login.digid_assertion_id,
        digid_authn_instant=session.login.digid_authn_instant,
    )


def parse_document_id(raw: str) -> UUID:
    try:
        document_id = UUID(raw)
    except (ValueError, AttributeError, TypeError):
        raise InvalidDocumentId("This is not a valid proof document id.") from None
    if document_id.version != 4 or str(document_id) != raw.strip().lower():
        raise InvalidDocumentId("This is not a valid proof document id.")
    return document_id


class ProofView(Struct, frozen=True):
    """A proof's record for the official, with a short-lived download link once it is stored."""

    record: ProofRecord
    download_url: str | None


def proof_for_official(
    document_id: UUID,
    official: Official,
    lookup_group: str,
    *,
    records: ProofRecords,
    pdfs: PdfStore,
    now: datetime,
) -> ProofView:
    """The official who ended the session sees the state and may download (older flow A proofs without an
    owner: the staff look-up group)."""
    record = records.get(document_id)
    if record is None or record.expires_at <= now:
        raise ProofNotFound("There is no proof with this id.")
    allowed = official.id == record.owner_id if record.owner_id else lookup_group in official.groups
    if not allowed:
        # Someone else's proof is reported like a missing one.
        raise ProofNotFound("There is no proof with this id.")
    stored = record.status in (ProofStatus.STORED, ProofStatus.DELIVERED) or record.sha256 is not None
    return ProofView(record=record, download_url=pdfs.download_url(record.s3_key) if stored else None)


def _open_bsn(request: ProofRequest, cipher: BsnCipher) -> Bsn | None:
    if request.sealed_bsn is None:
        return None
    return Bsn(cipher.open(request.sealed_bsn, request.bsn_context).decode())


def deliver_proof(
    request: ProofRequest,
    *,
    records: ProofRecords,
    pdfs: PdfStore,
    render: ProofRenderer,
    cipher: BsnCipher,
    case_system: CaseSystem | None,
    author: str,
    audit: AuditTrail,
    metrics: Metrics,
    record: ProofRecord | None = None,
) -> ProofRecord:
    """Make and store the PDF (once), then, in zgw mode, bring it to the case system step by step; counted, and in
    the audit trail with the document id and the PDF's SHA-256 (what the proof's footer promises the trail holds).

    ``record``: the proof record as just read (the queue message refers to it; read again when not given). Every
    step's result is recorded before the next starts; a retry skips what is recorded."""
    record = _deliver(request, records, pdfs, render, cipher, case_system, author, record)
    metrics.count(f"Proofs_{record.status.value}")
    action = AuditAction.PROOF_DELIVERED if record.status is ProofStatus.DELIVERED else AuditAction.PROOF_MADE
    audit.record(_proof_event(request, action, AuditOutcome.SUCCESS, None, record.sha256))
    return record


def _proof_event(
    request: ProofRequest, action: AuditAction, outcome: AuditOutcome, reason: str | None, sha256: str | None
) -> AuditEvent:
    return AuditEvent(
        action=action,
        outcome=outcome,
        official=request.official_id,
        session_id=str(request.session_id) if request.session_id else None,
        zaak_number=request.zaak_number,
        flow=request.flow,
        loa=request.loa.label,
        reason=reason,
        document_id=str(request.document_id),
        sha256=sha256,
    )


def _deliver(
    request: ProofRequest,
    records: ProofRecords,
    pdfs: PdfStore,
    render: ProofRenderer,
    cipher: BsnCipher,
    case_system: CaseSystem | None,
    author: str,
    record: ProofRecord | None,
) -> ProofRecord:
    if record is None:
        record = records.get(request.document_id)
    if record is None:
        raise ProofNotFound("The proof record is missing; the request cannot be delivered.")
    if record.status is ProofStatus.DELIVERED or (case_system is None and record.status is ProofStatus.STORED):
        return record
    bsn = _open_bsn(request, cipher)
    pdf = pdfs.get(record.s3_key) if record.sha256 else None
    if pdf is None:
        pdf = render(ProofContent(request=request, bsn=bsn))
        pdfs.put(record.s3_key, pdf)
        record = records.record_progress(
            request.document_id, ProofStatus.STORED, sha256=hashlib.sha256(pdf).hexdigest()
        )
    if case_system is None:  # builtin mode: stored is done (also after a redrive from the dead-letter queue)
        return (
            record
            if record.status is ProofStatus.STORED
            else records.record_progress(request.document_id, ProofStatus.STORED)
        )
    zaak_url = record.zaak_url or request.zaak_url
    if zaak_url is None:
        zaak_url = case_system.ensure_zaak(
            ZaakSpec(
                identificatie=request.reference,
                startdatum=request.login_at.date().isoformat(),
                control_code=request.control_code,
                bsn=bsn,
            )
        )
        record = records.record_progress(request.document_id, zaak_url=zaak_url)
    if bsn is not None and record.rol_url is None:
        record = records.record_progress(request.document_id, rol_url=case_system.ensure_initiator(zaak_url, bsn))
    titel = f"Bewijs van authenticatie {request.reference}"
    if record.document_url is None:
        spec = DocumentSpec(
            identificatie=str(request.document_id),
            titel=titel,
            creatiedatum=request.created_at.date().isoformat(),
            bestandsnaam=f"bewijs-authenticatie-{request.document_id}.pdf",
            auteur=author,
        )
        record = records.record_progress(request.document_id, document_url=case_system.ensure_document(spec, pdf))
    assert record.document_url is not None
    if record.relation_url is None:
        relation = case_system.ensure_relation(zaak_url, record.document_url, titel)
        record = records.record_progress(request.document_id, ProofStatus.DELIVERED, relation_url=relation)
    return record


def mark_dead_lettered(
    document_id: UUID,
    request: ProofRequest | None,
    *,
    records: ProofRecords,
    audit: AuditTrail,
    metrics: Metrics,
) -> None:
    """The last attempt failed: the message goes to the dead-letter queue; the official sees it, and the sweep stops
    queueing it again. ``request`` is None when the attempt failed before it was known (the session's facts could
    not be gathered): the audit event then names what the proof record knows."""
    record = records.get(document_id)
    if record is not None and record.status is not ProofStatus.DELIVERED:
        records.record_progress(document_id, ProofStatus.DEAD_LETTERED)
    metrics.count("ProofsDeadLettered")
    if request is not None:
        event = _proof_event(request, AuditAction.PROOF_DEAD_LETTERED, AuditOutcome.FAILURE, "delivery_failed", None)
    else:
        event = AuditEvent(
            action=AuditAction.PROOF_DEAD_LETTERED,
            outcome=AuditOutcome.FAILURE,
            official=record.owner_id if record else None,
            session_id=str(record.session_id) if record and record.session_id else None,
            flow=record.flow if record else None,
            reason="gathering_failed",
            document_id=str(document_id),
        )
    audit.record(event)


def resend_pending(
    *,
    records: PendingProofs,
    queue: ProofQueue,
    metrics: Metrics,
    now: datetime,
    after: timedelta = RESEND_AFTER,
    limit: int = RESEND_PER_RUN,
) -> list[UUID]:
    """The sweep's part of the outbox: queue again every proof still pending ``after`` its commit (the trigger's
    message was lost, or delivery waits for a retry; its request gathered or not: delivery gathers it), oldest first
    and at most ``limit`` per run. Returns the document ids sent (no personal data)."""
    document_ids = records.pending(created_before=now - after, now=now, limit=limit)
    for document_id in document_ids:
        queue.send(document_id)
    metrics.count("ProofsResent", len(document_ids))
    return document_ids
