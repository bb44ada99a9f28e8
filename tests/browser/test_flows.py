"""Flows A, B and C in the browser, the official and the resident each in their own browser context."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import expect

from infrastructure.local import LocalStack

from .conftest import Screens

RESIDENT = "999993653"
SOMEONE_ELSE = "999990019"
NOT_A_BSN = "123456788"


def log_in_at_digid(page: Any, bsn: str, loa: str = "midden", action: str = "Inloggen") -> None:
    """From our start page through the DigiD simulator and back, as a resident clicks."""
    login = page.get_by_role("link", name="Inloggen met DigiD")
    if "sessie=" in page.url:  # the page names the session in the link once it has read it; a click before is flow A
        expect(login).to_have_attribute("href", re.compile(r"^/digid/login\?session="))
    login.click()
    page.locator("#bsn").fill(bsn)
    page.locator("#loa").select_option(loa)
    # The field has a datalist of test BSNs: submit only what the test meant to type.
    expect(page.locator("#bsn")).to_have_value(bsn)
    page.get_by_role("button", name=action).click()
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/(resultaat\.html|fout\.html|\?)"))


def make_link(official: Any, flow: str, level: str = "") -> str:
    if flow == "b":
        official.get_by_label("Burgerservicenummer (BSN)").fill(RESIDENT)
        if level:
            official.locator("#loa-b").select_option(level)
        official.get_by_role("button", name="Code en link maken").click()
    else:
        if level:
            official.locator("#loa-c").select_option(level)
        official.get_by_role("button", name="Link maken", exact=True).click()
    official.locator("#link").wait_for()
    link = str(official.locator("#link").text_content())
    # The page shows this link's session (its id in the fragment), so its #code belongs to the same session.
    expect(official).to_have_url(re.compile(r"#sessie=" + re.escape(link.rsplit("=", 1)[-1]) + "$"))
    return link


def test_flow_b_bsn_code_link_and_the_check(screens: Screens, official_page: Callable[..., Any]) -> None:
    # Given a logged-in official who types a BSN that fails the elfproef
    official = official_page()
    screens.check(official, "medewerker-start")
    bsn = official.get_by_label("Burgerservicenummer (BSN)")
    bsn.fill(NOT_A_BSN)
    official.get_by_text("Dit is geen geldig burgerservicenummer").wait_for()
    assert bsn.get_attribute("aria-invalid") == "true"
    screens.check(official, "medewerker-b-bsn-ongeldig")
    # When they type a valid one and make the code and link
    bsn.fill(RESIDENT)
    official.get_by_text("Geldig burgerservicenummer.").wait_for()
    link = make_link(official, "b")
    # Then they see the code, the link with a copy button and the text to say
    code = str(official.locator("#code").text_content())
    assert re.fullmatch(r"\d{3} \d{3}", code)
    official.get_by_text("“Open deze URL. U komt dan in een formulier.").wait_for()
    official.get_by_text(re.compile("Nog \\d+:\\d\\d minuten geldig")).wait_for()
    official.get_by_role("button", name="Kopieer link").click()
    official.get_by_text("Gekopieerd.").wait_for()
    screens.check(official, "medewerker-b-code-en-link")

    # When the resident opens the link and logs in with DigiD
    resident = screens.new_page()
    resident.goto(link)
    resident.get_by_text("Hierna ziet u een controlecode.", exact=False).wait_for()
    screens.check(resident, "inwoner-start-b")
    log_in_at_digid(resident, RESIDENT)
    # Then the resident sees the same code, large and spaced, with what to do next and the time left: first the
    # result has loaded (the page's own fetch), then the code is compared, so a slow answer does not read as a
    # different code
    resident.locator("#result").wait_for()
    expect(resident.locator("#code")).to_have_text(code)
    resident.get_by_role("heading", name="Wat moet u nu doen?").wait_for()
    resident.get_by_text(re.compile("Uw sessie stopt vanzelf om")).wait_for()
    screens.check(resident, "inwoner-resultaat-b")

    # And the official's page moves to the check by itself, focus on its heading, and tells no comparison yet
    heading = official.get_by_role("heading", name="Controleer de code van de burger")
    heading.wait_for()
    expect(heading).to_be_focused()
    official.get_by_text("De burger is ingelogd", exact=True).wait_for()
    assert "gelijk" not in official.locator("main").inner_text()
    expect(official.get_by_role("button", name="Voltooien")).to_be_hidden()
    # And a reload mid-flow finds the same session at the same step (its id is in the URL's fragment)
    assert official.url.endswith("#sessie=" + link.rsplit("=", 1)[-1])
    official.reload()
    official.get_by_role("heading", name="Controleer de code van de burger").wait_for()
    # And a wrong code says so, the right one verifies, and only then Voltooien is there
    official.get_by_label("Code die de burger voorleest").fill("000000")
    official.get_by_role("button", name="Controleer code").click()
    official.get_by_text("De code klopt niet. U kunt het nog 2 keer proberen.").wait_for()
    screens.check(official, "medewerker-b-code-fout")
    official.get_by_label("Code die de burger voorleest").fill(code)
    official.get_by_role("button", name="Controleer code").click()
    official.get_by_role("heading", name="De code klopt").wait_for()
    screens.check(official, "medewerker-b-geslaagd")
    official.get_by_role("button", name="Voltooien").click()
    official.get_by_text("De sessie is voltooid. De gegevens zijn gewist.").wait_for()
    # And the resident's page follows the outcome by itself
    resident.get_by_role("heading", name="U bent geïdentificeerd").wait_for()
    screens.check(resident, "inwoner-geidentificeerd")

    # And a reload shows that outcome again, never the code (an ended result answers its outcome alone)
    resident.reload()
    resident.get_by_role("heading", name="U bent geïdentificeerd").wait_for()
    expect(resident.locator("#code")).to_be_hidden()


def test_the_resident_stops_and_the_code_is_wiped(screens: Screens, official_page: Callable[..., Any]) -> None:
    official = official_page()
    link = make_link(official, "c")
    resident = screens.new_page()
    resident.goto(link)
    log_in_at_digid(resident, RESIDENT)
    resident.get_by_role("button", name="Stoppen").click()
    resident.get_by_role("heading", name="U bent gestopt").wait_for()
    screens.check(resident, "inwoner-gestopt")
    # And Stoppen deleted the result: a reload finds none
    resident.reload()
    resident.get_by_role("heading", name="Geen controlecode").wait_for()


def test_the_qr_code_is_shown_on_its_own_never_with_the_code(
    screens: Screens, official_page: Callable[..., Any]
) -> None:
    official = official_page()
    make_link(official, "b")
    expect(official.locator("#code")).to_be_visible()
    expect(official.locator("#qr")).to_be_hidden()
    official.get_by_role("button", name="Toon QR-code").click()
    assert official.locator("#qr").get_attribute("src").startswith("data:image/gif;base64,")
    expect(official.locator("#qr")).to_be_visible()
    expect(official.locator("#code")).to_be_hidden()
    screens.check(official, "medewerker-b-qr")
    official.get_by_role("button", name="Verberg QR-code").click()
    expect(official.locator("#code")).to_be_visible()


def test_flow_b_with_another_bsn_stops_with_an_instruction(screens: Screens, official_page: Callable[..., Any]) -> None:
    official = official_page()
    link = make_link(official, "b")
    resident = screens.new_page()
    resident.goto(link)
    log_in_at_digid(resident, SOMEONE_ELSE)
    expect(resident.locator("#code")).to_have_text(re.compile(r"^\d{3} \d{3}$"))
    resident_code = str(resident.locator("#code").text_content())
    # When the official types the code the resident reads aloud
    official.get_by_role("heading", name="Controleer de code van de burger").wait_for()
    official.get_by_label("Code die de burger voorleest").fill(resident_code)
    official.get_by_role("button", name="Controleer code").click()
    # Then the page stops with a clear instruction, and the only way on is to close as not identified
    heading = official.get_by_role("heading", name="Niet geïdentificeerd: ander BSN")
    heading.wait_for()
    expect(heading).to_be_focused()
    expect(official.get_by_role("button", name="Voltooien")).to_be_hidden()
    expect(official.get_by_role("button", name="Controleer code")).to_be_hidden()
    screens.check(official, "medewerker-b-ander-bsn")
    official.get_by_label("Reden (kort, geen persoonsgegevens)").fill("Ander BSN bij DigiD")
    official.get_by_role("button", name="Afsluiten: niet geïdentificeerd").click()
    official.get_by_text("De sessie is afgesloten als niet geïdentificeerd.").wait_for()
    resident.get_by_role("heading", name="Niet geïdentificeerd").wait_for()
    screens.check(resident, "inwoner-niet-geidentificeerd")


def test_flow_c_the_resident_sees_the_official_and_the_official_sees_the_bsn(
    screens: Screens, official_page: Callable[..., Any], stack: LocalStack
) -> None:
    # Given the official makes a link with their name (and we note when their page asks for the session)
    official = official_page()
    polls: list[float] = []
    official.on(
        "request",
        lambda request: (
            polls.append(time.monotonic())
            if re.search(r"/api/sessions/[0-9a-f-]{36}$", request.url) and request.method == "GET"
            else None
        ),
    )
    link = make_link(official, "c")
    official.get_by_text("Wacht op inloggen met DigiD").wait_for()
    screens.check(official, "medewerker-c-link")
    # When the resident opens it
    resident = screens.new_page()
    resident.goto(link)
    # Then they see who asked, from which municipality
    name = stack.info["official"]["name"]
    resident.get_by_text(f"{name} van Gemeente Voorbeeld heeft u gevraagd om in te loggen met DigiD.").wait_for()
    screens.check(resident, "inwoner-start-c")
    # When they log in with DigiD (ID-check level)
    log_in_at_digid(resident, RESIDENT, loa="substantieel")
    resident.get_by_text(f"U bent ingelogd op verzoek van {name}.").wait_for()
    screens.check(resident, "inwoner-resultaat-c")
    # Then the official's page shows BSN, login time and level without a reload, and the BRP link
    official.locator("#session-bsn").get_by_text(RESIDENT).wait_for()
    expect(official.locator("#loa")).to_have_text("Substantieel")
    assert re.search(r"\d\d-\d\d-\d{4} \d\d:\d\d uur", str(official.locator("#login-at").text_content()))
    assert official.get_by_role("link", name="Naar de BRP").get_attribute("href") == "https://brp.gemeente.example/"
    screens.check(official, "medewerker-c-ingelogd")
    # And while it waited it asked nothing (its live socket brought the login, tests/browser/test_live_status.py;
    # without one it asks at most once per 2 s); once logged in, not at all
    assert polls == []
    official.wait_for_timeout(4500)
    assert polls == []
    # And the code the resident reads aloud verifies it, and Voltooien wipes it
    expect(resident.locator("#code")).to_have_text(re.compile(r"^\d{3} \d{3}$"))
    official.get_by_label("Code die de burger voorleest").fill(str(resident.locator("#code").text_content()))
    official.get_by_role("button", name="Controleer code").click()
    official.get_by_role("button", name="Voltooien").click()
    official.get_by_text("De sessie is voltooid. De gegevens zijn gewist.").wait_for()
    screens.check(official, "medewerker-voltooid")


def test_flow_a_case_number_for_the_resident_and_the_look_up(
    screens: Screens, official_page: Callable[..., Any]
) -> None:
    # Given a resident who opens the site without a session and logs in
    resident = screens.new_page()
    resident.goto(screens.url("/"))
    log_in_at_digid(resident, RESIDENT)
    # Then they see a code and a case number
    resident.locator("#zaak-number").wait_for()
    number = str(resident.locator("#zaak-number").text_content())
    code = str(resident.locator("#code").text_content())
    assert re.fullmatch(r"\d{4}-\d{5}", number)
    screens.check(resident, "inwoner-resultaat-a")
    # When the official looks up a badly typed and an unknown number, then the real one
    official = official_page()
    field = official.get_by_label("Zaaknummer")
    field.fill("12345")
    official.get_by_role("button", name="Zoeken").click()
    official.get_by_text("Een zaaknummer ziet er zo uit").wait_for()
    assert field.get_attribute("aria-invalid") == "true"
    screens.check(official, "medewerker-a-zaaknummer-ongeldig")
    field.fill("1999-00001")
    official.get_by_role("button", name="Zoeken").click()
    official.get_by_text("Er is geen identificatie met dit zaaknummer").wait_for()
    field.fill(number)
    official.get_by_role("button", name="Zoeken").click()
    # Then they see the case number, BSN, login time and level, and the time left, but not the code
    official.get_by_role("heading", name="Controleer de code van de burger").wait_for()
    expect(official.locator("#session-zaak")).to_have_text(number)
    expect(official.locator("#session-bsn")).to_have_text(RESIDENT)
    expect(official.locator("#loa")).to_have_text("Midden")
    official.locator("#remaining").get_by_text(re.compile("minuten geldig")).wait_for()
    assert code not in official.locator("main").inner_text()
    screens.check(official, "medewerker-a-zaak")
    # And they check the code heard and complete, like flows B and C
    official.get_by_label("Code die de burger voorleest").fill(code)
    official.get_by_role("button", name="Controleer code").click()
    official.get_by_role("button", name="Voltooien").click()
    official.get_by_text("De sessie is voltooid. De gegevens zijn gewist.").wait_for()


def test_cancel_at_digid_returns_to_the_start_with_a_message(
    screens: Screens, official_page: Callable[..., Any]
) -> None:
    official = official_page()
    link = make_link(official, "c")
    resident = screens.new_page()
    resident.goto(link)
    log_in_at_digid(resident, RESIDENT, action="Annuleren")
    resident.get_by_text("U heeft het inloggen met DigiD geannuleerd.").wait_for()
    resident.get_by_role("link", name="Inloggen met DigiD").wait_for()
    screens.check(resident, "inwoner-geannuleerd")
    # And the official sees it live
    official.locator("#status").get_by_text("De burger heeft het inloggen bij DigiD geannuleerd.").wait_for()
    screens.check(official, "medewerker-digid-geannuleerd")


def test_a_level_too_low_says_which_digid_is_needed_and_offers_to_try_again(
    screens: Screens, official_page: Callable[..., Any]
) -> None:
    official = official_page()
    link = make_link(official, "c", level="substantieel")
    official.get_by_text("Wacht op inloggen met DigiD").wait_for()
    resident = screens.new_page()
    resident.goto(link)
    resident.get_by_text("U heeft hiervoor DigiD met ID-check nodig.").wait_for()
    expect(resident.locator("#digid-org")).to_have_text("U logt in bij Gemeente Voorbeeld")
    log_in_at_digid(resident, RESIDENT, loa="midden")
    resident.get_by_role("heading", name="U heeft een ander DigiD nodig").wait_for()
    # The exact level and means, and a link to https://www.digid.nl itself (no deep links)
    resident.get_by_text(
        "Voor deze identificatie is DigiD-betrouwbaarheidsniveau Substantieel nodig. "
        "U logt dan in met de DigiD app met ID-check."
    ).wait_for()
    assert resident.locator("#where-link").get_attribute("href") == "https://www.digid.nl"
    # And "try again" with the same link, while it is valid
    retry = resident.get_by_role("link", name="Opnieuw inloggen met DigiD")
    retry.wait_for()
    assert retry.get_attribute("href") == "/" + link.split("/", 3)[3]
    official.locator("#status").get_by_text("te laag DigiD-niveau").wait_for()
    screens.check(resident, "inwoner-fout-niveau-te-laag")
    retry.click()
    resident.get_by_role("link", name="Inloggen met DigiD").wait_for()


def test_an_expired_link_says_so_to_both(
    screens: Screens, official_page: Callable[..., Any], stack: LocalStack
) -> None:
    # Given a link whose expiry passed (the record still there: TTL deletes late)
    official = official_page()
    link = make_link(official, "c")
    session_id = link.rsplit("=", 1)[-1]
    past = int((datetime.now(UTC) - timedelta(seconds=5)).timestamp())
    stack.client("dynamodb").update_item(
        TableName=stack.info["table_name"],
        Key={"pk": {"S": f"session#{session_id}"}},
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": {"N": str(past)}},
    )
    # When the resident opens it
    resident = screens.new_page()
    resident.goto(link)
    # Then the resident reads that it expired, and the official's page says so by itself
    resident.get_by_role("heading", name="Deze link is verlopen").wait_for()
    screens.check(resident, "inwoner-fout-verlopen")
    official.locator("#status").get_by_text("Verlopen").wait_for()
    expect(official.get_by_role("button", name="Nieuwe sessie")).to_be_visible()
    screens.check(official, "medewerker-verlopen")


def test_a_used_link_is_refused(screens: Screens, official_page: Callable[..., Any]) -> None:
    official = official_page()
    link = make_link(official, "c")
    first = screens.new_page()
    first.goto(link)
    log_in_at_digid(first, RESIDENT)
    first.locator("#code").wait_for()
    second = screens.new_page()
    second.goto(link)
    second.get_by_role("heading", name="Deze link is al gebruikt").wait_for()
    screens.check(second, "inwoner-fout-al-gebruikt")
    # And the official can close the session as not identified: it is wiped
    official.locator("#session-bsn").get_by_text(RESIDENT).wait_for()
    official.get_by_text("Afsluiten als niet geïdentificeerd").click()
    official.get_by_role("button", name="Afsluiten: niet geïdentificeerd").click()
    official.get_by_text("De sessie is afgesloten als niet geïdentificeerd.").wait_for()


def test_three_wrong_codes_lock_the_session(screens: Screens, official_page: Callable[..., Any]) -> None:
    official = official_page()
    link = make_link(official, "b")
    resident = screens.new_page()
    resident.goto(link)
    log_in_at_digid(resident, RESIDENT)
    official.get_by_role("heading", name="Controleer de code van de burger").wait_for()
    for left in (2, 1):
        official.get_by_label("Code die de burger voorleest").fill("000000")
        official.get_by_role("button", name="Controleer code").click()
        official.get_by_text(f"U kunt het nog {left} keer proberen.").wait_for()
    official.get_by_label("Code die de burger voorleest").fill("000000")
    official.get_by_role("button", name="Controleer code").click()
    official.locator("#status").get_by_text("Geblokkeerd na 3 foute codes").wait_for()
    heading = official.get_by_role("heading", name="Sessie geblokkeerd")
    expect(heading).to_be_focused()
    assert "gelijk" not in official.locator("main").inner_text()
    expect(official.get_by_role("button", name="Voltooien")).to_be_hidden()
    screens.check(official, "medewerker-geblokkeerd")
    resident.get_by_role("heading", name="Sessie geblokkeerd").wait_for()


def test_a_wrong_password_is_said_next_to_the_fields(screens: Screens, stack: LocalStack) -> None:
    page = screens.new_page()
    page.goto(screens.url("/medewerker.html"))
    screens.check(page, "medewerker-inloggen")
    page.get_by_label("Loginnaam").fill(stack.info["official"]["username"])
    page.get_by_label("Wachtwoord").fill("niet-het-wachtwoord")
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_text("Inloggen is niet gelukt.").wait_for()
    assert page.get_by_label("Wachtwoord").get_attribute("aria-invalid") == "true"
    screens.check(page, "medewerker-inloggen-fout")


def test_the_staff_pages_switch_to_english_with_live_texts(screens: Screens, official_page: Callable[..., Any]) -> None:
    # Given a logged-in official with a fresh link
    official = official_page()
    make_link(official, "c")
    # When they switch to English
    official.get_by_role("button", name="Switch to English").click()
    # Then the texts scripts set (status, time left) follow, and the page still passes axe
    official.get_by_text("Waiting for the DigiD login").wait_for()
    official.get_by_text(re.compile(r"Valid for \d+:\d\d more minutes")).wait_for()
    assert official.locator("html").get_attribute("lang") == "en"
    screens.check(official, "medewerker-c-link-engels")


def test_the_resident_is_warned_before_the_end_and_can_extend(
    screens: Screens, official_page: Callable[..., Any], stack: LocalStack
) -> None:
    # Given a resident on the result page whose time ends in 100 seconds (the session lasts longer)
    official = official_page()
    link = make_link(official, "c")
    resident = screens.new_page()
    resident.goto(link)
    log_in_at_digid(resident, RESIDENT)
    resident.locator("#code").get_by_text(re.compile(r"^\d{3} \d{3}$")).wait_for()
    table = stack.client("dynamodb")
    [item] = [
        i
        for i in table.scan(TableName=stack.info["table_name"])["Items"]
        if i["kind"]["S"] == "resident_result" and i.get("session_id", {}).get("S") == link.rsplit("=", 1)[-1]
    ]
    soon = str(int((datetime.now(UTC) + timedelta(seconds=100)).timestamp()))
    table.update_item(
        TableName=stack.info["table_name"],
        Key={"pk": item["pk"]},
        UpdateExpression="SET expires_at = :soon, #ttl = :soon",
        ExpressionAttributeNames={"#ttl": "ttl"},
        ExpressionAttributeValues={":soon": {"N": soon}},
    )
    resident.reload()
    # Then the page warns, two minutes before the end, and offers more time
    resident.get_by_text("Let op: uw sessie stopt over 2 minuten.").wait_for()
    screens.check(resident, "inwoner-bijna-verlopen")
    # When the resident asks for it, the page goes on, with the new end time
    resident.get_by_role("button", name="Geef mij meer tijd").click()
    resident.get_by_text(re.compile(r"U heeft meer tijd\. Uw sessie stopt nu om \d\d:\d\d uur\.")).wait_for()
    expect(resident.get_by_text("Let op: uw sessie stopt over 2 minuten.")).to_be_hidden()
