"""The sessions function's adapters, created once per execution environment on first use."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

from legitimatie.adapters.dynamodb import DynamoDbIdentifications, DynamoDbResidentResults, DynamoDbSessionRepository
from legitimatie.adapters.kms import KmsBsnCipher, KmsMacKey
from legitimatie.audit import Pseudonyms
from legitimatie.policy import ServicePolicy
from legitimatie.runtime.aws import aws_client
from legitimatie.runtime.settings import KeySettings, StaffSettings
from legitimatie.sessions.control_code import ControlCodes

__all__ = ["Settings", "Wiring", "wiring"]


class Settings(KeySettings, StaffSettings):
    pass


@dataclass(frozen=True)
class Wiring:
    policy: ServicePolicy
    lookup_group: str
    sessions: DynamoDbSessionRepository
    codes: ControlCodes
    cipher: KmsBsnCipher
    results: DynamoDbResidentResults
    identifications: DynamoDbIdentifications
    pseudonyms: Pseudonyms


@cache
def wiring() -> Wiring:
    settings = Settings.from_env(os.environ)
    kms = aws_client("kms")
    dynamodb = aws_client("dynamodb")
    return Wiring(
        policy=settings.policy(),
        lookup_group=settings.staff_lookup_group,
        sessions=DynamoDbSessionRepository(dynamodb, settings.table_name),
        codes=ControlCodes(KmsMacKey(kms, settings.control_code_key_id), settings.gemeentecode),
        cipher=KmsBsnCipher(kms, settings.data_key_id),
        results=DynamoDbResidentResults(dynamodb, settings.table_name),
        identifications=DynamoDbIdentifications(dynamodb, settings.table_name),
        pseudonyms=Pseudonyms(KmsMacKey(kms, settings.pseudonym_key_id)),
    )
