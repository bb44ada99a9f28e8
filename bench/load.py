"""Load: N residents at once through the local stack, end to end over HTTP (gateway, handlers, moto, simulator).

Run alone: ``python -m bench.load --out load.json [--residents 50 --deadline 240]``.

Half the residents go through flow A (log in without a session, get a case number and code), the other half
through flow B (an official creates a known-BSN session, the resident logs in, the codes must match). Every
identification that does not end on the result page with the right code counts as an error; so does one that
has not finished by the deadline. The local stack runs up to ``--environments`` execution environments per function
(processes, one event at a time each, as Lambda with that reserved concurrency; ``make bench`` uses 2, as this
machine has two cores and each new environment is a cold start competing for them) on this machine's cores, so
throughput here is a floor, not what Lambda would scale to; its listen backlog holds all residents' connections.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

__all__ = ["main", "run"]

BSNS = ("999993653", "999990019", "999991772")  # the simulator's test range; never printed
# Seconds a resident's browser (and the official's page) waits for one answer: minutes, as a browser does. The
# machine's two cores, not the stack, set how long 200 identifications at once take; the figures say how long.
PATIENCE_S = 300


def _flow_a(site_url: str, index: int) -> None:
    from infrastructure.local.clients import resident_login

    outcome = resident_login(site_url, None, BSNS[index % len(BSNS)], timeout=PATIENCE_S)
    if outcome.final_path != "/resultaat.html" or not outcome.result or not outcome.result.get("zaak_number"):
        raise RuntimeError(f"flow A ended on {outcome.final_path} {outcome.query.get('reden', '')}")


def _flow_b(site_url: str, token: str, index: int) -> None:
    import requests

    from infrastructure.local.clients import resident_login

    bsn = BSNS[index % len(BSNS)]
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {token}"
        created = http.post(f"{site_url}/api/sessions", json={"flow": "known_bsn", "bsn": bsn}, timeout=PATIENCE_S)
        if created.status_code != 201:
            raise RuntimeError(f"creating a session answered {created.status_code}")
        session = created.json()
        outcome = resident_login(site_url, session["id"], bsn, timeout=PATIENCE_S)
        if not outcome.result or outcome.result.get("code") != session["code"]:
            raise RuntimeError(f"flow B ended on {outcome.final_path} {outcome.query.get('reden', '')}")
        checked = http.post(
            f"{site_url}/api/sessions/{session['id']}/check", json={"code": session["code"]}, timeout=PATIENCE_S
        )
        if checked.status_code != 200 or not checked.json().get("match"):
            raise RuntimeError(f"the check answered {checked.status_code}")


def run(
    residents: int = 200, deadline_s: float = 240.0, workers: int | None = None, environments: int = 4
) -> dict[str, Any]:
    from bench.calls import percentile
    from bench.latency import LogCounter
    from infrastructure.local import LocalStack
    from infrastructure.local.clients import OfficialClient

    real_stdout, sys.stdout = sys.stdout, LogCounter()  # handler logs are not ours to print
    # nor are the execution environments' (processes that write to file descriptor 1)
    saved_fd = os.dup(1)
    with open(os.devnull, "wb") as devnull:
        os.dup2(devnull.fileno(), 1)
    try:
        with (
            tempfile.TemporaryDirectory(prefix="bench-load-") as state,
            LocalStack(
                port=0, isolated_moto=True, state_file=Path(state) / "stack.json", environments=environments
            ) as stack,
        ):
            token = OfficialClient(stack.info).token
            _flow_a(stack.site_url, 0)  # one identification first: the functions' cold starts are not load
            durations: list[float] = []
            errors: list[str] = []

            def identify(index: int) -> None:
                started = time.perf_counter()
                try:
                    if index % 2:
                        _flow_b(stack.site_url, token, index)
                    else:
                        _flow_a(stack.site_url, index)
                    durations.append(time.perf_counter() - started)
                except Exception as exc:
                    errors.append(f"{type(exc).__name__}: {exc}"[:200])

            started = time.perf_counter()
            pool = ThreadPoolExecutor(max_workers=workers or residents, thread_name_prefix="resident")
            futures = [pool.submit(identify, index) for index in range(residents)]
            done, not_done = wait(futures, timeout=deadline_s, return_when=FIRST_EXCEPTION)
            elapsed = time.perf_counter() - started
            for future in not_done:
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
            unfinished = len(not_done)
            examples = sorted(set(errors))[:3] + ([f"{unfinished} unfinished at the deadline"] if unfinished else [])
            return {
                "residents": residents,
                "concurrency": workers or residents,
                "environments_per_function": environments,
                "flows": "half A, half B (B: official creates, resident logs in, official checks)",
                "completed": len(durations),
                "errors": len(errors) + unfinished,
                "error_examples": examples,
                "elapsed_s": elapsed,
                "throughput_per_s": len(durations) / elapsed if elapsed else 0.0,
                "median_s": statistics.median(durations) if durations else float("nan"),
                "p50_s": percentile(durations, 0.50),
                "p95_s": percentile(durations, 0.95),
                "p99_s": percentile(durations, 0.99),
                "max_s": max(durations) if durations else float("nan"),
                "deadline_s": deadline_s,
                "done": len(done),
            }
    finally:
        os.dup2(saved_fd, 1)
        os.close(saved_fd)
        sys.stdout = real_stdout


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--deadline", type=float, default=240.0)
    parser.add_argument("--environments", type=int, default=4, help="execution environments per function")
    args = parser.parse_args(argv)
    result = run(args.residents, args.deadline, environments=args.environments)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
