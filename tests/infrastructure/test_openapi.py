"""The OpenAPI document (functions/sessions/openapi.json) is generated, not written: it is what
`python -m infrastructure.deploy.openapi` makes, and it lists exactly the routes template.yaml gives API Gateway."""

from __future__ import annotations

import json
from typing import Any

from infrastructure.deploy import openapi

Template = dict[str, Any]
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def template_routes(sam_template: Template) -> set[tuple[str, str]]:
    routes = set()
    for resource in sam_template["Resources"].values():
        for event in resource.get("Properties", {}).get("Events", {}).values():
            if event["Type"] == "HttpApi":
                routes.add((event["Properties"]["Method"].upper(), event["Properties"]["Path"]))
    return routes


def documented_routes(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in METHODS
    }


def test_the_committed_document_is_the_generated_one() -> None:
    committed = openapi.DOCUMENT.read_text(encoding="utf-8")
    assert committed == openapi.render(), "run: python -m infrastructure.deploy.openapi"


def test_the_document_lists_exactly_the_template_routes(sam_template: Template) -> None:
    in_template = template_routes(sam_template)
    documented = documented_routes(json.loads(openapi.DOCUMENT.read_text(encoding="utf-8")))
    assert len(in_template) == 18  # the count guards the reading of the template itself
    assert {"undocumented": in_template - documented, "not in the template": documented - in_template} == {
        "undocumented": set(),
        "not in the template": set(),
    }


def test_request_bodies_are_the_handlers_own_models() -> None:
    document = openapi.generate()
    schemas = document["components"]["schemas"]
    for model in (openapi.CreateSessionRequest, openapi.CheckRequest, openapi.CompleteRequest):
        assert schemas[model.__name__]["additionalProperties"] is False  # extra="forbid" in the handler's model
        assert set(schemas[model.__name__]["properties"]) == set(model.model_fields)


def test_every_staff_route_requires_the_token_and_no_public_one_does() -> None:
    document = openapi.generate()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            staff = path.startswith(("/api/sessions", "/api/identifications", "/api/proofs"))
            assert (operation.get("security") == [{"staffToken": []}]) is staff, (method, path)
            assert ("401" in operation["responses"]) is staff, (method, path)
