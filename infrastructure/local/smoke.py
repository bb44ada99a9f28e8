"""Walk flows A, B and C against a running local stack (``make run`` in another terminal) and print what happens.

    .venv/bin/python -m infrastructure.local.smoke

Reads ``.local/stack.json``. Exits non-zero at the first step that does not behave as the contract says.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from .clients import LoginOutcome, OfficialClient, resident_login

RESIDENT = "999993653"  # test BSNs (elfproef-valid, not people)
SOMEONE_ELSE = "999990019"


def expect(step: str, condition: bool) -> None:
    print(f"{'ok ' if condition else 'FAIL'}  {step}")
    if not condition:
        sys.exit(1)


def result_of(login: LoginOutcome) -> dict[str, Any]:
    """The result endpoint's answer; the step before has expected one, so the smoke stops here without it."""
    if login.result is None:
        sys.exit(1)
    return login.result


def main() -> None:
    state = Path(".local/stack.json")
    if not state.exists():
        sys.exit("No running local stack: start it with `make run` first.")
    walk(json.loads(state.read_text()))


def walk(info: dict[str, Any]) -> None:
    """Every step against the stack that ``info`` (its ``stack.json``) describes; exits at the first failure."""
    official = OfficialClient(info)
    site = info["site_url"]
    expect("the test official logs in with USER_PASSWORD_AUTH", bool(official.token))

    status, known = official.create(flow="known_bsn", bsn=RESIDENT)
    expect("flow B: create gives a code and a link", status == 201 and len(known["code"]) == 6)
    login = resident_login(site, known["id"], RESIDENT)
    expect(
        "flow B: the resident's code equals the official's",
        login.result is not None and login.result["code"] == known["code"],
    )
    status, checked = official.check(known["id"], known["code"])
    expect("flow B: the right code verifies", status == 200 and checked["match"] is True)
    expect(
        "flow B: the link cannot be used twice",
        resident_login(site, known["id"], RESIDENT).query.get("reden") == "already_used",
    )
    status, done = official.complete(known["id"])
    expect(
        "flow B: complete as identified, one proof, then 404",
        status == 200 and done["proof"]["outcome"] == "identified" and official.read(known["id"])[0] == 404,
    )

    status, other = official.create(flow="known_bsn", bsn=RESIDENT)
    login = resident_login(site, other["id"], SOMEONE_ELSE)
    expect("flow B: another BSN gives another code", login.result is not None and login.result["code"] != other["code"])
    expect("flow B: no comparison before a code is typed", "code_match" not in official.read(other["id"])[1])
    status, checked = official.check(other["id"], result_of(login)["code"])
    expect("flow B: the code heard does not verify another BSN", checked["match"] is False and not checked["bsn_match"])
    expect("flow B: another BSN cannot complete as identified", official.complete(other["id"])[0] == 409)
    status, closed = official.complete(other["id"], "not_identified", reason="Ander BSN bij DigiD")
    expect(
        "flow B: closed as not identified, with a proof that says so",
        status == 200 and closed["proof"]["outcome"] == "not_identified",
    )

    status, locking = official.create(flow="known_bsn", bsn=RESIDENT)
    resident_login(site, locking["id"], RESIDENT)
    wrong = "000000" if locking["code"] != "000000" else "111111"
    answers = [official.check(locking["id"], wrong)[1] for _ in range(3)]
    expect("flow B: three wrong codes lock the session", answers[-1]["status"] == "locked")
    expect("flow B: a locked session answers 423", official.check(locking["id"], locking["code"])[0] == 423)
    expect("flow B: a locked session cannot complete as identified", official.complete(locking["id"])[0] == 409)

    status, handover = official.create(flow="handover", required_loa="substantieel")
    login = resident_login(site, handover["id"], RESIDENT, loa="midden")
    expect(
        "flow C: a level too low is refused with the level needed, and the same link to try again",
        login.query == {"reden": "loa_too_low", "niveau": "substantieel", "sessie": handover["id"]},
    )
    login = resident_login(site, handover["id"], RESIDENT, loa="substantieel", action="cancel")
    expect("flow C: cancel returns to the start page with the message", login.query.get("melding") == "geannuleerd")
    login = resident_login(site, handover["id"], RESIDENT, loa="hoog")
    expect(
        "flow C: the resident sees the official's name",
        login.result is not None and bool(login.result.get("official_name")),
    )
    status, seen = official.read(handover["id"])
    expect("flow C: the official sees BSN, login time and level", seen.get("bsn") == RESIDENT and seen["loa"] == "hoog")
    status, _ = official.cancel(handover["id"])
    expect("flow C: cancel, then 404", status == 200 and official.read(handover["id"])[0] == 404)

    login = resident_login(site, None, RESIDENT)
    expect("flow A: a code and a case number", login.result is not None and bool(login.result.get("zaak_number")))
    status, found = official.identification(result_of(login)["zaak_number"])
    expect("flow A: the official finds the case by its number", status == 200 and found["bsn"] == RESIDENT)
    status, checked = official.check(found["session_id"], result_of(login)["code"])
    expect("flow A: the code heard verifies", status == 200 and checked["status"] == "verified")
    status, _ = official.complete(found["session_id"])
    expect(
        "flow A: complete, and the case number's BSN is gone",
        status == 200 and official.identification(result_of(login)["zaak_number"])[0] == 404,
    )
    status, mine = official.sessions()
    expect("GET /api/sessions answers the official's open sessions", status == 200 and "sessions" in mine)
    print("All steps behaved as the contract says.")


if __name__ == "__main__":
    main()
