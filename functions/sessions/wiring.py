"""The sessions function's adapters, created once per execution environment on first use, and the services that
take more than a repository bound to them (the audit trail and the metrics included).

The login's part (the resident's result page, flow A's look-up) is loaded by its own routes, here, on their first
call: an official's first request (creating a session) does not build the login's types (issue 13)."""

from __future__ import annotations

import os
from datetime import datetime
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from msgspec import Struct

from legitimatie.adapters.dynamodb import DynamoDbSessionRepository
from legitimatie.adapters.kms import KmsBsnCipher, KmsMacKey
from legitimatie.assurance import LevelOfAssurance
from legitimatie.bsn import Bsn
from legitimatie.flow import Flow
from legitimatie.live.model import LiveTicket
from legitimatie.policy import ServicePolicy
from legitimatie.resident import ResidentKey
from legitimatie.runtime.aws import aws_client
from legitimatie.runtime.key_settings import KeySettings
from legitimatie.runtime.observability import audit_trail, counts
from legitimatie.runtime.settings import Field
from legitimatie.sessions.model import Official, Session
from legitimatie.sessions.services import create_followed_session

if TYPE_CHECKING:
    from legitimatie.adapters.dynamodb import DynamoDbIdentifications, DynamoDbResidentResults
    from legitimatie.login.model import Identification, ResidentResult
    from legitimatie.login.services import ResidentView

__all__ = ["Settings", "Wiring", "wiring"]


class Settings(KeySettings, frozen=True, kw_only=True):
    """The sessions function's settings: the keys, who may look flow A's cases up, and the ones every function has."""

    staff_lookup_group: str = Field(alias="STAFF_LOOKUP_GROUP", default="zaak-opzoeken", min_length=1)


class Wiring(Struct, frozen=True, dict=True):
    policy: ServicePolicy
    lookup_group: str
    sessions: DynamoDbSessionRepository
    residents: ResidentKey
    cipher: KmsBsnCipher
    dynamodb: Any  # its client, shared by the login's repositories when their routes first need them
    table_name: str

    @cached_property
    def results(self) -> DynamoDbResidentResults:
        from legitimatie.adapters.dynamodb import DynamoDbResidentResults  # the resident's routes only (see above)

        return DynamoDbResidentResults(self.dynamodb, self.table_name)

    @cached_property
    def identifications(self) -> DynamoDbIdentifications:
        from legitimatie.adapters.dynamodb import DynamoDbIdentifications  # flow A's look-up only (see above)

        return DynamoDbIdentifications(self.dynamodb, self.table_name)

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
        from legitimatie.login.services import identification_for_official  # flow A's look-up only (see above)

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

    def resident_result(self, cookie: str | None, *, now: datetime) -> ResidentView:
        from legitimatie.login.services import resident_result  # the resident's routes only (see above)

        return resident_result(cookie, results=self.results, sessions=self.sessions, now=now)

    def extend_result(self, cookie: str | None, *, now: datetime) -> ResidentResult:
        from legitimatie.login.services import extend_result  # the resident's routes only (see above)

        return extend_result(cookie, results=self.results, sessions=self.sessions, now=now)

    def forget_result(self, cookie: str | None) -> None:
        from legitimatie.login.services import forget_result  # the resident's routes only (see above)

        forget_result(cookie, results=self.results)


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
        dynamodb=dynamodb,
        table_name=settings.table_name,
    )
