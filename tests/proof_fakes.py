"""In-memory fakes of the proof Protocols (records, PDF store, case system), for unit tests."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from msgspec.structs import replace

from legitimatie.adapters.sqs import proof_message
from legitimatie.bsn import Bsn
from legitimatie.errors import ConcurrentUpdate, ServiceUnavailable
from legitimatie.proofs.content import DocumentSpec, ProofContent, ProofRequest, ZaakSpec
from legitimatie.proofs.model import ProofRecord, ProofStatus, proof_key
from proofs.labels import proof_lines


def gathered_record(
    request: ProofRequest, owner_id: str | None, retention: timedelta = timedelta(days=90)
) -> ProofRecord:
    """A pending proof record with its request gathered, as delivery finds it (an owner of None: a flow A proof of an
    earlier release)."""
    return ProofRecord(
        document_id=request.document_id,
        reference=request.reference,
        flow=request.flow,
        status=ProofStatus.PENDING,
        s3_key=proof_key(request.document_id, request.created_at),
        created_at=request.created_at,
        expires_at=request.created_at + retention,
        owner_id=owner_id,
        identified=request.identified,
        zaak_url=request.zaak_url,
        message=proof_message(request),
        session_id=request.session_id,
    )


class InMemoryProofRecords:
    def __init__(self) -> None:
        self.records: dict[UUID, ProofRecord] = {}

    def add(self, record: ProofRecord) -> None:
        if record.document_id in self.records:
            raise ConcurrentUpdate("exists")
        self.records[record.document_id] = record

    def get(self, document_id: UUID) -> ProofRecord | None:
        return self.records.get(document_id)

    def record_progress(self, document_id: UUID, status: ProofStatus | None = None, **urls: str) -> ProofRecord:
        record = self.records[document_id]
        fresh = {name: value for name, value in urls.items() if getattr(record, name) is None}
        if status is not None and record.status is not ProofStatus.DELIVERED:
            fresh["status"] = status  # type: ignore[assignment]
        record = replace(record, **fresh)  # type: ignore[arg-type]
        self.records[document_id] = record
        return record


class DictPdfStore:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def put(self, key: str, pdf: bytes) -> None:
        self.files[key] = pdf

    def get(self, key: str) -> bytes | None:
        return self.files.get(key)

    def download_url(self, key: str) -> str:
        return f"https://proofs.example/{key}?signature=short-lived"


class TextRenderer:
    """Stands in for the PDF renderer: the content as text, so tests can read what would be printed."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, content: ProofContent) -> bytes:
        self.calls += 1
        return "\n".join(f"{label}: {value}" for label, value in proof_lines(content)).encode()


class FlakyCaseSystem:
    """A case system in memory that fails the steps named in ``fail_at`` once each (then works)."""

    def __init__(self, fail_at: set[str] | None = None) -> None:
        self.fail_at = set(fail_at or ())
        self.zaken: dict[str, str] = {}
        self.rollen: dict[str, str] = {}
        self.documents: dict[str, bytes] = {}
        self.relations: dict[tuple[str, str], str] = {}
        self.calls: list[str] = []

    def _step(self, name: str) -> None:
        self.calls.append(name)
        if name in self.fail_at:
            self.fail_at.discard(name)
            raise ServiceUnavailable(f"case system down at {name}")

    def ensure_zaak(self, spec: ZaakSpec) -> str:
        self._step("zaak")
        return self.zaken.setdefault(spec.identificatie, f"https://zaken.example/zaken/{len(self.zaken) + 1}")

    def ensure_initiator(self, zaak_url: str, bsn: Bsn) -> str:
        self._step("rol")
        return self.rollen.setdefault(zaak_url, f"{zaak_url}/rollen/1")

    def ensure_document(self, spec: DocumentSpec, pdf: bytes) -> str:
        self._step("document")
        url = f"https://documenten.example/eio/{spec.identificatie}"
        self.documents.setdefault(url, pdf)
        return url

    def ensure_relation(self, zaak_url: str, document_url: str, titel: str) -> str:
        self._step("relation")
        return self.relations.setdefault((zaak_url, document_url), f"https://zaken.example/zio/{len(self.relations)}")
