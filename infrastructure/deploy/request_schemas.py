"""The core schemas the API handlers validate request bodies with, generated from their pydantic models:
`python -m infrastructure.deploy.request_schemas` writes functions/<function>/request_schemas.json
(`--check` only compares, for CI; `make openapi` runs both generators).

Why: importing pydantic costs a cold start ~55 ms (issue 13), building a model a few more. The pydantic model stays
the definition of a body (the OpenAPI document is generated from it, the tests use it); at run time the handler
gives pydantic's own validation engine (``pydantic_core.SchemaValidator``) the core schema pydantic generated from
that model, committed here as JSON, and never imports pydantic (legitimatie.runtime.http.RequestBody).
What is committed is the model's own fields schema and config: the model wrapper, which names the Python class, is
left out (the handler gets the fields as a dict), and so is the metadata, which only the JSON Schema generator reads.
A model that validates with Python code (validators, nested models, a custom ``__init__``) cannot be written as JSON:
the generator says so rather than write something that would validate differently.
tests/infrastructure/test_request_schemas.py fails when a committed file is not this module's output, and
tests/unit/test_request_bodies.py that the model and the committed schema accept and refuse the same bodies.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
FILE_NAME = "request_schemas.json"
if str(FUNCTIONS) not in sys.path:  # python -m infrastructure.deploy.request_schemas from the repository's root
    sys.path.insert(0, str(FUNCTIONS))

from code_check.request_models import CheckRequest  # noqa: E402
from outcome.request_models import CompleteRequest  # noqa: E402
from sessions.request_models import CreateSessionRequest  # noqa: E402

__all__ = ["MODELS", "core_schema_of", "main", "render"]

# The request models of each function (its package under functions/).
MODELS: dict[str, tuple[type[BaseModel], ...]] = {
    "code_check": (CheckRequest,),
    "outcome": (CompleteRequest,),
    "sessions": (CreateSessionRequest,),
}


def _without_metadata(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _without_metadata(value) for key, value in node.items() if key != "metadata"}
    if isinstance(node, list):
        return [_without_metadata(item) for item in node]
    return node


def core_schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """The model's fields schema and config as pydantic generated them, as JSON-compatible data."""
    schema = dict(model.__pydantic_core_schema__)
    if schema.get("type") != "model" or schema.get("root_model") or schema.get("custom_init") or "post_init" in schema:
        raise ValueError(f"{model.__name__}: only a plain model's fields can be validated without pydantic")
    entry = _without_metadata({"config": schema.get("config", {}), "schema": schema["schema"]})
    try:
        json.dumps(entry, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{model.__name__} validates with Python code, which a committed schema cannot hold") from exc
    return dict(entry)


def render(package: str) -> str:
    """The request schemas file of one function."""
    schemas = {model.__name__: core_schema_of(model) for model in MODELS[package]}
    return json.dumps(schemas, indent=2, ensure_ascii=False) + "\n"  # in field order: errors are named in it


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="compare with the committed files; write nothing")
    args = parser.parse_args(argv)
    stale = []
    for package in MODELS:
        path, text = FUNCTIONS / package / FILE_NAME, render(package)
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
            continue
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path} ({len(text)} bytes)")
    for path in stale:
        print(f"{path} is not the generated schema: run python -m infrastructure.deploy.request_schemas")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
