"""``CaseSystem`` on the ZGW APIs (Zaken API 1.5, Documenten API 1.5), as Open Zaak serves them.

Every ``ensure_*`` looks up before it creates, so a retried delivery finds what an earlier attempt made.
Authentication: a ZGW JWT (HS256, client id + secret), fresh per call. Errors name the step and the HTTP
status only: a case system's error body may echo what we sent (a BSN), so it is never logged or raised.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

import requests

from ..bsn import Bsn
from ..errors import ServiceUnavailable
from ..proof import DocumentSpec, ZaakSpec

__all__ = ["CaseSystemError", "ZgwCaseSystem", "ZgwSettings", "zgw_jwt"]

CRS = "EPSG:4326"  # the Zaken API demands Accept-Crs and Content-Crs on /zaken, even without geometry
KENMERK_BRON = "Legitimatie bij beeldbellen"


class CaseSystemError(ServiceUnavailable):
    """The case system refused or did not answer; delivery will be retried."""

    code = "case_system_error"


@dataclass(frozen=True)
class ZgwSettings:
    zaken_api: str  # e.g. https://openzaak.gemeente.nl/zaken/api/v1
    documenten_api: str
    zaaktype: str
    roltype_initiator: str
    informatieobjecttype: str
    rsin: str  # bronorganisatie and verantwoordelijkeOrganisatie
    vertrouwelijkheid: str
    client_id: str
    secret: str
    user_id: str = "legitimatie-beeldbellen"
    user_representation: str = "Legitimatie bij beeldbellen"
    connect_timeout: float = 3.0
    read_timeout: float = 10.0


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def zgw_jwt(settings: ZgwSettings, now: float | None = None) -> str:
    """The ZGW authorization token: HS256 over iss, iat, client_id, user_id, user_representation."""
    header = {"alg": "HS256", "typ": "JWT"}
    claims = {
        "iss": settings.client_id,
        "iat": int(now if now is not None else time.time()),
        "client_id": settings.client_id,
        "user_id": settings.user_id,
        "user_representation": settings.user_representation,
    }
    signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
    signature = hmac.new(settings.secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(signature)}"


def _results(data: Any) -> list[dict[str, Any]]:
    """List endpoints answer either a page ``{count, results}`` or a plain list."""
    items = data.get("results", []) if isinstance(data, dict) else data
    return [item for item in items if isinstance(item, dict)]


class ZgwCaseSystem:
    def __init__(self, settings: ZgwSettings, session: requests.Session | None = None) -> None:
        self._s = settings
        self._http = session or requests.Session()

    # ------------------------------------------------------------------ HTTP

    def _headers(self, crs: bool) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {zgw_jwt(self._s)}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        if crs:
            headers |= {"Accept-Crs": CRS, "Content-Crs": CRS}
        return headers

    def _call(self, step: str, method: str, url: str, *, crs: bool = False, **kwargs: Any) -> Any:
        try:
            response = self._http.request(
                method,
                url,
                headers=self._headers(crs),
                timeout=(self._s.connect_timeout, self._s.read_timeout),
                allow_redirects=False,
                **kwargs,
            )
        except requests.RequestException as exc:
            raise CaseSystemError(f"The case system did not answer ({step}).") from exc
        if response.status_code not in (200, 201):
            raise CaseSystemError(f"The case system refused {step} with HTTP {response.status_code}.")
        try:
            return response.json()
        except ValueError as exc:
            raise CaseSystemError(f"The case system answered {step} with something that is not JSON.") from exc

    def _first_url(self, step: str, url: str, params: dict[str, str], crs: bool = False) -> str | None:
        found = _results(self._call(step, "GET", url, params=params, crs=crs))
        return str(found[0]["url"]) if found else None

    def _created_url(self, step: str, url: str, body: dict[str, Any], crs: bool = False) -> str:
        return str(self._call(step, "POST", url, json=body, crs=crs)["url"])

    # ------------------------------------------------------------------ CaseSystem

    def ensure_zaak(self, spec: ZaakSpec) -> str:
        zaken = f"{self._s.zaken_api.rstrip('/')}/zaken"
        existing = self._first_url(
            "zaak lookup", zaken, {"identificatie": spec.identificatie, "bronorganisatie": self._s.rsin}, crs=True
        )
        if existing:
            return existing
        body: dict[str, Any] = {
            "identificatie": spec.identificatie,
            "bronorganisatie": self._s.rsin,
            "verantwoordelijkeOrganisatie": self._s.rsin,
            "zaaktype": self._s.zaaktype,
            "startdatum": spec.startdatum,
            "omschrijving": "Identificatie met DigiD tijdens beeldbellen",
            "vertrouwelijkheidaanduiding": self._s.vertrouwelijkheid,
        }
        if spec.control_code:
            body["kenmerken"] = [{"kenmerk": spec.control_code, "bron": KENMERK_BRON}]
        return self._created_url("zaak creation", zaken, body, crs=True)

    def ensure_initiator(self, zaak_url: str, bsn: Bsn) -> str:
        rollen = f"{self._s.zaken_api.rstrip('/')}/rollen"
        # Looked up by zaak and roltype, not by BSN: a BSN never goes into a URL (and so into access logs).
        for rol in _results(
            self._call("rol lookup", "GET", rollen, params={"zaak": zaak_url, "roltype": self._s.roltype_initiator})
        ):
            identification = rol.get("betrokkeneIdentificatie") or {}
            if identification.get("inpBsn") == bsn.digits:
                return str(rol["url"])
        body = {
            "zaak": zaak_url,
            "betrokkeneType": "natuurlijk_persoon",
            "roltype": self._s.roltype_initiator,
            "roltoelichting": "Inwoner, geïdentificeerd met DigiD tijdens beeldbellen",
            "betrokkeneIdentificatie": {"inpBsn": bsn.digits},
        }
        return self._created_url("rol creation", rollen, body)

    def ensure_document(self, spec: DocumentSpec, pdf: bytes) -> str:
        documents = f"{self._s.documenten_api.rstrip('/')}/enkelvoudiginformatieobjecten"
        existing = self._first_url(
            "document lookup", documents, {"identificatie": spec.identificatie, "bronorganisatie": self._s.rsin}
        )
        if existing:
            return existing
        body = {
            "identificatie": spec.identificatie,
            "bronorganisatie": self._s.rsin,
            "creatiedatum": spec.creatiedatum,
            "titel": spec.titel,
            "auteur": spec.auteur,
            "status": "definitief",
            "formaat": "application/pdf",
            "taal": "dut",
            "bestandsnaam": spec.bestandsnaam,
            "inhoud": base64.b64encode(pdf).decode(),
            "vertrouwelijkheidaanduiding": self._s.vertrouwelijkheid,
            "informatieobjecttype": self._s.informatieobjecttype,
            "indicatieGebruiksrecht": False,
        }
        return self._created_url("document creation", documents, body)

    def ensure_relation(self, zaak_url: str, document_url: str, titel: str) -> str:
        relations = f"{self._s.zaken_api.rstrip('/')}/zaakinformatieobjecten"
        existing = self._first_url("relation lookup", relations, {"zaak": zaak_url, "informatieobject": document_url})
        if existing:
            return existing
        body = {"informatieobject": document_url, "zaak": zaak_url, "titel": titel}
        return self._created_url("relation creation", relations, body)
