"""Publishing the static site: the deployed /config.json and the files that go to the bucket."""

from pathlib import Path

import pytest

from infrastructure.deploy.publish_site import deployed_config, published, site_files

OUTPUTS = {
    "SiteUrl": "https://legitimatie.gemeente.nl",
    "UserPoolClientId": "abc123",
    "StaffLoginDomain": "https://gemeente-staff.auth.eu-central-1.amazoncognito.com",
}


def test_the_deployed_config_points_the_staff_page_at_the_hosted_login() -> None:
    config = deployed_config(OUTPUTS, "https://brp.gemeente.nl/")
    assert config["auth"] == {
        "mode": "hosted_ui",
        "authorize_url": "https://gemeente-staff.auth.eu-central-1.amazoncognito.com/oauth2/authorize",
        "token_url": "https://gemeente-staff.auth.eu-central-1.amazoncognito.com/oauth2/token",
        "client_id": "abc123",
        "redirect_uri": "https://legitimatie.gemeente.nl/medewerker.html",
        "scope": "openid email profile",
    }
    assert config["brp_url"] == "https://brp.gemeente.nl/"


def test_without_a_hosted_login_domain_the_reason_is_named() -> None:
    with pytest.raises(ValueError, match="StaffLoginDomain"):
        deployed_config({**OUTPUTS, "StaffLoginDomain": ""}, "https://brp.gemeente.nl/")


def test_the_token_endpoint_is_allowed_by_the_templates_csp() -> None:
    template = (Path(__file__).parents[2] / "template.yaml").read_text()
    assert "connect-src 'self' https://*.amazoncognito.com;" in template


def test_the_upload_holds_pages_and_well_known_but_no_npm_files(tmp_path: Path) -> None:
    for name in ("index.html", "assets/site.js", ".well-known/security.txt", "vendor/theme.css",
                 "node_modules/x/index.js", "package.json", "package-lock.json"):  # fmt: skip
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    keys = [key for _, key in site_files(tmp_path)]
    assert keys == [".well-known/security.txt", "assets/site.js", "index.html", "vendor/theme.css"]


def test_the_deployed_config_names_the_municipality_for_the_digid_button() -> None:
    # Given the stack's MunicipalityName parameter
    config = deployed_config(OUTPUTS, "https://brp.gemeente.nl/", "Gemeente Voorbeeld")
    # Then the start page can show it next to the DigiD button (Logius' checklist)
    assert config["municipality"] == "Gemeente Voorbeeld"


def test_the_pages_are_uploaded_with_the_municipalitys_name_for_the_digid_button(tmp_path: Path) -> None:
    # Given the built start page with its empty slot and a bundle
    (tmp_path / "index.html").write_text('<head><meta name="lb-municipality" content=""></head>')
    (tmp_path / "site.js").write_text('<meta name="lb-municipality" content="">')
    # When they are uploaded for the stack's MunicipalityName
    page, script = published(tmp_path / "index.html", "Gemeente Voorbeeld"), published(tmp_path / "site.js", "X")
    # Then the page names it (flow A's start page needs no /config.json for it); the bundle is uploaded as it is
    assert page == b'<head><meta name="lb-municipality" content="Gemeente Voorbeeld"></head>'
    assert script == (tmp_path / "site.js").read_bytes()
