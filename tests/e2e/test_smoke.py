"""The smoke walk that README tells a newcomer to run against `make run` passes against the test stack too."""

from __future__ import annotations

from infrastructure.local import LocalStack
from infrastructure.local.smoke import walk


def test_the_readmes_smoke_walk_passes(stack: LocalStack) -> None:
    # Given the local stack, when the smoke walk runs every step, then none exits (a failing step exits non-zero)
    walk(stack.info)
