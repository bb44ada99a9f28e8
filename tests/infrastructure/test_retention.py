"""docs/privacy/retention.yaml is the one list of stores and retention periods: this keeps it true.

Every log group, bucket, table, queue and user pool of template.yaml and infrastructure/deploy/waf.yaml must be
listed, and each period listed must be what the template configures (TTL, PITR window, lifecycle rules, log
retention, queue retention). The privacy statement and the DPIA quote these periods.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from samtranslator.yaml_helper import yaml_parse

REPO_ROOT = Path(__file__).resolve().parents[2]
REGISTER = REPO_ROOT / "docs" / "privacy" / "retention.yaml"
TEMPLATES = ("template.yaml", "infrastructure/deploy/waf.yaml")
STORE_TYPES = {
    "AWS::Logs::LogGroup": "log_group",
    "AWS::S3::Bucket": "bucket",
    "AWS::DynamoDB::Table": "table",
    "AWS::SQS::Queue": "queue",
    "AWS::Cognito::UserPool": "until_removed",
}

Template = dict[str, Any]


def load_template(name: str) -> Template:
    return yaml_parse((REPO_ROOT / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def register() -> list[dict[str, Any]]:
    return list(yaml.safe_load(REGISTER.read_text(encoding="utf-8"))["stores"])


def entries() -> list[dict[str, Any]]:
    return register()


def test_every_store_of_the_templates_is_in_the_register_and_nothing_else() -> None:
    # Given the stores the templates create
    in_templates = {
        (name, logical_id, STORE_TYPES[resource["Type"]])
        for name in TEMPLATES
        for logical_id, resource in load_template(name)["Resources"].items()
        if resource["Type"] in STORE_TYPES
    }
    # When we read the register
    listed = {(entry["template"], entry["store"], entry["kind"]) for entry in register()}
    # Then both name the same stores, each with what it holds
    assert listed == in_templates
    assert all(len(entry["holds"]) > 20 for entry in register())


def _days(template: Template, value: Any, retention: dict[str, Any]) -> None:
    """A period is the named parameter with the stated default, or the stated literal."""
    if "parameter" in retention:
        assert value == {"Ref": retention["parameter"]}
        assert int(template["Parameters"][retention["parameter"]]["Default"]) == retention["default_days"]
    else:
        assert value == retention["days"]


@pytest.mark.parametrize("entry", entries(), ids=lambda entry: entry["store"])
def test_the_register_states_what_the_template_configures(entry: dict[str, Any]) -> None:
    template = load_template(entry["template"])
    properties = template["Resources"][entry["store"]].get("Properties", {})
    retention = entry["retention"]
    kind = entry["kind"]
    if kind == "log_group":
        _days(template, properties["RetentionInDays"], retention)
    elif kind == "table":
        assert properties["TimeToLiveSpecification"] == {"AttributeName": retention["ttl_attribute"], "Enabled": True}
        pitr = properties["PointInTimeRecoverySpecification"]
        assert pitr["PointInTimeRecoveryEnabled"] is True
        assert pitr["RecoveryPeriodInDays"] == retention["pitr_days"]
    elif kind == "bucket":
        rules = [rule for rule in properties["LifecycleConfiguration"]["Rules"] if rule["Status"] == "Enabled"]
        expiring = [rule["ExpirationInDays"] for rule in rules if "ExpirationInDays" in rule]
        if retention.get("current") == "keep":
            assert expiring == []
        else:
            assert len(expiring) == 1
            _days(template, expiring[0], retention)
        noncurrent = [
            rule["NoncurrentVersionExpiration"]["NoncurrentDays"]
            for rule in rules
            if "NoncurrentVersionExpiration" in rule
        ]
        assert noncurrent == [retention["noncurrent_days"]]
        assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    elif kind == "queue":
        assert properties["MessageRetentionPeriod"] == retention["seconds"]
    else:
        assert kind == "until_removed" and retention["who"]


def test_the_record_lifetimes_the_register_names_are_the_templates_defaults() -> None:
    # The items of the session table expire by settings whose defaults the register (and the statement) quote
    parameters = load_template("template.yaml")["Parameters"]
    [table] = [entry for entry in register() if entry["store"] == "SessionTable"]
    records = table["records"]
    assert f"(default {parameters['SessionLifetimeMinutes']['Default']} minutes)" in records["session"]
    assert f"(default {parameters['SessionLifetimeMinutes']['Default']} minutes)" in records["identification (flow A)"]
    assert f"(default {parameters['ProofRetentionDays']['Default']} days)" in records["proof delivery record"]


def test_the_functions_fall_back_to_the_same_proof_retention_as_the_template() -> None:
    import msgspec

    from legitimatie.runtime.proof_settings import ProofOutboxSettings

    parameters = load_template("template.yaml")["Parameters"]
    [field] = [f for f in msgspec.structs.fields(ProofOutboxSettings) if f.name == "proof_retention_days"]
    assert field.default == parameters["ProofRetentionDays"]["Default"]


def test_the_privacy_statement_quotes_the_registers_periods() -> None:
    # The resident reads the periods in the statement's texts (NL and EN): they must be the register's
    texts = {
        lang: (REPO_ROOT / "static_site" / "assets" / "i18n" / f"{lang}.js").read_text(encoding="utf-8")
        for lang in ("nl", "en")
    }
    [audit] = [entry for entry in register() if entry["store"] == "AuditLogGroup"]
    [proofs] = [entry for entry in register() if entry["store"] == "ProofBucket"]
    [table] = [entry for entry in register() if entry["store"] == "SessionTable"]
    days = {"nl": ("dagen", "dag"), "en": ("days", "day")}
    for lang, text in texts.items():
        plural, singular = days[lang]
        assert f"{audit['retention']['default_days']} {plural}" in text
        assert f"{proofs['retention']['default_days']} {plural}" in text
        pitr = table["retention"]["pitr_days"]
        assert f"{pitr} {singular if pitr == 1 else plural}" in text
