"""The core schemas the handlers validate request bodies with (functions/<function>/request_schemas.json) are
generated from the request models, not written: they are what `python -m infrastructure.deploy.request_schemas`
makes, and every RequestBody of a handler names one of them."""

from __future__ import annotations

import importlib
import json

import pytest
from pydantic import BaseModel, field_validator

from infrastructure.deploy import request_schemas
from legitimatie.runtime.http import RequestBody


@pytest.mark.parametrize("package", sorted(request_schemas.MODELS))
def test_the_committed_schemas_are_the_generated_ones(package: str) -> None:
    committed = (request_schemas.FUNCTIONS / package / request_schemas.FILE_NAME).read_text(encoding="utf-8")
    assert committed == request_schemas.render(package), "run: python -m infrastructure.deploy.request_schemas"


def test_the_check_mode_finds_a_stale_file_and_writes_nothing(tmp_path, monkeypatch) -> None:
    # Given a copy of the functions whose check schema lost its extra-field rule
    for package in request_schemas.MODELS:
        (tmp_path / package).mkdir()
        (tmp_path / package / request_schemas.FILE_NAME).write_text(request_schemas.render(package), encoding="utf-8")
    stale = tmp_path / "code_check" / request_schemas.FILE_NAME
    stale.write_text(stale.read_text(encoding="utf-8").replace('"forbid"', '"ignore"'), encoding="utf-8")
    monkeypatch.setattr(request_schemas, "FUNCTIONS", tmp_path)
    # When the check runs
    status = request_schemas.main(["--check"])
    # Then it fails and leaves the file as it was
    assert status == 1
    assert '"ignore"' in stale.read_text(encoding="utf-8")


@pytest.mark.parametrize("package", ["sessions", "code_check", "outcome"])
def test_every_request_body_of_a_handler_names_a_model_of_its_function(package: str) -> None:
    handler = importlib.import_module(f"{package}.handler")
    bodies = [value for value in vars(handler).values() if isinstance(value, RequestBody)]
    committed = json.loads((request_schemas.FUNCTIONS / package / request_schemas.FILE_NAME).read_text("utf-8"))
    assert bodies, package
    assert {body.model for body in bodies} <= set(committed)
    assert {body.model for body in bodies} <= {model.__name__ for model in request_schemas.MODELS[package]}


def test_a_model_that_validates_with_python_code_is_not_written_as_a_schema() -> None:
    # Given a model with a validator of its own (a schema file could not hold it)
    class Checked(BaseModel):
        code: str

        @field_validator("code")
        @classmethod
        def digits(cls, value: str) -> str:
            return value.strip()

    # Then the generator refuses it rather than write a schema that validates differently
    with pytest.raises(ValueError, match="Python code"):
        request_schemas.core_schema_of(Checked)
