"""What the proof PDF says, in Dutch: the (label, value) rows of a proof, and Dutch local times.

The labels belong to the document, not to the domain: the domain's ``ProofContent`` is what the proof is about;
this module words it. No fpdf2 here, so tests and tools can read the rows without the PDF library.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from legitimatie.flow import Flow
from legitimatie.proofs.content import CodeCheck, ProofContent

__all__ = ["dutch_time", "proof_lines"]


def proof_lines(content: ProofContent) -> list[tuple[str, str]]:
    """(label, value) pairs in Dutch, in reading order."""
    r = content.request
    flows = {
        Flow.NEW_RESIDENT: "A - nieuwe inwoner (BSN nog niet bekend)",
        Flow.KNOWN_BSN: "B - BSN bekend bij de medewerker",
        Flow.HANDOVER: "C - overdracht met naam van de medewerker",
    }
    checks = {
        CodeCheck.MATCH: "Code gecontroleerd: komt overeen",
        CodeCheck.NOT_CHECKED: "Niet gecontroleerd in deze dienst",
        CodeCheck.SHOWN_TO_RESIDENT: "Code getoond aan inwoner met het zaaknummer",
        CodeCheck.NO_MATCH: "Gecontroleerd: komt NIET overeen",
    }
    rows = [("Uitkomst", "Geïdentificeerd" if r.identified else "NIET geïdentificeerd: de identificatie is mislukt")]
    if not r.identified and r.reason:
        rows.append(("Reden", r.reason))
    rows += [("Gemeente", r.municipality), ("Route", flows[r.flow])]
    if r.zaak_number:
        rows.append(("Zaaknummer", r.zaak_number))
    if r.session_id:
        rows.append(("Sessie", str(r.session_id)))
    if r.zaak_url:
        rows.append(("Zaak", r.zaak_url))
    rows += [
        ("Ingelogd met DigiD op", dutch_time(r.login_at)),
        ("Betrouwbaarheidsniveau", f"DigiD {r.loa.label.capitalize()}"),
    ]
    if r.digid_authn_instant:
        rows.append(("DigiD AuthnInstant", dutch_time(r.digid_authn_instant)))
    if r.digid_assertion_id:
        rows.append(("DigiD assertion-ID", r.digid_assertion_id))
    if r.official_name:
        rows.append(("Behandelend medewerker", r.official_name))
    rows.append(("Controlecode", checks[r.code_check]))
    if r.checked_at:
        rows.append(("Gecontroleerd op", dutch_time(r.checked_at)))
    if content.bsn is not None:
        rows.append(("BSN", content.bsn.digits))
    rows += [("Document-id", str(r.document_id)), ("Opgemaakt op", dutch_time(r.created_at))]
    return rows


_MONTHS = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]


def dutch_time(moment: datetime) -> str:
    """``28 november 2026, 21:15:03 (UTC+01:00)``: Dutch local time, as the official's screen shows it, with its
    offset, so a reader anywhere can still tell the exact moment (summer time gives +02:00).

    Looked up when a proof is rendered (the proofs function, which bundles ``tzdata``), not at import: every
    function imports this module, and the Lambda image has no system time zone database."""
    local = moment.astimezone(ZoneInfo("Europe/Amsterdam"))
    offset = local.strftime("%z")
    return f"{local.day} {_MONTHS[local.month - 1]} {local.year}, {local:%H:%M:%S} (UTC{offset[:3]}:{offset[3:]})"
