"""The proofs function's adapters, created once per execution environment on first use (the ZGW client only in zgw
mode, after checking the catalogue). The stream trigger's forwarding needs only the proof queue (``hand_over_queue``):
it never builds the delivery wiring, so a case system that is down cannot hold back the stream."""

from __future__ import annotations

import os
from functools import cache

from msgspec import Struct

from legitimatie.adapters.dynamodb import DynamoDbProofRecords, DynamoDbSessionRepository
from legitimatie.adapters.kms import KmsBsnCipher
from legitimatie.adapters.s3 import S3PdfStore
from legitimatie.adapters.sqs import SqsProofQueue
from legitimatie.proofs.ports import CaseSystem
from legitimatie.runtime.aws import aws_client
from legitimatie.runtime.delivery_settings import DeliverySettings, HandOverSettings, load_zgw_settings

__all__ = ["Wiring", "hand_over_queue", "wiring"]


class Wiring(Struct, frozen=True):
    settings: DeliverySettings
    records: DynamoDbProofRecords
    sessions: DynamoDbSessionRepository  # the closed sessions whose facts a proof's request is gathered from
    pdfs: S3PdfStore
    cipher: KmsBsnCipher
    case_system: CaseSystem | None


@cache
def wiring() -> Wiring:
    settings = DeliverySettings.from_env(os.environ)
    case_system: CaseSystem | None = None
    if settings.back_office_mode == "zgw":
        from legitimatie.adapters.zgw import ZgwCaseSystem

        zgw = ZgwCaseSystem(load_zgw_settings(settings, aws_client("secretsmanager")))
        # Before the first delivery: a zaaktype that is still a concept, or types that are not linked, would
        # otherwise fail each proof later and less clearly. A failure here is retried (wiring is not cached).
        zgw.check_catalogue()
        case_system = zgw
    return Wiring(
        settings=settings,
        records=DynamoDbProofRecords(aws_client("dynamodb"), settings.table_name),
        sessions=DynamoDbSessionRepository(aws_client("dynamodb"), settings.table_name),
        pdfs=S3PdfStore(aws_client("s3"), settings.proof_bucket, settings.data_key_id, settings.download_ttl_seconds),
        cipher=KmsBsnCipher(aws_client("kms"), settings.data_key_id),
        case_system=case_system,
    )


@cache
def hand_over_queue() -> SqsProofQueue:
    """The proof queue, for the stream trigger's forwarding (SQS only: no table read, no KMS, no case system)."""
    return SqsProofQueue(aws_client("sqs"), HandOverSettings.from_env(os.environ).proof_queue_url)
