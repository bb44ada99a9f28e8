"""The DigiD function's adapters, created once per execution environment on first use (cold start stays small)."""

from __future__ import annotations

import os
from functools import cache

from msgspec import Struct

from digid.saml.config import SpConfig
from digid.sp_config import DigidSettings, load_sp_config
from legitimatie.adapters.dynamodb import DynamoDbIdentifications, DynamoDbPendingLogins, DynamoDbSessionRepository
from legitimatie.adapters.kms import KmsBsnCipher, KmsMacKey
from legitimatie.login.digid_services import LoginPorts
from legitimatie.policy import ServicePolicy
from legitimatie.resident import ResidentKey
from legitimatie.runtime.aws import aws_client
from legitimatie.runtime.observability import audit_trail, counts
from legitimatie.sessions.control_code import ControlCodes

__all__ = ["Wiring", "wiring"]


class Wiring(Struct, frozen=True):
    policy: ServicePolicy
    sp: SpConfig
    sessions: DynamoDbSessionRepository
    pending: DynamoDbPendingLogins
    identifications: DynamoDbIdentifications
    residents: ResidentKey
    cipher: KmsBsnCipher

    @property
    def ports(self) -> LoginPorts:
        """What ``answer_login`` may touch: these adapters, the audit trail and the metrics."""
        return LoginPorts(
            policy=self.policy,
            sessions=self.sessions,
            residents=self.residents,
            cipher=self.cipher,
            identifications=self.identifications,
            pending=self.pending,
            audit=audit_trail,
            metrics=counts,
        )


@cache
def wiring() -> Wiring:
    settings = DigidSettings.from_env(os.environ)
    dynamodb, kms = aws_client("dynamodb"), aws_client("kms")
    return Wiring(
        policy=settings.policy(),
        sp=load_sp_config(settings, aws_client("ssm"), aws_client("secretsmanager")),
        sessions=DynamoDbSessionRepository(dynamodb, settings.table_name),
        pending=DynamoDbPendingLogins(dynamodb, settings.table_name),
        identifications=DynamoDbIdentifications(dynamodb, settings.table_name),
        # one MAC per login under the pseudonym key; the control code key only for sessions created as v1
        residents=ResidentKey(
            KmsMacKey(kms, settings.pseudonym_key_id),
            settings.gemeentecode,
            v1_codes=ControlCodes(KmsMacKey(kms, settings.control_code_key_id), settings.gemeentecode),
        ),
        cipher=KmsBsnCipher(kms, settings.data_key_id),
    )
