"""The outcome function's request body, defined with pydantic: the OpenAPI document is generated from it
(infrastructure/deploy/openapi.py) and so is the core schema the handler validates with (request_schemas.json,
infrastructure/deploy/request_schemas.py). Only the build and the tests import this module; the function does not,
so a cold start never loads pydantic."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["CompleteRequest"]


class CompleteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    outcome: Literal["identified", "not_identified"]
    # not_identified: a short reason, printed on the proof (no BSN: the official types free text, so keep it
    # short and say so on the page).
    reason: str | None = Field(default=None, min_length=1, max_length=200)
    # An existing zaak in the case system (zgw mode) the proof is attached to; optional.
    zaak_url: str | None = Field(default=None, pattern=r"^https://\S+$", max_length=1000)
