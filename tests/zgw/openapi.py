"""Validate the requests our ZGW client sends against the official OpenAPI 3.0 specifications (shared/).

What a conforming server (Open Zaak) checks: the operation exists, every required header is present (the Zaken
API demands Accept-Crs and Content-Crs on /zaken), query parameters are ones the operation declares, the JSON
body matches the request schema (required fields, types, enums, formats; readOnly fields neither required nor
sent), and the polymorphic Rol by its ``betrokkeneType`` discriminator.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jsonschema
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
# CI clones the repository into another folder with a copy of shared/ beside it: the same relative place.
SPEC_DIR = REPO_ROOT.parent / "shared" / "reference" / "zgw"
SPECS = {
    "zaken": "zaken-api-openapi.yaml",
    "documenten": "documenten-api-openapi.yaml",
    "catalogi": "catalogi-api-openapi.yaml",
}


def specs_available() -> bool:
    return all((SPEC_DIR / name).is_file() for name in SPECS.values())


def _openapi_to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema objects → JSON Schema for a *request*: nullable, readOnly, discriminator."""
    if isinstance(node, list):
        return [_openapi_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _openapi_to_json_schema(value) for key, value in node.items() if key != "discriminator"}
    if out.pop("nullable", False):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        elif "enum" not in out:
            out = {"anyOf": [out, {"type": "null"}]}
    properties = out.get("properties")
    if isinstance(properties, dict):
        read_only = [
            name for name, prop in node["properties"].items() if isinstance(prop, dict) and prop.get("readOnly")
        ]
        if "required" in out:
            out["required"] = [name for name in out["required"] if name not in read_only]
        for name in read_only:  # a client must not send what only the server sets
            properties[name] = {"not": {}}
    if "enum" in out and isinstance(out.get("type"), list) and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    return out


@cache
def load_spec(api: str) -> dict[str, Any]:
    raw = yaml.safe_load((SPEC_DIR / SPECS[api]).read_text(encoding="utf-8"))
    converted = copy.deepcopy(raw)
    converted["components"]["schemas"] = _openapi_to_json_schema(raw["components"]["schemas"])
    return {"raw": raw, "schemas": converted["components"]}


@dataclass
class Violations:
    problems: list[str] = field(default_factory=list)

    def add(self, where: str, problem: str) -> None:
        self.problems.append(f"{where}: {problem}")


def _operation(api: str, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    paths = load_spec(api)["raw"]["paths"]
    for template, operations in paths.items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "/?$"
        if re.match(pattern, path) and method.lower() in operations:
            return template, operations[method.lower()]
    return None


def _body_schema(api: str, operation: dict[str, Any], body: Any) -> dict[str, Any]:
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    name = ref.rsplit("/", 1)[-1]
    raw_schema = load_spec(api)["raw"]["components"]["schemas"][name]
    discriminator = raw_schema.get("discriminator")
    if discriminator and isinstance(body, dict):
        mapped = discriminator["mapping"].get(body.get(discriminator["propertyName"]))
        if mapped:
            ref = mapped
    return {"$ref": ref, "components": load_spec(api)["schemas"]}


def validate_request(
    api: str, method: str, url: str, headers: dict[str, str], body: bytes | None, base_path: str
) -> list[str]:
    """Everything a conforming ZGW server would refuse in this request; empty when it conforms."""
    violations = Violations()
    parts = urlsplit(url)
    path = parts.path[len(base_path) :] if parts.path.startswith(base_path) else parts.path
    where = f"{method} {path}"
    found = _operation(api, method, path)
    if found is None:
        violations.add(where, "no such operation in the specification")
        return violations.problems
    _, operation = found
    given = {name.lower(): value for name, value in headers.items()}
    if not given.get("authorization", "").startswith("Bearer "):
        violations.add(where, "no Bearer token (securitySchemes JWT-Claims)")
    declared_query = set()
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "header" and parameter.get("required") and parameter["name"].lower() not in given:
            violations.add(where, f"required header {parameter['name']} missing")
        header = given.get(parameter["name"].lower()) if parameter.get("in") == "header" else None
        allowed = parameter.get("schema", {}).get("enum")
        if header is not None and allowed and header not in allowed:
            violations.add(where, f"header {parameter['name']} not one of {allowed}")
        if parameter.get("in") == "query":
            declared_query.add(parameter["name"])
    for name, _ in parse_qsl(parts.query, keep_blank_values=True):
        if name not in declared_query:
            violations.add(where, f"query parameter {name} is not declared")
    if "requestBody" in operation:
        try:
            data = json.loads(body or b"")
        except ValueError:
            violations.add(where, "body is not JSON")
            return violations.problems
        validator = jsonschema.Draft4Validator(
            _body_schema(api, operation, data), format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
        )
        for error in validator.iter_errors(data):
            location = "/".join(str(part) for part in error.absolute_path) or "body"
            violations.add(where, f"{location}: {error.message[:200]}")
    return violations.problems
