"""The fake case system, started per test; tests here skip when the ZGW specifications are not beside the repo."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.zgw.fake_case_system import FakeCaseSystem, running_case_system


@pytest.fixture
def case_system() -> Iterator[FakeCaseSystem]:
    with running_case_system() as system:
        yield system
