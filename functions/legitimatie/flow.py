"""The three flows of the source document, section 2: the one type every record and event uses for its flow."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Flow"]


class Flow(StrEnum):
    """The three flows of the source document, section 2."""

    NEW_RESIDENT = "new_resident"  # 2.1, BSN not known yet (no session before login)
    KNOWN_BSN = "known_bsn"  # 2.2
    HANDOVER = "handover"  # 2.3, the resident sees the official's name

    @property
    def has_link(self) -> bool:
        """Whether the resident reaches the session by a link the official sent (flows B and C). Flow A's session
        is made by the login and has no link: its id follows from its case number, so anyone may compute it, and the
        resident's routes that answer by id alone treat it as unknown."""
        return self is not Flow.NEW_RESIDENT
