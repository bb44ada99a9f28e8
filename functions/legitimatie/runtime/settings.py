"""Configuration as one validated model per function, read once when a handler starts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..assurance import LevelOfAssurance
from ..policy import ServicePolicy

__all__ = ["BaseSettings", "ConfigurationError", "KeySettings", "StaffSettings"]

S = TypeVar("S", bound="BaseSettings")


class ConfigurationError(RuntimeError):
    """A setting is missing or wrong; the message names it so DevOps can fix the deployment."""


class BaseSettings(BaseModel):
    """Settings every function has (the template's Globals)."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)
    env_names: ClassVar[dict[str, str]] = {}

    table_name: str = Field(alias="TABLE_NAME", min_length=3)
    municipality_name: str = Field(alias="MUNICIPALITY_NAME", min_length=1)
    gemeentecode: str = Field(alias="GEMEENTECODE", pattern=r"^[0-9]{4}$")
    minimum_loa: LevelOfAssurance = Field(alias="MINIMUM_LOA")
    session_lifetime_minutes: int = Field(alias="SESSION_LIFETIME_MINUTES", ge=5, le=120)
    site_url: str = Field(alias="SITE_URL", pattern=r"^https?://[^/\s]+$")
    identification_retention_hours: int = Field(alias="IDENTIFICATION_RETENTION_HOURS", default=24, ge=1, le=24 * 90)

    @field_validator("minimum_loa", mode="before")
    @classmethod
    def _parse_loa(cls, value: object) -> object:
        return LevelOfAssurance.parse(value) if isinstance(value, str) else value

    @classmethod
    def from_env(cls: type[S], environ: Mapping[str, str]) -> S:
        try:
            return cls.model_validate(dict(environ))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()
            )
            raise ConfigurationError(f"Invalid configuration: {problems}") from None

    def policy(self) -> ServicePolicy:
        return ServicePolicy(
            municipality_name=self.municipality_name,
            gemeentecode=self.gemeentecode,
            minimum_loa=self.minimum_loa,
            session_lifetime=timedelta(minutes=self.session_lifetime_minutes),
            site_url=self.site_url,
            identification_retention=timedelta(hours=self.identification_retention_hours),
        )


class KeySettings(BaseSettings):
    """Functions that compute control codes and seal or open a BSN."""

    control_code_key_id: str = Field(alias="CONTROL_CODE_KEY_ID", min_length=1)
    data_key_id: str = Field(alias="DATA_KEY_ID", min_length=1)
    # The audit trail's resident pseudonyms: an HMAC_256 key of its own (legitimatie.audit says why).
    pseudonym_key_id: str = Field(alias="PSEUDONYM_KEY_ID", min_length=1)


class StaffSettings(BaseSettings):
    """Functions that decide what an official may look up."""

    staff_lookup_group: str = Field(alias="STAFF_LOOKUP_GROUP", default="zaak-opzoeken", min_length=1)
