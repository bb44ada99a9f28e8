"""One base per kind of domain error, and one table from kind to HTTP status (issue 12)."""

from __future__ import annotations

import legitimatie.errors as errors
import legitimatie.login.digid_model  # noqa: F401 - LoginRefused lives there
from legitimatie.runtime import http


def _all_subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_all_subclasses(sub)}
    return found


def test_every_domain_error_is_of_exactly_one_kind() -> None:
    concrete = _all_subclasses(errors.DomainError) - set(errors.KINDS)
    kinds_of = {cls.__name__: [kind.__name__ for kind in errors.KINDS if issubclass(cls, kind)] for cls in concrete}
    assert {name: kinds for name, kinds in kinds_of.items() if len(kinds) != 1} == {}


def test_every_kind_has_one_status_and_the_contract_holds() -> None:
    statuses = {kind.__name__: http.status_of(kind("m")) for kind in errors.KINDS}
    assert statuses == {
        "InvalidInput": 422,
        "NotFound": 404,
        "Expired": 404,
        "Conflict": 409,
        "Locked": 423,
        "Forbidden": 403,
        "Unavailable": 503,
    }
    assert http.status_of(http.BadRequest("m")) == 400
    assert http.status_of(errors.SessionExpired("m")) == 404 and errors.SessionExpired.code == "session_expired"
    assert http.status_of(errors.InvalidCaseNumber("m")) == 422
    assert http.status_of(errors.ProofNotFound("m")) == 404
