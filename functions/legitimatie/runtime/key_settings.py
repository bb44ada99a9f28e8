"""Settings of the functions that compute control codes and pseudonyms and seal or open a BSN (Sessions, DigiD); in a
module of their own so that the other functions do not build them (settings.py says why)."""

from __future__ import annotations

from .settings import BaseSettings, Field

__all__ = ["KeySettings"]


class KeySettings(BaseSettings, frozen=True, kw_only=True):
    """Functions that compute control codes and pseudonyms and seal or open a BSN."""

    data_key_id: str = Field(alias="DATA_KEY_ID", min_length=1)
    # The resident key: one MAC per BSN per step gives the control code (v2) and the audit trail's pseudonym
    # (legitimatie.resident says why it is this key).
    pseudonym_key_id: str = Field(alias="PSEUDONYM_KEY_ID", min_length=1)
