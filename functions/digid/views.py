"""What the DigiD function answers a browser: redirects to the site's pages, and the one page of its own (a form
the browser posts by itself, for the HTTP-POST binding), and the SP metadata document. No inline script or style
(strict CSP)."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlencode

from digid.saml import AuthnRequest
from legitimatie.login.digid_model import PendingLogin
from legitimatie.login.digid_services import LoginAnswer
from legitimatie.login.model import browser_cookie_value
from legitimatie.runtime.cookies import expired_login_cookie, new_result_cookie
from legitimatie.runtime.http import Response, content_types

__all__ = ["answer_page", "auto_post", "error_redirect", "metadata_page", "redirect", "start_page", "to_digid"]


def redirect(location: str, cookies: list[Any] | None = None) -> Response[str]:
    return Response(
        status_code=303, body="", headers={"Location": location, "Cache-Control": "no-store"}, cookies=cookies
    )


def error_redirect(reason: str, **extra: str) -> Response[str]:
    """The resident's error page (fout.html) for ``reason``: expired, already_used, cancelled, loa_too_low, error."""
    return redirect("/fout.html?" + urlencode({"reden": reason, **extra}))


def start_page(pending: PendingLogin, **params: str) -> str:
    """The resident's start page, for the session the login was for (if any)."""
    if pending.session_id is not None:
        params = {"sessie": str(pending.session_id), **params}
    return "/?" + urlencode(params)


def answer_page(answer: LoginAnswer) -> Response[str]:
    """Where a DigiD answer sends the resident: the result page with the result cookie (the pre-login cookie
    cleared), the start page with the cancel message, or the error page with the reason."""
    pending = answer.login
    if answer.kind == "logged_in" and answer.result is not None and answer.token is not None:
        cookie = browser_cookie_value(answer.result.session_id, answer.token)
        return redirect("/resultaat.html", cookies=[new_result_cookie(cookie), expired_login_cookie()])
    if answer.kind == "cancelled":
        return redirect(start_page(pending, melding="geannuleerd"), [expired_login_cookie()])
    if answer.kind == "loa_too_low":
        # The page names the level and means needed, and offers to try again with the same link while it is valid.
        retry = {"sessie": str(pending.session_id)} if pending.session_id else {}
        return error_redirect("loa_too_low", niveau=pending.required_loa.label, **retry)
    return error_redirect("error")


def to_digid(request: AuthnRequest, cookies: list[Any]) -> Response[str]:
    """The browser on its way to DigiD with the AuthnRequest: a redirect, or a form it posts (HTTP-POST binding)."""
    if request.post_form is not None:
        return auto_post(request.post_form.url, dict(request.post_form.fields), cookies)
    assert request.redirect_url is not None
    return redirect(request.redirect_url, cookies)


def auto_post(url: str, fields: dict[str, str], cookies: list[Any] | None) -> Response[str]:
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


def metadata_page(metadata_xml: bytes) -> Response[str]:
    """Our SP metadata, for DigiD's onboarding (Logius) and any SAML broker; cacheable for an hour."""
    return Response(
        status_code=200,
        content_type="application/samlmetadata+xml",
        body=metadata_xml.decode("utf-8"),
        headers={"Cache-Control": "public, max-age=3600"},
    )
