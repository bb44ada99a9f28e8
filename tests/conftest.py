"""Project-wide test rules.

No BSN in logs or output: after every test, everything the test printed or logged (stdout, stderr, log
records, including the Powertools JSON logs and metrics) is searched for the test BSNs; finding one fails
the test, however green it was otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

# Every BSN the tests use. They pass the elfproef; they are test numbers, not people.
TEST_BSNS = ("999993653", "999990019", "999991772", "111222333", "123456782", "012345672")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if report.when != "teardown" or report.failed:  # at teardown, sections hold setup, call and teardown
        return
    captured = "\n".join(text for _, text in report.sections)
    leaked = [bsn for bsn in TEST_BSNS if bsn in captured]
    if leaked:
        report.outcome = "failed"
        report.longrepr = f"A BSN appeared in captured logs or output ({len(leaked)} of the test BSNs); none may."
