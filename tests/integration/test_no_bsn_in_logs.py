"""The guard in tests/conftest.py works: a test that logs a BSN is failed by it."""

from pathlib import Path

pytest_plugins = ["pytester"]

GUARD = Path(__file__).parent.parent / "conftest.py"


def test_a_test_that_logs_a_bsn_is_failed(pytester) -> None:
    # Given the guard, watching for a stand-in number so this test's own output stays clean
    guard = GUARD.read_text()
    assert "TEST_BSNS = (" in guard
    pytester.makeconftest(guard.replace("TEST_BSNS = (", 'TEST_BSNS = ("STANDIN-0042",) or ('))
    # And a test that logs it the way a careless handler might
    pytester.makepyfile(
        """
        import logging
        def test_careless():
            logging.getLogger("x").warning("resident %s logged in", "STANDIN-" + "0042")
        """
    )
    # When it runs
    result = pytester.runpytest("-p", "no:cacheprovider")
    # Then the run fails: the test is reported with an error
    result.assert_outcomes(passed=1, errors=1)
    assert result.ret != 0
    assert "A BSN appeared" in result.stdout.str()
