"""The 6-digit control code (controlecode) that binds the person on the video to a DigiD login.

Flow A draws the code at random. Flows B and C compute ``C(BSN, session UUID, gemeentecode)``: an HMAC
under a key that lives in KMS (never a plain hash, the BSN space is small enough to brute-force) over a
versioned message of fixed-length fields, truncated to six decimal digits as in HOTP (RFC 4226 §5.3).

Sessions store the version they were created with (``code_version``). New sessions are ``v2``: the code is
derived from the resident's one KMS MAC of a step, with the pseudonym (``legitimatie.resident``). ``v1``, kept
for sessions created before ``v2`` (``ControlCodes``), is a KMS MAC under the control code key over the UTF-8
encoding of::

    legitimatie-beeldbellen/control-code/v1 \n <gemeentecode: 4 digits> \n <session UUID, 36 lowercase chars>
    \n <BSN: 9 digits>     (without the spaces and the line break shown here)

Every field has a fixed length and a fixed alphabet, so no two inputs share a message. Test vectors are in
``docs/control-code.md`` and ``tests/unit/test_control_code.py``.
"""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Final
from uuid import UUID

from ..bsn import Bsn
from ..errors import InvalidInput
from ..ports import MacKey

__all__ = [
    "CODE_DIGITS",
    "CURRENT_VERSION",
    "ControlCodes",
    "codes_equal",
    "control_code_message",
    "hotp_truncate",
    "random_control_code",
    "validate_gemeentecode",
]

CODE_DIGITS: Final = 6
CURRENT_VERSION: Final = "v2"  # of new sessions (legitimatie.resident)
_GEMEENTECODE = re.compile(r"^[0-9]{4}$")


def validate_gemeentecode(gemeentecode: str) -> str:
    """A CBS municipality code: exactly four digits, e.g. ``0363`` for Amsterdam."""
    if not _GEMEENTECODE.match(gemeentecode):
        raise InvalidInput("The gemeentecode must be exactly four digits, e.g. 0363.")
    return gemeentecode


def control_code_message(gemeentecode: str, session_id: UUID, bsn: Bsn, version: str = "v1") -> bytes:
    """The exact bytes that are MACed for a ``v1`` control code (see the module docstring)."""
    if version != "v1":
        raise ValueError(f"unknown control code version {version!r}")
    validate_gemeentecode(gemeentecode)
    return f"legitimatie-beeldbellen/control-code/v1\n{gemeentecode}\n{session_id}\n{bsn.digits}".encode()


def hotp_truncate(mac: bytes, digits: int = CODE_DIGITS) -> str:
    """RFC 4226 dynamic truncation: 31 bits at the offset given by the low nibble of the last byte."""
    if len(mac) < 20:
        raise ValueError("a MAC of at least 20 bytes is needed for dynamic truncation")
    offset = mac[-1] & 0x0F
    binary = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(binary % 10**digits).zfill(digits)


def random_control_code() -> str:
    """Flow A: six digits from the operating system's CSPRNG."""
    return str(secrets.randbelow(10**CODE_DIGITS)).zfill(CODE_DIGITS)


def codes_equal(expected: str, given: str) -> bool:
    """Constant-time comparison of two control codes."""
    return hmac.compare_digest(expected.encode(), given.encode())


class ControlCodes:
    """Computes ``v1`` codes ``C(BSN, UUID, gemeentecode)`` with the municipality's control code key (KMS), for
    sessions created before ``v2``."""

    def __init__(self, mac_key: MacKey, gemeentecode: str) -> None:
        self._mac_key = mac_key
        self._gemeentecode = validate_gemeentecode(gemeentecode)

    def for_session(self, session_id: UUID, bsn: Bsn, version: str = "v1") -> str:
        message = control_code_message(self._gemeentecode, session_id, bsn, version)
        return hotp_truncate(self._mac_key.generate_mac(message))
