"""The ZGW client against the fake case system, every request checked against the official specifications."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import time

import jwt
import pytest

from legitimatie.adapters.zgw import CaseSystemError, CatalogueError, ZgwCaseSystem, ZgwSettings, zgw_jwt
from legitimatie.bsn import Bsn
from legitimatie.proofs.content import DocumentSpec, ZaakSpec
from tests.zgw.fake_case_system import CLIENT_ID, SECRET, FakeCaseSystem
from tests.zgw.openapi import SPEC_DIR, specs_available, validate_request

pytestmark = pytest.mark.skipif(not specs_available(), reason=f"ZGW specifications not found at {SPEC_DIR}")

BSN = Bsn("999993653")
PDF = b"%PDF-1.7 test proof"


def settings_for(system: FakeCaseSystem, read_timeout: float = 1.0, prefix: str = "a1b2c3d4e5f6") -> ZgwSettings:
    return ZgwSettings(
        zaken_api=system.zaken_api,
        documenten_api=system.documenten_api,
        zaaktype=system.zaaktype,
        roltype_initiator=system.roltype,
        informatieobjecttype=system.informatieobjecttype,
        rsin="002220647",
        vertrouwelijkheid="vertrouwelijk",
        client_id=CLIENT_ID,
        secret=SECRET,
        read_timeout=read_timeout,
        statustype=system.statustype,
        resultaattype=system.resultaattype,
        identificatie_prefix=prefix,
    )


def deliver(client: ZgwCaseSystem, number: str = "2026-00042", bsn: Bsn = BSN) -> tuple[str, str, str, str]:
    zaak = client.ensure_zaak(ZaakSpec(identificatie=number, startdatum="2026-11-28", control_code="358974", bsn=bsn))
    rol = client.ensure_initiator(zaak, bsn)
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
    assert stored_zaak["identificatie"] == "a1b2c3d4e5f6-2026-00042" and stored_zaak["url"] == zaak
    assert stored_zaak["bronorganisatie"] == stored_zaak["verantwoordelijkeOrganisatie"] == "002220647"
    assert stored_zaak["zaaktype"] == case_system.zaaktype
    # The control code is no identifier in another system: it is not a kenmerk (it is in the proof only)
    assert "kenmerken" not in stored_zaak and "358974" not in json.dumps(stored_zaak)
    # The zaak we created has a status and a result, so the case can be closed and archived
    [status] = state.statussen.values()
    assert status["zaak"] == zaak and status["statustype"] == case_system.statustype
    [result] = state.resultaten.values()
    assert result["zaak"] == zaak and result["resultaattype"] == case_system.resultaattype
    [stored_rol] = state.rollen.values()
    assert stored_rol["betrokkeneType"] == "natuurlijk_persoon" and stored_rol["zaak"] == zaak
    assert stored_rol["betrokkeneIdentificatie"] == {"inpBsn": BSN.digits} and stored_rol["url"] == rol
    [stored_document] = state.documents.values()
    assert stored_document["status"] == "definitief" and stored_document["taal"] == "dut"
    assert stored_document["formaat"] == "application/pdf" and base64.b64decode(stored_document["inhoud"]) == PDF
    assert stored_document["integriteit"] == {
        "algoritme": "sha_256",
        "waarde": hashlib.sha256(PDF).hexdigest(),
        "datum": "2026-11-28",
    }
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
        ("POST", "/statussen"),
        ("POST", "/resultaten"),
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


def test_the_token_is_hs256_under_the_shared_secret_and_nothing_else_verifies_it(case_system: FakeCaseSystem) -> None:
    # Given a token made for the case system
    token = zgw_jwt(settings_for(case_system), now=1000.0)
    # Then its header says HS256 (a JWT), PyJWT verifies it with the shared secret and finds exactly the ZGW claims
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"require": ["iat", "iss"]})
    assert set(claims) == {"iss", "iat", "client_id", "user_id", "user_representation"}
    # And neither another secret nor another algorithm verifies it
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, SECRET + "-but-another", algorithms=["HS256"])
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.decode(token, SECRET, algorithms=["HS512"])


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


OTHER_RESIDENT = Bsn("999990019")


def test_a_counter_that_starts_again_never_reuses_another_stacks_zaak(case_system: FakeCaseSystem) -> None:
    # Given a stack that filed case 2026-00001 for one resident
    first_stack = ZgwCaseSystem(settings_for(case_system, prefix="0a1b2c3d4e5f"))
    first_zaak, *_ = deliver(first_stack, number="2026-00001", bsn=BSN)
    # When a new stack with the same RSIN and zaaktype, whose counter started again, files its 2026-00001
    second_stack = ZgwCaseSystem(settings_for(case_system, prefix="f5e4d3c2b1a0"))
    second_zaak, second_rol, _, _ = deliver(second_stack, number="2026-00001", bsn=OTHER_RESIDENT)
    # Then it made a zaak of its own: the first resident's zaak got no second person and no second proof
    state = case_system.state
    assert second_zaak != first_zaak and len(state.zaken) == 2
    assert {z["identificatie"] for z in state.zaken.values()} == {"0a1b2c3d4e5f-2026-00001", "f5e4d3c2b1a0-2026-00001"}
    on_first = [r for r in state.rollen.values() if r["zaak"] == first_zaak]
    assert [r["betrokkeneIdentificatie"]["inpBsn"] for r in on_first] == [BSN.digits]
    assert [r["url"] for r in state.rollen.values() if r["zaak"] == second_zaak] == [second_rol]
    assert {rel["zaak"] for rel in state.relations.values()} == {first_zaak, second_zaak}
    assert state.violations == []


def test_the_zaak_lookup_pins_the_zaaktype(case_system: FakeCaseSystem) -> None:
    # Given a zaak with our identificatie and RSIN, but of another zaaktype (another process of the municipality)
    settings = settings_for(case_system)
    other = ZgwCaseSystem(dataclasses.replace(settings, zaaktype=case_system.base + "/catalogi/api/v1/zaaktypen/x"))
    spec = ZaakSpec(identificatie="2026-00007", startdatum="2026-11-28", control_code=None, bsn=None)
    foreign = other.ensure_zaak(spec)
    # When we file our 2026-00007
    with pytest.raises(CaseSystemError) as refused:
        ZgwCaseSystem(settings).ensure_zaak(spec)
    # Then the look-up did not take the other zaak for ours; creating a second one with the same identificatie is
    # refused by the case system (identificatie is unique per bronorganisatie), so nothing is attached anywhere
    assert "zaak creation" in refused.value.message
    assert [z["url"] for z in case_system.state.zaken.values()] == [foreign]
    assert [s["zaak"] for s in case_system.state.statussen.values()] == [foreign]  # only the other's own status


def test_a_zaak_with_another_initiator_gets_no_second_person(case_system: FakeCaseSystem) -> None:
    # Given our zaak, with its resident as initiator
    client = ZgwCaseSystem(settings_for(case_system))
    zaak, *_ = deliver(client, number="2026-00009", bsn=BSN)
    # When a delivery for someone else arrives at the same zaak (a bug or a reset we did not foresee)
    with pytest.raises(CaseSystemError) as refused:
        client.ensure_initiator(zaak, OTHER_RESIDENT)
    # Then nothing is attached, and the message holds no BSN
    assert len(case_system.state.rollen) == 1
    assert OTHER_RESIDENT.digits not in refused.value.message


def test_the_catalogue_check_passes_when_everything_is_published_and_linked(case_system: FakeCaseSystem) -> None:
    ZgwCaseSystem(settings_for(case_system)).check_catalogue()
    assert case_system.state.violations == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"zaaktype": {"concept": True}}, "zaaktype"),
        ({"informatieobjecttype": {"concept": True}}, "informatieobjecttype"),
        ({"zaaktype": {"informatieobjecttypen": []}}, "is not linked to the zaaktype"),
        ({"roltype": {"omschrijvingGeneriek": "belanghebbende"}}, "is not an initiator"),
        ({"roltype": {"zaaktype": "http://elsewhere/zaaktypen/1"}}, "belongs to another zaaktype"),
        ({"statustype": {"zaaktype": "http://elsewhere/zaaktypen/1"}}, "statustype"),
    ],
)
def test_the_catalogue_check_names_what_is_not_ready(case_system: FakeCaseSystem, changes: dict, expected: str) -> None:
    # Given a catalogue with one thing wrong
    case_system.publish_catalogue(**changes)
    # When the start-up check runs
    with pytest.raises(CatalogueError) as failure:
        ZgwCaseSystem(settings_for(case_system)).check_catalogue()
    # Then it fails with a message that says what to fix
    assert failure.value.message.startswith("The ZGW catalogue is not ready: ")
    assert expected in failure.value.message


def test_the_deployment_smoke_test_fails_with_what_to_fix(case_system: FakeCaseSystem) -> None:
    from infrastructure.deploy.zgw_catalogue import check

    env = {
        "ZGW_ZAKEN_API": case_system.zaken_api,
        "ZGW_DOCUMENTEN_API": case_system.documenten_api,
        "ZGW_ZAAKTYPE": case_system.zaaktype,
        "ZGW_ROLTYPE_INITIATOR": case_system.roltype,
        "ZGW_INFORMATIEOBJECTTYPE": case_system.informatieobjecttype,
        "ZGW_STATUSTYPE": case_system.statustype,
        "ZGW_RSIN": "002220647",
        "ZGW_CLIENT_ID": CLIENT_ID,
        "ZGW_CLIENT_SECRET": SECRET,
    }
    # A ready catalogue passes; an RSIN typo and an unpublished informatieobjecttype each say what to fix
    assert check(env) is None
    assert check({**env, "ZGW_RSIN": "002220648"}) == "ZGW_RSIN is not a valid RSIN (nine digits, elfproef)."
    case_system.publish_catalogue(informatieobjecttype={"concept": True})
    problem = check(
        {
            **env,
            "ZGW_ZAAKTYPE": case_system.zaaktype,
            "ZGW_ROLTYPE_INITIATOR": case_system.roltype,
            "ZGW_INFORMATIEOBJECTTYPE": case_system.informatieobjecttype,
            "ZGW_STATUSTYPE": case_system.statustype,
        }
    )
    assert problem is not None and "is a concept: publish it" in problem
