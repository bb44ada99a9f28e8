"""``CaseSystem`` on the ZGW APIs (Zaken API 1.5, Documenten API 1.5), as Open Zaak serves them.

Every ``ensure_*`` looks up before it creates, so a retried delivery finds what an earlier attempt made.
Authentication: a ZGW JWT (HS256, client id + secret), fresh per call. Errors name the step and the HTTP
status only: a case system's error body may echo what we sent (a BSN), so it is never logged or raised.
"""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
import requests

from ..bsn import Bsn
from ..errors import ServiceUnavailable
from ..proofs.content import DocumentSpec, ZaakSpec

__all__ = ["CaseSystemError", "CatalogueError", "ZgwCaseSystem", "ZgwSettings", "zgw_jwt"]

CRS = "EPSG:4326"  # the Zaken API demands Accept-Crs and Content-Crs on /zaken, even without geometry


class CaseSystemError(ServiceUnavailable):
    """The case system refused or did not answer; delivery will be retried."""

    code = "case_system_error"


class CatalogueError(CaseSystemError):
    """The catalogue does not have what the settings name, published and linked: a deployment error."""

    code = "zgw_catalogue_error"


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
    secret: str = field(repr=False)  # the JWT's signing secret: never in a repr, a log line or a traceback
    statustype: str = ""  # the status every zaak we create gets (a status type of the zaaktype)
    resultaattype: str = ""  # optional: the result, where the zaaktype has one that fits an identification
    # Put before our case number in the zaak's identificatie: unique per stack instance (template: a piece of
    # the stack id), so a counter that starts again (stack recreated, a second stack with the same RSIN) never
    # finds another stack's zaak under the same number.
    identificatie_prefix: str = ""
    user_id: str = "legitimatie-beeldbellen"
    user_representation: str = "Legitimatie bij beeldbellen"
    connect_timeout: float = 3.0
    read_timeout: float = 10.0


def zgw_jwt(settings: ZgwSettings, now: float | None = None) -> str:
    """The ZGW authorization token: HS256 (PyJWT) over iss, iat, client_id, user_id, user_representation."""
    claims = {
        "iss": settings.client_id,
        "iat": int(now if now is not None else time.time()),
        "client_id": settings.client_id,
        "user_id": settings.user_id,
        "user_representation": settings.user_representation,
    }
    return jwt.encode(claims, settings.secret, algorithm="HS256")


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

    def zaak_identificatie(self, number: str) -> str:
        prefix = self._s.identificatie_prefix
        return f"{prefix}-{number}" if prefix else number

    def ensure_zaak(self, spec: ZaakSpec) -> str:
        """Our zaak for this case number: looked up by identificatie, RSIN *and* zaaktype, else created; then its
        status (and result) are made sure of. The control code is not a kenmerk (an identifier in another system):
        it is in the proof document only."""
        zaken = f"{self._s.zaken_api.rstrip('/')}/zaken"
        identificatie = self.zaak_identificatie(spec.identificatie)
        query = {"identificatie": identificatie, "bronorganisatie": self._s.rsin, "zaaktype": self._s.zaaktype}
        found = _results(self._call("zaak lookup", "GET", zaken, params=query, crs=True))
        # Never trust a filter alone: a server that ignores a parameter must not hand us someone else's zaak.
        ours = [z for z in found if all(z.get(name) == value for name, value in query.items())]
        if ours:
            zaak_url = str(ours[0]["url"])
        else:
            body: dict[str, Any] = {
                "identificatie": identificatie,
                "bronorganisatie": self._s.rsin,
                "verantwoordelijkeOrganisatie": self._s.rsin,
                "zaaktype": self._s.zaaktype,
                "startdatum": spec.startdatum,
                "omschrijving": "Identificatie met DigiD tijdens beeldbellen",
                "vertrouwelijkheidaanduiding": self._s.vertrouwelijkheid,
            }
            zaak_url = self._created_url("zaak creation", zaken, body, crs=True)
        self._ensure_status(zaak_url, spec.startdatum)
        self._ensure_result(zaak_url)
        return zaak_url

    def _ensure_status(self, zaak_url: str, datum: str) -> None:
        if not self._s.statustype:
            return
        statussen = f"{self._s.zaken_api.rstrip('/')}/statussen"
        if _results(self._call("status lookup", "GET", statussen, params={"zaak": zaak_url})):
            return
        body = {
            "zaak": zaak_url,
            "statustype": self._s.statustype,
            "datumStatusGezet": f"{datum}T00:00:00Z" if "T" not in datum else datum,
            "statustoelichting": "Inwoner geïdentificeerd met DigiD tijdens beeldbellen",
        }
        self._created_url("status creation", statussen, body)

    def _ensure_result(self, zaak_url: str) -> None:
        if not self._s.resultaattype:
            return
        resultaten = f"{self._s.zaken_api.rstrip('/')}/resultaten"
        if _results(self._call("result lookup", "GET", resultaten, params={"zaak": zaak_url})):
            return
        body = {"zaak": zaak_url, "resultaattype": self._s.resultaattype, "toelichting": "Identificatie vastgelegd"}
        self._created_url("result creation", resultaten, body)

    def ensure_initiator(self, zaak_url: str, bsn: Bsn) -> str:
        rollen = f"{self._s.zaken_api.rstrip('/')}/rollen"
        # Looked up by zaak and roltype, not by BSN: a BSN never goes into a URL (and so into access logs).
        initiators = _results(
            self._call("rol lookup", "GET", rollen, params={"zaak": zaak_url, "roltype": self._s.roltype_initiator})
        )
        for rol in initiators:
            if (rol.get("betrokkeneIdentificatie") or {}).get("inpBsn") == bsn.digits:
                return str(rol["url"])
        if initiators:
            # Another resident is this zaak's initiator: never attach a second person (or their proof) to it.
            raise CaseSystemError("The zaak already has another initiator; nothing was attached to it.")
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
            # The archivist's check that the file is the one we made; the same SHA-256 is in the audit trail.
            "integriteit": {
                "algoritme": "sha_256",
                "waarde": hashlib.sha256(pdf).hexdigest(),
                "datum": spec.creatiedatum,
            },
        }
        return self._created_url("document creation", documents, body)

    def ensure_relation(self, zaak_url: str, document_url: str, titel: str) -> str:
        relations = f"{self._s.zaken_api.rstrip('/')}/zaakinformatieobjecten"
        existing = self._first_url("relation lookup", relations, {"zaak": zaak_url, "informatieobject": document_url})
        if existing:
            return existing
        body = {"informatieobject": document_url, "zaak": zaak_url, "titel": titel}
        return self._created_url("relation creation", relations, body)

    # ------------------------------------------------------------------ start-up check

    def check_catalogue(self) -> None:
        """Are the zaaktype, roltype, informatieobjecttype (and status and result types) published and linked?

        Run once before the first delivery (proofs.handler) and by the deployment's smoke test
        (``python -m infrastructure.deploy.zgw_catalogue``); raises ``CatalogueError`` naming every problem.
        """
        s = self._s
        problems: list[str] = []
        zaaktype = self._call("zaaktype check", "GET", s.zaaktype)
        if zaaktype.get("concept") is not False:
            problems.append(f"zaaktype {s.zaaktype} is a concept: publish it")
        roltype = self._call("roltype check", "GET", s.roltype_initiator)
        if roltype.get("zaaktype") != s.zaaktype:
            problems.append(f"roltype {s.roltype_initiator} belongs to another zaaktype")
        if roltype.get("omschrijvingGeneriek") != "initiator":
            problems.append(f"roltype {s.roltype_initiator} is not an initiator (omschrijvingGeneriek)")
        iotype = self._call("informatieobjecttype check", "GET", s.informatieobjecttype)
        if iotype.get("concept") is not False:
            problems.append(f"informatieobjecttype {s.informatieobjecttype} is a concept: publish it")
        if s.informatieobjecttype not in (zaaktype.get("informatieobjecttypen") or []):
            problems.append(f"informatieobjecttype {s.informatieobjecttype} is not linked to the zaaktype")
        if not s.statustype:
            problems.append("no statustype is set (ZGW_STATUSTYPE): zaken would never get a status")
        else:
            statustype = self._call("statustype check", "GET", s.statustype)
            if statustype.get("zaaktype") != s.zaaktype:
                problems.append(f"statustype {s.statustype} belongs to another zaaktype")
        if s.resultaattype:
            resultaattype = self._call("resultaattype check", "GET", s.resultaattype)
            if resultaattype.get("zaaktype") != s.zaaktype:
                problems.append(f"resultaattype {s.resultaattype} belongs to another zaaktype")
        if problems:
            raise CatalogueError("The ZGW catalogue is not ready: " + "; ".join(problems) + ".")
