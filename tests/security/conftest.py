"""The template fixtures of tests/infrastructure, shared."""

from tests.infrastructure.conftest import cfn_template, sam_template  # noqa: F401  (fixtures)
