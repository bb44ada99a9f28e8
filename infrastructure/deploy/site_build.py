"""The pages as they are served: one stylesheet for the whole site and one script per page, with content-hashed names.

    python3 -m infrastructure.deploy.site_build          # static_site/ -> static_site/dist/ (make site runs it)

Each page of ``static_site/*.html`` names its stylesheets (``<link rel="stylesheet">``) and its scripts (``<script
src defer>``) one by one, which keeps them readable; a browser would fetch each through CloudFront, and each fetch
is a billed request (and a WAF inspection). The build writes the same page with one ``/bundle/site.<hash>.css`` (the
ordered union of every page's stylesheets, so the second page a browser opens finds it cached) and one script: the
resident's pages (``SHARED_SCRIPTS``) share ``/bundle/resident.<hash>.js``, the ordered union of their scripts, so
the result page a resident comes back to from DigiD finds it cached; any other page gets ``/bundle/<page>.<hash>.js``.
A bundle is its scripts concatenated in their order; every one of them is strict mode and shares the one global
scope of classic scripts, so a concatenation runs as the separate files did (a page's own script runs only on its
page: it checks ``<body data-page>``). The SVG
images the pages show (the logos) are written into the page as data: URIs when small (the CSP's img-src allows
data:), else as content-hashed copies. Files with a hash in their name never change: they are served
with ``Cache-Control: public, max-age=31536000, immutable`` (``cache_control``), everything else (the pages,
``/assets/autopost.js`` that the DigiD hand-over page loads, ``.well-known/``) must be revalidated.

With ``--purge`` (``make site``), the stylesheet keeps only the rules the pages can use: PurgeCSS (npm, in
static_site/package.json) run by ``static_site/tools/purge-css.mjs`` over the pages and every script they name, with
a safelist there for classes the scripts build at run time. The Utrecht component library is hundreds of KB of
components these pages never show, and every resident downloads the stylesheet on a phone.

Standard library only: ``make site`` runs it before the virtualenv exists.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "IMMUTABLE",
    "MUNICIPALITY_SLOT",
    "REVALIDATE",
    "SHARED_SCRIPTS",
    "Page",
    "build",
    "cache_control",
    "purge_css",
    "with_municipality",
]

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
BUNDLE_DIR = "bundle"
INLINE_IMAGE_MAX_BYTES = 4096
# Pages that share one script bundle, by the bundle's name: a resident goes from the start page through DigiD to the
# result page (or the error page, the privacy statement ...), and each later page finds the script in the browser's
# cache. The staff page keeps its own (the QR library and staff.js are no resident's download).
SHARED_SCRIPTS: dict[str, tuple[str, ...]] = {
    "resident": ("index.html", "resultaat.html", "fout.html", "privacy.html", "toegankelijkheidsverklaring.html"),
}
# Files served as they are, besides the built pages and bundles: the DigiD hand-over page's script (named in
# functions/digid/views.py), the RFC 9116 security.txt and a local config.json if there is one.
PASSED_ON = ("assets/autopost.js", ".well-known", "config.json")
_HASHED_NAME = re.compile(rf"^{BUNDLE_DIR}/[^/]+\.[0-9a-f]{{12}}\.[a-z0-9]+$")
_STYLESHEET = re.compile(r'[ \t]*<link rel="stylesheet" href="(/[^"]+)">\n')
_SCRIPT = re.compile(r'[ \t]*<script src="(/[^"]+)" defer></script>\n')
_IMAGE = re.compile(r'(?:<img\b[^>]*?\bsrc=")(/[^"]+\.svg)(?=")')


# The start page's empty slot for the municipality's name (static_site/index.html), filled where the site is served.
MUNICIPALITY_SLOT = b'<meta name="lb-municipality" content="">'


def with_municipality(page: bytes, municipality: str | None) -> bytes:
    """A page with the municipality's name in its ``lb-municipality`` meta (``MUNICIPALITY_SLOT``), as publish_site
    uploads it and the local stack serves it: flow A's start page shows the name next to the DigiD button (Logius)
    without a request for /config.json. A page without the slot, or no name, stays as it is."""
    if not municipality:
        return page
    filled = f'<meta name="lb-municipality" content="{html.escape(municipality, quote=True)}">'
    return page.replace(MUNICIPALITY_SLOT, filled.encode("utf-8"), 1)


@dataclass(frozen=True)
class Page:
    """A built page: its name and what a browser fetches for it (stylesheet, script, images), in order."""

    name: str
    stylesheet: str
    script: str
    images: tuple[str, ...]

    @property
    def requests(self) -> tuple[str, ...]:
        return (f"/{self.name}", self.stylesheet, self.script, *self.images)


def cache_control(key: str) -> str:
    """The Cache-Control of a file of the built site, by its key (path without the leading slash)."""
    return IMMUTABLE if _HASHED_NAME.match(key) else REVALIDATE


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def _write_hashed(out: Path, stem: str, suffix: str, data: bytes) -> str:
    name = f"{BUNDLE_DIR}/{stem}.{_digest(data)}{suffix}"
    (out / name).write_bytes(data)
    return f"/{name}"


def _read(root: Path, url: str) -> bytes:
    path = (root / url.lstrip("/")).resolve()
    if not path.is_relative_to(root.resolve()) or not path.is_file():
        raise SystemExit(f"{url} is named by a page but {path} does not exist: run `make site` (npm ci) first")
    return path.read_bytes()


def _image(out: Path, url: str, data: bytes) -> str:
    """A small SVG (the logos) as a data: URI in the page (CSP img-src allows data:): no request of its own; a
    larger one as a hashed file."""
    if len(data) <= INLINE_IMAGE_MAX_BYTES:
        return "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")
    return _write_hashed(out, Path(url).stem, Path(url).suffix, data)


def _ordered_union(lists: list[list[str]]) -> list[str]:
    """Every stylesheet (or script) once, each after the ones it follows on any page (the cascade's order is kept)."""
    union: list[str] = []
    for names in lists:
        for index, name in enumerate(names):
            if name in union:
                continue
            before = [other for other in names[:index] if other in union]
            position = union.index(before[-1]) + 1 if before else 0
            union.insert(position, name)
    for names in lists:  # a page whose order the union cannot keep would be styled differently: refuse
        kept = [name for name in union if name in names]
        if kept != names:
            raise SystemExit(f"the pages name their files in conflicting orders: {names} vs {kept}")
    return union


def _join(parts: list[bytes]) -> bytes:
    return b"".join(part.rstrip(b"\n") + b"\n;\n" for part in parts)  # ';': no statement runs into the next file's


def _join_css(parts: list[bytes]) -> bytes:
    """Stylesheets one after the other. No ';' between them as between scripts: in CSS it would make the next
    file's first rule invalid, and a browser drops it (the theme's and site.css's ``:root`` tokens were lost so)."""
    return b"".join(part.rstrip(b"\n") + b"\n" for part in parts)


def purge_css(root: Path, css: bytes, content: list[Path]) -> bytes:
    """The rules of ``css`` that ``content`` (pages, scripts) can use, by ``root/tools/purge-css.mjs`` (PurgeCSS)."""
    tool = root / "tools" / "purge-css.mjs"
    if shutil.which("node") is None or not (root / "node_modules" / "purgecss").is_dir():
        raise SystemExit("purging the stylesheet needs node and static_site/node_modules: run `make site` (npm ci)")
    with tempfile.TemporaryDirectory(prefix="site-css-") as directory:
        full = Path(directory) / "site.css"
        full.write_bytes(css)
        done = subprocess.run(
            ["node", str(tool), str(full), *map(str, content)], capture_output=True, check=False, timeout=120
        )
    if done.returncode != 0 or not done.stdout.strip():
        raise SystemExit(f"purging the stylesheet failed: {done.stderr.decode(errors='replace')[-2000:]}")
    return done.stdout


def build(root: Path, out: Path, *, purge: bool = False) -> list[Page]:
    """Writes the served site of ``root`` into ``out`` (emptied first) and returns what each page fetches; with
    ``purge``, the stylesheet only with the rules the pages and their scripts can use (``purge_css``)."""
    sources = sorted(root.glob("*.html"))
    texts = {path.name: path.read_text(encoding="utf-8") for path in sources}
    if out.exists():
        shutil.rmtree(out)
    (out / BUNDLE_DIR).mkdir(parents=True)
    stylesheets = _ordered_union([_STYLESHEET.findall(text) for text in texts.values()])
    css = _join_css([_read(root, url) for url in stylesheets])
    if purge:
        named = dict.fromkeys(url for text in texts.values() for url in _SCRIPT.findall(text))
        for url in named:
            _read(root, url)  # a missing script is named, as the bundles name it
        css = purge_css(root, css, [*sources, *(root / url.lstrip("/") for url in named)])
    css_url = _write_hashed(out, "site", ".css", css)
    shared = _shared_scripts(root, out, texts)
    images: dict[str, str] = {}
    pages: list[Page] = []
    for name, text in texts.items():
        scripts = _SCRIPT.findall(text)
        js_url = shared.get(name) or _write_hashed(
            out, Path(name).stem, ".js", _join([_read(root, url) for url in scripts])
        )
        text = _replace_all(text, _STYLESHEET, f'  <link rel="stylesheet" href="{css_url}">\n')
        text = _replace_all(text, _SCRIPT, f'  <script src="{js_url}" defer></script>\n') if scripts else text

        for url in _IMAGE.findall(text):
            if url not in images:
                images[url] = _image(out, url, _read(root, url))
        shown = tuple(dict.fromkeys(images[url] for url in _IMAGE.findall(text) if images[url].startswith("/")))
        text = _IMAGE.sub(lambda match: match[0].replace(match[1], images[match[1]]), text)
        (out / name).write_text(text, encoding="utf-8")
        pages.append(Page(name, css_url, js_url if scripts else "", shown))
    for passed in PASSED_ON:
        source = root / passed
        if source.is_dir():
            shutil.copytree(source, out / passed)
        elif source.is_file():
            (out / passed).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, out / passed)
    return pages


def _shared_scripts(root: Path, out: Path, texts: dict[str, str]) -> dict[str, str]:
    """Writes each bundle of ``SHARED_SCRIPTS`` (the ordered union of its pages' scripts) and returns, per page
    that has scripts, the bundle it names."""
    bundles: dict[str, str] = {}
    for stem, names in SHARED_SCRIPTS.items():
        pages = [name for name in names if name in texts and _SCRIPT.findall(texts[name])]
        if pages:
            scripts = _ordered_union([_SCRIPT.findall(texts[name]) for name in pages])
            url = _write_hashed(out, stem, ".js", _join([_read(root, script) for script in scripts]))
            bundles.update(dict.fromkeys(pages, url))
    return bundles


def _replace_all(text: str, pattern: re.Pattern[str], replacement: str) -> str:
    """The first match becomes ``replacement``, the others go."""
    first = pattern.search(text)
    if first is None:
        return text
    rest = pattern.sub("", text[first.end() :])
    return text[: first.start()] + replacement + rest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("static_site"))
    parser.add_argument("--out", type=Path, default=None, help="default: <root>/dist")
    parser.add_argument("--purge", action="store_true", help="keep only the CSS rules the pages can use (PurgeCSS)")
    arguments = parser.parse_args()
    out = arguments.out or arguments.root / "dist"
    for page in build(arguments.root, out, purge=arguments.purge):
        print(f"{page.name}: {len(page.requests)} requests ({', '.join(page.requests)})")


if __name__ == "__main__":
    main()
