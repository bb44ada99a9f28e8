"""The served site: one stylesheet for every page and one script per page, content-hashed and cached for good."""

import base64
from pathlib import Path

import pytest

from infrastructure.deploy.site_build import IMMUTABLE, REVALIDATE, build, cache_control

HEAD = """<!doctype html>
<html lang="nl">
<head>
  <title>{title}</title>
{links}
  <link rel="icon" href="data:,">
{scripts}
</head>
<body><img class="lb-logo" src="/vendor/logo.svg" alt="Logo"></body>
</html>
"""


def page(root: Path, name: str, stylesheets: list[str], scripts: list[str]) -> None:
    links = "\n".join(f'  <link rel="stylesheet" href="{url}">' for url in stylesheets)
    tags = "\n".join(f'  <script src="{url}" defer></script>' for url in scripts)
    (root / name).write_text(HEAD.format(title=name, links=links, scripts=tags), encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "static_site"
    for name, text in {
        "vendor/base.css": "p { color: black; }\n",
        "vendor/button.css": ".button { color: blue; }\n",
        "assets/site.css": "p { color: green; }\n",
        "assets/i18n/nl.js": '"use strict";\nwindow.T = {nl: "hallo"};\n',
        "assets/common.js": '"use strict";\nwindow.LB = {t: () => window.T.nl}',  # no newline, no semicolon
        "assets/start.js": '"use strict";\n(() => window.LB.t())();\n',
        "assets/autopost.js": '"use strict";\n',
        "vendor/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>\n",
        ".well-known/security.txt": "Contact: mailto:security@example.nl\n",
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    page(root, "index.html", ["/vendor/base.css", "/vendor/button.css", "/assets/site.css"],
         ["/assets/i18n/nl.js", "/assets/common.js", "/assets/start.js"])  # fmt: skip
    page(root, "privacy.html", ["/vendor/base.css", "/assets/site.css"], ["/assets/i18n/nl.js", "/assets/common.js"])
    return root


def test_each_page_names_one_stylesheet_and_one_script_of_hashed_names(site: Path) -> None:
    # When the site is built
    pages = {built.name: built for built in build(site, site / "dist")}

    # Then each page fetches one stylesheet, shared by every page, and one script of its own
    index = (site / "dist" / "index.html").read_text(encoding="utf-8")
    assert index.count('rel="stylesheet"') == 1 and index.count("<script") == 1
    assert pages["index.html"].stylesheet == pages["privacy.html"].stylesheet
    assert pages["index.html"].script != pages["privacy.html"].script
    assert f'<script src="{pages["index.html"].script}" defer></script>' in index
    assert '<link rel="icon" href="data:,">' in index
    # And the small logo is in the page itself: no request of its own
    logo = base64.b64encode((site / "vendor" / "logo.svg").read_bytes()).decode()
    assert f'src="data:image/svg+xml;base64,{logo}"' in index and pages["index.html"].images == ()
    assert pages["index.html"].requests[0] == "/index.html" and len(pages["index.html"].requests) == 3


def test_a_large_image_is_a_hashed_file(site: Path) -> None:
    (site / "vendor" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'>" + " " * 5000 + "</svg>")
    pages = {built.name: built for built in build(site, site / "dist")}
    assert pages["index.html"].images[0].startswith("/bundle/logo.")
    assert pages["index.html"].images[0] in (site / "dist" / "index.html").read_text(encoding="utf-8")


def test_the_bundles_hold_the_files_in_the_pages_order(site: Path) -> None:
    # When
    pages = {built.name: built for built in build(site, site / "dist")}

    # Then the stylesheet is the ordered union (the cascade as on each page), the script the page's own files
    css = (site / "dist" / pages["privacy.html"].stylesheet.lstrip("/")).read_text(encoding="utf-8")
    assert css.index("black") < css.index("blue") < css.index("green")
    js = (site / "dist" / pages["index.html"].script.lstrip("/")).read_text(encoding="utf-8")
    assert js.index("hallo") < js.index("window.LB =") < js.index("window.LB.t()")
    # And a file without a final semicolon does not run into the next one
    assert "window.T.nl}\n;\n" in js


def test_a_changed_file_gets_a_new_name(site: Path) -> None:
    before = {built.name: built for built in build(site, site / "dist")}
    (site / "assets" / "start.js").write_text('"use strict";\nwindow.changed = 1;\n', encoding="utf-8")

    after = {built.name: built for built in build(site, site / "dist")}

    assert after["index.html"].script != before["index.html"].script
    assert after["privacy.html"].script == before["privacy.html"].script
    assert not (site / "dist" / before["index.html"].script.lstrip("/")).exists()  # dist is rebuilt, not piled up


def test_what_the_digid_page_and_security_txt_need_is_passed_on(site: Path) -> None:
    build(site, site / "dist")
    assert (site / "dist" / "assets" / "autopost.js").is_file()
    assert (site / "dist" / ".well-known" / "security.txt").is_file()
    assert not (site / "dist" / "assets" / "common.js").exists()


def test_a_missing_file_is_named(site: Path) -> None:
    (site / "assets" / "start.js").unlink()
    with pytest.raises(SystemExit, match=r"start\.js"):
        build(site, site / "dist")


def test_pages_naming_their_stylesheets_in_conflicting_orders_are_refused(site: Path) -> None:
    page(site, "other.html", ["/assets/site.css", "/vendor/base.css"], [])
    with pytest.raises(SystemExit, match="conflicting orders"):
        build(site, site / "dist")


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("bundle/site.0123456789ab.css", IMMUTABLE),
        ("bundle/index.0123456789ab.js", IMMUTABLE),
        ("bundle/logo.0123456789ab.svg", IMMUTABLE),
        ("index.html", REVALIDATE),
        ("assets/autopost.js", REVALIDATE),
        ("bundle/site.css", REVALIDATE),
        (".well-known/security.txt", REVALIDATE),
    ],
)
def test_only_hashed_names_are_cached_for_good(key: str, expected: str) -> None:
    assert cache_control(key) == expected
