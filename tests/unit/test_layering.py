"""The layering beside import-linter (make lint): the domain reads no environment.

import-linter's contracts in pyproject.toml forbid the domain our upper layers and the AWS SDK. `os` is in the
standard library, which import-linter does not see, so this test reads the domain modules' imports itself. The list of
domain modules is the contract's, so the two cannot drift apart; and every module of legitimatie must be in a layer.
"""

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "functions" / "legitimatie"


def _contract(name_start: str) -> dict[str, object]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    [contract] = [c for c in contracts if c["name"].startswith(name_start)]
    return contract


DOMAIN = _contract("Domain")["source_modules"]
SERVICES = _contract("Services")["source_modules"]


def _path(module: str) -> Path:
    return PACKAGE.joinpath(*module.split(".")[1:]).with_suffix(".py")


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_no_domain_module_imports_os() -> None:
    offenders = {
        module: sorted(name for name in _imported_modules(_path(module)) if name.split(".")[0] == "os")
        for module in DOMAIN
    }
    assert {module: names for module, names in offenders.items() if names} == {}


def test_the_check_sees_an_os_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from os import environ\nimport os.path\n", encoding="utf-8")
    assert _imported_modules(module) == {"os", "os.path"}


def test_every_module_of_the_package_is_in_a_layer() -> None:
    modules = {
        ".".join(("legitimatie", *p.relative_to(PACKAGE).with_suffix("").parts))
        for p in PACKAGE.rglob("*.py")
        if p.name != "__init__.py"
    }
    packages = {f"legitimatie.{p.name}" for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    edge = {"legitimatie.adapters", "legitimatie.runtime"}
    subjects = {"legitimatie.sessions", "legitimatie.login", "legitimatie.proofs", "legitimatie.live"}
    assert packages == edge | subjects
    at_the_edge = {m for m in modules if any(m.startswith(f"{package}.") for package in edge)}
    assert modules - at_the_edge == set(DOMAIN) | set(SERVICES)
    assert all(_path(module).is_file() for module in (*DOMAIN, *SERVICES))
