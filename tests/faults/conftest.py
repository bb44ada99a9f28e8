"""Fault injection runs the real handlers against moto (the integration fixtures) with one AWS call failing."""

from tests.integration.conftest import aws  # noqa: F401  (the fixture, shared)
