"""The simulator's HTML: a plain, accessible login page and an error page. No scripts, no inline styles."""

from __future__ import annotations

from html import escape
from typing import Final

from .idp import LEVELS, LoginRequest

__all__ = ["STYLESHEET", "TEST_BSNS", "error_page", "login_page"]

TEST_BSNS: Final = ("999993653", "999990019", "999991772")  # elfproef-valid numbers from the test range

STYLESHEET: Final = """\
body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
.banner { background: #fff3cd; border: 2px solid #8a6d00; padding: .5rem 1rem; }
.error { color: #a00; font-weight: bold; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dt { font-weight: bold; }
label { display: block; margin-top: 1rem; font-weight: bold; }
input, select, button { font-size: 1rem; padding: .4rem; }
.actions { margin-top: 1.5rem; display: flex; gap: 1rem; }
"""

_LABELS: Final = {"basis": "Basis", "midden": "Midden", "substantieel": "Substantieel (ID-check)", "hoog": "Hoog"}


def login_page(form_action: str, token: str, login: LoginRequest, *, error: str | None = None) -> str:
    """The form where a tester picks a BSN and a level of assurance, or cancels."""
    request_facts = "".join(
        f"<dt>{escape(term)}</dt><dd>{escape(value)}</dd>"
        for term, value in (
            ("Dienstverlener (issuer)", login.sp_entity_id),
            ("Gevraagd niveau (minimum)", _LABELS[login.requested_level]),
            ("Request ID", login.request_id),
            ("ForceAuthn", "ja" if login.force_authn else "nee"),
        )
    )
    options = "".join(
        f'<option value="{level}"{" selected" if level == login.requested_level else ""}>{_LABELS[level]}</option>'
        for level in LEVELS
    )
    suggestions = "".join(f'<option value="{bsn}"></option>' for bsn in TEST_BSNS)
    error_html = f'<p class="error" id="bsn-error" role="alert">{escape(error)}</p>' if error else ""
    described_by = ' aria-describedby="bsn-error" aria-invalid="true"' if error else ""
    body = f"""
<p class="banner">Dit is een simulator voor tests. Er wordt niet echt ingelogd. / This is a test simulator.</p>
<h1>Inloggen met DigiD (simulator)</h1>
<h2>Het verzoek</h2>
<dl>{request_facts}</dl>
<form method="post" action="{escape(form_action)}">
  <input type="hidden" name="token" value="{escape(token)}">
  {error_html}
  <label for="bsn">Burgerservicenummer (BSN)</label>
  <input id="bsn" name="bsn" inputmode="numeric" autocomplete="off" list="test-bsns"{described_by}>
  <datalist id="test-bsns">{suggestions}</datalist>
  <p>Test-BSN's: {", ".join(TEST_BSNS)}</p>
  <label for="loa">Betrouwbaarheidsniveau</label>
  <select id="loa" name="loa">{options}</select>
  <div class="actions">
    <button type="submit" name="action" value="login">Inloggen</button>
    <button type="submit" name="action" value="cancel">Annuleren</button>
  </div>
</form>"""
    return _document(body)


def error_page(title: str, explanation: str) -> str:
    """An error the simulator shows instead of going back to the SP (as DigiD does for a bad request)."""
    return _document(f"<h1>{escape(title)}</h1><p>{escape(explanation)}</p>")


def _document(body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>DigiD simulator (test)</title>
<link rel="stylesheet" href="/simulator.css">
</head>
<body>
<main>{body}
</main>
</body>
</html>
"""
