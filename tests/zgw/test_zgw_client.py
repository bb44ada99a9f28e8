"""The ZGW client against the fake case system, every request checked against the official specifications."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from legitimatie.adapters.zgw import CaseSystemError, ZgwCaseSystem, ZgwSettings, zgw_jwt
from legitimatie.bsn import Bsn
from legitimatie.proof import DocumentSpec, ZaakSpec
from tests.zgw.fake_case_system import CLIENT_ID, SECRET, FakeCaseSystem
from tests.zgw.openapi import SPEC_DIR, specs_available, validate_request

pytestmark = pytest.mark.skipif(not specs_available(), reason=f"ZGW specifications not found at {SPEC_DIR}")

BSN = Bsn("999993653")
PDF = b"%PDF-1.7 test proof"


def settings_for(system: FakeCaseSystem, read_timeout: float = 1.0) -> ZgwSettings:
    return ZgwSettings(
        zaken_api=system.zaken_api,
        documenten_api=system.documenten_api,
        zaaktype="https://catalogi.example/api/v1/zaaktypen/3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b",
        roltype_initiator="https://catalogi.example/api/v1/roltypen/9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
        informatieobjecttype="https://catalogi.example/api/v1/informatieobjecttypen/0b6f2a7e-1c3d-4e5f-8a9b-7c6d5e4f3a2b",
        rsin="002220647",
        vertrouwelijkheid="vertrouwelijk",
        client_id=CLIENT_ID,
        secret=SECRET,
        read_timeout=read_timeout,
    )


def deliver(client: ZgwCaseSystem, number: str = "2026-00042") -> tuple[str, str, str, str]:
    zaak = client.ensure_zaak(ZaakSpec(identificatie=number, startdatum="2026-11-28", control_code="358974", bsn=BSN))
    rol = client.ensure_initiator(zaak, BSN)
    spec = DocumentSpec(
        identificatie="3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b",
        titel=f"Bewijs van authenticatie {number}",
        creatiedatum="2026-11-28",
        bestandsnaam="bewijs-authenticatie.pdf",
        auteur="Gemeente Voorbeeld",
    )
    document = client.ensure_document(spec, PDF)
    relation = client.ensure_relation(zaak, document, spec.titel)
    return zaak, rol, document, relation


def test_the_whole_chain_conforms_to_the_specifications(case_system: FakeCaseSystem) -> None:
    # When the client brings a flow A identification to the case system
    zaak, rol, document, relation = deliver(ZgwCaseSystem(settings_for(case_system)))
    # Then no request broke the Zaken or Documenten API specification, and everything exists once
    state = case_system.state
    assert state.violations == []
    assert [len(state.zaken), len(state.rollen), len(state.documents), len(state.relations)] == [1, 1, 1, 1]
    [stored_zaak] = state.zaken.values()
    assert stored_zaak["identificatie"] == "2026-00042" and stored_zaak["url"] == zaak
    assert stored_zaak["bronorganisatie"] == stored_zaak["verantwoordelijkeOrganisatie"] == "002220647"
    assert stored_zaak["kenmerken"] == [{"kenmerk": "358974", "bron": "Legitimatie bij beeldbellen"}]
    [stored_rol] = state.rollen.values()
    assert stored_rol["betrokkeneType"] == "natuurlijk_persoon" and stored_rol["zaak"] == zaak
    assert stored_rol["betrokkeneIdentificatie"] == {"inpBsn": BSN.digits} and stored_rol["url"] == rol
    [stored_document] = state.documents.values()
    assert stored_document["status"] == "definitief" and stored_document["taal"] == "dut"
    assert stored_document["formaat"] == "application/pdf" and base64.b64decode(stored_document["inhoud"]) == PDF
    assert stored_document["vertrouwelijkheidaanduiding"] == "vertrouwelijk" and stored_document["url"] == document
    [stored_relation] = state.relations.values()
    assert stored_relation["zaak"] == zaak and stored_relation["informatieobject"] == document
    assert stored_relation["url"] == relation


def test_a_second_delivery_finds_everything_and_creates_nothing(case_system: FakeCaseSystem) -> None:
    client = ZgwCaseSystem(settings_for(case_system))
    first = deliver(client)
    assert deliver(client) == first
    state = case_system.state
    assert [len(state.zaken), len(state.rollen), len(state.documents), len(state.relations)] == [1, 1, 1, 1]
    assert [r for r in state.requests if r[0] == "POST"] == [
        ("POST", "/zaken"),
        ("POST", "/rollen"),
        ("POST", "/enkelvoudiginformatieobjecten"),
        ("POST", "/zaakinformatieobjecten"),
    ]


def test_a_bsn_never_travels_in_a_url(case_system: FakeCaseSystem) -> None:
    deliver(ZgwCaseSystem(settings_for(case_system)))
    assert all(BSN.digits not in path for _, path in case_system.state.requests)


@pytest.mark.parametrize("mode", ["500", "400", "timeout"])
def test_failures_of_the_case_system_are_reported_without_its_answer(case_system: FakeCaseSystem, mode: str) -> None:
    case_system.state.slow_seconds = 1.0
    case_system.fail("POST", "/zaken", mode)
    client = ZgwCaseSystem(settings_for(case_system, read_timeout=0.3))
    with pytest.raises(CaseSystemError) as failure:
        client.ensure_zaak(ZaakSpec(identificatie="2026-00043", startdatum="2026-11-28", control_code=None, bsn=None))
    assert "zaak creation" in failure.value.message and "Fout op verzoek" not in failure.value.message


def test_every_token_is_fresh_and_carries_the_zgw_claims(case_system: FakeCaseSystem) -> None:
    settings = settings_for(case_system)
    first = jwt.decode(zgw_jwt(settings, now=1000.0), SECRET, algorithms=["HS256"])
    assert first == {
        "iss": CLIENT_ID,
        "iat": 1000,
        "client_id": CLIENT_ID,
        "user_id": "legitimatie-beeldbellen",
        "user_representation": "Legitimatie bij beeldbellen",
    }
    assert zgw_jwt(settings) != zgw_jwt(settings, now=time.time() + 5)


def test_the_validator_refuses_what_a_conforming_server_refuses() -> None:
    # A zaak without its CRS headers, with a number for identificatie, a read-only url and no zaaktype
    problems = validate_request(
        "zaken",
        "POST",
        "https://oz.example/zaken/api/v1/zaken",
        {"Authorization": "Bearer x", "Content-Type": "application/json"},
        json.dumps(
            {
                "identificatie": 42,
                "url": "https://x",
                "bronorganisatie": "002220647",
                "verantwoordelijkeOrganisatie": "002220647",
                "startdatum": "2026-11-28",
            }
        ).encode(),
        "/zaken/api/v1",
    )
    text = "\n".join(problems)
    for expected in ("Accept-Crs", "Content-Crs", "identificatie", "url", "zaaktype"):
        assert expected in text
    # A document with a status and a language the specification does not know
    problems = validate_request(
        "documenten",
        "POST",
        "https://oz.example/documenten/api/v1/enkelvoudiginformatieobjecten",
        {"Authorization": "Bearer x", "Content-Type": "application/json"},
        json.dumps(
            {
                "bronorganisatie": "002220647",
                "creatiedatum": "2026-11-28",
                "titel": "t",
                "auteur": "a",
                "taal": "nederlands",
                "status": "klaar",
                "informatieobjecttype": "https://x/iot/1",
            }
        ).encode(),
        "/documenten/api/v1",
    )
    assert any("taal" in p for p in problems) and any("status" in p for p in problems)
