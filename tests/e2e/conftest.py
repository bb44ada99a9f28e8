"""End-to-end over HTTP: the real template, handlers, gateway and DigiD simulator, started by the tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infrastructure.digid_simulator import SHAPES, DigidSimulator, Shape
from infrastructure.local import LocalStack
from infrastructure.local.clients import OfficialClient
from infrastructure.local.digid import DigidSimulatorComponent


@pytest.fixture(scope="package")
def digid() -> DigidSimulatorComponent:
    return DigidSimulatorComponent(shape="logius")


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory, digid: DigidSimulatorComponent) -> Iterator[LocalStack]:
    state = Path(tmp_path_factory.mktemp("stack")) / "stack.json"
    # moto in its own process, so the integration tests' mock_aws() cannot reset it
    with LocalStack(port=0, isolated_moto=True, state_file=state, components=[digid]) as running:
        yield running


@pytest.fixture(scope="package")
def simulator(stack: LocalStack, digid: DigidSimulatorComponent) -> DigidSimulator:
    assert digid.simulator is not None
    return digid.simulator


@pytest.fixture(params=SHAPES)
def shape(request: pytest.FixtureRequest, simulator: DigidSimulator) -> Iterator[Shape]:
    """The DigiD answers in Logius' example shape (no Destination), then as a SAML broker sends them."""
    simulator.shape = request.param
    yield request.param
    simulator.shape = "logius"


@pytest.fixture(scope="package")
def official(stack: LocalStack) -> OfficialClient:
    return OfficialClient(stack.info)
