"""What a resident's BSN gives in one step: one KMS MAC, and from it the control code and the audit pseudonym.

One ``GenerateMac`` under the resident key (the KMS HMAC_256 ``PseudonymKey``) per BSN per step makes the
resident secret ``R``; the control code (version ``v2``) and the pseudonym (``p2``) are HMAC-SHA256 under ``R``
over messages of their own, computed here and never stored. ``R`` stays in memory for the one step::

    R         = KMS-HMAC(resident key, "legitimatie-beeldbellen/resident/v2\\n" + BSN)            32 bytes
    pseudonym = "p2-" + hex(HMAC-SHA256(R, "legitimatie-beeldbellen/resident-pseudonym/p2")[:16])
    code (v2) = HOTP-truncate(HMAC-SHA256(R, "legitimatie-beeldbellen/control-code/v2\\n"
                                              + gemeentecode (4 digits) + "\\n" + session UUID (36 chars)))

Every message is versioned and made of fixed-length fields, and each starts with its own label, so no two
purposes share a message (nor with ``p1`` pseudonyms, MACed directly under the same KMS key over
``.../resident-pseudonym/p1\\n<BSN>``). The resident key is the pseudonym key because pseudonyms must stay stable
over a year of audit logs: the key is never rotated; a new scheme is a new version. Without the key nobody turns
a code or a pseudonym back into a BSN by trying all BSNs; ``R`` of one BSN reveals nothing of another's.

Sessions created before ``v2`` (``code_version`` ``v1``) still get their ``v1`` code, a MAC under the control
code key over the BSN itself (``sessions.control_code``): one more KMS call, for those sessions only. Test
vectors: ``docs/control-code.md``, ``tests/unit/test_resident.py``.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final
from uuid import UUID

from .bsn import Bsn
from .ports import MacKey
from .sessions.control_code import CURRENT_VERSION, ControlCodes, hotp_truncate, validate_gemeentecode

__all__ = [
    "CODE_VERSION",
    "PSEUDONYM_VERSION",
    "Resident",
    "ResidentKey",
    "code_message",
    "code_of",
    "pseudonym_of",
    "resident_message",
]

CODE_VERSION: Final = CURRENT_VERSION  # "v2", what new sessions store
PSEUDONYM_VERSION: Final = "p2"
_PSEUDONYM_MESSAGE: Final = b"legitimatie-beeldbellen/resident-pseudonym/p2"


def resident_message(bsn: Bsn) -> bytes:
    """The bytes MACed by KMS under the resident key: the one call per BSN per step."""
    return f"legitimatie-beeldbellen/resident/v2\n{bsn.digits}".encode()


def code_message(gemeentecode: str, session_id: UUID) -> bytes:
    """The bytes MACed under ``R`` for a ``v2`` control code."""
    return f"legitimatie-beeldbellen/control-code/v2\n{validate_gemeentecode(gemeentecode)}\n{session_id}".encode()


def code_of(secret: bytes, gemeentecode: str, session_id: UUID) -> str:
    """The ``v2`` control code of the resident whose secret is ``secret``, for one session."""
    return hotp_truncate(hmac.new(secret, code_message(gemeentecode, session_id), hashlib.sha256).digest())


def pseudonym_of(secret: bytes) -> str:
    """``p2-`` and 128 bits in hex: collision-free enough for audit, short in logs."""
    return f"{PSEUDONYM_VERSION}-{hmac.new(secret, _PSEUDONYM_MESSAGE, hashlib.sha256).digest()[:16].hex()}"


class ResidentKey:
    """The municipality's resident key (KMS HMAC_256, never leaves KMS) and, for sessions created as ``v1``, the
    control codes of that version under the control code key."""

    def __init__(self, key: MacKey, gemeentecode: str, *, v1_codes: ControlCodes | None = None) -> None:
        self._key = key
        self._gemeentecode = validate_gemeentecode(gemeentecode)
        self._v1_codes = v1_codes

    def resident(self, bsn: Bsn) -> Resident:
        """The resident with this BSN for one step. No KMS call yet: the MAC is made on first use, once."""
        return Resident(bsn, self._key, self._gemeentecode, self._v1_codes)


class Resident:
    """A resident known by their BSN during one step: their control code for a session and their pseudonym, both
    from one MAC made when the first of them is asked for (so a step refused before that costs no KMS call)."""

    __slots__ = ("_bsn", "_gemeentecode", "_key", "_secret", "_v1_codes")

    def __init__(self, bsn: Bsn, key: MacKey, gemeentecode: str, v1_codes: ControlCodes | None) -> None:
        self._bsn = bsn
        self._key = key
        self._gemeentecode = gemeentecode
        self._v1_codes = v1_codes
        self._secret: bytes | None = None

    def __repr__(self) -> str:
        return "Resident(*********)"

    @property
    def bsn(self) -> Bsn:
        return self._bsn

    def _resident_secret(self) -> bytes:
        if self._secret is None:
            self._secret = self._key.generate_mac(resident_message(self._bsn))
        return self._secret

    @property
    def pseudonym(self) -> str:
        """The audit trail's name for this resident (``p2``)."""
        return pseudonym_of(self._resident_secret())

    def control_code(self, session_id: UUID, version: str = CODE_VERSION) -> str:
        """The code for a session of flow B or C, in the version the session was created with."""
        if version == CODE_VERSION:
            return code_of(self._resident_secret(), self._gemeentecode, session_id)
        if version == "v1" and self._v1_codes is not None:
            return self._v1_codes.for_session(session_id, self._bsn, version)
        raise ValueError(f"control code version {version!r} cannot be computed here")
