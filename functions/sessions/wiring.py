"""The sessions function's adapters, created once per execution environment on first use, and the services that
take more than a repository bound to them (the audit trail and the metrics included)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from legitimatie.adapters.dynamodb import DynamoDbIdentifications, DynamoDbResidentResults, DynamoDbSessionRepository
from legitimatie.adapters.kms import KmsBsnCipher, KmsMacKey
from legitimatie.assurance import LevelOfAssurance
from legitimatie.bsn import Bsn
from legitimatie.flow import Flow
from legitimatie.live.model import LiveTicket
from legitimatie.login.model import Identification
from legitimatie.login.services import identification_for_official
from legitimatie.policy import ServicePolicy
from legitimatie.resident import ResidentKey
from legitimatie.runtime.aws import aws_client
from legitimatie.runtime.observability import audit_trail, counts
from legitimatie.runtime.settings import KeySettings, StaffSettings
from legitimatie.sessions.model import Official, Session
from legitimatie.sessions.services import create_followed_session

__all__ = ["Settings", "Wiring", "wiring"]


class Settings(KeySettings, StaffSettings):
    pass


@dataclass(frozen=True)
class Wiring:
    policy: ServicePolicy
    lookup_group: str
    sessions: DynamoDbSessionRepository
    residents: ResidentKey
    cipher: KmsBsnCipher
    results: DynamoDbResidentResults
    identifications: DynamoDbIdentifications

    def create_session(
        self, flow: Flow, bsn: str | None, loa: LevelOfAssurance | None, official: Official, *, now: datetime
    ) -> tuple[Session, LiveTicket]:
        return create_followed_session(
            flow,
            bsn,
            loa,
            official,
            policy=self.policy,
            sessions=self.sessions,
            residents=self.residents,
            audit=audit_trail,
            metrics=counts,
            now=now,
        )

    def identification(
        self, zaak_number: str, official: Official, *, now: datetime
    ) -> tuple[Identification, Session, Bsn]:
        return identification_for_official(
            zaak_number,
            official,
            self.lookup_group,
            identifications=self.identifications,
            sessions=self.sessions,
            cipher=self.cipher,
            audit=audit_trail,
            now=now,
        )


@cache
def wiring() -> Wiring:
    settings = Settings.from_env(os.environ)
    kms = aws_client("kms")
    dynamodb = aws_client("dynamodb")
    return Wiring(
        policy=settings.policy(),
        lookup_group=settings.staff_lookup_group,
        sessions=DynamoDbSessionRepository(dynamodb, settings.table_name),
        # new sessions are v2: one MAC under the pseudonym key gives the code and the pseudonym
        residents=ResidentKey(KmsMacKey(kms, settings.pseudonym_key_id), settings.gemeentecode),
        cipher=KmsBsnCipher(kms, settings.data_key_id),
        results=DynamoDbResidentResults(dynamodb, settings.table_name),
        identifications=DynamoDbIdentifications(dynamodb, settings.table_name),
    )
