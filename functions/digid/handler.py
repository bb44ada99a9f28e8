"""DigiD function: login redirect, assertion consumer service (artifact and POST) and SP metadata.

Every resident-facing answer is a redirect to a page of the site: the result page (with the HttpOnly result
cookie), the start page with the cancel message, or the error page with the reason. Never a stack trace.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlencode

from digid.saml import Binding, DigidOutcome, SamlError, build_authn_request, consume, sp_metadata
from digid.saml.config import SpConfig
from digid.sp_config import DigidSettings, load_sp_config
from legitimatie.adapters.dynamodb import DynamoDbSessionRepository
from legitimatie.adapters.dynamodb_login import DynamoDbIdentifications, DynamoDbPendingLogins
from legitimatie.adapters.kms import KmsBsnCipher, KmsMacKey
from legitimatie.assurance import LevelOfAssurance
from legitimatie.audit import Pseudonyms
from legitimatie.bsn import Bsn
from legitimatie.clock import utc_now
from legitimatie.errors import DomainError, InvalidInput
from legitimatie.login.model import (
    DigidAssertion,
    LoginRefused,
    PendingLogin,
    browser_cookie_value,
    new_browser_token,
    new_relay_state,
    parse_browser_cookie,
)
from legitimatie.login.services import (
    find_pending_login,
    finish_login,
    login_below_level,
    login_cancelled,
    login_failed,
    plan_login,
    register_login,
    take_pending_login,
)
from legitimatie.policy import ServicePolicy
from legitimatie.runtime.aws import aws_client
from legitimatie.runtime.cookies import expired_login_cookie, login_cookie, new_login_cookie, new_result_cookie
from legitimatie.runtime.http import Response, content_types, new_resolver
from legitimatie.runtime.observability import audit_trail, counts, logger, observed
from legitimatie.sessions.control_code import ControlCodes
from legitimatie.sessions.services import parse_session_id

app = new_resolver()
_BOUNCED = "lbb_bounced"  # marks the POST binding's second, same-site form post (see acs_post)


@dataclass(frozen=True)
class Wiring:
    policy: ServicePolicy
    sp: SpConfig
    sessions: DynamoDbSessionRepository
    pending: DynamoDbPendingLogins
    identifications: DynamoDbIdentifications
    codes: ControlCodes
    cipher: KmsBsnCipher
    pseudonyms: Pseudonyms


@cache
def wiring() -> Wiring:
    settings = DigidSettings.from_env(os.environ)
    dynamodb, kms = aws_client("dynamodb"), aws_client("kms")
    return Wiring(
        policy=settings.policy(),
        sp=load_sp_config(settings, aws_client("ssm"), aws_client("secretsmanager")),
        sessions=DynamoDbSessionRepository(dynamodb, settings.table_name),
        pending=DynamoDbPendingLogins(dynamodb, settings.table_name),
        identifications=DynamoDbIdentifications(dynamodb, settings.table_name),
        codes=ControlCodes(KmsMacKey(kms, settings.control_code_key_id), settings.gemeentecode),
        cipher=KmsBsnCipher(kms, settings.data_key_id),
        pseudonyms=Pseudonyms(KmsMacKey(kms, settings.pseudonym_key_id)),
    )


def redirect(location: str, cookies: list[Any] | None = None) -> Response[str]:
    return Response(
        status_code=303, body="", headers={"Location": location, "Cache-Control": "no-store"}, cookies=cookies
    )


def error_page(reason: str, pending: PendingLogin | None = None, **extra: str) -> Response[str]:
    login_failed(reason, pending, audit=audit_trail, metrics=counts)
    return _error_redirect(reason, **extra)


def _error_redirect(reason: str, **extra: str) -> Response[str]:
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
    relay_state, browser_token = new_relay_state(), new_browser_token()
    request = build_authn_request(w.sp, plan.required_loa, plan.force_authn, relay_state)
    register_login(
        plan,
        request.request_id,
        relay_state,
        browser_token,
        pending=w.pending,
        audit=audit_trail,
        metrics=counts,
        now=now,
    )
    # The pre-login cookie binds the pending login to this browser: only here can its answer be accepted.
    cookies = [new_login_cookie(browser_cookie_value(plan.session_id, browser_token))]
    if request.post_form is not None:
        return _auto_post(request.post_form.url, dict(request.post_form.fields), cookies)
    assert request.redirect_url is not None
    return redirect(request.redirect_url, cookies)


@app.get("/digid/acs")
def acs_artifact() -> Response[str]:
    """HTTP-Artifact binding: how DigiD answers."""
    artifact = app.current_event.get_query_string_value("SAMLart")
    if not artifact:
        return error_page("error")
    return _consume("artifact", artifact, app.current_event.get_query_string_value("RelayState"))


@app.post("/digid/acs")
def acs_post() -> Response[str]:
    """HTTP-POST binding, for a municipality behind a SAML broker; off unless DIGID_POST_BINDING is enabled.

    The broker's page posts cross-site, and a SameSite=Lax cookie does not travel on a cross-site POST; so a post
    without the pre-login cookie is posted once more by a page of our own (same-site), which brings the cookie.
    The answer is still only accepted in the browser that started the login.
    """
    if not wiring().sp.accept_post_binding:
        logger.warning("DigiD answer by POST refused: the POST binding is turned off")
        return error_page("error")
    form = parse_qs(app.current_event.decoded_body or "", max_num_fields=10)
    saml_response, relay_state = _field(form, "SAMLResponse"), _field(form, "RelayState")
    if not saml_response:
        return error_page("error")
    if login_cookie(app.current_event.cookies) is None and _field(form, _BOUNCED) is None:
        fields = {"SAMLResponse": saml_response, _BOUNCED: "1"} | ({"RelayState": relay_state} if relay_state else {})
        return _auto_post("/digid/acs", fields, None)
    return _consume("post", saml_response, relay_state)


def _field(form: dict[str, list[str]], name: str) -> str | None:
    values = form.get(name)
    return values[0] if values else None


def _consume(binding: Binding, payload: str, relay_state: str | None) -> Response[str]:
    """Both bindings: one validation path, and the pending login used up only once the answer is proven genuine."""
    w, now = wiring(), utc_now()
    session_id, browser_token = parse_browser_cookie(login_cookie(app.current_event.cookies))

    def expect(request_id: str | None) -> PendingLogin:
        return find_pending_login(
            request_id, relay_state, browser_token, pending=w.pending, now=now, session_id=session_id
        )

    found, outcome = consume(w.sp, binding, payload, expect=expect)
    if outcome.kind == "success" and outcome.bsn is not None and outcome.loa is not None:
        return _logged_in(w, found, outcome.bsn, outcome.loa, outcome, now)
    pending = take_pending_login(found, pending=w.pending, now=now)
    if outcome.kind == "cancelled":
        login_cancelled(pending, sessions=w.sessions, audit=audit_trail, metrics=counts, now=now)
        return redirect(_start_page(pending, melding="geannuleerd"), [expired_login_cookie()])
    if outcome.kind == "loa_too_low":
        login_below_level(pending, sessions=w.sessions, audit=audit_trail, metrics=counts, now=now)
        # The page names the level and means needed, and offers to try again with the same link while it is valid.
        retry = {"sessie": str(pending.session_id)} if pending.session_id else {}
        return redirect(
            "/fout.html?" + urlencode({"reden": "loa_too_low", "niveau": pending.required_loa.label, **retry})
        )
    return error_page("error", pending)


def _logged_in(
    w: Wiring, pending: PendingLogin, bsn: Bsn, loa: LevelOfAssurance, outcome: DigidOutcome, now: datetime
) -> Response[str]:
    """A genuine answer that logs the resident in: one conditional write records the login and its result and
    uses up the pending login. Refused (level, link used or expired): the pending login is used up all the same."""
    assertion = (
        DigidAssertion(outcome.assertion_id, outcome.authn_instant)
        if outcome.assertion_id and outcome.authn_instant
        else None
    )
    token, result = finish_login(
        pending,
        bsn,
        loa,
        policy=w.policy,
        sessions=w.sessions,
        codes=w.codes,
        cipher=w.cipher,
        identifications=w.identifications,
        pending=w.pending,
        pseudonyms=w.pseudonyms,
        audit=audit_trail,
        metrics=counts,
        now=now,
        assertion=assertion,
    )
    logger.info("DigiD login recorded", extra={"flow": result.flow, "loa": loa.label})
    cookie = browser_cookie_value(result.session_id, token)
    return redirect("/resultaat.html", cookies=[new_result_cookie(cookie), expired_login_cookie()])


def _start_page(pending: PendingLogin, **params: str) -> str:
    if pending.session_id is not None:
        params = {"sessie": str(pending.session_id), **params}
    return "/?" + urlencode(params)


def _auto_post(url: str, fields: dict[str, str], cookies: list[Any] | None) -> Response[str]:
    """A form the browser submits (script from a file: CSP): the AuthnRequest by HTTP-POST, or a POSTed answer
    once more from our own origin."""
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
        for name, value in fields.items()
    )
    page = (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Doorsturen</title>'
        '<script src="/assets/autopost.js" defer></script></head><body>'
        f'<form id="digid-post" method="post" action="{html.escape(url)}">{inputs}'
        '<p>U wordt doorgestuurd.</p><button type="submit">Verder</button></form>'
        "</body></html>"
    )
    return Response(
        status_code=200,
        content_type=content_types.TEXT_HTML,
        body=page,
        headers={"Cache-Control": "no-store"},
        cookies=cookies,
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
