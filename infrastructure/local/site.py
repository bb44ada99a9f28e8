"""The static site as CloudFront serves it, and the response headers policy CloudFront adds to every response."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from infrastructure.deploy.site_build import cache_control, with_municipality

from .events import HttpResponse
from .template import Resolver, Template

__all__ = ["CONTENT_TYPES", "ResponseHeadersPolicy", "StaticSite"]

# Deployed, content types are whatever the upload to the site bucket sets; the deploy helper should use this table
# too, so that local and deployed agree (the system's mime.types differ between machines).
CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/vnd.microsoft.icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".pdf": "application/pdf",
}

_NOT_FOUND_PAGE = (
    b'<!doctype html>\n<html lang="nl"><head><meta charset="utf-8"><title>Niet gevonden</title></head>'
    b"<body><h1>Niet gevonden</h1><p>Deze pagina bestaat niet. / This page does not exist.</p></body></html>\n"
)


@dataclass(frozen=True)
class _HeaderRule:
    name: str
    value: str
    override: bool


class ResponseHeadersPolicy:
    """An ``AWS::CloudFront::ResponseHeadersPolicy``: headers added (or overridden) on every response."""

    def __init__(self, rules: Iterable[_HeaderRule] = (), remove: Iterable[str] = ()) -> None:
        self._rules = list(rules)
        self._remove = {name.lower() for name in remove}

    @classmethod
    def from_template(
        cls, template: Template, resolver: Resolver, logical_id: str = "SecurityHeadersPolicy"
    ) -> ResponseHeadersPolicy:
        """The named policy; else the template's only one; else no headers (a test template without CloudFront)."""
        policies = dict(template.resources_of_type("AWS::CloudFront::ResponseHeadersPolicy"))
        if logical_id not in policies:
            if len(policies) != 1:
                return cls()
            logical_id = next(iter(policies))
        config = resolver.resolve((policies[logical_id].get("Properties") or {}).get("ResponseHeadersPolicyConfig"))
        return cls(
            _security_rules(config.get("SecurityHeadersConfig") or {})
            + [
                _HeaderRule(str(item["Header"]), str(item["Value"]), _flag(item.get("Override")))
                for item in (config.get("CustomHeadersConfig") or {}).get("Items", [])
            ],
            [str(item["Header"]) for item in (config.get("RemoveHeadersConfig") or {}).get("Items", [])],
        )

    @property
    def header_names(self) -> list[str]:
        return [rule.name for rule in self._rules]

    def apply(self, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        result = [(name, value) for name, value in headers if name.lower() not in self._remove]
        for rule in self._rules:
            present = any(name.lower() == rule.name.lower() for name, _ in result)
            if present and not rule.override:
                continue
            result = [(name, value) for name, value in result if name.lower() != rule.name.lower()]
            result.append((rule.name, rule.value))
        return result


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _security_rules(config: dict[str, Any]) -> list[_HeaderRule]:
    """CloudFront's SecurityHeadersConfig, rendered as the header values CloudFront sends."""
    rules: list[_HeaderRule] = []
    if "ContentSecurityPolicy" in config:
        item = config["ContentSecurityPolicy"]
        rules.append(
            _HeaderRule("Content-Security-Policy", str(item["ContentSecurityPolicy"]), _flag(item.get("Override")))
        )
    if "StrictTransportSecurity" in config:
        item = config["StrictTransportSecurity"]
        value = f"max-age={int(item['AccessControlMaxAgeSec'])}"
        value += "; includeSubDomains" if _flag(item.get("IncludeSubdomains")) else ""
        value += "; preload" if _flag(item.get("Preload")) else ""
        rules.append(_HeaderRule("Strict-Transport-Security", value, _flag(item.get("Override"))))
    if "ContentTypeOptions" in config:
        rules.append(
            _HeaderRule("X-Content-Type-Options", "nosniff", _flag(config["ContentTypeOptions"].get("Override")))
        )
    if "FrameOptions" in config:
        item = config["FrameOptions"]
        rules.append(_HeaderRule("X-Frame-Options", str(item["FrameOption"]), _flag(item.get("Override"))))
    if "ReferrerPolicy" in config:
        item = config["ReferrerPolicy"]
        rules.append(_HeaderRule("Referrer-Policy", str(item["ReferrerPolicy"]), _flag(item.get("Override"))))
    if "XSSProtection" in config:
        item = config["XSSProtection"]
        value = "1" if _flag(item.get("Protection")) else "0"
        if value == "1" and _flag(item.get("ModeBlock")):
            value += "; mode=block"
        elif value == "1" and item.get("ReportUri"):
            value += f"; report={item['ReportUri']}"
        rules.append(_HeaderRule("X-XSS-Protection", value, _flag(item.get("Override"))))
    return rules


class StaticSite:
    """Files under one directory, served for GET and HEAD as CloudFront serves the site bucket.

    ``/`` is the distribution's DefaultRootObject; there are no directory listings and no index files below the
    root (CloudFront has none either). Dotfiles, ``..`` and anything that resolves outside the root are not found.
    """

    def __init__(
        self,
        root: Path,
        default_root_object: str = "index.html",
        error_pages: dict[int, tuple[str, int]] | None = None,
        municipality: str | None = None,
    ) -> None:
        self.root = root.resolve()
        self.default_root_object = default_root_object
        self._error_pages = error_pages or {}
        self._municipality = municipality

    @classmethod
    def from_template(
        cls, template: Template, resolver: Resolver, root: Path, municipality: str | None = None
    ) -> StaticSite:
        """DefaultRootObject and CustomErrorResponses (403/404 → page) of the template's distribution, if any;
        ``municipality``: the name the pages carry as publish_site writes them (``with_municipality``)."""
        distributions = list(template.resources_of_type("AWS::CloudFront::Distribution"))
        if not distributions:
            return cls(root, municipality=municipality)
        _, distribution = distributions[0]
        config = resolver.resolve(((distribution.get("Properties") or {}).get("DistributionConfig")) or {})
        pages = {
            int(item["ErrorCode"]): (str(item["ResponsePagePath"]), int(item.get("ResponseCode", item["ErrorCode"])))
            for item in config.get("CustomErrorResponses", [])
            if item.get("ResponsePagePath")
        }
        return cls(root, str(config.get("DefaultRootObject", "index.html")), pages, municipality)

    def respond(self, method: str, raw_path: str) -> HttpResponse:
        if method not in ("GET", "HEAD"):
            return HttpResponse(
                403,
                [("Content-Type", "text/plain; charset=utf-8")],
                b"This distribution is not configured to allow the HTTP request method.\n",
            )
        path = self.lookup(raw_path)
        if path is not None:
            headers = [("Content-Type", self.content_type(path)), ("Cache-Control", self.cache_control(path))]
            return HttpResponse(200, headers, self.body(path))
        return self._not_found()

    def body(self, path: Path) -> bytes:
        """The file as the site bucket holds it: pages with the municipality's name, as publish_site uploads them."""
        data = path.read_bytes()
        return with_municipality(data, self._municipality) if path.suffix == ".html" else data

    def cache_control(self, path: Path) -> str:
        """What ``make publish-site`` stores with the object in the site bucket, which CloudFront passes on."""
        return cache_control(path.relative_to(self.root).as_posix())

    def lookup(self, raw_path: str) -> Path | None:
        """The file for a URL path, or None; never a path outside the root."""
        decoded = unquote(raw_path.split("?", 1)[0])
        relative = self.default_root_object if decoded == "/" else decoded.removeprefix("/")
        segments = relative.split("/")
        if "\\" in relative or "\x00" in relative or any(not part or part.startswith(".") for part in segments):
            return None
        candidate = (self.root / relative).resolve()
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate

    @staticmethod
    def content_type(path: Path) -> str:
        suffix = path.suffix.lower()
        return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"

    def error_page(self, status: int) -> HttpResponse | None:
        """CloudFront's CustomErrorResponse for this status, if the distribution has one.

        CloudFront applies these to every origin, the API's 403 and 404 JSON included.
        """
        if status not in self._error_pages:
            return None
        page_path, response_code = self._error_pages[status]
        page = self.lookup(page_path)
        if page is None:
            return None
        return HttpResponse(response_code, [("Content-Type", self.content_type(page))], self.body(page))

    def _not_found(self) -> HttpResponse:
        # S3 behind an origin access control answers 403 for a missing object (it may not list the bucket); without
        # a CustomErrorResponse CloudFront passes S3's XML on. Locally a missing page is a plain 404 page instead.
        return self.error_page(403) or HttpResponse(
            404, [("Content-Type", "text/html; charset=utf-8")], _NOT_FOUND_PAGE
        )
