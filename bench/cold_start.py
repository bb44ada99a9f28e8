"""Cold start per function: a fresh Python process imports the handler module and serves its first request.

Run alone: ``python -m bench.cold_start --out cold.json [--runs 7]``.

moto runs as a server in its own process (``infrastructure.local.moto_server``) with the template's resources and
the DigiD configuration; the child process gets the function's environment from template.yaml plus
``AWS_ENDPOINT_URL`` and imports only what the handler imports (boto3, Powertools, ...): moto's own import is
never counted. The floor is a child that does nothing but ``import boto3, aws_lambda_powertools`` (and, for the
notes, one that also creates a DynamoDB client and makes one call). All are timed inside the child, so interpreter
start-up (which Lambda also pays before our code) is left out. Bytecode is cached (in a directory of the
benchmark's own) after a first discarded run. Lambda has no bytecode for what the package bundles (the build cannot
write 3.13 bytecode), so "compile ms" estimates what compiling the modules beyond the floor adds to a real cold
start: the time this interpreter takes to compile their sources.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import os
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
    ("POST", "/api/sessions/{id}/complete", None),
)

# In the Lambda Python runtime, with bytecode (our requirements.txt files leave them out of the package).
LAMBDA_RUNTIME_PACKAGES = frozenset({"boto3", "botocore", "s3transfer", "urllib3", "dateutil", "six"})

_CHILD = r"""
import json, os, sys, time
spec, event = sys.argv[1], json.loads(sys.stdin.read() or "null")
out, sys.stdout = sys.stdout, open(os.devnull, "w")  # the handler's logs are not ours to print
started = time.perf_counter()
if spec in ("floor", "floor+call"):
    import boto3, aws_lambda_powertools
    imported = time.perf_counter()
    if spec == "floor+call":
        boto3.client("dynamodb").list_tables(Limit=1)
    out.write(json.dumps({"import_s": imported - started, "total_s": time.perf_counter() - started}))
    sys.exit(0)
import importlib
module_name, _, name = spec.rpartition(".")
handler = getattr(importlib.import_module(module_name), name)
imported = time.perf_counter()
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
done = time.perf_counter()
out.write(json.dumps({"import_s": imported - started, "total_s": done - started, "status": status}))
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
        return "CloudWatch Logs control message", _logs_event()
    return "import only", None


def _subscribed_to_logs(deployment: Any, logical_id: str) -> bool:
    """Whether a subscription filter of the template delivers log batches to this function."""
    for _id, resource in deployment.template.resources_of_type("AWS::Logs::SubscriptionFilter"):
        destination = (resource.get("Properties") or {}).get("DestinationArn")
        if isinstance(destination, dict) and logical_id in json.dumps(destination):
            return True
    return False


def _logs_event() -> dict[str, Any]:
    """What CloudWatch Logs sends first to a subscribed function: a control message, gzip and base64."""
    batch = {"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "", "logEvents": []}
    return {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(batch).encode())).decode()}}


def _child(
    spec: str, event: Any, environment: dict[str, str], importtime: bool = False, beyond: frozenset[str] = frozenset()
) -> dict[str, Any]:
    command = [sys.executable, *(["-X", "importtime"] if importtime else []), "-c", _CHILD, spec]
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


def _compile_ms(modules: frozenset[str], code_dir: str) -> float:
    """Compiling the sources of ``modules`` that the package bundles (this interpreter's compiler; median of 3), ms.

    The standard library and what the Lambda runtime provides come with bytecode there and are left out.
    """
    import importlib.util
    import sysconfig

    stdlib = tuple(str(Path(sysconfig.get_paths()[key]).resolve()) for key in ("stdlib", "platstdlib"))
    sources = []
    sys.path.insert(0, code_dir)
    try:
        for name in sorted(modules):
            try:
                spec = importlib.util.find_spec(name)
            except (ImportError, ValueError):
                continue
            if spec is None or not spec.origin or not spec.origin.endswith(".py"):
                continue
            in_runtime = name.split(".")[0] in LAMBDA_RUNTIME_PACKAGES
            if not in_runtime and not str(Path(spec.origin).resolve()).startswith(stdlib):
                sources.append((spec.origin, Path(spec.origin).read_bytes()))
    finally:
        sys.path.remove(code_dir)
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        for origin, source in sources:
            compile(source, origin, "exec", dont_inherit=True)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def _base_environment(endpoint_url: str, bytecode_cache: str) -> dict[str, str]:
    """No AWS settings of this shell; bytecode in a cache of the benchmark's own, never next to the sources."""
    from bench.environment import aws_environment

    keep = {name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "PYTHON"))}
    return {**keep, **aws_environment(endpoint_url), "PYTHONPYCACHEPREFIX": bytecode_cache}


def run(runs: int = 7) -> dict[str, Any]:
    import boto3

    from bench.environment import FAKE_CREDENTIALS, REGION, provision
    from infrastructure.local.moto_server import MotoServer

    moto = MotoServer(isolated=True)
    endpoint = moto.start()
    bytecode_cache = tempfile.TemporaryDirectory(prefix="bench-pycache-")
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
        base = _base_environment(endpoint, bytecode_cache.name)
        plans = {}
        for logical_id, function in sorted(deployment.functions.items()):
            request, event = _first_event(deployment, function)
            environment = {
                **base,
                **function.environment,
                "PYTHONPATH": str(function.code_dir),
                "BENCH_FUNCTION_NAME": function.name,
                "BENCH_MEMORY_MB": str(function.memory_mb),
            }
            plans[logical_id] = (function, request, event, environment)
        floor: list[float] = []
        floor_call: list[float] = []
        samples: dict[str, list[dict[str, Any]]] = defaultdict(list)
        ratios: dict[str, list[float]] = defaultdict(list)
        _child("floor+call", None, base)  # a first, discarded run of each fills the bytecode cache
        for function, _request, event, environment in plans.values():
            _child(function.handler, event, environment)
        for _ in range(runs):
            floor_call.append(_child("floor+call", None, base)["total_s"])
            for logical_id, (function, _request, event, environment) in plans.items():
                # each function right after its own floor run: the machine's load changes, the ratio less so
                floor.append(_child("floor", None, base)["import_s"])
                samples[logical_id].append(_child(function.handler, event, environment))
                ratios[logical_id].append(samples[logical_id][-1].get("total_s", 0.0) / floor[-1])
        floor_ms = statistics.median(floor) * 1000
        floor_modules = _child("floor", None, base, importtime=True)["modules"]
        functions = {}
        for logical_id, (function, request, event, environment) in plans.items():
            profile = _child(function.handler, event, environment, True, floor_modules)
            total_ms = statistics.median(sample.get("total_s", sample["import_s"]) for sample in samples[logical_id])
            total_ms *= 1000
            functions[logical_id] = {
                "handler": function.handler,
                "memory_mb": function.memory_mb,
                "first_request": request,
                "status": samples[logical_id][-1].get("status"),
                "import_ms": statistics.median(sample["import_s"] for sample in samples[logical_id]) * 1000,
                "first_request_ms": total_ms,
                "ratio_to_floor": statistics.median(ratios[logical_id]),  # the median of the paired runs' ratios
                "best_ratio_to_floor": min(sample["total_s"] for sample in samples[logical_id]) / min(floor),
                # what this function imports beyond the floor's modules, by package (one -X importtime run)
                "imports_beyond_floor_ms": profile["by_package_ms"],
                "compile_ms": _compile_ms(profile["modules"] - floor_modules, str(function.code_dir)),
            }
        return {
            "runs": runs,
            "floor_ms": floor_ms,
            # for the notes: the floor plus creating one client and making one call, which every function pays
            "floor_with_first_call_ms": statistics.median(floor_call) * 1000,
            "functions": functions,
        }
    finally:
        moto.stop()
        bytecode_cache.cleanup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    args.out.write_text(json.dumps(run(args.runs), indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
