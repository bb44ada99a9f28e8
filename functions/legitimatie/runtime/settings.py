"""Configuration as one validated, frozen struct per function, read once when a handler starts.

Not pydantic models: building a model class costs 5-15 ms of a cold start each (settings alone were 12-31 ms),
and the environment needs only strings, whole numbers, a few fixed choices and the level of assurance. A
settings class declares its variables with ``Field(alias=..., ...)`` (the names pydantic uses, so a reader
knows them): the variable's name is the field's name in msgspec (``encode_name``), its rules are kept under that name.
``BaseSettings`` is a frozen ``msgspec.Struct``; a subclass says ``frozen=True, kw_only=True`` again (msgspec does
not inherit ``kw_only``, mypy neither ``frozen``).
A struct class is built in C (~0.04 ms; a dataclass generated and compiled its source, ~1 ms each: issue 13).
Pydantic stays for request and response bodies. A function's own settings classes live next to it or in a module of
their own (key_settings.py, proof_settings.py, delivery_settings.py), so a function builds only those it reads.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import msgspec

from ..assurance import LevelOfAssurance
from ..errors import InvalidInput

if TYPE_CHECKING:  # built by ``policy()``: only the functions that create or show sessions ask for it
    from ..policy import ServicePolicy

__all__ = ["BaseSettings", "ConfigurationError", "Field"]

S = TypeVar("S", bound="BaseSettings")


class ConfigurationError(RuntimeError):
    """A setting is missing or wrong; the message names it so DevOps can fix the deployment."""


# Per environment variable: what its value must satisfy (``Field``). Several classes may declare one variable (a
# function's settings share the common ones), always with the same rules.
_RULES: dict[str, dict[str, Any]] = {}


def Field(
    *,
    alias: str,
    default: Any = msgspec.NODEFAULT,
    min_length: int | None = None,
    pattern: str | None = None,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
) -> Any:
    """One environment variable: its name (the field's msgspec name) and what its value must satisfy."""
    limits = {"min_length": min_length, "pattern": pattern, "ge": ge, "gt": gt, "le": le}
    rules = {key: value for key, value in limits.items() if value is not None}
    if _RULES.setdefault(alias, rules) != rules:
        raise TypeError(f"{alias} is declared again with other rules: {rules} and {_RULES[alias]}")
    return msgspec.field(default=default, name=alias)


def _convert(kind: Any, raw: str) -> Any:
    """``raw`` as ``kind`` (str, int, float, a Literal of strings, LevelOfAssurance); ValueError if it is not."""
    if typing.get_origin(kind) is Literal:
        choices = typing.get_args(kind)
        if raw not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return raw
    if kind is LevelOfAssurance:
        try:
            return LevelOfAssurance.parse(raw)
        except InvalidInput as exc:
            raise ValueError(exc.message) from None
    if kind is int:
        try:
            return int(raw.strip())
        except ValueError:
            raise ValueError("must be a whole number") from None
    if kind is float:
        try:
            return float(raw.strip())
        except ValueError:
            raise ValueError("must be a number") from None
    return raw


def _check(value: Any, rules: Mapping[str, Any]) -> str | None:
    """The first rule ``value`` breaks, as a sentence fragment; None when it keeps them all."""
    if "min_length" in rules and len(value) < rules["min_length"]:
        return f"must have at least {rules['min_length']} characters"
    if "pattern" in rules and not re.search(rules["pattern"], value):
        return f"must match {rules['pattern']}"
    if "ge" in rules and value < rules["ge"]:
        return f"must be at least {rules['ge']}"
    if "gt" in rules and value <= rules["gt"]:
        return f"must be more than {rules['gt']}"
    if "le" in rules and value > rules["le"]:
        return f"must be at most {rules['le']}"
    return None


class BaseSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Settings every function has (the template's Globals)."""

    table_name: str = Field(alias="TABLE_NAME", min_length=3)
    municipality_name: str = Field(alias="MUNICIPALITY_NAME", min_length=1)
    gemeentecode: str = Field(alias="GEMEENTECODE", pattern=r"^[0-9]{4}$")
    minimum_loa: LevelOfAssurance = Field(alias="MINIMUM_LOA")
    session_lifetime_minutes: int = Field(alias="SESSION_LIFETIME_MINUTES", ge=5, le=120)
    site_url: str = Field(alias="SITE_URL", pattern=r"^https?://[^/\s]+$")

    @classmethod
    def from_env(cls: type[S], environ: Mapping[str, str]) -> S:
        """Every declared variable read, converted and checked; all problems at once, each named."""
        values: dict[str, Any] = {}
        problems: list[str] = []
        for field in msgspec.structs.fields(cls):
            name = field.encode_name
            raw = environ.get(name)
            if raw is None:
                if field.required:
                    problems.append(f"{name}: is required")
                continue
            try:
                value = _convert(field.type, raw)
            except ValueError as exc:
                problems.append(f"{name}: {exc}")
                continue
            broken = _check(value, _RULES[name])
            if broken:
                problems.append(f"{name}: {broken}")
                continue
            values[field.name] = value
        if not problems:
            settings = cls(**values)
            try:
                settings.validate()
            except ValueError as exc:
                problems.append(str(exc))
            else:
                return settings
        raise ConfigurationError(f"Invalid configuration: {'; '.join(problems)}")

    def validate(self) -> None:
        """Rules across variables; raise ValueError naming them. None here."""

    def policy(self) -> ServicePolicy:
        from ..policy import ServicePolicy

        return ServicePolicy(
            municipality_name=self.municipality_name,
            gemeentecode=self.gemeentecode,
            minimum_loa=self.minimum_loa,
            session_lifetime=timedelta(minutes=self.session_lifetime_minutes),
            site_url=self.site_url,
        )
