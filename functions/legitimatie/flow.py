"""The three flows of the source document, section 2: the one type every record and event uses for its flow."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Flow"]


class Flow(StrEnum):
    """The three flows of the source document, section 2."""

    NEW_RESIDENT = "new_resident"  # 2.1, BSN not known yet (no session before login)
    KNOWN_BSN = "known_bsn"  # 2.2
    HANDOVER = "handover"  # 2.3, the resident sees the official's name
