"""Several execution environments per function (issue 13): processes, one event at a time each, own module state."""

from __future__ import annotations

import json
import os
import textwrap
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from tests.stack.conftest import SampleProject, sample_stack_for

# Counts its invocations in module state and holds each event long enough for the others to arrive.
COUNTING_HANDLER = textwrap.dedent("""\
    import json
    import os
    import time

    invocations = 0


    def lambda_handler(event, context):
        global invocations
        kind = event["pathParameters"]["kind"]
        if kind.startswith("boom"):
            raise RuntimeError("failed on purpose")
        invocations += 1
        time.sleep(0.4)
        body = {"kind": kind, "pid": os.getpid(), "invocations": invocations, "request": context.aws_request_id}
        return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}
""")


def get(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=60) as answer:  # noqa: S310 - our own stack on 127.0.0.1
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_concurrent_events_run_in_separate_environments_each_with_its_own_module_state(
    sample_project: SampleProject,
) -> None:
    (sample_project.root / "fns" / "echo_fn" / "handler.py").write_text(COUNTING_HANDLER)
    # Given a stack with two execution environments per function
    with sample_stack_for(sample_project, environments=2) as stack:
        # When six events arrive at once
        kinds = [f"event-{index}" for index in range(6)]
        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(lambda kind: get(f"{stack.site_url}/api/public/shaped/{kind}"), kinds))
        # Then each answer is for its own event (no event seen by another invocation) ...
        assert [status for status, _ in answers] == [200] * 6
        assert [body["kind"] for _, body in answers] == kinds
        # ... they ran in exactly two processes other than the stack's, one event at a time each ...
        pids = {body["pid"] for _, body in answers}
        assert len(pids) == 2 and os.getpid() not in pids
        # ... and each process counted only its own invocations (module state per environment)
        for pid in pids:
            counts = sorted(int(str(body["invocations"])) for _, body in answers if body["pid"] == pid)
            assert counts == list(range(1, len(counts) + 1))
        # And a handler that raises is a 500 without losing the environment
        status, body = get(f"{stack.site_url}/api/public/shaped/boom")
        assert status == 500 and body["error"] == "internal_error"
        assert get(f"{stack.site_url}/api/public/shaped/after")[0] == 200
