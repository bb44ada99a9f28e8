"""The resident's DigiD login per flow, apart from SAML, against in-memory fakes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from msgspec.structs import replace

from legitimatie.adapters.dynamodb import DynamoDbProofOutbox
from legitimatie.assurance import LevelOfAssurance
from legitimatie.bsn import Bsn
from legitimatie.errors import CaseNotFound, InvalidCaseNumber, NotAllowed, SessionNotFound, WrongState
from legitimatie.login.digid_model import LoginRefused
from legitimatie.login.digid_services import (
    begin_login,
    expected_login,
    find_pending_login,
    finish_login,
    plan_login,
    register_login,
    take_pending_login,
)
from legitimatie.login.model import CaseNumber, case_session_id, token_digest
from legitimatie.login.services import extend_result, identification_for_official, resident_result
from legitimatie.policy import ServicePolicy
from legitimatie.resident import ResidentKey
from legitimatie.sessions.control_code import ControlCodes
from legitimatie.sessions.model import Flow, Official, Outcome, Status
from legitimatie.sessions.services import (
    check_control_code,
    close_session,
    create_handover_session,
    create_known_bsn_session,
    gather_proof,
)
from tests.fakes import (
    AUDIT,
    METRICS,
    FakeCipher,
    HmacMacKey,
    InMemoryIdentifications,
    InMemoryPendingLogins,
    InMemoryResults,
    InMemorySessionRepository,
)
from tests.proof_fakes import InMemoryProofRecords

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
BROWSER = "browser-token-1"  # the pre-login cookie's value
RESIDENT = Bsn("999993653")
SOMEONE_ELSE = Bsn("999990019")
OFFICIAL = Official(id="sub-1", name="D. Dorknoper", groups=frozenset({"zaak-opzoeken"}))
POLICY = ServicePolicy(
    municipality_name="Gemeente Voorbeeld",
    gemeentecode="0999",
    minimum_loa=LevelOfAssurance.MIDDEN,
    session_lifetime=timedelta(minutes=30),
    site_url="https://beeldbellen.voorbeeld.nl",
)


class World:
    def __init__(self) -> None:
        self.identifications = InMemoryIdentifications()
        self.results = InMemoryResults()
        self.pending = InMemoryPendingLogins()
        self.sessions = InMemorySessionRepository(
            identifications=self.identifications, results=self.results, pending=self.pending
        )
        self.pending.sessions = self.sessions
        self.key, self.v1_key = HmacMacKey(b"k" * 32), HmacMacKey(b"c" * 32)
        self.residents = ResidentKey(self.key, "0999", v1_codes=ControlCodes(self.v1_key, "0999"))
        self.cipher = FakeCipher()

    def look_up(self, zaak_number, official=OFFICIAL):
        return identification_for_official(
            zaak_number,
            official,
            "zaak-opzoeken",
            identifications=self.identifications,
            sessions=self.sessions,
            cipher=self.cipher,
            now=NOW,
            audit=AUDIT,
        )

    def start(self, session_id, request_id, relay_state, at):
        """The resident's login start, as the DigiD function makes it (one conditional write for a session)."""
        return begin_login(
            session_id,
            request_id,
            relay_state,
            BROWSER,
            policy=POLICY,
            sessions=self.sessions,
            pending=self.pending,
            audit=AUDIT,
            metrics=METRICS,
            now=at,
        )

    def log_in(self, session_id, bsn=RESIDENT, loa=LevelOfAssurance.MIDDEN, request_id="_req1", at=NOW):
        self.start(session_id, request_id, "relay-1", at)
        found = self.expect(request_id, "relay-1", BROWSER, at, session_id)
        # finish_login's write uses the pending login up (once)
        return self.finish(found, bsn, loa, at)

    def expect(self, request_id, relay_state, browser, at=NOW, session_id=None):
        """What the ACS validates an answer against (``take_answer``'s ``expect``): flow A builds it without a read,
        flows B and C read it with their session."""
        if session_id is None:
            return expected_login(request_id, relay_state, browser, policy=POLICY, now=at)
        return find_pending_login(request_id, relay_state, browser, pending=self.pending, now=at, session_id=session_id)

    def finish(self, login, bsn, loa, at=NOW):
        return finish_login(
            login,
            bsn,
            loa,
            policy=POLICY,
            sessions=self.sessions,
            residents=self.residents,
            cipher=self.cipher,
            identifications=self.identifications,
            pending=self.pending,
            now=at,
            audit=AUDIT,
            metrics=METRICS,
        )


@pytest.fixture
def world() -> World:
    return World()


def test_flow_a_gives_a_random_code_and_a_case_number(world: World) -> None:
    # When a resident logs in without a session
    token, result = world.log_in(None)
    # Then they get a code and the year's first case number, and a session holds the BSN sealed and the code
    assert result.flow == "new_resident" and result.zaak_number == "2026-00001" and len(result.code) == 6
    identification, session, bsn = world.look_up("2026-00001")
    assert bsn == RESIDENT and identification.loa is LevelOfAssurance.MIDDEN
    assert session.expected_code == result.code and session.status is Status.LOGGED_IN
    # And the official who looked it up owns the session now; the browser with the token sees the result
    assert world.sessions.get(session.id).is_owned_by(OFFICIAL)
    view = resident_result(token, results=world.results, sessions=world.sessions, now=NOW)
    assert view.result == result and view.outcome == "waiting"


def test_flow_a_is_checked_and_closed_like_b_and_c_and_the_bsn_goes_at_the_end(world: World) -> None:
    # Given a flow A login the official looked up
    token, result = world.log_in(None)
    _, session, _ = world.look_up(result.zaak_number)
    # When the official types the code the resident read aloud and closes as identified
    assert check_control_code(
        session.id, result.code, OFFICIAL, sessions=world.sessions, now=NOW, audit=AUDIT, metrics=METRICS
    ).match
    records = InMemoryProofRecords()
    world.sessions.proof_records = records
    proofs = DynamoDbProofOutbox(records, timedelta(days=90))
    ended, record = close_session(
        session.id,
        OFFICIAL,
        Outcome.IDENTIFIED,
        sessions=world.sessions,
        proofs=proofs,
        now=NOW,
        audit=AUDIT,
        metrics=METRICS,
    )
    assert ended.status is Status.COMPLETED and record is not None
    # Then the case is closed to every look-up at once
    with pytest.raises(CaseNotFound):
        world.look_up(result.zaak_number)
    # And once the proof's facts are gathered, the proof carries the BSN sealed to the session (the case needs it),
    # and the BSN is gone (no case-number record was ever written: the session's id follows from the number)
    request = gather_proof(record, sessions=world.sessions, municipality="G", now=NOW + timedelta(seconds=1))
    assert request.sealed_bsn is not None and request.zaak_number == result.zaak_number
    assert records.get(record.document_id).reference == result.zaak_number
    assert world.identifications.records == {} and world.sessions.get(session.id).login is None
    # And the resident's page follows the outcome
    assert resident_result(token, results=world.results, sessions=world.sessions, now=NOW).outcome == "identified"


def test_a_flow_a_case_belongs_to_the_first_official_who_looks_it_up(world: World) -> None:
    _, result = world.log_in(None)
    world.look_up(result.zaak_number)
    colleague = Official(id="sub-2", name="A. Collega", groups=frozenset({"zaak-opzoeken"}))
    with pytest.raises(WrongState):
        world.look_up(result.zaak_number, colleague)


def test_the_result_page_can_be_extended_a_limited_number_of_times(world: World) -> None:
    # Given a flow B login 2 minutes into a 30-minute session
    session = create_handover_session(
        None, OFFICIAL, policy=POLICY, sessions=world.sessions, now=NOW, audit=AUDIT, metrics=METRICS
    )
    token, result = world.log_in(session.id, at=NOW + timedelta(minutes=2))
    assert result.expires_at == NOW + timedelta(minutes=17)
    # When the resident extends at minute 14, then the page lives 15 minutes from then, capped at the session
    extended = extend_result(token, results=world.results, sessions=world.sessions, now=NOW + timedelta(minutes=14))
    assert extended.expires_at == NOW + timedelta(minutes=29) and extended.extensions == 1
    extended = extend_result(token, results=world.results, sessions=world.sessions, now=NOW + timedelta(minutes=20))
    assert extended.expires_at == NOW + timedelta(minutes=30)
    # And once the session's end is reached, no more
    with pytest.raises(WrongState):
        extend_result(token, results=world.results, sessions=world.sessions, now=NOW + timedelta(minutes=25))
    # And never after the page has expired
    with pytest.raises(SessionNotFound):
        extend_result(token, results=world.results, sessions=world.sessions, now=NOW + timedelta(minutes=30))


def test_an_ended_identification_shows_its_outcome_and_gives_no_more_time(world: World) -> None:
    # Given a flow C login whose session the official locked with three wrong codes
    session = create_handover_session(
        None, OFFICIAL, policy=POLICY, sessions=world.sessions, now=NOW, audit=AUDIT, metrics=METRICS
    )
    token, _ = world.log_in(session.id, at=NOW + timedelta(minutes=2))
    for wrong in ("000001", "000002", "000003"):
        check_control_code(session.id, wrong, OFFICIAL, sessions=world.sessions, now=NOW, audit=AUDIT, metrics=METRICS)
    # Then the result page's read has ended: its outcome is all the page gets
    view = resident_result(token, results=world.results, sessions=world.sessions, now=NOW + timedelta(minutes=3))
    assert view.outcome == "locked" and view.ended
    # And no more time is given to a result that has done its work
    with pytest.raises(WrongState):
        extend_result(token, results=world.results, sessions=world.sessions, now=NOW + timedelta(minutes=14))


def test_case_numbers_count_up_per_year(world: World) -> None:
    numbers = [world.log_in(None, request_id=f"_r{i}")[1].zaak_number for i in range(3)]
    assert numbers == ["2026-00001", "2026-00002", "2026-00003"]


def test_only_the_lookup_group_may_see_identifications(world: World) -> None:
    world.log_in(None)
    outsider = Official(id="sub-9", name="X", groups=frozenset())
    with pytest.raises(NotAllowed):
        world.look_up("2026-00001", outsider)


def test_flow_b_resident_code_equals_the_officials_for_the_same_bsn(world: World) -> None:
    session = create_known_bsn_session(
        RESIDENT,
        None,
        OFFICIAL,
        policy=POLICY,
        sessions=world.sessions,
        residents=world.residents,
        now=NOW,
        audit=AUDIT,
        metrics=METRICS,
    )
    _, result = world.log_in(session.id)
    assert result.code == session.official_code and result.official_name is None


def test_flow_c_result_names_the_official(world: World) -> None:
    session = create_handover_session(
        None, OFFICIAL, policy=POLICY, sessions=world.sessions, now=NOW, audit=AUDIT, metrics=METRICS
    )
    _, result = world.log_in(session.id)
    assert result.official_name == "D. Dorknoper" and result.flow == Flow.HANDOVER.value


def test_a_flow_b_login_makes_one_kms_mac_for_its_code_and_its_pseudonym(world: World) -> None:
    # Given a flow B session (its creation made one MAC)
    session = create_known_bsn_session(
        RESIDENT,
        None,
        OFFICIAL,
        policy=POLICY,
        sessions=world.sessions,
        residents=world.residents,
        now=NOW,
        audit=AUDIT,
        metrics=METRICS,
    )
    before = world.key.calls
    # When the resident logs in
    world.log_in(session.id)
    # Then the code and the audit event's pseudonym came from one more MAC, none under the v1 key
    assert world.key.calls == before + 1 and world.v1_key.calls == 0


def test_a_login_the_session_refuses_makes_no_kms_call(world: World) -> None:
    # Given a flow C session with two logins started, the first one finished
    session = create_handover_session(
        None, OFFICIAL, policy=POLICY, sessions=world.sessions, now=NOW, audit=AUDIT, metrics=METRICS
    )
    plan = plan_login(session.id, policy=POLICY, sessions=world.sessions, now=NOW)
    world.log_in(session.id)
    register_login(plan, "_second", "relay-2", BROWSER, pending=world.pending, now=NOW, audit=AUDIT, metrics=METRICS)
    before = world.key.calls
    second = find_pending_login("_second", "relay-2", BROWSER, pending=world.pending, now=NOW, session_id=session.id)
    # When the second answer arrives, then the session refuses it before any MAC is made
    with pytest.raises(LoginRefused) as refused:
        world.finish(second, SOMEONE_ELSE, LevelOfAssurance.MIDDEN)
    assert refused.value.reason == "already_used" and world.key.calls == before


def test_a_flow_b_session_created_as_v1_gets_its_v1_code_at_login(world: World) -> None:
    # Given a flow B session created before v2: its code is v1, under the control code key
    session = create_known_bsn_session(
        RESIDENT,
        None,
        OFFICIAL,
        policy=POLICY,
        sessions=world.sessions,
        residents=world.residents,
        now=NOW,
        audit=AUDIT,
        metrics=METRICS,
    )
    v1_code = ControlCodes(world.v1_key, "0999").for_session(session.id, RESIDENT, "v1")
    world.sessions.sessions[session.id] = replace(session, code_version="v1", official_code=v1_code)
    # When the resident logs in
    _, result = world.log_in(session.id)
    # Then they see the v1 code the official was shown, and it counts as the same BSN
    assert result.code == v1_code != session.official_code
    assert world.sessions.get(session.id).login.code_match is True


def _pending(world: World) -> None:
    plan = plan_login(None, policy=POLICY, sessions=world.sessions, now=NOW)
    register_login(plan, "_req", "relay", BROWSER, pending=world.pending, now=NOW, audit=AUDIT, metrics=METRICS)


def test_a_pending_login_is_taken_only_once(world: World) -> None:
    _pending(world)
    found = world.expect("_req", "relay", BROWSER)
    take_pending_login(found, pending=world.pending, now=NOW)
    with pytest.raises(LoginRefused) as replay:
        take_pending_login(found, pending=world.pending, now=NOW)
    assert replay.value.reason == "error"  # flow A: not read, so a replay looks like any answer that is not ours


def test_a_pending_login_expires_after_fifteen_minutes(world: World) -> None:
    _pending(world)
    later = NOW + timedelta(minutes=15)
    with pytest.raises(LoginRefused):
        take_pending_login(world.expect("_req", "relay", BROWSER, later), pending=world.pending, now=later)


@pytest.mark.parametrize("relay_state", ["other", "", None], ids=["other", "empty", "missing"])
def test_an_answer_without_the_same_relay_state_is_refused(world: World, relay_state: str | None) -> None:
    _pending(world)
    with pytest.raises(LoginRefused) as refused:
        take_pending_login(world.expect("_req", relay_state, BROWSER), pending=world.pending, now=NOW)
    assert refused.value.reason == "error"


@pytest.mark.parametrize("browser", ["another-browser", None], ids=["other-cookie", "no-cookie"])
def test_an_answer_arriving_in_another_browser_is_refused_and_leaves_the_login_pending(
    world: World, browser: str | None
) -> None:
    # Given a login started in the resident's browser
    _pending(world)
    # When its answer arrives in a browser with another (or no) pre-login cookie
    with pytest.raises(LoginRefused) as refused:
        take_pending_login(world.expect("_req", "relay", browser), pending=world.pending, now=NOW)
    # Then it is refused, and the resident's own answer still counts
    assert refused.value.reason == "error"
    assert (
        take_pending_login(world.expect("_req", "relay", BROWSER), pending=world.pending, now=NOW).request_id == "_req"
    )


def test_a_flow_a_answer_is_refused_when_the_minimum_level_changed_since_its_start(world: World) -> None:
    # Given a flow A login started under a minimum of Midden
    _pending(world)
    # When its answer arrives after the deployment raised the minimum to Substantieel
    raised = replace(POLICY, minimum_loa=LevelOfAssurance.SUBSTANTIEEL)
    answer = expected_login("_req", "relay", BROWSER, policy=raised, now=NOW)
    # Then the login is refused (not taken at the lower level), and nothing is stored
    with pytest.raises(LoginRefused) as refused:
        world.finish(answer, RESIDENT, LevelOfAssurance.SUBSTANTIEEL)
    assert refused.value.reason == "error"
    assert world.sessions.sessions == {} and world.results.results == {}


def test_the_pending_login_stores_only_a_hash_of_the_browser_token(world: World) -> None:
    _pending(world)
    stored = world.pending.pending["_req"]
    assert stored.browser_digest == token_digest(BROWSER) and BROWSER not in repr(stored)


@pytest.mark.parametrize(
    ("setup", "reason"),
    [("expired", "expired"), ("used", "already_used"), ("unknown", "expired")],
)
def test_login_is_refused_before_digid_for_unusable_links(world: World, setup: str, reason: str) -> None:
    session = create_handover_session(
        None, OFFICIAL, policy=POLICY, sessions=world.sessions, now=NOW, audit=AUDIT, metrics=METRICS
    )
    at = NOW
    if setup == "expired":
        at = NOW + timedelta(minutes=31)
    elif setup == "used":
        world.log_in(session.id)
    elif setup == "unknown":
        world.sessions.delete(session.id)
    with pytest.raises(LoginRefused) as refused:
        plan_login(session.id, policy=POLICY, sessions=world.sessions, now=at)
    assert refused.value.reason == reason
    # and starting the login says the same, keeping nothing pending
    kept = dict(world.pending.pending)
    with pytest.raises(LoginRefused) as refused:
        world.start(session.id, "_req-new", "relay-2", at)
    assert refused.value.reason == reason and world.pending.pending == kept


def test_a_login_start_keeps_the_login_pending_at_the_sessions_level(world: World) -> None:
    session = create_handover_session(
        LevelOfAssurance.HOOG, OFFICIAL, policy=POLICY, sessions=world.sessions, now=NOW, audit=AUDIT, metrics=METRICS
    )
    login = world.start(session.id, "_req-9", "relay-9", NOW)
    assert login.required_loa is LevelOfAssurance.HOOG and login.flow is Flow.HANDOVER
    assert login.browser_digest == token_digest(BROWSER) and login.expires_at == NOW + timedelta(minutes=15)
    assert world.pending.get("_req-9", NOW, session.id) == login


def test_every_flow_forces_a_fresh_digid_login(world: World) -> None:
    session = create_handover_session(
        LevelOfAssurance.SUBSTANTIEEL,
        OFFICIAL,
        policy=POLICY,
        sessions=world.sessions,
        now=NOW,
        audit=AUDIT,
        metrics=METRICS,
    )
    plan = plan_login(session.id, policy=POLICY, sessions=world.sessions, now=NOW)
    assert plan.force_authn and plan.required_loa is LevelOfAssurance.SUBSTANTIEEL
    assert plan_login(None, policy=POLICY, sessions=world.sessions, now=NOW).force_authn  # flow A too


def test_a_login_below_the_level_is_refused_and_stores_nothing(world: World) -> None:
    session = create_handover_session(
        LevelOfAssurance.SUBSTANTIEEL,
        OFFICIAL,
        policy=POLICY,
        sessions=world.sessions,
        now=NOW,
        audit=AUDIT,
        metrics=METRICS,
    )
    with pytest.raises(LoginRefused) as refused:
        world.log_in(session.id, loa=LevelOfAssurance.MIDDEN)
    assert refused.value.reason == "loa_too_low"
    assert world.sessions.get(session.id).login is None and world.results.results == {}


def test_the_result_is_only_for_the_token_and_expires(world: World) -> None:
    token, _ = world.log_in(None)
    with pytest.raises(SessionNotFound):
        resident_result("another-token", results=world.results, sessions=world.sessions, now=NOW)
    with pytest.raises(SessionNotFound):
        resident_result(None, results=world.results, sessions=world.sessions, now=NOW)
    resident_result(token, results=world.results, sessions=world.sessions, now=NOW + timedelta(minutes=15, seconds=-1))
    with pytest.raises(SessionNotFound):
        resident_result(token, results=world.results, sessions=world.sessions, now=NOW + timedelta(minutes=15))
    assert token_digest(token) in world.results.results and token not in world.results.results


@pytest.mark.parametrize("raw", ["2026-1", "26-00001", "2026_00001", "abcd-efghi", ""])
def test_case_numbers_have_one_form(raw: str) -> None:
    with pytest.raises(InvalidCaseNumber):
        CaseNumber.parse(raw)


def test_a_flow_a_login_below_the_minimum_level_is_refused_and_stores_nothing(world: World) -> None:
    # Given a flow A login that needs Midden (no session to check the level against)
    plan = plan_login(None, policy=POLICY, sessions=world.sessions, now=NOW)
    register_login(plan, "_req", "relay", BROWSER, pending=world.pending, now=NOW, audit=AUDIT, metrics=METRICS)
    login = take_pending_login(world.expect("_req", "relay", BROWSER), pending=world.pending, now=NOW)
    # When DigiD reports Basis, then the login service refuses it
    with pytest.raises(LoginRefused) as refused:
        world.finish(login, RESIDENT, LevelOfAssurance.BASIS)
    assert refused.value.reason == "loa_too_low"
    assert world.sessions.sessions == {} and world.identifications.records == {} and world.results.results == {}


def test_a_flow_a_sessions_id_is_no_link_to_log_in_with(world: World) -> None:
    # Given a flow A login: its session's id follows from the case number, which is no secret
    _, result = world.log_in(None)
    derived = case_session_id(CaseNumber.parse(result.zaak_number))
    # When a DigiD login is started with that id as a link, and with an id nobody has
    with pytest.raises(LoginRefused) as refused:
        world.start(derived, "_req-x", "relay-x", NOW)
    with pytest.raises(LoginRefused) as unknown:
        world.start(uuid4(), "_req-y", "relay-y", NOW)
    # Then both are refused the same way: the case's session is not told apart from an unknown link
    assert (refused.value.reason, refused.value.message) == (unknown.value.reason, unknown.value.message)
