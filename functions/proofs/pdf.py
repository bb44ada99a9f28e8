"""The proof of authentication as a PDF/A-2b document (fpdf2): A4, Dutch, fonts embedded, sRGB output intent.

Only the proofs function imports this module (fpdf2 and fontTools are heavy for a cold start).
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import DocumentCompliance

from legitimatie.proofs.content import ProofContent
from proofs.labels import proof_lines

__all__ = ["FontsMissing", "font_dir", "render_proof"]

# DejaVu Sans (free licence, see fonts/README.md): bundled by the function's build from the Debian package
# fonts-dejavu-core; on a development machine the system copy is used.
_FONT_DIRS = (Path(__file__).parent / "fonts", Path("/usr/share/fonts/truetype/dejavu"))
_REGULAR, _BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
_INK = (20, 20, 20)
_MUTED = (90, 90, 90)
_ACCENT = (1, 104, 155)  # a deep blue, contrast 6.6:1 on white


class FontsMissing(RuntimeError):
    """The DejaVu Sans files are not where the build puts them."""


def font_dir() -> Path:
    for candidate in _FONT_DIRS:
        if (candidate / _REGULAR).is_file() and (candidate / _BOLD).is_file():
            return candidate
    raise FontsMissing("DejaVu Sans not found: install fonts-dejavu-core or build the function with its fonts.")


_INTRO = (
    "De inwoner heeft zich tijdens een videogesprek met de gemeente geïdentificeerd door in te loggen met DigiD. "
    "De controlecode die alleen deze DigiD-inlog kon opleveren, verbindt de persoon in beeld met die inlog."
)
# A proof of a session the official closed as not identified says so first, in plain words.
_FAILED = (
    "De identificatie is MISLUKT. De inwoner heeft tijdens een videogesprek met de gemeente ingelogd met DigiD, "
    "maar de medewerker heeft de identificatie afgesloten als niet geïdentificeerd. Dit document bewijst niet "
    "wie de persoon in beeld was."
)


def render_proof(content: ProofContent) -> bytes:
    """The proof as PDF/A-2b bytes."""
    request = content.request
    pdf = FPDF(format="A4", unit="mm", enforce_compliance=DocumentCompliance.PDFA_2B)
    fonts = font_dir()
    pdf.add_font("DejaVu", "", str(fonts / _REGULAR))
    pdf.add_font("DejaVu", "B", str(fonts / _BOLD))
    pdf.set_lang("nl-NL")
    pdf.set_title(f"Bewijs van authenticatie - {request.reference}")
    pdf.set_subject("Identificatie met DigiD tijdens beeldbellen")
    pdf.set_author(request.municipality)
    pdf.set_creator("Legitimatie bij beeldbellen")
    pdf.set_creation_date(request.created_at)
    pdf.set_margins(left=22, top=22, right=22)
    pdf.set_auto_page_break(auto=True, margin=22)
    pdf.c_margin = 0  # text starts exactly at the margin, in line with the rules
    pdf.add_page()

    pdf.set_text_color(*_ACCENT)
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 6, request.municipality, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*_INK)
    pdf.set_font("DejaVu", "B", 20)
    pdf.cell(0, 12, "Bewijs van authenticatie", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10.5)
    pdf.set_text_color(*_MUTED)
    pdf.multi_cell(0, 5.5, _INTRO if request.identified else _FAILED, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_draw_color(*_ACCENT)
    pdf.set_line_width(0.6)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(5)

    label_width = 64
    for label, value in proof_lines(content):
        y = pdf.get_y()
        pdf.set_font("DejaVu", "B", 10.5)
        pdf.set_text_color(*_INK)
        pdf.multi_cell(label_width, 6.5, label, new_x="RIGHT", new_y="NEXT")
        label_bottom = pdf.get_y()  # a label of two lines must not run into the next row
        pdf.set_xy(pdf.l_margin + label_width, y)
        pdf.set_font("DejaVu", "", 10.5)
        pdf.multi_cell(0, 6.5, value, new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(pdf.get_y(), label_bottom, y + 6.5) + 1.5)

    pdf.ln(6)
    pdf.set_draw_color(200, 200, 200)
    pdf.set_line_width(0.2)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(3)
    pdf.set_font("DejaVu", "", 8.5)
    pdf.set_text_color(*_MUTED)
    pdf.multi_cell(
        0,
        4.5,
        "Dit document is automatisch opgemaakt door de dienst Legitimatie bij beeldbellen. De SHA-256-hash van dit "
        "bestand staat in het audittrail van de gemeente onder het document-id hierboven. Het BSN staat alleen "
        "op dit bewijs als de zaak het nodig heeft.",
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
