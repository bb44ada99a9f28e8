"""The control code of DESIGN.md, with the published test vectors (docs/control-code.md)."""

import hashlib
import hmac
from uuid import UUID

import pytest

from legitimatie.bsn import Bsn
from legitimatie.errors import InvalidInput
from legitimatie.sessions.control_code import (
    ControlCodes,
    codes_equal,
    control_code_message,
    hotp_truncate,
    random_control_code,
)
from tests.fakes import HmacMacKey

TEST_KEY = bytes(range(32))  # 000102...1f: the published test key, never a real one
SESSION = UUID("b616a803-917e-467b-bc85-4262f112035c")

# gemeentecode, session UUID, BSN, HMAC-SHA256 (hex), control code
VECTORS = [
    ("0363", SESSION, "999993653", "0efd8dbcc9450a71aeae70c44cc50a131e1cd55397ff6fcf61d62d0320b0d0b4", "261425"),
    ("0363", SESSION, "999990019", "80822023e215efe47723559fab7b382f020705d97c0a4bef01766daf331a096e", "604807"),
    ("0999", SESSION, "999993653", "1b6654ea6ad99a98ef28875d9647ab852239de93e67d5d3fe2a5798a5a633ef4", "645784"),
    (
        "0363",
        UUID("0b4e7a0e-5d3c-4f7a-9c2e-1f6a8b9d0c1e"),
        "999993653",
        "417f6fd2e642f12956204c5be7ad31c5d9d3a2cbc8d5c5ad23a9273143dbd244",
        "663145",
    ),
]


@pytest.mark.parametrize(("gemeentecode", "session_id", "bsn", "mac_hex", "code"), VECTORS)
def test_published_vectors_hold(gemeentecode: str, session_id: UUID, bsn: str, mac_hex: str, code: str) -> None:
    # Given the test key and the published inputs
    message = control_code_message(gemeentecode, session_id, Bsn(bsn))
    # Then the MAC over the message and the code are the published ones
    assert hmac.new(TEST_KEY, message, hashlib.sha256).hexdigest() == mac_hex
    assert ControlCodes(HmacMacKey(TEST_KEY), gemeentecode).for_session(session_id, Bsn(bsn)) == code


def test_the_message_is_versioned_and_made_of_fixed_fields() -> None:
    message = control_code_message("0363", SESSION, Bsn("999993653"))
    assert message == (
        b"legitimatie-beeldbellen/control-code/v1\n0363\nb616a803-917e-467b-bc85-4262f112035c\n999993653"
    )


@pytest.mark.parametrize(
    ("counter", "expected"),
    list(
        enumerate(["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"])
    ),
)
def test_truncation_follows_rfc_4226_appendix_d(counter: int, expected: str) -> None:
    mac = hmac.new(b"12345678901234567890", counter.to_bytes(8, "big"), hashlib.sha1).digest()
    assert hotp_truncate(mac) == expected


def test_each_input_changes_the_code() -> None:
    codes = ControlCodes(HmacMacKey(TEST_KEY), "0363")
    base = codes.for_session(SESSION, Bsn("999993653"))
    assert codes.for_session(SESSION, Bsn("999990019")) != base
    assert codes.for_session(UUID("0b4e7a0e-5d3c-4f7a-9c2e-1f6a8b9d0c1e"), Bsn("999993653")) != base
    assert ControlCodes(HmacMacKey(b"another key" * 3), "0363").for_session(SESSION, Bsn("999993653")) != base


@pytest.mark.parametrize("gemeentecode", ["363", "03630", "abcd", "", "０３６３"])
def test_a_gemeentecode_is_exactly_four_ascii_digits(gemeentecode: str) -> None:
    with pytest.raises(InvalidInput):
        ControlCodes(HmacMacKey(TEST_KEY), gemeentecode)


def test_random_codes_are_six_digits_and_vary() -> None:
    drawn = {random_control_code() for _ in range(200)}
    assert all(len(code) == 6 and code.isdigit() for code in drawn)
    assert len(drawn) > 190


def test_codes_are_compared_exactly() -> None:
    assert codes_equal("012345", "012345")
    assert not codes_equal("012345", "12345")
    assert not codes_equal("012345", "012346")
