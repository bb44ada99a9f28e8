"""``make bench``: cold start, warm latency, AWS calls, package size, cost and load, as one table.

    python -m bench                    # everything (a few minutes); JSON in bench/results/<timestamp>.json
    python -m bench --quick            # small numbers, for trying the machinery
    python -m bench --only cold_start,cost

Each measuring part runs in its own Python process (moto's state, the handlers' cached clients and stdout are
per process), writes JSON, and this module puts the parts together, adds the cost model and prints the table.
A part that fails is reported as failed and the rest still runs; the exit status is then 1.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.cost import add_cost
from bench.environment import REPO_ROOT
from bench.report import render

RESULTS = REPO_ROOT / "bench" / "results"
PARTS = ("cold_start", "latency", "size", "load")


def _arguments(part: str, quick: bool) -> list[str]:
    full = {
        "cold_start": ["--runs", "11"],  # ratios near a target move by a few hundredths between runs of 7
        "latency": ["--calls", "200", "--acs", "40", "--repeats", "5"],
        "size": [],
        "load": ["--residents", "200", "--deadline", "600", "--environments", "2"],
    }
    small = {
        "cold_start": ["--runs", "2"],
        "latency": ["--calls", "10", "--acs", "3", "--repeats", "1"],
        "size": [],
        "load": ["--residents", "200", "--deadline", "300", "--environments", "2"],
    }
    return (small if quick else full)[part]


def run_part(part: str, quick: bool, directory: Path) -> dict[str, Any]:
    """One part in its own process; its JSON, or ``{"error": ...}`` with the last lines it printed."""
    out = directory / f"{part}.json"
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our interpreter and our own module
        [sys.executable, "-m", f"bench.{part}", "--out", str(out), *_arguments(part, quick)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0 or not out.exists():
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        return {"error": " | ".join(lines[-2:]) or f"exit status {done.returncode}", "seconds": seconds}
    return {**json.loads(out.read_text(encoding="utf-8")), "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small numbers: proves the machinery, measures little")
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts of {', '.join(PARTS)}")
    parser.add_argument("--out", type=Path, default=None, help="JSON file (default: bench/results/<timestamp>.json)")
    args = parser.parse_args(argv)
    parts = [part.strip() for part in args.only.split(",") if part.strip()]
    unknown = sorted(set(parts) - set(PARTS) - {"cost"})
    if unknown:
        parser.error(f"unknown parts {unknown}")
    started = datetime.now(UTC)
    results: dict[str, Any] = {"started": started.isoformat(timespec="seconds"), "quick": args.quick}
    with tempfile.TemporaryDirectory(prefix="bench-") as directory:
        for part in PARTS:
            if part in parts:
                print(f"bench: {part} ...", file=sys.stderr, flush=True)
                results[part] = run_part(part, args.quick, Path(directory))
    try:
        add_cost(results)
    except Exception as exc:  # the measurements stay worth printing without the money
        results["cost"] = {"error": f"{type(exc).__name__}: {exc}"}
    out = args.out or RESULTS / f"{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(render(results))
    print(f"\nJSON: {out.relative_to(REPO_ROOT) if out.is_relative_to(REPO_ROOT) else out}")
    failed = [part for part in PARTS if isinstance(results.get(part), dict) and "error" in results[part]]
    load_errors = (results.get("load") or {}).get("errors", 0)
    return 1 if failed or load_errors else 0


if __name__ == "__main__":
    sys.exit(main())
