"""functions/Makefile builds each function for Lambda python3.13 arm64 with only what that function needs.

`make -n` prints the commands without running them: no pip, no network.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

Template = dict[str, Any]

PACKAGES = {
    "SessionsFunction": "sessions",
    "CodeCheckFunction": "code_check",
    "OutcomeFunction": "outcome",
    "DigidFunction": "digid",
    "AuditForwarderFunction": "audit_forwarder",
    "ProofsFunction": "proofs",
    "LiveFunction": "live",
}
LAMBDA_WHEEL_FLAGS = (
    "--platform manylinux_2_28_aarch64 --platform manylinux2014_aarch64 --implementation cp "
    "--python-version 3.13 --only-binary=:all:"
)
# In the Lambda runtime already (boto3) or only for the DigiD function (XML security is heavy: cold starts).
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer"}
DIGID_ONLY = {"python3-saml", "xmlsec", "lxml", "isodate"}
# The PDF library and its font and image stack: only the proofs function makes proofs (issue 5).
DELIVERY_ONLY = {"fpdf2", "fonttools", "pillow", "defusedxml"}


def requirements(repo_root: Path, package: str) -> dict[str, str]:
    """Requirement name (normalised) -> the whole requirement line."""
    return requirements_of(repo_root / "functions" / package / "requirements.txt")


def requirements_of(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    specs = [line.split("#")[0].strip() for line in lines]
    return {re.split(r"[=<>!~\[; ]", spec)[0].lower().replace("_", "-"): spec for spec in specs if spec}


def dry_run(repo_root: Path, target: str, artifacts: Path) -> str:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    result = subprocess.run(
        [make, "-n", "-C", str(repo_root / "functions"), target, f"ARTIFACTS_DIR={artifacts}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return result.stdout


@pytest.mark.parametrize(("function", "package"), PACKAGES.items())
def test_the_build_ships_the_core_and_only_its_own_package(
    repo_root: Path, tmp_path: Path, function: str, package: str
) -> None:
    # Given SAM's call for one function
    # When make shows what it would run
    commands = dry_run(repo_root, f"build-{function}", tmp_path)

    # Then it copies the shared core and this function's package, no other function, and strips caches and tests
    functions = repo_root / "functions"
    copy = next(line for line in commands.splitlines() if line.startswith("cp "))
    assert f'"{functions}/legitimatie"' in copy
    assert f'"{functions}/{package}"' in copy
    assert [other for other in PACKAGES.values() if other != package and f'/{other}"' in copy] == []
    assert "__pycache__" in commands
    assert "-name tests" in commands


@pytest.mark.parametrize(("function", "package"), PACKAGES.items())
def test_the_build_installs_its_own_requirements_as_wheels_for_lambda_arm64(
    repo_root: Path, tmp_path: Path, function: str, package: str
) -> None:
    # Given SAM's call for one function
    # When make shows what it would run
    commands = dry_run(repo_root, f"build-{function}", tmp_path)

    # Then pip installs this function's requirements, less what the runtime provides, into the artifact, as
    # binary wheels for the Lambda target
    lines = commands.splitlines()
    (install,) = [line for line in lines if " pip install " in line]
    assert LAMBDA_WHEEL_FLAGS in install
    assert f'--target "{tmp_path}"' in install
    assert install.endswith(f'-r "{tmp_path}/.requirements.txt"')
    (selection,) = [line for line in lines if line.startswith("grep -viE")]
    assert f'"{repo_root}/functions/{package}/requirements.txt"' in selection
    assert all(name in selection for name in ("boto3", "botocore", "urllib3", "jmespath"))


@pytest.mark.parametrize("package", PACKAGES.values())
def test_the_bundle_leaves_out_the_runtime_packages_it_would_shadow(
    repo_root: Path, tmp_path: Path, package: str
) -> None:
    # Given the build's own selection command, run on this function's requirements
    commands = dry_run(repo_root, f"build-{next(f for f, p in PACKAGES.items() if p == package)}", tmp_path)
    (selection,) = [line for line in commands.splitlines() if line.startswith("grep -viE")]
    # When it runs
    subprocess.run(["bash", "-c", selection], check=True, timeout=30)  # the Makefile's own line
    # Then nothing the Lambda python runtime provides (boto3 and its dependencies) is left to install
    kept = requirements_of(tmp_path / ".requirements.txt")
    assert {"boto3", "botocore", "s3transfer", "urllib3", "jmespath", "python-dateutil", "six"} & set(kept) == set()
    assert set(kept) == set(requirements(repo_root, package)) - {"urllib3", "jmespath"}


def test_the_build_compiles_bytecode_only_with_an_interpreter_of_the_runtime_version(
    repo_root: Path, tmp_path: Path
) -> None:
    # Given SAM's call for one function
    # When make shows what it would run
    commands = dry_run(repo_root, "build-SessionsFunction", tmp_path)
    # Then the bundle is compiled for import without a source check, behind a check of the interpreter's version
    assert "compileall" in commands and "--invalidation-mode unchecked-hash" in commands
    assert '= "3.13" ]' in commands


def test_every_makefile_function_in_the_template_has_a_target_for_its_handler(sam_template: Template) -> None:
    # Given the template's functions
    functions = {
        name: resource
        for name, resource in sam_template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }

    # When we read how each is built and which module handles it
    built_with = {name: resource["Metadata"]["BuildMethod"] for name, resource in functions.items()}
    handler_packages = {name: resource["Properties"]["Handler"].split(".")[0] for name, resource in functions.items()}

    # Then all use the Makefile, and the Makefile copies the package their handler lives in
    assert set(built_with.values()) == {"makefile"}
    assert handler_packages == PACKAGES


@pytest.mark.parametrize("package", PACKAGES.values())
def test_requirements_are_pinned_and_leave_out_what_lambda_provides(repo_root: Path, package: str) -> None:
    # Given a function's requirements
    # When we read them
    pinned = requirements(repo_root, package)

    # Then every one is pinned exactly, boto3 is not bundled, and Powertools is there
    assert [spec for spec in pinned.values() if "==" not in spec] == []
    assert RUNTIME_PROVIDED & set(pinned) == set()
    assert "aws-lambda-powertools" in set(pinned)


@pytest.mark.parametrize("package", PACKAGES.values())
def test_a_bundle_carries_msgspec_exactly_when_its_handler_loads_the_core_value_types(
    repo_root: Path, package: str
) -> None:
    # Given a function's requirements
    pinned = set(requirements(repo_root, package))

    # When its handler is imported in a fresh interpreter
    environment = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(repo_root / "functions"),
        "AWS_DEFAULT_REGION": "eu-west-1",
    }
    script = f"import sys, {package}.handler; print('msgspec' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environment, timeout=120, check=True
    )

    # Then msgspec (the core's value types are msgspec.Struct) is pinned where the handler loads it, and only there
    assert ("msgspec" in pinned) == (done.stdout.strip().splitlines()[-1] == "True")


@pytest.mark.parametrize("package", PACKAGES.values())
def test_a_bundle_carries_the_body_validator_only_where_a_body_is_validated_and_never_pydantic_itself(
    repo_root: Path, package: str
) -> None:
    # Given a function's requirements, and whether it validates request bodies (its committed schemas)
    pinned = set(requirements(repo_root, package))
    validates_bodies = (repo_root / "functions" / package / "request_schemas.json").exists()

    # Then pydantic's engine comes with the schemas and nowhere else, and pydantic (the model layer, ~4 MB, which
    # no handler imports at run time: tests/unit/test_cold_start_imports.py) and its helpers never do
    assert ("pydantic-core" in pinned) == validates_bodies
    assert {"pydantic", "annotated-types", "typing-inspection"} & pinned == set()


def test_the_build_leaves_out_the_request_models_the_schemas_are_made_from(repo_root: Path, tmp_path: Path) -> None:
    # Given a function with request models (pydantic, build input of request_schemas.json)
    function, package = "CodeCheckFunction", "code_check"
    assert PACKAGES[function] == package and (repo_root / "functions" / package / "request_models.py").exists()

    # When it is built for real
    subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-C",
            str(repo_root / "functions"),
            f"build-{function}",
            f"ARTIFACTS_DIR={tmp_path}",
            f"PYTHON={sys.executable}",
            f"BYTECODE_PYTHON={sys.executable}",
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )

    # Then the bundle has the schemas and the validator's core, and neither the models nor pydantic
    assert (tmp_path / package / "request_schemas.json").exists()
    assert not (tmp_path / package / "request_models.py").exists()
    assert (tmp_path / "pydantic_core").is_dir()
    assert not (tmp_path / "pydantic").exists()
    # and the core's value types import: msgspec's compiled extension is in the bundle
    assert list((tmp_path / "msgspec").glob("_core.*.so"))


@pytest.mark.parametrize("package", ["sessions", "code_check", "outcome", "live"])
def test_only_the_digid_function_carries_xml_security(repo_root: Path, package: str) -> None:
    # Given a function that does not speak SAML
    # When we read its requirements
    pinned = requirements(repo_root, package)

    # Then it does not pay the cold start of lxml, xmlsec and python3-saml
    assert DIGID_ONLY & set(pinned) == set()


def test_the_digid_function_gets_the_matched_xmlsec_and_lxml_pair(repo_root: Path) -> None:
    # Given the DigiD function's requirements
    # When we read the XML security pins
    pinned = requirements(repo_root, "digid")

    # Then they are the known-good pair (same libxml2 inside) and python3-saml 1.16.0
    assert pinned["xmlsec"] == "xmlsec==1.3.17"
    assert pinned["lxml"].startswith("lxml==6.1.")
    assert pinned["python3-saml"] == "python3-saml==1.16.0"


@pytest.mark.parametrize("package", PACKAGES.values())
def test_functions_ship_the_versions_the_tests_run_with(repo_root: Path, package: str) -> None:
    # Given a function's pinned requirements
    pinned = requirements(repo_root, package)

    # When we compare them with the packages installed for development and tests
    shipped = {name: spec.split("==")[1] for name, spec in pinned.items()}
    tested = {name: metadata.version(name) for name in pinned}

    # Then Lambda runs exactly what was tested
    assert shipped == tested


@pytest.mark.parametrize("package", [p for p in PACKAGES.values() if p != "proofs"])
def test_only_the_delivery_function_carries_the_pdf_library(repo_root: Path, package: str) -> None:
    # Given another function's requirements, then none of the PDF stack is in them (cold start)
    assert DELIVERY_ONLY.isdisjoint(requirements(repo_root, package))


def test_the_delivery_build_bundles_the_proof_font(repo_root: Path, tmp_path: Path) -> None:
    # When we ask make what the delivery build does, then it puts DejaVu Sans into the artifact
    commands = subprocess.run(
        [
            "make",
            "-n",
            "-C",
            str(repo_root / "functions"),
            "build-ProofsFunction",
            f"ARTIFACTS_DIR={tmp_path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "DejaVuSans.ttf" in commands and "DejaVuSans-Bold.ttf" in commands and f"{tmp_path}/proofs/fonts" in commands
    # cut down to what a proof can show, with the bundle's own fontTools (tests/unit/test_proof_pdf.py renders with it)
    assert "-m fontTools.subset" in commands and "proofs/fonts/unicodes.txt" in commands
    assert f'PYTHONPATH="{tmp_path}"' in commands


def test_the_delivery_function_bundles_the_time_zone_database_for_dutch_local_time(repo_root: Path) -> None:
    # The proof shows Europe/Amsterdam times; Lambda's Amazon Linux 2023 image has no /usr/share/zoneinfo
    assert "tzdata" in requirements(repo_root, "proofs")


def test_the_bytecode_interpreter_is_a_python_of_the_runtime_version_found_before_any_is_built(
    repo_root: Path, tmp_path: Path
) -> None:
    # Given a python3.13 on PATH (a stand-in that only answers) and an empty toolchain directory
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stand_in = bin_dir / "python3.13"
    stand_in.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    stand_in.chmod(0o755)
    toolchain = tmp_path / "toolchain"
    # When the build asks for an interpreter of the runtime's version
    found = subprocess.run(
        ["bash", str(repo_root / "infrastructure" / "deploy" / "lambda_python.sh"), "3.13", str(toolchain)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin"},
    )
    # Then it is the one on PATH, and nothing was fetched or built
    assert found.stdout.strip() == str(stand_in)
    assert list(toolchain.iterdir()) == []


def test_the_bytecode_interpreter_is_refused_for_a_version_without_a_known_source(
    repo_root: Path, tmp_path: Path
) -> None:
    # Given no python3.99 anywhere, when the build asks for one, then it says so and fails (no bundle without a word)
    found = subprocess.run(
        ["bash", str(repo_root / "infrastructure" / "deploy" / "lambda_python.sh"), "3.99", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert found.returncode != 0
    assert "python3.99" in found.stderr
