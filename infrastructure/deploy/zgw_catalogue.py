"""The deployment's smoke test of the ZGW catalogue: run it after `make deploy` in zgw mode, before going live.

    ZGW_ZAKEN_API=... ZGW_DOCUMENTEN_API=... ZGW_ZAAKTYPE=... ZGW_ROLTYPE_INITIATOR=... \\
    ZGW_INFORMATIEOBJECTTYPE=... ZGW_STATUSTYPE=... [ZGW_RESULTAATTYPE=...] ZGW_RSIN=... \\
    ZGW_CLIENT_ID=... ZGW_CLIENT_SECRET=... .venv/bin/python -m infrastructure.deploy.zgw_catalogue

The same values as the stack's Zgw* parameters and its ZGW secret. Checks the RSIN's elfproef and that the
zaaktype, roltype, informatieobjecttype and status (result) types are published and linked; exits 1 with what
to fix. The proofs function runs the same check before its first delivery (functions/proofs/handler.py).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

sys.path.insert(0, "functions")

from legitimatie.adapters.zgw import CaseSystemError, ZgwCaseSystem, ZgwSettings
from legitimatie.bsn import passes_elfproef

REQUIRED = (
    "ZGW_ZAKEN_API",
    "ZGW_DOCUMENTEN_API",
    "ZGW_ZAAKTYPE",
    "ZGW_ROLTYPE_INITIATOR",
    "ZGW_INFORMATIEOBJECTTYPE",
    "ZGW_STATUSTYPE",
    "ZGW_RSIN",
    "ZGW_CLIENT_ID",
    "ZGW_CLIENT_SECRET",
)


def check(env: Mapping[str, str]) -> str | None:
    """None when the catalogue is ready, else what to fix."""
    missing = [name for name in REQUIRED if not env.get(name)]
    if missing:
        return f"Set {', '.join(missing)}."
    if not passes_elfproef(env["ZGW_RSIN"]):
        return "ZGW_RSIN is not a valid RSIN (nine digits, elfproef)."
    settings = ZgwSettings(
        zaken_api=env["ZGW_ZAKEN_API"],
        documenten_api=env["ZGW_DOCUMENTEN_API"],
        zaaktype=env["ZGW_ZAAKTYPE"],
        roltype_initiator=env["ZGW_ROLTYPE_INITIATOR"],
        informatieobjecttype=env["ZGW_INFORMATIEOBJECTTYPE"],
        rsin=env["ZGW_RSIN"],
        vertrouwelijkheid="vertrouwelijk",
        client_id=env["ZGW_CLIENT_ID"],
        secret=env["ZGW_CLIENT_SECRET"],
        statustype=env["ZGW_STATUSTYPE"],
        resultaattype=env.get("ZGW_RESULTAATTYPE", ""),
    )
    try:
        ZgwCaseSystem(settings).check_catalogue()
    except CaseSystemError as exc:
        return exc.message
    return None


def main() -> None:
    problem = check(os.environ)
    if problem:
        sys.exit(f"FAIL  {problem}")
    print("ok    the ZGW catalogue is published and linked")


if __name__ == "__main__":
    main()
