"""The served site: one stylesheet for every page, one script for the resident's pages and one for each other page,
content-hashed and cached for good."""

import base64
import re
from pathlib import Path

import pytest

from infrastructure.deploy.site_build import (
    IMMUTABLE,
    MUNICIPALITY_SLOT,
    REVALIDATE,
    build,
    cache_control,
    with_municipality,
)

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
        "assets/result.js": '"use strict";\nwindow.result = 1;\n',
        "assets/staff.js": '"use strict";\nwindow.staff = 1;\n',
        "assets/autopost.js": '"use strict";\n',
        "vendor/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>\n",
        ".well-known/security.txt": "Contact: mailto:security@example.nl\n",
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    page(root, "index.html", ["/vendor/base.css", "/vendor/button.css", "/assets/site.css"],
         ["/assets/i18n/nl.js", "/assets/common.js", "/assets/start.js"])  # fmt: skip
    page(root, "privacy.html", ["/vendor/base.css", "/assets/site.css"], ["/assets/i18n/nl.js", "/assets/common.js"])
    page(root, "resultaat.html", ["/vendor/base.css", "/assets/site.css"],
         ["/assets/i18n/nl.js", "/assets/common.js", "/assets/result.js"])  # fmt: skip
    page(root, "medewerker.html", ["/vendor/base.css", "/assets/site.css"],
         ["/assets/i18n/nl.js", "/assets/common.js", "/assets/staff.js"])  # fmt: skip
    return root


def test_each_page_names_one_stylesheet_and_one_script_of_hashed_names(site: Path) -> None:
    # When the site is built
    pages = {built.name: built for built in build(site, site / "dist")}

    # Then each page fetches one stylesheet, shared by every page, and one script: the resident's pages one they
    # share, the staff page one of its own
    index = (site / "dist" / "index.html").read_text(encoding="utf-8")
    assert index.count('rel="stylesheet"') == 1 and index.count("<script") == 1
    assert pages["index.html"].stylesheet == pages["privacy.html"].stylesheet == pages["medewerker.html"].stylesheet
    assert pages["index.html"].script == pages["resultaat.html"].script == pages["privacy.html"].script
    assert pages["index.html"].script.startswith("/bundle/resident.")
    assert pages["medewerker.html"].script.startswith("/bundle/medewerker.")
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

    # Then the stylesheet is the ordered union (the cascade as on each page), and so is the resident's script: each
    # file once, in the pages' order
    css = (site / "dist" / pages["privacy.html"].stylesheet.lstrip("/")).read_text(encoding="utf-8")
    assert css.index("black") < css.index("blue") < css.index("green")
    js = (site / "dist" / pages["index.html"].script.lstrip("/")).read_text(encoding="utf-8")
    assert js.index("hallo") < js.index("window.LB =") < js.index("window.LB.t()")
    assert js.index("window.LB =") < js.index("window.result") and js.count("hallo") == 1
    # And the staff page's script holds its own files, none of the resident's pages'
    staff = (site / "dist" / pages["medewerker.html"].script.lstrip("/")).read_text(encoding="utf-8")
    assert staff.index("hallo") < staff.index("window.LB =") < staff.index("window.staff")
    assert "window.LB.t()" not in staff and "window.result" not in staff
    # And a file without a final semicolon does not run into the next one
    assert "window.T.nl}\n;\n" in js


def test_each_stylesheets_first_rule_stays_valid_in_the_joined_one(site: Path) -> None:
    # Given stylesheets whose first rule declares tokens on :root, as a theme and site.css do
    (site / "assets" / "site.css").write_text(":root { --lb-text: black; }\np { color: var(--lb-text); }\n")
    # When they are joined, then no ';' stands between two files: it would make the next file's :root rule invalid
    pages = {built.name: built for built in build(site, site / "dist")}
    css = (site / "dist" / pages["index.html"].stylesheet.lstrip("/")).read_text(encoding="utf-8")
    assert ";" not in re.sub(r"\{[^{}]*\}", "{}", css)
    assert "}\n:root { --lb-text: black; }" in css


def test_a_changed_file_gets_a_new_name(site: Path) -> None:
    before = {built.name: built for built in build(site, site / "dist")}
    (site / "assets" / "start.js").write_text('"use strict";\nwindow.changed = 1;\n', encoding="utf-8")

    after = {built.name: built for built in build(site, site / "dist")}

    assert after["index.html"].script != before["index.html"].script
    assert after["medewerker.html"].script == before["medewerker.html"].script
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


# ---- the purged stylesheet (make site: --purge, PurgeCSS through static_site/tools/purge-css.mjs) ----------------

SITE = Path(__file__).resolve().parents[2] / "static_site"


def _needs_npm() -> None:
    if not (SITE / "node_modules" / "purgecss").is_dir() or not (SITE / "vendor").is_dir():
        pytest.fail("static_site/node_modules or vendor is missing: run `make site`")


def _class_selectors(css: str) -> set[str]:
    """The class names the stylesheet's selectors name (declarations taken out first: no url(x.svg) counts)."""
    selectors = re.sub(r"\{[^{}]*\}", "{}", re.sub(r"/\*.*?\*/", "", css, flags=re.S))
    return set(re.findall(r"\.(-?[_a-zA-Z][_a-zA-Z0-9-]*)", selectors))


def test_purging_keeps_the_rules_the_pages_and_scripts_use_and_drops_the_rest(site: Path) -> None:
    # Given a site whose stylesheet has a rule for a class no page or script uses, and one a script sets
    _needs_npm()
    (site / "tools").symlink_to(SITE / "tools")
    (site / "node_modules").symlink_to(SITE / "node_modules")
    (site / "vendor" / "button.css").write_text(
        ".button { color: blue; }\n.never-used { color: red; }\n.lb-logo { width: 1px; }\n.shown { color: green; }\n"
        "img { border: 0; }\ntable { color: red; }\n"
    )
    (site / "assets" / "start.js").write_text('"use strict";\ndocument.body.classList.add("shown");\n')
    # When it is built with --purge
    pages = {built.name: built for built in build(site, site / "dist", purge=True)}
    css = (site / "dist" / pages["index.html"].stylesheet.lstrip("/")).read_text()
    # Then the page's and the script's classes keep their rules, and so do its elements'; the unused ones go
    assert {"lb-logo", "shown"} <= _class_selectors(css) and "img {" in css
    assert "never-used" not in css and "table" not in css


def _runtime_classes(script: str) -> set[str]:
    """Class names the scripts build at run time from pieces: each ``${...}`` in a class string, expanded."""
    from legitimatie.sessions.model import Status

    found: set[str] = set()
    for template in re.findall(r"class(?:Name\s*=|List\.\w+\()\s*`([^`]*)`", script):
        expressions = re.findall(r"\$\{([^}]*)\}", template)
        words = re.sub(r"\$\{[^}]*\}", "\0", template).split()
        pieces = iter(expressions)
        for word in words:
            if "\0" not in word:
                found.add(word)
                continue
            head, tail = word.split("\0", 1)
            expression = next(pieces)
            choices = re.findall(r'"([\w-]+)"', expression)
            if expression.endswith(".status"):  # the staff page's status line: every status a session has
                choices = [status.value for status in Status]
            assert choices, f"{word}: built from {expression!r}; name its values here and in purge-css.mjs's SAFELIST"
            found.update(f"{head}{choice}{tail}" for choice in choices)
    return found


def test_every_class_the_built_pages_and_scripts_use_keeps_its_rules_in_the_purged_stylesheet(tmp_path: Path) -> None:
    # Given the real site built as served (purged) and as it was (the whole library)
    _needs_npm()
    served = {p.name: p for p in build(SITE, tmp_path / "purged", purge=True)}
    whole = {p.name: p for p in build(SITE, tmp_path / "whole")}
    purged_css = (tmp_path / "purged" / served["index.html"].stylesheet.lstrip("/")).read_text()
    whole_css = (tmp_path / "whole" / whole["index.html"].stylesheet.lstrip("/")).read_text()
    assert len(purged_css) < len(whole_css) / 2  # the component library is mostly components these pages never show
    # When every class the pages name and the scripts set (literal or built at run time) is collected
    used: set[str] = set()
    for page in served.values():
        html = (tmp_path / "purged" / page.name).read_text()
        used.update(word for value in re.findall(r'class="([^"]*)"', html) for word in value.split())
        if page.script:
            script = (tmp_path / "purged" / page.script.lstrip("/")).read_text()
            used.update(
                word
                for value in re.findall(r'class(?:Name\s*=|List\.\w+\()\s*"([^"]*)"', script)
                for word in value.split()
            )
            used |= _runtime_classes(script)
    assert {"lb-status--logged_in", "utrecht-button--secondary-action"} <= used
    # Then each that has rules in the whole library still has them in the served stylesheet
    missing = sorted(name for name in used & _class_selectors(whole_css) if name not in _class_selectors(purged_css))
    assert missing == []


# ---- the municipality's name in the published start page (flow A needs no /config.json for it) -------------------


def test_the_municipalitys_name_fills_the_pages_slot_escaped() -> None:
    # Given a page with the empty slot
    page = b'<head><meta name="lb-municipality" content=""></head>'
    # When a name with characters that mean something in HTML fills it
    filled = with_municipality(page, 'Gemeente "A" & <B>')
    # Then the name is an attribute value and nothing else
    assert filled == b'<head><meta name="lb-municipality" content="Gemeente &quot;A&quot; &amp; &lt;B&gt;"></head>'
    # And without a name, or without a slot, the page stays as it is
    assert with_municipality(page, None) == page == with_municipality(page, "")
    assert with_municipality(b"<head></head>", "Gemeente Voorbeeld") == b"<head></head>"


def test_the_start_page_has_the_slot_for_the_municipalitys_name() -> None:
    assert (SITE / "index.html").read_bytes().count(MUNICIPALITY_SLOT) == 1


# ---- which texts each page's script carries -------------------------------------------------------------------------


def test_a_residents_script_carries_no_staff_texts_and_the_staff_page_every_text_it_names(tmp_path: Path) -> None:
    # Given the real site as built
    _needs_npm()
    served = {p.name: p for p in build(SITE, tmp_path / "built")}
    resident = (tmp_path / "built" / served["index.html"].script.lstrip("/")).read_text(encoding="utf-8")
    staff = (tmp_path / "built" / served["medewerker.html"].script.lstrip("/")).read_text(encoding="utf-8")
    # Then the resident's bundle has none of the staff page's texts (a third of the texts, downloaded on a phone)
    assert '"staff.' not in resident and '"result.code' in resident
    assert staff.count('"staff.login.title":') == 2  # the staff page's bundle has them, in Dutch and English
    # And every text key the staff page names, or its script asks for by name, is in its bundle in both languages
    page = (SITE / "medewerker.html").read_text(encoding="utf-8")
    named = set(re.findall(r'data-i18n(?:-alt|-label)?="([^"]+)"', page))
    named |= set(re.findall(r'"(staff\.[a-z_.0-9]+)"', (SITE / "assets" / "staff.js").read_text(encoding="utf-8")))
    for lang in ("nl", "en"):
        texts = (SITE / "assets" / "i18n" / f"{lang}.js").read_text(encoding="utf-8")
        texts += (SITE / "assets" / "i18n" / f"staff-{lang}.js").read_text(encoding="utf-8")
        missing = sorted(key for key in named if f'"{key}":' not in texts)
        assert missing == [], lang
    assert {'"staff.login.title":', '"staff.complete":'} <= {f'"{key}":' for key in named}
    assert "staff-nl.js" not in (SITE / "index.html").read_text(encoding="utf-8")
