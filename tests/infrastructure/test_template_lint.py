"""cfn-lint accepts template.yaml: no errors, and no warning that nobody has looked at."""

from __future__ import annotations

from pathlib import Path

from cfnlint.api import ManualArgs, lint_file

# Warnings we have read and accept, by rule id, with the reason. Empty: there are none today.
UNDERSTOOD_WARNINGS: dict[str, str] = {}

# A Dutch municipality deploys in an EU region; CloudFront certificates live in us-east-1 regardless.
REGIONS = ["eu-west-1", "eu-central-1"]


def test_cfn_lint_finds_no_errors_and_no_unexplained_warnings(repo_root: Path) -> None:
    # Given template.yaml
    template = repo_root / "template.yaml"

    # When cfn-lint checks it (it runs its own SAM transform, offline)
    matches = lint_file(template, config=ManualArgs(regions=REGIONS))

    # Then there are no errors, and every warning is one we understand
    findings = [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches]
    errors = [f for f, m in zip(findings, matches, strict=True) if m.rule.id.startswith("E")]
    unexplained = [
        f
        for f, m in zip(findings, matches, strict=True)
        if m.rule.id.startswith("W") and m.rule.id not in UNDERSTOOD_WARNINGS
    ]
    assert errors == []
    assert unexplained == []
