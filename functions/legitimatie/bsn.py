"""The burgerservicenummer (BSN) as a value type that validates itself and never shows itself.

A ``Bsn`` renders as ``Bsn(*********)`` in ``repr``/``str`` so that it cannot leak into logs, traces or
exception texts by accident; code that really needs the digits asks for ``.digits``.
"""

from __future__ import annotations

from typing import Final

from .errors import InvalidBsn

__all__ = ["Bsn", "passes_elfproef"]

_WEIGHTS: Final = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def passes_elfproef(digits: str) -> bool:
    """The BSN variant of the eleven test: sum(d_i * w_i) with weights 9..2 and -1 is divisible by 11."""
    if len(digits) != 9 or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=True))
    return total % 11 == 0 and digits != "000000000"


class Bsn:
    """A valid BSN: nine digits passing the elfproef."""

    __slots__ = ("_digits",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise InvalidBsn("A BSN must be given as a string of nine digits.")
        candidate = value.strip()
        if len(candidate) == 8 and candidate.isdigit():
            candidate = "0" + candidate  # BSNs with a leading zero are often written with eight digits
        if not passes_elfproef(candidate):
            raise InvalidBsn("This is not a valid BSN: it must be nine digits and pass the elfproef.")
        self._digits = candidate

    @property
    def digits(self) -> str:
        return self._digits

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Bsn) and other._digits == self._digits

    def __hash__(self) -> int:
        return hash(("Bsn", self._digits))

    def __repr__(self) -> str:
        return "Bsn(*********)"

    __str__ = __repr__
