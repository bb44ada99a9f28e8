"""The sessions function's request bodies, defined with pydantic: the OpenAPI document is generated from them
(infrastructure/deploy/openapi.py) and so are the core schemas the handler validates with (request_schemas.json,
infrastructure/deploy/request_schemas.py). Only the build and the tests import this module; the function does not,
so a cold start never loads pydantic."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["CreateSessionRequest"]


class CreateSessionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    flow: Literal["known_bsn", "handover"]
    bsn: str | None = None
    required_loa: str | None = None
