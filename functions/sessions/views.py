"""The sessions function's one answer that is not a JSON body of ``legitimatie.runtime.views``: the OpenAPI file."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from legitimatie.runtime.http import Response, content_types

__all__ = ["openapi_file"]

_OPENAPI: Final = Path(__file__).with_name("openapi.json")


def openapi_file() -> Response[str]:
    """openapi.json as generated at build time (``make openapi``): read per request, nothing at cold start."""
    body = _OPENAPI.read_text(encoding="utf-8")
    headers = {"Cache-Control": "public, max-age=300"}
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=body, headers=headers)
