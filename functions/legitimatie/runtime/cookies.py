"""The resident's cookies, all HttpOnly, Secure and SameSite=Lax, each sent only to the path that reads it.

- ``lbb_login`` (pre-login): set when the login starts, read at the assertion consumer service; binds the
  pending login to this browser (login CSRF), lives as long as a pending login.
- ``lbb_result``: the token of the login's result, only sent to the result endpoint.
"""

from __future__ import annotations

from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from ..login import LOGIN_LIFETIME

__all__ = [
    "LOGIN_COOKIE",
    "RESULT_COOKIE",
    "expired_login_cookie",
    "expired_result_cookie",
    "login_cookie",
    "new_login_cookie",
    "new_result_cookie",
    "result_cookie",
]

RESULT_COOKIE = "lbb_result"
LOGIN_COOKIE = "lbb_login"
_RESULT_PATH = "/api/public/result"
_LOGIN_PATH = "/digid"  # the login start and the ACS; nothing else ever sees it


def _cookie(name: str, value: str, path: str, max_age: int) -> Cookie:
    # Lax, not Strict: the cookies must travel on the top-level navigation back from DigiD (another site).
    return Cookie(
        name=name, value=value, path=path, secure=True, http_only=True, same_site=SameSite.LAX_MODE, max_age=max_age
    )


def new_login_cookie(token: str) -> Cookie:
    return _cookie(LOGIN_COOKIE, token, _LOGIN_PATH, int(LOGIN_LIFETIME.total_seconds()))


def expired_login_cookie() -> Cookie:
    return _cookie(LOGIN_COOKIE, "", _LOGIN_PATH, 0)


def new_result_cookie(token: str) -> Cookie:
    return _cookie(RESULT_COOKIE, token, _RESULT_PATH, int(LOGIN_LIFETIME.total_seconds()))


def expired_result_cookie() -> Cookie:
    return _cookie(RESULT_COOKIE, "", _RESULT_PATH, 0)


def result_cookie(cookies: list[str] | None) -> str | None:
    """The result token from HTTP API 2.0's ``cookies`` list (``name=value`` strings)."""
    return _value_of(RESULT_COOKIE, cookies)


def login_cookie(cookies: list[str] | None) -> str | None:
    """The pre-login token from HTTP API 2.0's ``cookies`` list."""
    return _value_of(LOGIN_COOKIE, cookies)


def _value_of(name: str, cookies: list[str] | None) -> str | None:
    for cookie in cookies or []:
        found, _, value = cookie.strip().partition("=")
        if found == name and value:
            return value
    return None
