"""Deployment package size per function (and layer), as ``sam build`` makes it with ``BuildMethod: makefile``.

Run alone: ``python -m bench.size --out size.json``.

Each function's ``build-<LogicalId>`` target in ``functions/Makefile`` runs into a temporary ARTIFACTS_DIR (it
pip-installs the aarch64 wheels from the index); the result is measured unzipped and zipped (deflate, as
``sam deploy`` uploads it). Sizes are cached under ``.local/bench-size/`` by a hash of everything the build reads.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from bench.environment import REPO_ROOT

__all__ = ["main", "measure", "package_sizes", "run"]

CACHE = REPO_ROOT / ".local" / "bench-size"
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024  # bytes, function and layers together
_BUILDABLE = ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion")


def package_sizes(directory: Path) -> dict[str, int]:
    """Unzipped bytes, zipped bytes and file count of a build directory."""
    files = sorted(path for path in directory.rglob("*") if path.is_file())
    with tempfile.TemporaryFile() as handle:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                archive.write(path, path.relative_to(directory).as_posix())
        zipped = handle.tell()
    return {"unzipped_bytes": sum(path.stat().st_size for path in files), "zipped_bytes": zipped, "files": len(files)}


def _inputs_hash(code_dir: Path, makefile: Path, package: str | None) -> str:
    """Everything the build target reads: the Makefile, the shared core, the function's package."""
    digest = hashlib.sha256(makefile.read_bytes())
    roots = [code_dir / "legitimatie", code_dir / package] if package else [code_dir]
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(code_dir).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def measure(logical_id: str, code_dir: Path, package: str | None, python: str) -> dict[str, Any]:
    """Build one function with its Makefile target (cached by input hash) and measure it."""
    makefile = code_dir / "Makefile"
    key = f"{logical_id}-{_inputs_hash(code_dir, makefile, package)}"
    cached = CACHE / f"{key}.json"
    if cached.exists():
        return {**json.loads(cached.read_text()), "cached": True}
    with tempfile.TemporaryDirectory(prefix=f"bench-build-{logical_id}-") as artifacts:
        target = [f"build-{logical_id}", f"ARTIFACTS_DIR={artifacts}", f"PYTHON={python}"]
        done = subprocess.run(  # noqa: S603 - make with our own Makefile
            ["make", "-s", "-C", str(code_dir), *target],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            tail = done.stderr.strip().splitlines()[-3:]
            return {"error": f"make build-{logical_id} failed: {' | '.join(tail)}"}
        sizes = package_sizes(Path(artifacts))
    CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps(sizes) + "\n")
    return {**sizes, "cached": False}


def run(python: str | None = None) -> dict[str, Any]:
    """Every function and layer of template.yaml built with ``BuildMethod: makefile``."""
    from infrastructure.local.template import Template

    template = Template.load(REPO_ROOT / "template.yaml")
    defaults = template.globals.get("Function") or {}
    results: dict[str, Any] = {}
    for logical_id, resource in template.resources_of_type(*_BUILDABLE):
        properties = resource.get("Properties") or {}
        if (resource.get("Metadata") or {}).get("BuildMethod") != "makefile":
            results[logical_id] = {"error": "not built with BuildMethod: makefile; not measured"}
            continue
        code_uri = properties.get("CodeUri", properties.get("ContentUri", defaults.get("CodeUri")))
        handler = properties.get("Handler", defaults.get("Handler"))
        package = str(handler).split(".")[0] if handler else None
        results[logical_id] = measure(
            logical_id, (template.directory / str(code_uri)).resolve(), package, python or sys.executable
        )
    return {"packages": results, "unzipped_limit_bytes": LAMBDA_UNZIPPED_LIMIT}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--python", default=os.environ.get("BENCH_BUILD_PYTHON"))
    args = parser.parse_args(argv)
    args.out.write_text(json.dumps(run(args.python), indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
