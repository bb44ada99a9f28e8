"""The code check function's request body, defined with pydantic: the OpenAPI document is generated from it
(infrastructure/deploy/openapi.py) and so is the core schema the handler validates with (request_schemas.json,
infrastructure/deploy/request_schemas.py). Only the build and the tests import this module; the function does not,
so a cold start never loads pydantic."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["CheckRequest"]


class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
