"""The template as written (SAM) and as CloudFormation sees it after the SAM transform, both offline.

The transform runs in-process with aws-sam-translator: no AWS account, no credentials, no network. The one
AWS call the translator can make (listing managed policies to resolve policy names) is replaced by a loader
that knows no policies; our functions only use inline statements, so it is never needed.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO_ROOT / "template.yaml"

Template = dict[str, Any]


class NoManagedPolicies:
    """Stands in for ``ManagedPolicyLoader``, which would call IAM ListPolicies."""

    def load(self) -> dict[str, str]:
        return {}


@pytest.fixture(scope="session")
def sam_template() -> Template:
    """template.yaml with short-form intrinsics (!Ref, !Sub, ...) expanded to their long form."""
    return yaml_parse(TEMPLATE_PATH.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def cfn_template(sam_template: Template) -> Iterator[Template]:
    """The CloudFormation template that the SAM transform makes of template.yaml."""
    packaged = copy.deepcopy(sam_template)
    # What `sam package` does: the transform only accepts code that is already in S3.
    packaged["Globals"]["Function"]["CodeUri"] = "s3://artifacts/functions.zip"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_DEFAULT_REGION", "eu-west-1")
        yield transform(packaged, {}, NoManagedPolicies())  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT
