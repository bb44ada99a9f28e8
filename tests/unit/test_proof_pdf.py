"""The proof PDF: PDF/A-2b markers, embedded fonts, Dutch text, and a PNG for a person to look at.

The PNGs land in test-artifacts/proofs/ (not committed): open them to see what an official downloads.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest
from msgspec.structs import replace

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("fpdf")

import proofs.pdf as pdf_module  # noqa: E402
from legitimatie.adapters.sqs import proof_message, proof_request  # noqa: E402
from legitimatie.assurance import LevelOfAssurance  # noqa: E402
from legitimatie.bsn import Bsn  # noqa: E402
from legitimatie.flow import Flow  # noqa: E402
from legitimatie.proofs.content import CodeCheck, ProofContent, ProofOutcome, ProofRequest  # noqa: E402
from proofs.labels import proof_lines  # noqa: E402
from proofs.pdf import font_dir, render_proof  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "proofs"
BSN = Bsn("999993653")

FLOW_A = ProofRequest(
    document_id=UUID("3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b"),
    flow=Flow.NEW_RESIDENT,
    municipality="Gemeente Voorbeeld",
    created_at=datetime(2026, 11, 28, 14, 7, 31, tzinfo=UTC),
    login_at=datetime(2026, 11, 28, 14, 7, 12, tzinfo=UTC),
    loa=LevelOfAssurance.SUBSTANTIEEL,
    code_check=CodeCheck.SHOWN_TO_RESIDENT,
    control_code="358974",
    zaak_number="2026-00042",
    digid_assertion_id="_4c1f0e5a9b7d4e2f8a6c3b1d0e9f8a7b",
    digid_authn_instant=datetime(2026, 11, 28, 14, 7, 10, tzinfo=UTC),
)
FLOW_C = ProofRequest(
    document_id=UUID("9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"),
    flow=Flow.HANDOVER,
    municipality="Gemeente Voorbeeld",
    created_at=datetime(2026, 11, 28, 15, 2, 0, tzinfo=UTC),
    login_at=datetime(2026, 11, 28, 14, 58, 40, tzinfo=UTC),
    loa=LevelOfAssurance.MIDDEN,
    code_check=CodeCheck.MATCH,
    checked_at=datetime(2026, 11, 28, 15, 1, 5, tzinfo=UTC),
    session_id=UUID("0b6f2a7e-1c3d-4e5f-8a9b-7c6d5e4f3a2b"),
    official_id="sub-1",
    official_name="Dorien Dorknoper-van der Schaaf",
    zaak_url="https://openzaak.voorbeeld.nl/zaken/api/v1/zaken/4a1c0f3e-8b2d-4c6e-9f1a-2b3c4d5e6f70",
)
# A summer session the official closed as not identified (issue 11 adds that outcome to sessions)
FLOW_B_NOT_IDENTIFIED = ProofRequest(
    document_id=UUID("5e4f3a2b-1c0d-4e9f-8a7b-6c5d4e3f2a1b"),
    flow=Flow.KNOWN_BSN,
    municipality="Gemeente Voorbeeld",
    created_at=datetime(2026, 7, 14, 9, 31, 0, tzinfo=UTC),
    login_at=datetime(2026, 7, 14, 9, 28, 45, tzinfo=UTC),
    loa=LevelOfAssurance.MIDDEN,
    code_check=CodeCheck.NOT_CHECKED,
    session_id=UUID("7d6c5b4a-3e2f-4a1b-8c9d-0e1f2a3b4c5d"),
    official_id="sub-2",
    official_name="P. de Vries",
    outcome=ProofOutcome.NOT_IDENTIFIED,
    digid_assertion_id="_9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b",
    digid_authn_instant=datetime(2026, 7, 14, 9, 28, 44, tzinfo=UTC),
)


REPO = Path(__file__).resolve().parents[2]
SYSTEM_FONTS = Path("/usr/share/fonts/truetype/dejavu")
# Names in the scripts the fonts keep (functions/proofs/fonts/unicodes.txt): each must survive the cut.
NAMES = (
    "Łukasz Wiśniewski",
    "Şükrü Öztürk",
    "Nguyễn Thị Ánh",
    "Αλέξανδρος Παπαδόπουλος",
    "Юлия Иванова",
    "Seán Ó Dálaigh",
)


@pytest.fixture(scope="module")
def fonts_present(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The fonts as the delivery function ships them: DejaVu Sans cut down by the build's own make target."""
    if not (SYSTEM_FONTS / "DejaVuSans-Bold.ttf").is_file():
        pytest.skip("DejaVu Sans missing (make test installs fonts-dejavu-core)")
    shipped = tmp_path_factory.mktemp("fonts")
    subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-C",
            str(REPO / "functions"),
            "proof-fonts",
            f"DEJAVU_DIR={SYSTEM_FONTS}",
            f"PROOF_FONTS_DIR={shipped}",
            "FONT_TOOLS_PATH=",
            f"BYTECODE_PYTHON={sys.executable}",
        ],
        check=True,
        capture_output=True,
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf_module, "_FONT_DIRS", (shipped,))
        assert font_dir() == shipped
        yield shipped


def _pdf(request: ProofRequest, bsn: Bsn | None) -> bytes:
    return render_proof(ProofContent(request=request, bsn=bsn))


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_the_proof_declares_pdf_a_2b_in_its_xmp_metadata(fonts_present: Path) -> None:
    reader = pypdf.PdfReader(io.BytesIO(_pdf(FLOW_A, BSN)))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert "<pdfaid:part>2</pdfaid:part>" in xmp or 'pdfaid:part="2"' in xmp
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in xmp or 'pdfaid:conformance="B"' in xmp


def test_the_proof_has_an_srgb_output_intent_with_an_icc_profile(fonts_present: Path) -> None:
    root = pypdf.PdfReader(io.BytesIO(_pdf(FLOW_A, BSN))).trailer["/Root"]
    [intent] = [item.get_object() for item in root["/OutputIntents"]]
    assert intent["/S"] == "/GTS_PDFA1"
    assert "sRGB" in str(intent["/OutputConditionIdentifier"])
    assert len(intent["/DestOutputProfile"].get_object().get_data()) > 1000


def test_every_font_is_embedded(fonts_present: Path) -> None:
    reader = pypdf.PdfReader(io.BytesIO(_pdf(FLOW_C, None)))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert fonts
    for ref in fonts.values():
        font = ref.get_object()
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = descendant["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"


def test_flow_a_shows_case_number_code_outcome_and_bsn_in_dutch(fonts_present: Path) -> None:
    text = _text(_pdf(FLOW_A, BSN))
    for expected in (
        "Bewijs van authenticatie",
        "Gemeente Voorbeeld",
        "2026-00042",
        "DigiD Substantieel",
        "28 november 2026, 15:07:12 (UTC+01:00)",  # Dutch winter time, with its offset
        "Geïdentificeerd",
        "_4c1f0e5a9b7d4e2f8a6c3b1d0e9f8a7b",  # DigiD's assertion ID
        "28 november 2026, 15:07:10 (UTC+01:00)",  # and DigiD's AuthnInstant
        BSN.digits,
        str(FLOW_A.document_id),
    ):
        assert expected in text
    assert " UTC\n" not in text and "14:07:12" not in text  # no bare UTC time a reader would take for local
    assert "358974" not in text  # the code itself is not part of the proof


def test_flows_b_and_c_name_the_official_and_the_check_but_not_the_bsn(fonts_present: Path) -> None:
    text = _text(_pdf(FLOW_C, None))
    assert "Dorien Dorknoper-van der Schaaf" in text and "komt overeen" in text
    assert str(FLOW_C.session_id) in text and "28 november 2026, 16:01:05 (UTC+01:00)" in text
    assert BSN.digits not in text


def test_a_summer_proof_of_someone_not_identified_says_so_in_dutch_summer_time(fonts_present: Path) -> None:
    text = _text(_pdf(FLOW_B_NOT_IDENTIFIED, None))
    assert "NIET geïdentificeerd" in text and "Geïdentificeerd\n" not in text
    assert "heeft zich tijdens een videogesprek met de gemeente geïdentificeerd" not in text  # the intro too
    assert "14 juli 2026, 11:28:45 (UTC+02:00)" in text
    assert "_9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b" in text


def test_a_proof_request_without_an_outcome_is_identified_and_survives_the_queue() -> None:
    # The outcome defaults to identified (messages queued before this field existed say nothing)
    assert FLOW_A.outcome is ProofOutcome.IDENTIFIED
    for request in (FLOW_A, FLOW_B_NOT_IDENTIFIED):
        assert proof_request(proof_message(request)) == request


def test_the_hash_of_the_same_proof_is_stable_per_file(fonts_present: Path) -> None:
    pdf = _pdf(FLOW_C, None)
    assert hashlib.sha256(pdf).hexdigest() == hashlib.sha256(bytes(pdf)).hexdigest()
    assert pdf.startswith(b"%PDF-") and len(pdf) < 200_000


@pytest.mark.parametrize(
    ("name", "request_", "bsn"),
    [("flow-a", FLOW_A, BSN), ("flow-c", FLOW_C, None), ("flow-b-not-identified", FLOW_B_NOT_IDENTIFIED, None)],
)
def test_the_proof_renders_on_a4_to_a_png_for_people_to_look_at(
    fonts_present: Path, tmp_path: Path, name: str, request_: ProofRequest, bsn: Bsn | None
) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm missing (make test installs poppler-utils)")
    pdf = _pdf(request_, bsn)
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)  # A4 in points
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "110", "-singlefile", str(ARTIFACTS / f"{name}.pdf"), str(ARTIFACTS / name)],
        check=True,
        timeout=60,
    )
    png = ARTIFACTS / f"{name}.png"
    assert png.stat().st_size > 10_000


def test_the_shipped_fonts_keep_under_a_third_of_dejavu_and_every_character_a_proof_can_show(
    fonts_present: Path,
) -> None:
    from fontTools.ttLib import TTFont

    fixed = [
        f"{label} {value}"
        for r in (FLOW_A, FLOW_C, FLOW_B_NOT_IDENTIFIED)
        for label, value in proof_lines(ProofContent(request=r, bsn=BSN))
    ]
    text = "".join(fixed) + pdf_module._INTRO + pdf_module._FAILED + "".join(NAMES) + "€–—‘’“”•…"
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        cut = TTFont(fonts_present / name)
        assert len(cut.getGlyphOrder()) * 3 < len(TTFont(SYSTEM_FONTS / name).getGlyphOrder())
        kept = set(cut.getBestCmap())
        assert {char for char in text if ord(char) not in kept} == set(), name


def test_an_officials_name_in_any_latin_greek_or_cyrillic_script_is_written_with_its_own_glyphs(
    fonts_present: Path,
) -> None:
    for name in NAMES:
        assert name in _text(_pdf(replace(FLOW_C, official_name=name), None)).replace("\n", " ")
