"""Starting, stopping and starting again; stack.json; a taken port; the environment afterwards."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
import requests

from infrastructure.local import LocalStack, PortInUse, StackError

from .conftest import SampleProject, sample_stack_for

STACK_JSON_KEYS = {
    "site_url",
    "aws_endpoint_url",
    "region",
    "user_pool_id",
    "user_pool_client_id",
    "official",
    "table_name",
    "digid_simulator_url",
    "resources",
    "pid",
}


def test_stack_json_describes_the_running_stack_and_goes_away_when_it_stops(
    sample_project: SampleProject, tmp_path: Path
) -> None:
    # Given a stale file from an earlier run
    state_file = tmp_path / ".local" / "stack.json"
    state_file.parent.mkdir()
    state_file.write_text('{"site_url": "http://127.0.0.1:1"}')

    # When
    with sample_stack_for(sample_project, state_file=state_file) as stack:
        info = json.loads(state_file.read_text())

        # Then
        assert set(info) == STACK_JSON_KEYS
        assert info["site_url"] == stack.site_url
        assert info["aws_endpoint_url"] == stack.aws_endpoint_url
        assert info["region"] == "eu-west-1"
        assert info["user_pool_id"] == stack.user_pool_id
        assert info["user_pool_client_id"] == stack.user_pool_client_id
        assert info["official"] == {
            "username": "ambtenaar@voorbeeld.nl",
            "password": "Beeldbellen-Test-2026!",
            "name": "A. Ambtenaar",
        }
        assert info["table_name"] == "table-local"
        assert info["digid_simulator_url"] is None
        assert info["resources"]["Table"] == "table-local"
    assert not state_file.exists()


def test_a_taken_port_is_a_clear_error_and_leaves_nothing_behind(sample_project: SampleProject) -> None:
    # Given
    endpoint_before = os.environ.get("AWS_ENDPOINT_URL")
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]

        # When / Then
        with pytest.raises(PortInUse, match=f"Port {port}"):
            LocalStack(port=port, template_path=sample_project.template, components=[]).start()
    assert os.environ.get("AWS_ENDPOINT_URL") == endpoint_before


def test_a_second_stack_in_the_same_process_starts_fresh_and_the_environment_is_restored(
    sample_project: SampleProject,
) -> None:
    # Given
    table_before = os.environ.get("TABLE_NAME")

    # When two stacks run one after the other
    for _ in range(2):
        with sample_stack_for(sample_project) as stack:
            token = stack.login()
            response = requests.get(
                f"{stack.site_url}/api/things/1", headers={"Authorization": f"Bearer {token}"}, timeout=5
            )

            # Then each has its own moto state, and its handler its own cold start
            assert response.status_code == 200
            assert response.json()["environ"]["AWS_ENDPOINT_URL"] == stack.aws_endpoint_url
    assert os.environ.get("TABLE_NAME") == table_before


def test_only_one_stack_runs_per_process(sample_project: SampleProject) -> None:
    # Given
    with sample_stack_for(sample_project) as running:
        # When / Then
        with pytest.raises(StackError, match="already running"):
            sample_stack_for(sample_project).start()
        assert requests.get(f"{running.site_url}/", timeout=5).status_code == 200


def test_moto_can_run_in_a_child_process(sample_project: SampleProject) -> None:
    # When
    with sample_stack_for(sample_project, isolated_moto=True) as stack:
        token = stack.login()

        # Then
        response = requests.get(
            f"{stack.site_url}/api/things/1", headers={"Authorization": f"Bearer {token}"}, timeout=5
        )
        assert response.status_code == 200
