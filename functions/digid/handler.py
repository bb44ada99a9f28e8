"""DigiD function: login redirect, assertion consumer service and SP metadata (SAML 2.0, artifact binding)."""

from __future__ import annotations

from typing import Any

from legitimatie.runtime.http import error_response, new_resolver
from legitimatie.runtime.observability import observed

app = new_resolver()


@app.get("/digid/.+")
@app.post("/digid/.+")
def not_yet() -> Any:
    return error_response(501, "not_implemented", "DigiD login is not available yet in this version.")


@observed
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
