"""Settings from the environment (issue 13: frozen msgspec structs instead of pydantic models, same rules)."""

from __future__ import annotations

import pytest

from legitimatie.assurance import LevelOfAssurance
from legitimatie.runtime.delivery_settings import DeliverySettings
from legitimatie.runtime.settings import ConfigurationError
from sessions.wiring import Settings as Both  # the keys, the look-up group and the common settings

GOOD = {
    "TABLE_NAME": "sessions",
    "MUNICIPALITY_NAME": "Voorbeeld",
    "GEMEENTECODE": "0363",
    "MINIMUM_LOA": "midden",
    "SESSION_LIFETIME_MINUTES": "30",
    "SITE_URL": "https://beeldbellen.example.nl",
    "CONTROL_CODE_KEY_ID": "key-1",
    "DATA_KEY_ID": "key-2",
    "PSEUDONYM_KEY_ID": "key-3",
    "UNRELATED": "ignored",
}


def test_a_complete_environment_gives_typed_frozen_settings_with_defaults() -> None:
    settings = Both.from_env(GOOD)
    assert settings.minimum_loa is LevelOfAssurance.MIDDEN
    assert settings.session_lifetime_minutes == 30
    assert settings.staff_lookup_group == "zaak-opzoeken"
    assert settings.policy().session_lifetime.total_seconds() == 1800
    with pytest.raises(AttributeError, match="immutable"):
        settings.table_name = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("TABLE_NAME", None, "TABLE_NAME: is required"),
        ("TABLE_NAME", "ab", "TABLE_NAME: must have at least 3 characters"),
        ("GEMEENTECODE", "363", "GEMEENTECODE: must match"),
        ("MINIMUM_LOA", "heel hoog", "MINIMUM_LOA: Unknown level of assurance"),
        ("SESSION_LIFETIME_MINUTES", "half an hour", "SESSION_LIFETIME_MINUTES: must be a whole number"),
        ("SESSION_LIFETIME_MINUTES", "4", "SESSION_LIFETIME_MINUTES: must be at least 5"),
        ("SESSION_LIFETIME_MINUTES", "121", "SESSION_LIFETIME_MINUTES: must be at most 120"),
        ("SITE_URL", "https://example.nl/path", "SITE_URL: must match"),
        ("PSEUDONYM_KEY_ID", "", "PSEUDONYM_KEY_ID: must have at least 1 characters"),
    ],
)
def test_a_wrong_or_missing_variable_fails_naming_it(name: str, value: str | None, problem: str) -> None:
    environment = {key: item for key, item in GOOD.items() if key != name}
    if value is not None:
        environment[name] = value
    with pytest.raises(ConfigurationError) as raised:
        Both.from_env(environment)
    assert str(raised.value).startswith("Invalid configuration: ")
    assert problem in str(raised.value)


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(ConfigurationError) as raised:
        Both.from_env({**GOOD, "GEMEENTECODE": "x", "DIGID_IGNORED": "y", "TABLE_NAME": "t"})
    assert "GEMEENTECODE" in str(raised.value) and "TABLE_NAME" in str(raised.value)


def test_zgw_mode_needs_its_case_system_settings_and_a_fixed_choice_is_checked() -> None:
    delivery = {**GOOD, "PROOF_BUCKET": "proofs"}
    assert DeliverySettings.from_env(delivery).back_office_mode == "builtin"
    with pytest.raises(ConfigurationError, match="BACK_OFFICE_MODE=zgw needs ZGW_ZAKEN_API"):
        DeliverySettings.from_env({**delivery, "BACK_OFFICE_MODE": "zgw"})
    with pytest.raises(ConfigurationError, match="BACK_OFFICE_MODE: must be one of builtin, zgw"):
        DeliverySettings.from_env({**delivery, "BACK_OFFICE_MODE": "paper"})
    with pytest.raises(ConfigurationError, match="ZGW_READ_TIMEOUT_SECONDS: must be more than 0"):
        DeliverySettings.from_env({**delivery, "ZGW_READ_TIMEOUT_SECONDS": "0"})


def test_a_variable_declared_again_must_keep_its_rules() -> None:
    # Given TABLE_NAME, which every function's settings declare with at least 3 characters
    from legitimatie.runtime.settings import Field

    # When another class would declare it with a looser rule, Then that class is refused when it is defined
    with pytest.raises(TypeError, match="TABLE_NAME is declared again with other rules"):
        Field(alias="TABLE_NAME", min_length=1)
    # and declaring it again the same way is fine
    Field(alias="TABLE_NAME", min_length=3)


def test_the_case_systems_secret_is_never_in_a_repr() -> None:
    # Given the ZGW settings with their JWT signing secret
    from legitimatie.adapters.zgw import ZgwSettings

    secret = "zgw-test-secret-0123456789"
    settings = ZgwSettings(
        zaken_api="https://openzaak.example/zaken/api/v1",
        documenten_api="https://openzaak.example/documenten/api/v1",
        zaaktype="https://openzaak.example/catalogi/api/v1/zaaktypen/1",
        roltype_initiator="https://openzaak.example/catalogi/api/v1/roltypen/1",
        informatieobjecttype="https://openzaak.example/catalogi/api/v1/informatieobjecttypen/1",
        rsin="002220647",
        vertrouwelijkheid="vertrouwelijk",
        client_id="legitimatie",
        secret=secret,
    )
    # Then a repr (a log line, a traceback's locals) shows the settings but not the secret
    assert "legitimatie" in repr(settings) and secret not in repr(settings)
