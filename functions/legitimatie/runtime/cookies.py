"""The resident's result cookie: HttpOnly, Secure, SameSite=Lax, only sent to the result endpoint."""

from __future__ import annotations

from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from ..login import LOGIN_LIFETIME

__all__ = ["RESULT_COOKIE", "expired_result_cookie", "new_result_cookie", "result_cookie"]

RESULT_COOKIE = "lbb_result"
_PATH = "/api/public/result"


def new_result_cookie(token: str) -> Cookie:
    # Lax, not Strict: the cookie is set on the redirect that ends DigiD's cross-site navigation.
    return Cookie(
        name=RESULT_COOKIE,
        value=token,
        path=_PATH,
        secure=True,
        http_only=True,
        same_site=SameSite.LAX_MODE,
        max_age=int(LOGIN_LIFETIME.total_seconds()),
    )


def expired_result_cookie() -> Cookie:
    return Cookie(
        name=RESULT_COOKIE, value="", path=_PATH, secure=True, http_only=True, same_site=SameSite.LAX_MODE, max_age=0
    )


def result_cookie(cookies: list[str] | None) -> str | None:
    """The token from HTTP API 2.0's ``cookies`` list (``name=value`` strings)."""
    for cookie in cookies or []:
        name, _, value = cookie.strip().partition("=")
        if name == RESULT_COOKIE and value:
            return value
    return None
