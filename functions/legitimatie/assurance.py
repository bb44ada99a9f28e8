"""DigiD levels of assurance (betrouwbaarheidsniveaus), ordered Basis < Midden < Substantieel < Hoog.

``LevelOfAssurance.meets`` is the one rule for "this level is enough": a login meets a session's level, a
session's level meets the municipality's minimum. Levels cannot be compared with ``<`` or ``>`` (that raises
``TypeError``), so no other code can decide it differently.
"""

from __future__ import annotations

from enum import IntEnum

from .errors import InvalidInput

__all__ = ["LevelOfAssurance"]

_SAML_PREFIX = "urn:oasis:names:tc:SAML:2.0:ac:classes:"


class LevelOfAssurance(IntEnum):
    """The value is DigiD's own number for the level, so comparison follows the order of assurance."""

    BASIS = 10
    MIDDEN = 20
    SUBSTANTIEEL = 25
    HOOG = 30

    def meets(self, required: LevelOfAssurance) -> bool:
        """The one level rule: this (achieved or requested) level is ``required`` or higher."""
        return self.value >= required.value

    def _not_ordered(self, other: object) -> bool:
        raise TypeError("DigiD levels are compared only by LevelOfAssurance.meets (the one level rule)")

    __lt__ = __le__ = __gt__ = __ge__ = _not_ordered

    @property
    def label(self) -> str:
        """The API spelling: ``basis``, ``midden``, ``substantieel``, ``hoog``."""
        return self.name.lower()

    @property
    def authn_context(self) -> str:
        """The SAML AuthnContextClassRef DigiD uses for this level."""
        return _SAML_PREFIX + _CLASS_REFS[self]

    @classmethod
    def parse(cls, value: str) -> LevelOfAssurance:
        try:
            return cls[value.strip().upper()]
        except (KeyError, AttributeError):
            allowed = ", ".join(level.label for level in cls)
            raise InvalidInput(f"Unknown level of assurance; use one of: {allowed}.") from None

    @classmethod
    def from_authn_context(cls, class_ref: str) -> LevelOfAssurance | None:
        for level, name in _CLASS_REFS.items():
            if class_ref == _SAML_PREFIX + name:
                return level
        return None


_CLASS_REFS = {
    LevelOfAssurance.BASIS: "PasswordProtectedTransport",
    LevelOfAssurance.MIDDEN: "MobileTwoFactorContract",
    LevelOfAssurance.SUBSTANTIEEL: "Smartcard",
    LevelOfAssurance.HOOG: "SmartcardPKI",
}
