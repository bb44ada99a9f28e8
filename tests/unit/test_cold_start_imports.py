"""What a cold start loads (issue 13): only the Powertools resolver we use, and boto3 clients only when called.

Each check runs in a fresh interpreter: this test process has imported half the world already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
from moto import mock_aws

from legitimatie.runtime.aws import LazyClient

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"


def fresh(script: str) -> dict[str, object]:
    environment = {**os.environ, "PYTHONPATH": str(FUNCTIONS), "AWS_DEFAULT_REGION": "eu-west-1"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environment, timeout=120, check=True
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_api_handlers_load_the_api_gateway_resolver_without_the_rest_of_powertools_event_handler() -> None:
    # Given a fresh interpreter
    # When the two handlers that use Powertools' Response import, and then someone asks for the whole package
    result = fresh(
        "import json, sys\n"
        "import sessions.handler, digid.handler\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('aws_lambda_powertools.event_handler.'))\n"
        "before = {'appsync': 'aws_lambda_powertools.event_handler.appsync' in sys.modules,"
        " 'asyncio': 'asyncio' in sys.modules}\n"
        "from aws_lambda_powertools.event_handler import AppSyncResolver, APIGatewayHttpResolver\n"
        "from legitimatie.runtime.http import APIGatewayHttpResolver as ours\n"
        "print(json.dumps({**before, 'same': ours is APIGatewayHttpResolver, 'whole': AppSyncResolver.__name__}))\n"
    )
    # Then AppSync and asyncio were not loaded by our handlers, and the whole package still works when asked for
    assert result == {"appsync": False, "asyncio": False, "same": True, "whole": "AppSyncResolver"}


def test_the_init_loads_the_models_every_route_needs_and_leaves_the_clients_to_first_use() -> None:
    # Given each function's handler module and the services every one of its routes calls
    every_route = {
        "sessions": ["dynamodb"],
        "code_check": ["dynamodb"],
        "outcome": ["dynamodb"],
        "live": ["dynamodb"],
        "proofs": ["dynamodb"],
        "digid": ["secretsmanager", "ssm"],
        "audit_forwarder": ["logs"],
    }
    for package, services in every_route.items():
        # When it is imported in a fresh interpreter (Lambda's INIT, which runs at a full vCPU)
        result = fresh(
            "import json, boto3\n"
            f"import {package}.handler\n"
            "from legitimatie.runtime.aws import aws_client\n"
            "session = boto3.DEFAULT_SESSION\n"
            "cache = session._session.get_component('data_loader')._cache if session else {}\n"
            "models = sorted({key[1] for key in cache if key[0] == 'load_service_model'})\n"
            "print(json.dumps({'models': models, 'clients': aws_client.cache_info().currsize}))\n"
        )
        # Then boto3 holds those services' models, and nothing else; the requests' clients are not made yet
        assert result == {"models": services, "clients": 0}, package


def test_an_aws_client_is_created_when_first_used_and_then_reused(monkeypatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    created: list[str] = []
    real_client = boto3.client

    def counting_client(service: str, **options: object) -> object:
        created.append(service)
        return real_client(service, **options)  # type: ignore[call-overload]

    monkeypatch.setattr(boto3, "client", counting_client)
    with mock_aws():
        # Given a client handed out for KMS
        kms = LazyClient("kms")
        # When nothing uses it, no boto3 client exists
        assert not kms.created and created == []
        # When it is used twice
        kms.create_key(Description="a")
        kms.list_keys()
        # Then one real client was created, on the first use, and it answered both
        assert created == ["kms"] and kms.created
        assert len(kms.list_keys()["Keys"]) == 1


def test_the_handlers_without_a_request_model_load_neither_pydantic_nor_every_event_data_class() -> None:
    # Given a fresh interpreter
    # When the handlers whose routes parse no JSON body import, and one event data class is asked for by name
    result = fresh(
        "import json, sys\n"
        "import live.handler, proofs.handler, digid.handler\n"
        "before = {'pydantic': 'pydantic' in sys.modules,"
        " 'appsync_event': 'aws_lambda_powertools.utilities.data_classes.appsync_resolver_event' in sys.modules}\n"
        "from aws_lambda_powertools.utilities.data_classes import SQSEvent, SESEvent\n"
        "print(json.dumps({**before, 'named': [SQSEvent.__name__, SESEvent.__name__]}))\n"
    )
    # Then pydantic and the data classes api_gateway does not use were not loaded; named ones still load
    assert result == {"pydantic": False, "appsync_event": False, "named": ["SQSEvent", "SESEvent"]}


def test_the_handlers_with_a_request_model_validate_bodies_without_pydantic_or_its_core_schema_module() -> None:
    # Given a fresh interpreter
    # When the handlers that validate JSON bodies import, and each accepts one body and refuses another
    result = fresh(
        "import json, sys\n"
        "import sessions.handler as s, code_check.handler as c, outcome.handler as o\n"
        "from legitimatie.errors import InvalidInput\n"
        "accepted = [s.CREATE_SESSION.validate({'flow': 'handover'}), c.CHECK.validate({'code': '358974'}),"
        " o.COMPLETE.validate({'outcome': 'identified'})]\n"
        "refused = []\n"
        "for body, data in ((s.CREATE_SESSION, {'flow': 'x'}), (c.CHECK, {}), (o.COMPLETE, {'outcome': 'identified', 'reason': ''})):\n"
        "    try:\n"
        "        body.validate(data)\n"
        "    except InvalidInput as exc:\n"
        "        refused.append(exc.message)\n"
        "loaded = {'pydantic': 'pydantic' in sys.modules, 'core_schema': 'pydantic_core.core_schema' in sys.modules}\n"
        "print(json.dumps({**loaded, 'accepted': accepted, 'refused': refused}))\n"
    )
    # Then neither pydantic nor pydantic_core's core_schema was loaded, and the validators answered
    assert result == {
        "pydantic": False,
        "core_schema": False,
        "accepted": [
            {"flow": "handover", "bsn": None, "required_loa": None},
            {"code": "358974"},
            {"outcome": "identified", "reason": None, "zaak_url": None},
        ],
        "refused": [
            "The request has invalid or missing fields: flow.",
            "The request has invalid or missing fields: code.",
            "The request has invalid or missing fields: reason.",
        ],
    }


def test_only_a_close_loads_the_proofs_modules() -> None:
    # Given a fresh interpreter
    # When the handlers that make no proof import (their services' module holds the close too)
    result = fresh(
        "import json, sys\n"
        "import sessions.handler, code_check.handler\n"
        "before = sorted(m for m in sys.modules if m.startswith(('legitimatie.proofs', 'legitimatie.adapters.sqs')))\n"
        "import outcome.handler\n"
        "after = 'legitimatie.proofs.model' in sys.modules\n"
        "print(json.dumps({'before': before, 'outcome': after}))\n"
    )
    # Then no proofs module was loaded until the function that closes sessions was
    assert result == {"before": [], "outcome": True}


def test_a_close_does_not_load_the_sweeps_resend_of_pending_proofs() -> None:
    # Given a fresh interpreter
    # When the outcome handler imports (its close), and then its schedule's module
    result = fresh(
        "import json, sys\n"
        "import outcome.handler\n"
        "resend = ('outcome.sweep', 'legitimatie.proofs.services')\n"
        "before = sorted(m for m in resend if m in sys.modules)\n"
        "import outcome.sweep\n"
        "print(json.dumps({'before': before, 'sweep': sorted(m for m in resend if m in sys.modules)}))\n"
    )
    # Then the resend (the proofs' services) came only with the sweep
    assert result == {"before": [], "sweep": ["legitimatie.proofs.services", "outcome.sweep"]}


def test_a_close_builds_the_proof_record_but_not_what_the_proof_says() -> None:
    # Given a fresh interpreter
    # When the outcome handler imports (a close writes the proof's record), and then the proofs handler
    result = fresh(
        "import json, sys\n"
        "import outcome.handler\n"
        "from legitimatie.adapters.dynamodb import DynamoDbProofOutbox\n"
        "before = {m: m in sys.modules for m in ('legitimatie.proofs.model', 'legitimatie.proofs.content')}\n"
        "import proofs.handler\n"
        "print(json.dumps({'before': before, 'proofs': 'legitimatie.proofs.content' in sys.modules}))\n"
    )
    # Then the request, the PDF's content and the case system's specs came only with the proofs function
    assert result == {
        "before": {"legitimatie.proofs.model": True, "legitimatie.proofs.content": False},
        "proofs": True,
    }


def test_no_function_but_digid_loads_the_login_model_when_it_starts() -> None:
    # Given a fresh interpreter
    # When the code check, outcome and sessions handlers import (Sessions loads the login's modules in its wiring,
    # on the first call of a resident's route or flow A's look-up), and then the DigiD handler
    result = fresh(
        "import json, sys\n"
        "import code_check.handler, outcome.handler, sessions.handler\n"
        "stores = ('legitimatie.adapters.dynamodb.logins', 'legitimatie.adapters.dynamodb.pending_logins')\n"
        "before = sorted(m for m in sys.modules if m.startswith('legitimatie.login.') or m in stores)\n"
        "import digid.handler\n"
        "print(json.dumps({'before': before, 'digid': 'legitimatie.login.model' in sys.modules}))\n"
    )
    # Then neither the login's model nor its stores were loaded until the function that records logins was
    assert result == {"before": [], "digid": True}


def test_the_outcome_function_builds_no_settings_class_of_the_proofs_function() -> None:
    # Given a fresh interpreter
    # When the outcome handler imports, and then the proofs handler
    result = fresh(
        "import json, sys\n"
        "import outcome.handler\n"
        "before = 'legitimatie.runtime.delivery_settings' in sys.modules\n"
        "import proofs.handler\n"
        "print(json.dumps({'before': before, 'proofs': 'legitimatie.runtime.delivery_settings' in sys.modules}))\n"
    )
    # Then the delivery's settings classes (each ~1 ms to build) came only with the function that reads them
    assert result == {"before": False, "proofs": True}


DIGID_LOGIN_TYPES = ["DigidAssertion", "LoginAnswer", "LoginPlan", "LoginPorts", "LoginRefused", "PendingLogin"]


def test_only_the_digid_function_builds_the_digid_logins_own_types() -> None:
    # Given a fresh interpreter
    # When the other API handlers import (Sessions serves the resident's result and flow A's look-up), then DigiD's
    result = fresh(
        "import json, sys\n"
        f"wanted = {DIGID_LOGIN_TYPES!r}\n"
        "def built():\n"
        "    found = set()\n"
        "    for name, module in list(sys.modules.items()):\n"
        "        if name.startswith('legitimatie.'):\n"
        "            found |= {t for t in wanted if getattr(module, t, None) is not None}\n"
        "    return sorted(found)\n"
        "import sessions.handler, code_check.handler, outcome.handler, live.handler\n"
        "before = built()\n"
        "import digid.handler\n"
        "print(json.dumps({'before': before, 'digid': built()}))\n"
    )
    # Then none of the DigiD login's types (each frozen dataclass ~0.8 ms to build) was built before the DigiD function
    assert result == {"before": [], "digid": DIGID_LOGIN_TYPES}


LIVE_ENVIRONMENT = {
    "TABLE_NAME": "legitimatie",
    "MUNICIPALITY_NAME": "Voorbeeld",
    "GEMEENTECODE": "0999",
    "MINIMUM_LOA": "midden",
    "SESSION_LIFETIME_MINUTES": "30",
    "SITE_URL": "https://beeldbellen.example.nl",
    "DATA_KEY_ID": "alias/data",
    "LIVE_ENDPOINT": "https://abc.execute-api.eu-west-1.amazonaws.com/live",
}


def test_the_live_functions_ticket_route_loads_neither_the_logins_part_nor_the_session_services() -> None:
    # Given a fresh interpreter with the live function's settings
    # When the live handler imports and builds its wiring (what a ticket request does), and then a resident's
    # $connect needs the results and the socket's module
    result = fresh(
        "import json, os, sys\n"
        f"os.environ.update({LIVE_ENVIRONMENT!r})\n"
        "def loaded():\n"
        "    prefixes = ('legitimatie.login.', 'legitimatie.live.services', 'legitimatie.sessions.services')\n"
        "    return sorted(m for m in sys.modules if m.startswith(prefixes) or m == 'legitimatie.adapters.dynamodb.logins')\n"
        "import live.handler, live.wiring\n"
        "w = live.wiring.wiring()\n"
        "before = loaded()\n"
        "w.results\n"
        "import live.events\n"
        "print(json.dumps({'before': before, 'socket': loaded()}))\n"
    )
    # Then the ticket's path loaded none of them; the resident's connection and the pushes load them when they come
    assert result == {
        "before": [],
        "socket": [
            "legitimatie.adapters.dynamodb.logins",
            "legitimatie.live.services",
            "legitimatie.login.model",
            "legitimatie.login.ports",
            "legitimatie.login.services",
            "legitimatie.sessions.services",
        ],
    }


def test_the_api_handlers_read_no_powertools_init_they_do_not_ask_a_name_of() -> None:
    # Given a fresh interpreter that notes which of the skipped packages' __init__ files are opened
    # When the API handlers import (their resolver's submodules by full name), and then a name of the package is asked
    result = fresh(
        "import json, sys\n"
        "skipped = ('event_handler/__init__.py', 'data_classes/__init__.py', 'openapi/__init__.py')\n"
        "opened = []\n"
        "def noting(event, args):\n"
        "    path = str(args[0]).replace(chr(92), '/') if event == 'open' and args else ''\n"
        "    if path.endswith(skipped) and 'aws_lambda_powertools/' in path:\n"
        "        opened.append(path.split('aws_lambda_powertools/')[-1])\n"
        "sys.addaudithook(noting)\n"
        "import sessions.handler, code_check.handler, outcome.handler, live.handler\n"
        "before = sorted(opened)\n"
        "from aws_lambda_powertools.event_handler import Response\n"
        "print(json.dumps({'before': before, 'asked': sorted(opened), 'named': Response.__name__}))\n"
    )
    # Then only the data classes' __init__ was read (the resolver asks it for five names); the event handler's only
    # when a name was asked of it
    assert result == {
        "before": ["utilities/data_classes/__init__.py"],
        "asked": ["event_handler/__init__.py", "utilities/data_classes/__init__.py"],
        "named": "Response",
    }


def test_every_name_a_skipped_powertools_init_imports_is_served_from_its_submodule_without_running_that_init() -> None:
    # Given a fresh interpreter in which the API handlers imported (the data classes' __init__ skipped)
    # When every name that __init__ imports from its submodules (as Python's own parser reads them) is asked for
    result = fresh(
        "import ast, importlib.util, json, sys\n"
        "import sessions.handler\n"
        "name = 'aws_lambda_powertools.utilities.data_classes'\n"
        "package = sys.modules[name]\n"
        "origin = importlib.util.find_spec(name).origin\n"
        "tree = ast.parse(open(origin, encoding='utf-8').read())\n"
        "names = [a.asname or a.name for node in tree.body if isinstance(node, ast.ImportFrom) and node.level == 1"
        " for a in node.names]\n"
        "homes = {n: getattr(package, n).__module__.startswith(name + '.') for n in names}\n"
        "print(json.dumps({'names': len(names), 'all_from_submodules': all(homes.values()),"
        " 'init_ran': '__getattr__' not in vars(package), 'appsync': 'aws_lambda_powertools.event_handler.appsync'"
        " in sys.modules}))\n"
    )
    # Then each came from its own submodule and the package's __init__ (which imports them all) never ran
    assert result == {"names": 45, "all_from_submodules": True, "init_ran": False, "appsync": False}


def test_only_the_functions_that_use_the_resident_keys_build_their_settings_class() -> None:
    # Given a fresh interpreter
    # When the code check, outcome and live handlers import, and then the sessions handler
    result = fresh(
        "import json, sys\n"
        "import code_check.handler, outcome.handler, live.handler\n"
        "before = 'legitimatie.runtime.key_settings' in sys.modules\n"
        "import sessions.handler\n"
        "print(json.dumps({'before': before, 'sessions': 'legitimatie.runtime.key_settings' in sys.modules}))\n"
    )
    # Then the key settings (a settings class costs ~1 ms to build) came only with the function that reads them
    assert result == {"before": False, "sessions": True}


def test_the_functions_that_check_or_close_load_no_live_ticket_modules() -> None:
    # Given a fresh interpreter
    # When the code check and outcome handlers import (a check and a close write no live ticket)
    result = fresh(
        "import json, sys\n"
        "import code_check.handler, outcome.handler\n"
        "live = ('legitimatie.live.model', 'legitimatie.adapters.dynamodb.live')\n"
        "print(json.dumps({'loaded': sorted(m for m in live if m in sys.modules)}))\n"
    )
    # Then neither the live model (three types to build) nor the live records' adapter was loaded by them
    assert result == {"loaded": []}


def test_only_the_functions_that_create_or_show_sessions_build_the_service_policy() -> None:
    # Given a fresh interpreter with the common settings
    # When the code check and outcome handlers import and read their settings, and then one asks for the policy
    result = fresh(
        "import json, os, sys\n"
        f"os.environ.update({LIVE_ENVIRONMENT!r})\n"
        "import code_check.handler, outcome.handler\n"
        "from legitimatie.runtime.settings import BaseSettings\n"
        "settings = BaseSettings.from_env(os.environ)\n"
        "before = 'legitimatie.policy' in sys.modules\n"
        "policy = settings.policy()\n"
        "print(json.dumps({'before': before, 'policy': type(policy).__name__, 'gemeentecode': policy.gemeentecode}))\n"
    )
    # Then the policy's type (a frozen dataclass, ~1 ms to build) came only when the policy was asked for
    assert result == {"before": False, "policy": "ServicePolicy", "gemeentecode": "0999"}


def test_the_first_invocation_takes_what_the_init_made_out_of_the_garbage_collectors_generations() -> None:
    # Given a fresh interpreter that imported the code check handler
    # When it serves a request (an address no route answers: no AWS call), and then a second one
    result = fresh(
        "import gc, json, sys\n"
        "import code_check.handler as handler\n"
        "class Context:\n"
        "    function_name, function_version, memory_limit_in_mb = 'check', '$LATEST', 512\n"
        "    invoked_function_arn = 'arn:aws:lambda:eu-west-1:123456789012:function:check'\n"
        "    aws_request_id = '00000000-0000-4000-8000-000000000000'\n"
        "event = {'version': '2.0', 'routeKey': 'GET /api/nothing', 'rawPath': '/api/nothing', 'headers': {},\n"
        "         'requestContext': {'http': {'method': 'GET', 'path': '/api/nothing', 'sourceIp': '192.0.2.10'},\n"
        "                            'requestId': 'r1', 'stage': '$default'}, 'isBase64Encoded': False}\n"
        "imported = gc.get_freeze_count()\n"
        "statuses = [handler.lambda_handler(event, Context())['statusCode']]\n"
        "first = gc.get_freeze_count()\n"
        "statuses.append(handler.lambda_handler(event, Context())['statusCode'])\n"
        "print(json.dumps({'imported': imported, 'first': first, 'second': gc.get_freeze_count(),"
        " 'statuses': statuses}))\n"
    )
    # Then the import froze what existed before boto3's models were loaded (warm_up), the first request what the
    # rest of the init made, and only once
    assert result["statuses"] == [404, 404]
    assert isinstance(result["imported"], int) and result["imported"] > 10_000  # the modules' functions, classes
    assert result["first"] > result["imported"]  # the service models, the routes defined after warm_up
    assert result["second"] <= result["first"]  # frozen objects that are freed leave the count; none were added


def test_the_first_client_takes_boto3_out_of_the_garbage_collectors_generations_and_no_later_one() -> None:
    # Given a fresh interpreter in which boto3 is imported before any client (the DynamoDB codec's first encode does)
    # When a first client is created (its attribute asked for), and then a client of another service
    result = fresh(
        "import gc, json, sys\n"
        "import boto3.dynamodb.types\n"
        "from legitimatie.runtime.aws import LazyClient\n"
        "before = {'boto3': 'boto3' in sys.modules, 'frozen': gc.get_freeze_count()}\n"
        "LazyClient('dynamodb').meta\n"
        "first = gc.get_freeze_count()\n"
        "gc.unfreeze()\n"
        "LazyClient('kms').meta\n"
        "print(json.dumps({**before, 'first': first, 'second': gc.get_freeze_count()}))\n"
    )
    # Then boto3's modules were frozen with the first client only: a later client freezes nothing
    assert result["boto3"] is True and result["frozen"] == 0
    assert isinstance(result["first"], int) and result["first"] > 10_000  # botocore's and boto3's modules
    assert result["second"] == 0
