"""DigiD function: login redirect, assertion consumer service (artifact and POST) and SP metadata.

Every resident-facing answer is a redirect to a page of the site: the result page (with the HttpOnly result
cookie), the start page with the cancel message, or the error page with the reason. Never a stack trace.
"""

from __future__ import annotations

import base64
import html
import os
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlencode

from aws_lambda_powertools.event_handler import Response, content_types

from digid.saml import (
    SamlError,
    build_authn_request,
    read_in_response_to,
    resolve_artifact,
    sp_metadata,
    validate_response,
)
from digid.saml.config import SpConfig
from digid.sp_config import DigidSettings, load_sp_config
from legitimatie.adapters.dynamodb import DynamoDbSessionRepository
from legitimatie.adapters.dynamodb_login import DynamoDbIdentifications, DynamoDbPendingLogins, DynamoDbResidentResults
from legitimatie.adapters.kms import KmsBsnCipher, KmsMacKey
from legitimatie.audit import AuditAction, AuditEvent, Outcome, Pseudonyms
from legitimatie.bsn import Bsn
from legitimatie.clock import utc_now
from legitimatie.control_code import ControlCodes
from legitimatie.errors import DomainError, InvalidInput
from legitimatie.login import DigidAssertion, LoginRefused, PendingLogin, new_relay_state
from legitimatie.login_services import finish_login, plan_login, register_login, take_pending_login
from legitimatie.policy import ServicePolicy
from legitimatie.proof_services import QueuedProofs
from legitimatie.runtime.aws import aws_client
from legitimatie.runtime.cookies import new_result_cookie
from legitimatie.runtime.http import new_resolver
from legitimatie.runtime.observability import audit_trail, logger, metrics, observed
from legitimatie.runtime.proof_settings import ProofOutboxSettings, proof_outbox
from legitimatie.services import parse_session_id

app = new_resolver()


@dataclass(frozen=True)
class Wiring:
    policy: ServicePolicy
    sp: SpConfig
    sessions: DynamoDbSessionRepository
    pending: DynamoDbPendingLogins
    results: DynamoDbResidentResults
    identifications: DynamoDbIdentifications
    codes: ControlCodes
    cipher: KmsBsnCipher
    pseudonyms: Pseudonyms
    proofs: QueuedProofs


@cache
def wiring() -> Wiring:
    settings = DigidSettings.from_env(os.environ)
    dynamodb, kms = aws_client("dynamodb"), aws_client("kms")
    return Wiring(
        policy=settings.policy(),
        sp=load_sp_config(settings, aws_client("ssm"), aws_client("secretsmanager")),
        sessions=DynamoDbSessionRepository(dynamodb, settings.table_name),
        pending=DynamoDbPendingLogins(dynamodb, settings.table_name),
        results=DynamoDbResidentResults(dynamodb, settings.table_name),
        identifications=DynamoDbIdentifications(dynamodb, settings.table_name),
        codes=ControlCodes(KmsMacKey(kms, settings.control_code_key_id), settings.gemeentecode),
        cipher=KmsBsnCipher(kms, settings.data_key_id),
        pseudonyms=Pseudonyms(KmsMacKey(kms, settings.pseudonym_key_id)),
        proofs=proof_outbox(ProofOutboxSettings.from_env(os.environ), dynamodb, aws_client("sqs")),
    )


def redirect(location: str, cookies: list[Any] | None = None) -> Response[str]:
    return Response(
        status_code=303, body="", headers={"Location": location, "Cache-Control": "no-store"}, cookies=cookies
    )


def error_page(reason: str, pending: PendingLogin | None = None, **extra: str) -> Response[str]:
    metrics.add_metric(name=f"DigidLoginFailed_{reason}", unit="Count", value=1)
    _audit_failure(reason, pending)
    return redirect("/fout.html?" + urlencode({"reden": reason, **extra}))


@app.exception_handler(LoginRefused)
def _refused(exc: LoginRefused) -> Response[str]:
    logger.info("DigiD login refused", extra={"reason": exc.reason})
    return error_page(exc.reason)


@app.exception_handler(SamlError)
def _saml_error(exc: SamlError) -> Response[str]:
    logger.warning("DigiD answer refused", extra={"reason": exc.reason})
    return error_page("error")


@app.exception_handler(DomainError)
def _domain_error(exc: DomainError) -> Response[str]:
    logger.warning("DigiD step failed", extra={"error": exc.code})
    return error_page("error")


@app.exception_handler(Exception)
def _unexpected(exc: Exception) -> Response[str]:
    logger.exception("Unexpected error in the DigiD function")
    return error_page("error")


@app.get("/digid/login")
def login() -> Response[str]:
    w, now = wiring(), utc_now()
    raw_session = app.current_event.get_query_string_value("session")
    try:
        session_id = parse_session_id(raw_session) if raw_session else None
    except InvalidInput:
        return error_page("expired")
    plan = plan_login(session_id, policy=w.policy, sessions=w.sessions, now=now)
    relay_state = new_relay_state()
    request = build_authn_request(w.sp, plan.required_loa, plan.force_authn, relay_state)
    register_login(plan, request.request_id, relay_state, pending=w.pending, now=now)
    metrics.add_metric(name="DigidLoginsStarted", unit="Count", value=1)
    audit_trail.record(
        AuditEvent(
            action=AuditAction.DIGID_LOGIN_STARTED,
            session_id=str(plan.session_id) if plan.session_id else None,
            flow=plan.flow.value,
            loa=plan.required_loa.label,
        )
    )
    if request.post_form is not None:
        return _auto_post(request.post_form.url, dict(request.post_form.fields))
    assert request.redirect_url is not None
    return redirect(request.redirect_url)


@app.get("/digid/acs")
def acs_artifact() -> Response[str]:
    artifact = app.current_event.get_query_string_value("SAMLart")
    if not artifact:
        return error_page("error")
    response_xml = resolve_artifact(wiring().sp, artifact)
    return _finish(response_xml, app.current_event.get_query_string_value("RelayState"))


@app.post("/digid/acs")
def acs_post() -> Response[str]:
    """HTTP-POST binding, for brokers in front of DigiD: the same validation as the artifact path."""
    form = parse_qs(app.current_event.decoded_body or "", max_num_fields=10)
    encoded = (form.get("SAMLResponse") or [""])[0]
    try:
        response_xml = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return error_page("error")
    return _finish(response_xml, (form.get("RelayState") or [None])[0])


def _finish(response_xml: str, relay_state: str | None) -> Response[str]:
    w, now = wiring(), utc_now()
    request_id = read_in_response_to(response_xml)
    pending = take_pending_login(request_id, relay_state, pending=w.pending, now=now)
    outcome = validate_response(
        w.sp, response_xml, expected_request_id=pending.request_id, required_loa=pending.required_loa
    )
    if outcome.kind == "cancelled":
        metrics.add_metric(name="DigidLoginCancelled", unit="Count", value=1)
        _audit_failure("cancelled", pending)
        return redirect(_start_page(pending, melding="geannuleerd"))
    if outcome.kind == "loa_too_low":
        return error_page("loa_too_low", pending, niveau=pending.required_loa.label)
    if outcome.kind != "success" or outcome.bsn is None or outcome.loa is None:
        return error_page("error", pending)
    token, result = finish_login(
        pending,
        outcome.bsn,
        outcome.loa,
        policy=w.policy,
        sessions=w.sessions,
        codes=w.codes,
        cipher=w.cipher,
        identifications=w.identifications,
        results=w.results,
        now=now,
        proofs=w.proofs,
        assertion=(
            DigidAssertion(outcome.assertion_id, outcome.authn_instant)
            if outcome.assertion_id and outcome.authn_instant
            else None
        ),
    )
    metrics.add_metric(name=f"Identifications_{result.flow}", unit="Count", value=1)
    # One more KMS call per login, after the login is recorded: a failure here cannot undo the login.
    audit_trail.record(
        AuditEvent(
            action=AuditAction.DIGID_LOGIN_SUCCEEDED,
            session_id=str(pending.session_id) if pending.session_id else None,
            zaak_number=result.zaak_number,
            official_name=result.official_name,
            flow=result.flow,
            loa=outcome.loa.label,
            resident=_pseudonym(w.pseudonyms, outcome.bsn),
        )
    )
    logger.info("DigiD login recorded", extra={"flow": result.flow, "loa": outcome.loa.label})
    return redirect("/resultaat.html", cookies=[new_result_cookie(token)])


def _pseudonym(pseudonyms: Pseudonyms, bsn: Bsn) -> str:
    try:
        return pseudonyms.of(bsn)
    except DomainError:  # KMS unavailable: the login stands; the event says the pseudonym is missing
        logger.warning("Resident pseudonym unavailable for the audit event")
        return "unavailable"


def _audit_failure(reason: str, pending: PendingLogin | None) -> None:
    audit_trail.record(
        AuditEvent(
            action=AuditAction.DIGID_LOGIN_FAILED,
            outcome=Outcome.FAILURE,
            reason=reason,
            session_id=str(pending.session_id) if pending and pending.session_id else None,
            flow=pending.flow if pending else None,
            loa=pending.required_loa.label if pending else None,
        )
    )


def _start_page(pending: PendingLogin, **params: str) -> str:
    if pending.session_id is not None:
        params = {"sessie": str(pending.session_id), **params}
    return "/?" + urlencode(params)


def _auto_post(url: str, fields: dict[str, str]) -> Response[str]:
    """HTTP-POST binding for the AuthnRequest: a form the browser submits (script from a file: CSP)."""
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
        for name, value in fields.items()
    )
    page = (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Doorsturen naar DigiD</title>'
        '<script src="/assets/autopost.js" defer></script></head><body>'
        f'<form id="digid-post" method="post" action="{html.escape(url)}">{inputs}'
        '<p>U wordt doorgestuurd naar DigiD.</p><button type="submit">Verder naar DigiD</button></form>'
        "</body></html>"
    )
    return Response(
        status_code=200, content_type=content_types.TEXT_HTML, body=page, headers={"Cache-Control": "no-store"}
    )


@app.get("/digid/metadata")
def metadata() -> Response[str]:
    return Response(
        status_code=200,
        content_type="application/samlmetadata+xml",
        body=sp_metadata(wiring().sp).decode("utf-8"),
        headers={"Cache-Control": "public, max-age=3600"},
    )


@observed
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
