"""End-to-end over HTTP: the real template, handlers, gateway and DigiD simulator, started by the tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infrastructure.local import LocalStack
from infrastructure.local.clients import OfficialClient


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    state = Path(tmp_path_factory.mktemp("stack")) / "stack.json"
    # moto in its own process, so the integration tests' mock_aws() cannot reset it
    with LocalStack(port=0, isolated_moto=True, state_file=state) as running:
        yield running


@pytest.fixture(scope="package")
def official(stack: LocalStack) -> OfficialClient:
    return OfficialClient(stack.info)
