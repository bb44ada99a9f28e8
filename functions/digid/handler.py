"""DigiD function: login redirect, assertion consumer service (artifact and POST) and SP metadata.

Every resident-facing answer is a redirect to a page of the site (views.py): the result page (with the HttpOnly
result cookie), the start page with the cancel message, or the error page with the reason. Never a stack trace.
Each route parses and calls one step of ``digid.service`` (SAML joined to ``legitimatie.login.digid_services``, where
what a login means is decided); the answer is shaped by ``digid.views``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from digid.saml import Binding, SamlError, sp_metadata
from digid.service import start_login, take_answer
from digid.views import answer_page, auto_post, error_redirect, metadata_page, to_digid
from digid.wiring import wiring
from legitimatie.clock import utc_now
from legitimatie.errors import DomainError, InvalidInput
from legitimatie.login.digid_model import LoginRefused
from legitimatie.login.digid_services import login_failed
from legitimatie.runtime.aws import warm_up
from legitimatie.runtime.cookies import login_cookie, new_login_cookie
from legitimatie.runtime.http import Response, new_resolver
from legitimatie.runtime.observability import audit_trail, counts, logger, observed
from legitimatie.sessions.services import parse_session_id

app = new_resolver()
warm_up("ssm", "secretsmanager")  # each route loads the SAML keys and IdP metadata (legitimatie.runtime.aws)
_BOUNCED = "lbb_bounced"  # marks the POST binding's second, same-site form post (see acs_post)


def error_page(reason: str) -> Response[str]:
    """The resident's error page for ``reason``; the failure is counted and in the audit trail."""
    login_failed(reason, None, audit=audit_trail, metrics=counts)
    return error_redirect(reason)


def _refused(exc: Exception) -> Response[str]:
    """Every refusal ends on the error page; only the kind is logged (texts may echo what the answer said)."""
    if isinstance(exc, LoginRefused):
        logger.info("DigiD login refused", extra={"reason": exc.reason})
        return error_page(exc.reason)
    if isinstance(exc, SamlError):
        logger.warning("DigiD answer refused", extra={"reason": exc.reason})
    elif isinstance(exc, DomainError):
        logger.warning("DigiD step failed", extra={"error": exc.code})
    else:
        logger.exception("Unexpected error in the DigiD function")
    return error_page("error")


for _kind in (LoginRefused, SamlError, DomainError, Exception):
    app.exception_handler(_kind)(_refused)


@app.get("/digid/login")
def login() -> Response[str]:
    raw_session = app.current_event.get_query_string_value("session")
    try:
        session_id = parse_session_id(raw_session) if raw_session else None
    except InvalidInput:
        return error_page("expired")
    started = start_login(session_id, w=wiring(), now=utc_now())
    # The pre-login cookie binds the pending login to this browser: only here can its answer be accepted.
    return to_digid(started.request, [new_login_cookie(started.browser_cookie)])


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
    form = {
        name: values[0] for name, values in parse_qs(app.current_event.decoded_body or "", max_num_fields=10).items()
    }
    saml_response, relay_state = form.get("SAMLResponse"), form.get("RelayState")
    if not saml_response:
        return error_page("error")
    if login_cookie(app.current_event.cookies) is None and _BOUNCED not in form:
        fields = {"SAMLResponse": saml_response, _BOUNCED: "1"} | ({"RelayState": relay_state} if relay_state else {})
        return auto_post("/digid/acs", fields, None)
    return _consume("post", saml_response, relay_state)


def _consume(binding: Binding, payload: str, relay_state: str | None) -> Response[str]:
    cookie = login_cookie(app.current_event.cookies)
    return answer_page(take_answer(binding, payload, relay_state, cookie, w=wiring(), now=utc_now()))


@app.get("/digid/metadata")
def metadata() -> Response[str]:
    return metadata_page(sp_metadata(wiring().sp))


@observed
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
