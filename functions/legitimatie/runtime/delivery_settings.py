"""Settings of the proofs function: the stream trigger's hand-over to the proof queue, and delivery (the PDF, its
store, the case system in zgw mode)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from ..bsn import passes_elfproef
from .secrets import read_json_secret
from .settings import BaseSettings, Field

if TYPE_CHECKING:  # the ZGW client (requests) is loaded only by the proofs function, in zgw mode
    from ..adapters.zgw import ZgwSettings

__all__ = ["DeliverySettings", "HandOverSettings", "load_zgw_settings"]


class HandOverSettings(BaseSettings, frozen=True, kw_only=True):
    """The proofs function's stream trigger: where it forwards each new proof record's document id."""

    proof_queue_url: str = Field(alias="PROOF_QUEUE_URL", min_length=1)


class DeliverySettings(BaseSettings, frozen=True, kw_only=True):
    """The proofs function: makes the PDF, stores it, brings it to the case system (zgw mode)."""

    data_key_id: str = Field(alias="DATA_KEY_ID", min_length=1)
    proof_bucket: str = Field(alias="PROOF_BUCKET", min_length=3)
    back_office_mode: Literal["builtin", "zgw"] = Field(alias="BACK_OFFICE_MODE", default="builtin")
    proof_max_receives: int = Field(alias="PROOF_MAX_RECEIVES", default=5, ge=1, le=1000)
    staff_lookup_group: str = Field(alias="STAFF_LOOKUP_GROUP", default="zaak-opzoeken", min_length=1)
    download_ttl_seconds: int = Field(alias="PROOF_DOWNLOAD_TTL_SECONDS", default=300, ge=30, le=3600)
    zgw_zaken_api: str = Field(alias="ZGW_ZAKEN_API", default="")
    zgw_documenten_api: str = Field(alias="ZGW_DOCUMENTEN_API", default="")
    zgw_zaaktype: str = Field(alias="ZGW_ZAAKTYPE", default="")
    zgw_roltype_initiator: str = Field(alias="ZGW_ROLTYPE_INITIATOR", default="")
    zgw_informatieobjecttype: str = Field(alias="ZGW_INFORMATIEOBJECTTYPE", default="")
    zgw_rsin: str = Field(alias="ZGW_RSIN", default="")
    zgw_vertrouwelijkheid: Literal[
        "openbaar", "beperkt_openbaar", "intern", "zaakvertrouwelijk", "vertrouwelijk", "confidentieel", "geheim"
    ] = Field(alias="ZGW_VERTROUWELIJKHEID", default="vertrouwelijk")
    zgw_secret_arn: str = Field(alias="ZGW_SECRET_ARN", default="")
    zgw_statustype: str = Field(alias="ZGW_STATUSTYPE", default="")
    zgw_resultaattype: str = Field(alias="ZGW_RESULTAATTYPE", default="")
    zgw_identificatie_prefix: str = Field(
        alias="ZGW_IDENTIFICATIE_PREFIX", default="", pattern=r"^$|^[A-Za-z0-9]{1,20}$"
    )
    zgw_read_timeout_seconds: float = Field(alias="ZGW_READ_TIMEOUT_SECONDS", default=10.0, gt=0, le=50)

    def validate(self) -> None:
        """zgw mode needs its case system's addresses, secret and RSIN."""
        if self.back_office_mode == "zgw":
            names = {
                "ZGW_ZAKEN_API": self.zgw_zaken_api,
                "ZGW_DOCUMENTEN_API": self.zgw_documenten_api,
                "ZGW_ZAAKTYPE": self.zgw_zaaktype,
                "ZGW_ROLTYPE_INITIATOR": self.zgw_roltype_initiator,
                "ZGW_INFORMATIEOBJECTTYPE": self.zgw_informatieobjecttype,
                "ZGW_SECRET_ARN": self.zgw_secret_arn,
                "ZGW_STATUSTYPE": self.zgw_statustype,
            }
            missing = [name for name, value in names.items() if not value.startswith(("https://", "http://", "arn:"))]
            if missing:
                raise ValueError(f"BACK_OFFICE_MODE=zgw needs {', '.join(missing)}")
            # An RSIN is checked with the same eleven test as a BSN: a typo must stop the deployment, not file
            # every proof under another organisation.
            if not (len(self.zgw_rsin) == 9 and self.zgw_rsin.isdigit() and passes_elfproef(self.zgw_rsin)):
                raise ValueError("BACK_OFFICE_MODE=zgw needs ZGW_RSIN, the municipality's RSIN (nine digits, elfproef)")
            if self.zgw_resultaattype and not self.zgw_resultaattype.startswith(("https://", "http://")):
                raise ValueError("ZGW_RESULTAATTYPE must be empty or the URL of a resultaattype")
            if not self.zgw_identificatie_prefix:
                raise ValueError("BACK_OFFICE_MODE=zgw needs ZGW_IDENTIFICATIE_PREFIX (the template derives it)")


def load_zgw_settings(settings: DeliverySettings, secrets: Any) -> ZgwSettings:
    """The ZGW client's settings, with client id and secret from Secrets Manager (``{client_id, secret}``)."""
    from ..adapters.zgw import ZgwSettings

    value = read_json_secret(secrets, settings.zgw_secret_arn, "ZGW_SECRET_ARN", ("client_id", "secret"))
    return ZgwSettings(
        zaken_api=settings.zgw_zaken_api,
        documenten_api=settings.zgw_documenten_api,
        zaaktype=settings.zgw_zaaktype,
        roltype_initiator=settings.zgw_roltype_initiator,
        informatieobjecttype=settings.zgw_informatieobjecttype,
        rsin=settings.zgw_rsin,
        vertrouwelijkheid=settings.zgw_vertrouwelijkheid,
        client_id=value["client_id"],
        secret=value["secret"],
        read_timeout=settings.zgw_read_timeout_seconds,
        statustype=settings.zgw_statustype,
        resultaattype=settings.zgw_resultaattype,
        identificatie_prefix=settings.zgw_identificatie_prefix,
    )
