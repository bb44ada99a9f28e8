"""``python -m infrastructure.local [--port 3000]``: run the local stack until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from infrastructure.digid_simulator import SHAPES

from .digid import DigidSimulatorComponent
from .gateway import PortInUse
from .stack import REPO_ROOT, LocalStack, StackError
from .template import TemplateError

STATE_FILE = REPO_ROOT / ".local" / "stack.json"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m infrastructure.local",
        description="Run template.yaml locally: moto, the API handlers, the static site. Never deployable.",
    )
    parser.add_argument("--port", type=int, default=3000, help="gateway port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--isolated-moto", action="store_true", help="run moto in a child process")
    parser.add_argument(
        "--environments",
        type=int,
        default=4,
        help="execution environments per function, each a process (1: all in this process, one event at a time)",
    )
    parser.add_argument("--quiet", action="store_true", help="no request log lines")
    parser.add_argument(
        "--digid-shape",
        choices=SHAPES,
        default=None,
        help="how the DigiD simulator answers: logius (default, as Logius' examples) or broker (with Destination)",
    )
    parser.add_argument(
        "--digid-post-binding",
        action="store_true",
        help="accept DigiD answers by HTTP-POST too (template parameter DigidResponsePostBinding=enabled)",
    )
    return parser.parse_args(argv)


def _banner(stack: LocalStack) -> str:
    info = stack.info
    lines = [
        "",
        "Legitimatie bij beeldbellen - local stack (not for production)",
        f"  Site and API       {info['site_url']}/",
        f"  AWS (moto)         {info['aws_endpoint_url']}  region {info['region']}",
    ]
    if info.get("digid_simulator_url"):
        lines.append(f"  DigiD simulator    {info['digid_simulator_url']}")
    if info["official"]:
        lines += [
            f"  Test official      {info['official']['username']}  /  {info['official']['password']}",
            f"  User pool          {info['user_pool_id']}  app client {info['user_pool_client_id']}",
        ]
    lines += [
        f"  Table              {info['table_name']}",
        f"  State              {STATE_FILE}",
        "",
        "Ctrl-C stops everything.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    stack = LocalStack(
        port=args.port,
        state_file=STATE_FILE,
        isolated_moto=args.isolated_moto,
        environments=args.environments,
        components=[DigidSimulatorComponent(shape=args.digid_shape)],
        parameters={"DigidResponsePostBinding": "enabled"} if args.digid_post_binding else None,
    )
    try:
        stack.start()
    except PortInUse as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (TemplateError, StackError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    print(_banner(stack), flush=True)
    try:
        while not stop.wait(timeout=1):  # a timeout keeps the main thread responsive to signals
            pass
    finally:
        stack.stop()
    print("Local stack stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
