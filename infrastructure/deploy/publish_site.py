"""Publish the static site of a deployed stack: write its /config.json, upload static_site/dist/, invalidate CloudFront.

    make publish-site STACK=legitimatie-beeldbellen BRP_URL=https://brp.gemeente.nl/   (needs AWS credentials)

The pages read ``/config.json`` for the staff login (Cognito hosted UI, authorization code + PKCE) and the
*Naar de BRP* link; locally the stack generates it, deployed this script writes it from the stack's outputs.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from infrastructure.deploy.site_build import cache_control, with_municipality

__all__ = ["deployed_config", "published", "site_files"]

SKIPPED_PARTS = frozenset({"node_modules", "package.json", "package-lock.json", "tools"})


def deployed_config(outputs: dict[str, str], brp_url: str, municipality: str | None = None) -> dict[str, Any]:
    """``/config.json`` for a deployment with the template's user pool and hosted login domain; ``municipality``
    is the name the start page shows next to the DigiD button (Logius' checklist)."""
    missing = [name for name in ("SiteUrl", "UserPoolClientId", "StaffLoginDomain") if not outputs.get(name)]
    if missing:
        raise ValueError(
            f"The stack has no {', '.join(missing)} output: deploy with the template's user pool and a "
            "StaffLoginDomainPrefix, or write config.json for your own OIDC provider by hand."
        )
    site, login = outputs["SiteUrl"].rstrip("/"), outputs["StaffLoginDomain"].rstrip("/")
    config: dict[str, Any] = {
        "auth": {
            "mode": "hosted_ui",
            "authorize_url": f"{login}/oauth2/authorize",
            "token_url": f"{login}/oauth2/token",
            "client_id": outputs["UserPoolClientId"],
            "redirect_uri": f"{site}/medewerker.html",
            "scope": "openid email profile",
        },
        "brp_url": brp_url,
    }
    if municipality:
        config["municipality"] = municipality
    return config


def site_files(root: Path) -> Iterator[tuple[Path, str]]:
    """Every file to upload with its S3 key: the built pages, bundle/, assets/ and .well-known/, no npm files."""
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and not SKIPPED_PARTS.intersection(relative.parts):
            yield path, relative.as_posix()


def published(path: Path, municipality: str | None) -> bytes:
    """A file's body as uploaded: a page with the municipality's name in it (``with_municipality``), for flow A's
    start page to show next to the DigiD button without fetching /config.json."""
    data = path.read_bytes()
    return with_municipality(data, municipality) if path.suffix == ".html" else data


def _content_type(key: str) -> str:
    if key.endswith("security.txt"):
        return "text/plain; charset=utf-8"
    guessed = mimetypes.guess_type(key)[0] or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") or guessed.endswith("javascript") else guessed


def publish(stack: str, brp_url: str, root: Path, region: str | None) -> None:  # pragma: no cover - needs AWS
    import boto3

    session = boto3.Session(region_name=region)
    described = session.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    outputs = {item["OutputKey"]: item["OutputValue"] for item in described.get("Outputs", [])}
    parameters = {item["ParameterKey"]: item.get("ParameterValue", "") for item in described.get("Parameters", [])}
    s3 = session.client("s3")
    bucket = outputs["SiteBucketName"]
    municipality = parameters.get("MunicipalityName")
    config = json.dumps(deployed_config(outputs, brp_url, municipality), indent=2).encode()
    s3.put_object(Bucket=bucket, Key="config.json", Body=config, ContentType="application/json",
                  CacheControl="no-store")  # fmt: skip
    for path, key in site_files(root):
        s3.put_object(Bucket=bucket, Key=key, Body=published(path, municipality), ContentType=_content_type(key),
                      CacheControl=cache_control(key))  # fmt: skip
    session.client("cloudfront").create_invalidation(
        DistributionId=outputs["DistributionId"],
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": str(time.time())},
    )
    print(f"Published {root} to s3://{bucket} and invalidated the distribution.")


def main() -> None:  # pragma: no cover - needs AWS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", required=True)
    parser.add_argument("--brp-url", required=True, help="the municipality's BRP application, for the official")
    parser.add_argument("--region")
    parser.add_argument("--root", type=Path, default=Path("static_site/dist"), help="the built site (make site)")
    arguments = parser.parse_args()
    if not (arguments.root / "bundle").is_dir():
        sys.exit(f"{arguments.root} has no bundle/: run `make site` first.")
    publish(arguments.stack, arguments.brp_url, arguments.root, arguments.region)


if __name__ == "__main__":
    main()
