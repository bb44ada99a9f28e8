"""What a deployment decides for every session: municipality, minimum level, lifetime, link base."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from msgspec import Struct

from .assurance import LevelOfAssurance
from .errors import InvalidInput
from .sessions.control_code import validate_gemeentecode

__all__ = ["ServicePolicy"]


class ServicePolicy(Struct, frozen=True):
    """The municipality's rules for every session: who it is, the lowest level of assurance, how long things live."""

    municipality_name: str
    gemeentecode: str
    minimum_loa: LevelOfAssurance
    session_lifetime: timedelta
    site_url: str  # where residents and officials reach the site, e.g. https://beeldbellen.gemeente.nl

    def __post_init__(self) -> None:
        validate_gemeentecode(self.gemeentecode)
        if self.session_lifetime <= timedelta(0):
            raise ValueError("the session lifetime must be positive")

    def required_loa(self, requested: LevelOfAssurance | None) -> LevelOfAssurance:
        """An official may raise the deployment's minimum level for a session, never lower it."""
        if requested is None:
            return self.minimum_loa
        if not requested.meets(self.minimum_loa):
            raise InvalidInput(
                f"This municipality requires at least DigiD {self.minimum_loa.label}; {requested.label} is not allowed."
            )
        return requested

    def resident_link(self, session_id: UUID) -> str:
        """The link the official pastes into the video call's chat: it carries only the session UUID."""
        return f"{self.site_url.rstrip('/')}/?sessie={session_id}"
