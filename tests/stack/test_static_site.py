"""The static site on the same origin: files with their content types and the security headers, nothing else."""

from __future__ import annotations

import http.client
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from infrastructure.local import LocalStack
from infrastructure.local.site import StaticSite


def raw_get(stack: LocalStack, target: str) -> tuple[int, bytes]:
    """A request with the target exactly as written (requests would normalise ``..`` away)."""
    address = urlsplit(stack.site_url)
    connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=5)
    try:
        connection.request("GET", target)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_the_root_serves_index_html_with_the_security_headers(sample_stack: LocalStack) -> None:
    # When
    response = requests.get(f"{sample_stack.site_url}/", timeout=5)

    # Then
    assert response.status_code == 200
    assert "Startpagina" in response.text
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Security-Policy"] == "default-src 'self'; frame-ancestors 'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/assets/app.js", "text/javascript; charset=utf-8"), ("/assets/site.css", "text/css; charset=utf-8")],
)
def test_assets_have_their_content_type(sample_stack: LocalStack, path: str, content_type: str) -> None:
    # When
    response = requests.get(f"{sample_stack.site_url}{path}", timeout=5)

    # Then
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type


def test_head_gives_the_headers_without_a_body(sample_stack: LocalStack) -> None:
    # When
    response = requests.head(f"{sample_stack.site_url}/assets/app.js", timeout=5)

    # Then
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len("console.log('ok');\n"))
    assert response.content == b""


def test_an_unknown_page_is_a_404_page_with_the_security_headers(sample_stack: LocalStack) -> None:
    # When
    response = requests.get(f"{sample_stack.site_url}/bestaat-niet.html", timeout=5)

    # Then
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize(
    "target",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/assets/%2e%2e/%2e%2e/secret.txt",
        "//secret.txt",
        "/assets/",
        "/assets",
        "/.hidden",
        "/assets/..\\..\\secret.txt",
        "/%00index.html",
    ],
)
def test_nothing_outside_the_site_and_no_directory_listing(sample_stack: LocalStack, target: str) -> None:
    # When
    status, body = raw_get(sample_stack, target)

    # Then
    assert status == 404
    assert b"outside the site" not in body
    assert b"not for visitors" not in body


def test_the_site_takes_only_get_and_head(sample_stack: LocalStack) -> None:
    # When
    response = requests.post(f"{sample_stack.site_url}/index.html", data="x", timeout=5)

    # Then (CloudFront's answer for a method the default behaviour does not allow)
    assert response.status_code == 403


def test_custom_error_responses_of_the_distribution_replace_a_missing_page(tmp_path: Path) -> None:
    # Given CloudFront would map S3's 403 for a missing object to /fout.html with status 404
    (tmp_path / "fout.html").write_text("<p>Niet gevonden</p>")
    site = StaticSite(tmp_path, error_pages={403: ("/fout.html", 404)})

    # When
    response = site.respond("GET", "/bestaat-niet.html")

    # Then
    assert response.status == 404
    assert response.body == b"<p>Niet gevonden</p>"


def test_a_page_is_served_with_the_municipalitys_name_in_its_slot_and_other_files_as_they_are(tmp_path: Path) -> None:
    # Given the built start page with its empty slot, a script that names the slot too, and a municipality
    slot = '<meta name="lb-municipality" content="">'
    (tmp_path / "index.html").write_text(f"<head>{slot}</head>")
    (tmp_path / "site.js").write_text(slot)
    site = StaticSite(tmp_path, municipality="Gemeente Voorbeeld")

    # When the page and the script are asked for
    page, script = site.respond("GET", "/"), site.respond("GET", "/site.js")

    # Then the page carries the name (as publish_site uploads it), the script is the file as it is
    assert page.body == b'<head><meta name="lb-municipality" content="Gemeente Voorbeeld"></head>'
    assert script.body == slot.encode()
