import pytest

from legitimatie.bsn import Bsn, passes_elfproef
from legitimatie.errors import InvalidBsn

VALID = ["999993653", "999990019", "111222333", "123456782"]


@pytest.mark.parametrize("digits", VALID)
def test_a_bsn_that_passes_the_elfproef_is_accepted(digits: str) -> None:
    assert Bsn(digits).digits == digits


@pytest.mark.parametrize(
    "candidate",
    [
        "999993654",
        "12345678",
        "1234567890",
        "abcdefghi",
        "",
        "000000000",
        "99999365３",
        " 999993653x",
        "１２３４５６７８２",
    ],
)
def test_anything_else_is_refused_with_a_clear_error(candidate: str) -> None:
    with pytest.raises(InvalidBsn) as refused:
        Bsn(candidate)
    assert "elfproef" in str(refused.value)
    assert candidate.strip() not in str(refused.value) or candidate.strip() == ""


def test_a_bsn_written_with_eight_digits_gets_its_leading_zero() -> None:
    # Given a BSN with a leading zero, written without it
    assert passes_elfproef("012345672")
    # When / Then
    assert Bsn("12345672").digits == "012345672"


def test_a_bsn_never_shows_its_digits_when_printed_or_logged() -> None:
    bsn = Bsn("999993653")
    assert "999993653" not in repr(bsn)
    assert "999993653" not in str(bsn)
    assert "999993653" not in f"{bsn}"
    assert "999993653" not in repr({"bsn": bsn})


def test_non_strings_are_refused() -> None:
    with pytest.raises(InvalidBsn):
        Bsn(999993653)  # type: ignore[arg-type]
