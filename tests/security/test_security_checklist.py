"""docs/security-checklist.md follows the DigiD Normenkader 3.0 norm by norm, and every test it cites exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKLIST = ROOT / "docs" / "security-checklist.md"

# Normenkader 3.0 (in force since 1 August 2022): the 20 norms of 2.0 and B.01 (sources in the checklist).
NORMENKADER_3_0 = [
    "B.01",
    "B.05",
    "U/TV.01",
    "U/WA.02",
    "U/WA.03",
    "U/WA.04",
    "U/WA.05",
    "U/PW.02",
    "U/PW.03",
    "U/PW.05",
    "U/PW.07",
    "U/NW.03",
    "U/NW.04",
    "U/NW.05",
    "C.03",
    "C.04",
    "C.05",
    "C.06",
    "C.07",
    "C.08",
    "C.09",
]
TESTED_ON_EFFECTIVENESS = {"U/TV.01", "U/WA.02", "C.07", "C.08", "C.09"}  # since the 2025 submission period


def norm_rows() -> list[list[str]]:
    text = CHECKLIST.read_text(encoding="utf-8")
    section = text.split("## Normenkader 3.0 — the 21 norms", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| Norm ")]
    return [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows if not set(row) <= set("|- ")]


def test_the_checklist_lists_exactly_the_21_norms_of_normenkader_3_0_in_order() -> None:
    rows = norm_rows()
    assert [row[0] for row in rows] == NORMENKADER_3_0
    assert len(rows) == 21


def test_the_five_norms_tested_on_effectiveness_are_marked() -> None:
    marked = {row[0] for row in norm_rows() if row[2] == "✔"}
    assert marked == TESTED_ON_EFFECTIVENESS


def test_every_norm_names_its_source_what_meets_it_and_the_municipalitys_part() -> None:
    for norm, title, _, met, duty in norm_rows():
        assert "(" in title and ")" in title, f"{norm}: the title names its source or says it is unverified"
        assert len(met) > 30, f"{norm}: what in this project meets it"
        assert duty, f"{norm}: the municipality's duty (or — when there is none)"


def test_every_test_the_checklist_cites_exists() -> None:
    text = CHECKLIST.read_text(encoding="utf-8")
    cited = set(re.findall(r"`([a-z_]+/test_[a-z0-9_]+\.py)((?:::test_[a-z0-9_]+)?)`", text))
    assert len(cited) > 20
    for path, test in cited:
        file = ROOT / "tests" / path
        assert file.is_file(), f"{path} is cited but does not exist"
        if test:
            assert f"def {test.removeprefix('::')}(" in file.read_text(encoding="utf-8"), f"{path}{test} is cited"
