"""Cold start per function, in a Lambda-like layout: a fresh Python process imports the handler and serves its
first request.

Run alone: ``python -m bench.cold_start --out cold.json [--runs 11] [--python /path/to/python3.13]``.

The interpreter: the Lambda runtime's version where one is here (``--python``, or ``BENCH_PYTHON``, which
``make bench`` sets to the python3.13 of ``infrastructure/deploy/lambda_python.sh``), else the one running the bench
(the report's ``interpreter`` says which).

The layout (``"layout": "lambda"``): every function is built by ``functions/Makefile`` exactly as ``sam build``
builds it (same requirements, same exclusions, same bytecode step), for that interpreter's version and this
machine's platform instead of arm64, into a directory that plays /var/task. A second directory plays /var/runtime:
what the Lambda python runtime provides (boto3 and its dependencies, with their bytecode). The child runs with ``-S``
(no site-packages of this machine), ``PYTHONPATH=<task>:<runtime>`` and ``PYTHONDONTWRITEBYTECODE`` (/var/task is
read-only): a module the build shipped without bytecode is compiled on every run, as on Lambda.

moto runs as a server in its own process (``infrastructure.local.moto_server``) with the template's resources and
the DigiD configuration. Two floors, timed in the same layout: ``import boto3, aws_lambda_powertools``
(``floor_ms``), and that plus creating one client and making one call (``floor_with_first_call_ms``), which every
function's first request pays too. ``ratio_to_floor_with_call`` is a function's import plus first request over the
second floor, the median of runs paired with their own floor run (the machine's load changes, the ratio less so);
``ratio_to_floor_with_call_quartiles`` is the middle half of those runs. On a shared machine the median of 7 moved by
about 0.03 between bench runs: a ratio within that of a target is on the line, not met or missed.
Interpreter start-up, which Lambda also pays before our code, is left out of both.

``ratio_to_floor_with_call_cpu``: the same pairing with the CPU time of each process (``time.process_time``) instead
of the wall clock. On a machine shared with other work the wall clock measures the neighbours too (a paired floor run
slowed by them gives ratios below 1); CPU time does not count waiting, for the CPU or for moto's answers, so it is the
steadier figure for comparing two versions of the code on such a machine. Lambda bills and waits the wall clock.

"compile ms": what compiling the bundle's modules that the first request imports costs (this interpreter's
compiler, median of 3). It is what each cold start adds when the bundle ships no bytecode, as the 3.13 build does on
a machine without a python3.13 (see functions/Makefile).
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

__all__ = ["main", "run"]

# The first request of a fresh function, by the route it serves (the first route of the function in this list wins;
# a function with none of these gets its first HttpApi route, then its schedule, else an import-only run).
FIRST_REQUESTS: tuple[tuple[str, str, Any], ...] = (
    ("GET", "/digid/metadata", None),
    ("POST", "/api/sessions", {"flow": "handover"}),
    ("POST", "/api/sessions/{id}/check", {"code": "123456"}),
    ("POST", "/api/sessions/{id}/complete", {"outcome": "identified"}),
)

# What the Lambda python runtime provides, with bytecode (functions/Makefile leaves them out of the bundle).
LAMBDA_RUNTIME_DISTRIBUTIONS = ("boto3", "botocore", "s3transfer", "urllib3", "python-dateutil", "six", "jmespath")
FLOOR_FUNCTION = "SessionsFunction"  # whose bundle provides aws_lambda_powertools to the floor runs

_CHILD = r"""
import json, os, sys, time
spec, event = sys.argv[1], json.loads(sys.stdin.read() or "null")
out, sys.stdout = sys.stdout, open(os.devnull, "w")  # the handler's logs are not ours to print
started, started_cpu = time.perf_counter(), time.process_time()
if spec in ("floor", "floor+call"):
    import boto3, aws_lambda_powertools
    imported = time.perf_counter()
    if spec == "floor+call":
        boto3.client("dynamodb").list_tables(Limit=1)
    total_s, total_cpu_s = time.perf_counter() - started, time.process_time() - started_cpu
    out.write(json.dumps({"import_s": imported - started, "total_s": total_s, "total_cpu_s": total_cpu_s}))
    out.flush()
    sys.exit(0)
import importlib
module_name, _, name = spec.rpartition(".")
handler = getattr(importlib.import_module(module_name), name)
imported, imported_cpu = time.perf_counter(), time.process_time()
status = None
if event is not None:
    class Context:
        function_name = os.environ.get("BENCH_FUNCTION_NAME", "function")
        function_version = "$LATEST"
        memory_limit_in_mb = int(os.environ.get("BENCH_MEMORY_MB", "512"))
        invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:" + function_name
        aws_request_id = "00000000-0000-4000-8000-000000000000"
        def get_remaining_time_in_millis(self):
            return 10000
    response = handler(event, Context())
    status = response.get("statusCode") if isinstance(response, dict) else None
done, done_cpu = time.perf_counter(), time.process_time()
result = {"import_s": imported - started, "total_s": done - started, "status": status}
result["total_cpu_s"] = done_cpu - started_cpu
result["import_cpu_s"] = imported_cpu - started_cpu
if event is not None and os.environ.get("BENCH_AGAIN"):
    # the same request once more, warm: what the first one did beyond it is the cold start's work after INIT
    handler(event, Context())
    result["again_cpu_s"] = time.process_time() - done_cpu
with open("/proc/self/status") as status:  # the peak resident memory (ru_maxrss would carry the parent's over exec)
    result["max_rss_kb"] = next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
if os.environ.get("BENCH_LIST_SOURCES"):
    task = os.path.realpath(os.environ["BENCH_LIST_SOURCES"]) + os.sep
    result["bundle_sources"] = sorted(
        path for path in (os.path.realpath(getattr(m, "__file__", None) or "") for m in list(sys.modules.values()))
        if path.startswith(task) and path.endswith(".py")
    )
out.write(json.dumps(result))
out.flush()  # not left to the exit: the handler's gc.freeze() (runtime/observability.py) may keep it from closing
"""


def _first_event(deployment: Any, function: Any) -> tuple[str, Any]:
    """A description and the event of the function's first request (None: import only)."""
    from bench.environment import http_event, schedule_event

    own = [route for route in deployment.routes if route.function.logical_id == function.logical_id]
    for method, path, body in FIRST_REQUESTS:
        for route in own:
            if route.method == method and route.path == path:
                concrete = path.replace("{id}", str(uuid.uuid4()))
                return f"{method} {path}", http_event(route, concrete, body=body)
    if own:
        route = own[0]
        concrete = route.path
        for segment in route.segments:
            if segment.startswith("{"):
                concrete = concrete.replace(segment, str(uuid.uuid4()))
        return route.route_key, http_event(route, concrete)
    if function.schedules:
        return "schedule", schedule_event()
    if _subscribed_to_logs(deployment, function.logical_id):
        return "CloudWatch Logs batch, one audit line", _logs_event()
    return "import only", None


def _subscribed_to_logs(deployment: Any, logical_id: str) -> bool:
    """Whether a subscription filter of the template delivers log batches to this function."""
    for _id, resource in deployment.template.resources_of_type("AWS::Logs::SubscriptionFilter"):
        destination = (resource.get("Properties") or {}).get("DestinationArn")
        if isinstance(destination, dict) and logical_id in json.dumps(destination):
            return True
    return False


def _logs_event() -> dict[str, Any]:
    """A batch of one audit line as CloudWatch Logs delivers it to a subscribed function, gzip and base64."""
    line = json.dumps({"log_type": "audit", "action": "session_created", "session_id": str(uuid.uuid4())})
    batch = {
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": "/aws/lambda/bench-sessions",
        "logStream": f"2026/01/01/[$LATEST]{uuid.uuid4().hex}",  # a new stream: the forwarder creates it
        "subscriptionFilters": ["audit"],
        "logEvents": [{"id": "1", "timestamp": int(time.time() * 1000), "message": line}],
    }
    return {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(batch).encode())).decode()}}


def _child(
    spec: str, event: Any, environment: dict[str, str], importtime: bool = False, beyond: frozenset[str] = frozenset()
) -> dict[str, Any]:
    interpreter = environment["BENCH_INTERPRETER"]
    command = [interpreter, "-S", *(["-X", "importtime"] if importtime else []), "-c", _CHILD, spec]
    done = subprocess.run(  # noqa: S603 - our interpreter, a fixed script
        command, input=json.dumps(event), capture_output=True, text=True, env=environment, timeout=120, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"cold start child for {spec} failed: {done.stderr.strip().splitlines()[-1:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    if importtime:
        modules = _import_times(done.stderr)
        result["modules"] = frozenset(modules)
        result["by_package_ms"] = _by_package({name: ms for name, ms in modules.items() if name not in beyond})
    return result


def _import_times(stderr: str) -> dict[str, float]:
    """``-X importtime``: each module's own import time in ms."""
    times: dict[str, float] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        try:
            self_us, _cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
            times[name] = int(self_us) / 1000
        except ValueError:
            continue
    return times


def _by_package(times: dict[str, float]) -> dict[str, float]:
    """Module times summed per top-level package, the largest eight first."""
    totals: dict[str, float] = defaultdict(float)
    for name, ms in times.items():
        totals[name.split(".")[0]] += ms
    return dict(sorted(totals.items(), key=lambda item: -item[1])[:8])


def _compile_ms(sources: list[str]) -> float:
    """Compiling these bundle sources with this interpreter's compiler (median of 3), ms."""
    texts = [(origin, Path(origin).read_bytes()) for origin in sources]
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        for origin, source in texts:
            compile(source, origin, "exec", dont_inherit=True)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def _quartiles(values: list[float]) -> list[float]:
    """The first and third quartile of ``values`` (both the one value when there is one)."""
    if len(values) < 2:
        return [values[0], values[0]] if values else []
    first, _median, third = statistics.quantiles(values, n=4, method="inclusive")
    return [first, third]


def interpreter_version(interpreter: str) -> str:
    """``major.minor`` of an interpreter."""
    done = subprocess.run(  # noqa: S603 - an interpreter we were given, a fixed script
        [interpreter, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return done.stdout.strip()


def build_lambda_layout(
    functions: dict[str, Any], directory: Path, interpreter: str = sys.executable
) -> tuple[dict[str, Path], Path]:
    """Each function built by functions/Makefile for ``interpreter`` (its bytecode step included), and the runtime.

    Returns the task directory per function and the runtime directory.
    """
    import sysconfig

    from bench.environment import REPO_ROOT

    version = interpreter_version(interpreter)
    machine = sysconfig.get_platform().split("-", 1)[-1]  # x86_64, aarch64
    platforms = f"manylinux_2_28_{machine} manylinux_2_17_{machine} manylinux2014_{machine}"
    make = shutil.which("make")
    if make is None:
        raise RuntimeError("the Lambda layout is built with make, which is not installed")
    tasks = {}
    for logical_id in sorted(functions):
        task = directory / "task" / logical_id
        done = subprocess.run(  # noqa: S603 - make with our own Makefile
            [
                make,
                "--no-print-directory",
                "-C",
                str(REPO_ROOT / "functions"),
                f"build-{logical_id}",
                f"ARTIFACTS_DIR={task}",
                f"PYTHON={sys.executable}",
                f"BYTECODE_PYTHON={interpreter}",
                f"LAMBDA_PYTHON_VERSION={version}",
                f"LAMBDA_PLATFORMS={platforms}",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"building {logical_id} failed: {done.stderr.strip().splitlines()[-3:]}")
        tasks[logical_id] = task
    runtime = directory / "runtime"
    runtime.mkdir(parents=True)
    _install_runtime_packages(runtime, interpreter, version)
    return tasks, runtime


def _install_runtime_packages(runtime: Path, interpreter: str, version: str) -> None:
    """What the Lambda python runtime provides, at the versions installed here, with ``interpreter``'s bytecode."""
    from importlib import metadata

    pins = [f"{name}=={metadata.version(name)}" for name in LAMBDA_RUNTIME_DISTRIBUTIONS]
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps"]
    subprocess.run(  # noqa: S603 - pip of this interpreter, pinned pure-Python wheels
        [*pip, "--only-binary=:all:", "--python-version", version, "--no-compile", "--target", str(runtime), *pins],
        check=True,
        capture_output=True,
        timeout=600,
    )
    subprocess.run(  # noqa: S603 - the interpreter that runs the children writes their bytecode
        [interpreter, "-m", "compileall", "-q", "-j", "0", str(runtime)], check=True, capture_output=True, timeout=600
    )


def _base_environment(endpoint_url: str) -> dict[str, str]:
    """No AWS or Python settings of this shell; no bytecode written (Lambda's /var/task is read-only)."""
    from bench.environment import aws_environment

    keep = {name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "PYTHON"))}
    return {**keep, **aws_environment(endpoint_url), "PYTHONDONTWRITEBYTECODE": "1"}


def run(runs: int = 11, interpreter: str | None = None) -> dict[str, Any]:
    import boto3

    from bench.environment import FAKE_CREDENTIALS, REGION, provision
    from infrastructure.local.moto_server import MotoServer

    moto = MotoServer(isolated=True)
    endpoint = moto.start()
    layout = tempfile.TemporaryDirectory(prefix="bench-lambda-layout-")
    try:

        def client(service: str) -> Any:
            return boto3.client(
                service,
                endpoint_url=endpoint,
                region_name=REGION,
                aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            )

        deployment = provision(client)
        deployment.stop()  # the simulator is not needed: the DigiD function's first request is its metadata
        for function in deployment.functions.values():  # not emulated by the local stack; the forwarder writes to it
            if "AUDIT_LOG_GROUP" in function.environment:
                client("logs").create_log_group(logGroupName=function.environment["AUDIT_LOG_GROUP"])
        interpreter = interpreter or os.environ.get("BENCH_PYTHON") or sys.executable
        version = interpreter_version(interpreter)
        tasks, runtime = build_lambda_layout(deployment.functions, Path(layout.name), interpreter)
        base = {**_base_environment(endpoint), "BENCH_INTERPRETER": interpreter}
        floor_environment = {**base, "PYTHONPATH": f"{tasks[FLOOR_FUNCTION]}{os.pathsep}{runtime}"}
        plans = {}
        for logical_id, function in sorted(deployment.functions.items()):
            request, event = _first_event(deployment, function)
            environment = {
                **base,
                **function.environment,
                "PYTHONPATH": f"{tasks[logical_id]}{os.pathsep}{runtime}",
                "BENCH_FUNCTION_NAME": function.name,
                "BENCH_MEMORY_MB": str(function.memory_mb),
                "BENCH_AGAIN": "1",
            }
            plans[logical_id] = (function, request, event, environment)
        floor: list[float] = []
        floor_call: list[float] = []
        floor_call_cpu: list[float] = []
        samples: dict[str, list[dict[str, Any]]] = defaultdict(list)
        ratios: dict[str, list[float]] = defaultdict(list)
        ratios_with_call: dict[str, list[float]] = defaultdict(list)
        ratios_with_call_cpu: dict[str, list[float]] = defaultdict(list)
        _child("floor+call", None, floor_environment)  # a first, discarded run of each warms the page cache
        for function, _request, event, environment in plans.values():
            _child(function.handler, event, environment)
        for _ in range(runs):
            for logical_id, (function, _request, event, environment) in plans.items():
                # each function right after its own floor runs: the machine's load changes, the ratio less so
                floors = _child("floor+call", None, floor_environment)
                floor.append(floors["import_s"])
                floor_call.append(floors["total_s"])
                floor_call_cpu.append(floors["total_cpu_s"])
                samples[logical_id].append(_child(function.handler, event, environment))
                total = samples[logical_id][-1].get("total_s", 0.0)
                ratios[logical_id].append(total / floor[-1])
                ratios_with_call[logical_id].append(total / floor_call[-1])
                total_cpu = samples[logical_id][-1]["total_cpu_s"]
                ratios_with_call_cpu[logical_id].append(total_cpu / floor_call_cpu[-1])
        floor_modules = _child("floor", None, floor_environment, importtime=True)["modules"]
        functions = {}
        for logical_id, (function, request, event, environment) in plans.items():
            listing = {**environment, "BENCH_LIST_SOURCES": str(tasks[logical_id])}
            profile = _child(function.handler, event, listing, True, floor_modules)
            total_ms = statistics.median(sample.get("total_s", sample["import_s"]) for sample in samples[logical_id])
            total_ms *= 1000
            functions[logical_id] = {
                "handler": function.handler,
                "layout": "lambda",
                "memory_mb": function.memory_mb,
                "first_request": request,
                "status": samples[logical_id][-1].get("status"),
                "import_ms": statistics.median(sample["import_s"] for sample in samples[logical_id]) * 1000,
                # Lambda's INIT is the import (bench.cost bills it at full CPU); what the first request does beyond
                # the same request warm runs in the first invocation, at the memory's CPU share
                "first_invocation_extra_cpu_ms": statistics.median(
                    max(0.0, sample["total_cpu_s"] - sample["import_cpu_s"] - sample.get("again_cpu_s", 0.0))
                    for sample in samples[logical_id]
                )
                * 1000,
                "max_rss_mb": max(sample["max_rss_kb"] for sample in samples[logical_id]) / 1024,
                "first_request_ms": total_ms,
                "ratio_to_floor_with_call": statistics.median(ratios_with_call[logical_id]),
                # the middle half of the paired runs: what the machine's load moves the median by
                "ratio_to_floor_with_call_quartiles": _quartiles(ratios_with_call[logical_id]),
                "ratio_to_floor_with_call_cpu": statistics.median(ratios_with_call_cpu[logical_id]),
                "first_request_cpu_ms": statistics.median(sample["total_cpu_s"] for sample in samples[logical_id])
                * 1000,
                "ratio_to_floor": statistics.median(ratios[logical_id]),  # the median of the paired runs' ratios
                "best_ratio_to_floor": min(sample["total_s"] for sample in samples[logical_id]) / min(floor),
                "best_ratio_to_floor_with_call": min(sample["total_s"] for sample in samples[logical_id])
                / min(floor_call),
                # what this function imports beyond the floor's modules, by package (one -X importtime run)
                "imports_beyond_floor_ms": profile["by_package_ms"],
                "bundle_modules": len(profile.get("bundle_sources", [])),
                "compile_ms": _compile_ms(profile.get("bundle_sources", [])),
            }
        return {
            "runs": runs,
            "layout": "lambda",
            "interpreter": f"{interpreter} ({version})",
            "bytecode": (
                f"shipped: compiled at build by python{version}, the interpreter that runs it (functions/Makefile; "
                "make build gets a python3.13 from infrastructure/deploy/lambda_python.sh). compile_ms is what each "
                "cold start would add without it (compiled by the bench's own interpreter)"
            ),
            "floor_ms": statistics.median(floor) * 1000,
            "floor_with_first_call_ms": statistics.median(floor_call) * 1000,
            "floor_with_first_call_cpu_ms": statistics.median(floor_call_cpu) * 1000,
            "functions": functions,
        }
    finally:
        moto.stop()
        layout.cleanup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--python", help="the interpreter of the cold starts (default: BENCH_PYTHON, else this one)")
    args = parser.parse_args(argv)
    args.out.write_text(json.dumps(run(args.runs, args.python), indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
