"""One KMS MAC per BSN per step: the resident secret, and the v2 control code and p2 pseudonym derived from it, with
the published test vectors (docs/control-code.md, docs/runbook.md)."""

import hashlib
import hmac
from uuid import UUID

import pytest

from legitimatie.bsn import Bsn
from legitimatie.errors import InvalidInput
from legitimatie.resident import ResidentKey, code_message, resident_message
from legitimatie.sessions.control_code import ControlCodes
from tests.fakes import HmacMacKey

TEST_KEY = bytes(range(32))  # 000102...1f: the published test key, never a real one
SESSION = UUID("b616a803-917e-467b-bc85-4262f112035c")
OTHER_SESSION = UUID("0b4e7a0e-5d3c-4f7a-9c2e-1f6a8b9d0c1e")

# BSN, resident secret R (hex), p2 pseudonym
SECRETS = [
    (
        "999993653",
        "2d2273ea84e251186d6993e5fd80801f2a00e2843c2ea587c701c10f8eaf98e5",
        "p2-ae60821f493414a6cf3e17e95c1edfdf",
    ),
    (
        "999990019",
        "1608ddff9ae2248416a2d4f87279dc36472ad250bc1ec6b830e46e53b2185c4b",
        "p2-7070ec6854f191fc11b913e5a9184eec",
    ),
]
# BSN, gemeentecode, session UUID, HMAC-SHA256 under R (hex), v2 control code
CODES = [
    ("999993653", "0363", SESSION, "fdc02168bc774979a40fc6e07be9b8a88e89e556bb8c877c47cc3f8b66cbc158", "013728"),
    ("999993653", "0999", SESSION, "42085d4c80ef1e2bfbb942316d7df1346017f12c050a45430ba712c97c3ee092", "294831"),
    ("999993653", "0363", OTHER_SESSION, "d74d6306b6bc3a50b41afa6f0f21d30ca5dc6d7f795b234b8d3ed9a9a2ec5fce", "337820"),
    ("999990019", "0363", SESSION, "967ad627f60e466119131576520294cf0635b4e432a33a1c348b026563f0e1bf", "807028"),
]


@pytest.mark.parametrize(("bsn", "secret_hex", "pseudonym"), SECRETS)
def test_published_secrets_and_pseudonyms_hold(bsn: str, secret_hex: str, pseudonym: str) -> None:
    # Given the test key, the resident secret is the KMS HMAC over the documented message
    assert hmac.new(TEST_KEY, resident_message(Bsn(bsn)), hashlib.sha256).hexdigest() == secret_hex
    # And the pseudonym is p2- and 128 bits of HMAC-SHA256 under R over its own label
    expected = hmac.new(bytes.fromhex(secret_hex), b"legitimatie-beeldbellen/resident-pseudonym/p2", hashlib.sha256)
    assert pseudonym == "p2-" + expected.digest()[:16].hex()
    assert ResidentKey(HmacMacKey(TEST_KEY), "0363").resident(Bsn(bsn)).pseudonym == pseudonym


@pytest.mark.parametrize(("bsn", "gemeentecode", "session_id", "mac_hex", "code"), CODES)
def test_published_v2_codes_hold(bsn: str, gemeentecode: str, session_id: UUID, mac_hex: str, code: str) -> None:
    secret = hmac.new(TEST_KEY, resident_message(Bsn(bsn)), hashlib.sha256).digest()
    assert hmac.new(secret, code_message(gemeentecode, session_id), hashlib.sha256).hexdigest() == mac_hex
    assert ResidentKey(HmacMacKey(TEST_KEY), gemeentecode).resident(Bsn(bsn)).control_code(session_id) == code


def test_the_messages_are_versioned_and_made_of_fixed_fields() -> None:
    assert resident_message(Bsn("999993653")) == b"legitimatie-beeldbellen/resident/v2\n999993653"
    assert code_message("0363", SESSION) == (
        b"legitimatie-beeldbellen/control-code/v2\n0363\nb616a803-917e-467b-bc85-4262f112035c"
    )


def test_one_kms_mac_gives_the_codes_and_the_pseudonym_of_a_step_and_none_before_first_use() -> None:
    # Given a resident of one step
    key = HmacMacKey(TEST_KEY)
    resident = ResidentKey(key, "0363").resident(Bsn("999993653"))
    # Then naming them costs no MAC (a step refused before the code is needed costs nothing)
    assert key.calls == 0
    # When their code, another session's code and their pseudonym are asked for
    resident.control_code(SESSION)
    resident.control_code(OTHER_SESSION)
    _ = resident.pseudonym
    # Then KMS made one MAC
    assert key.calls == 1


def test_a_session_created_as_v1_gets_its_v1_code_under_the_control_code_key() -> None:
    # Given the resident key and, for v1, the control code key (the published v1 vector's test key)
    resident_key, v1_key = HmacMacKey(b"r" * 32), HmacMacKey(TEST_KEY)
    resident = ResidentKey(resident_key, "0363", v1_codes=ControlCodes(v1_key, "0363")).resident(Bsn("999993653"))
    # Then a v1 session's code is the v1 code of docs/control-code.md, made by the control code key
    assert resident.control_code(SESSION, "v1") == "261425"
    assert v1_key.calls == 1 and resident_key.calls == 0


def test_a_version_that_cannot_be_computed_is_refused() -> None:
    resident = ResidentKey(HmacMacKey(TEST_KEY), "0363").resident(Bsn("999993653"))
    for version in ("v1", "v3", ""):
        with pytest.raises(ValueError, match="cannot be computed"):
            resident.control_code(SESSION, version)


def test_each_input_changes_the_code_and_the_pseudonym() -> None:
    residents = ResidentKey(HmacMacKey(TEST_KEY), "0363")
    base = residents.resident(Bsn("999993653"))
    other_key = ResidentKey(HmacMacKey(b"another key" * 3), "0363").resident(Bsn("999993653"))
    assert other_key.control_code(SESSION) != base.control_code(SESSION)
    assert other_key.pseudonym != base.pseudonym
    assert ResidentKey(HmacMacKey(TEST_KEY), "0999").resident(Bsn("999993653")).pseudonym == base.pseudonym


def test_p1_pseudonyms_of_the_same_key_are_not_p2() -> None:
    # p1 (events written before p2) was the KMS MAC over a message of its own; it never equals the p2 one
    p1_message = b"legitimatie-beeldbellen/resident-pseudonym/p1\n999993653"
    p1 = hmac.new(TEST_KEY, p1_message, hashlib.sha256).digest()[:16].hex()
    assert ResidentKey(HmacMacKey(TEST_KEY), "0363").resident(Bsn("999993653")).pseudonym != "p2-" + p1


def test_a_resident_never_shows_the_bsn() -> None:
    resident = ResidentKey(HmacMacKey(TEST_KEY), "0363").resident(Bsn("999993653"))
    _ = resident.pseudonym
    assert "999993653" not in repr(resident) and "999993653" not in str(resident)


@pytest.mark.parametrize("gemeentecode", ["363", "03630", "abcd", "", "０３６３"])
def test_a_gemeentecode_is_exactly_four_ascii_digits(gemeentecode: str) -> None:
    with pytest.raises(InvalidInput):
        ResidentKey(HmacMacKey(TEST_KEY), gemeentecode)
