"""Read template.yaml and evaluate its intrinsic functions against local values.

The local stack reads everything it provisions and routes from the same template that is deployed, so local and
deployed cannot drift. This module knows CloudFormation's language (parameters, conditions, ``!Ref``, ``!Sub``,
``!GetAtt``, ``!If``, ...); it does not know any AWS service: references to resources are answered by a
``ResourceLookup`` that the provisioning step fills in.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cfnlint.decode import decode_str

__all__ = [
    "NO_VALUE",
    "PseudoParameters",
    "Resolver",
    "ResourceLookup",
    "Template",
    "TemplateError",
    "resolve_parameters",
]


class TemplateError(RuntimeError):
    """The template cannot be read or evaluated locally; the message names the place and the reason."""


class _NoValue:
    """``!Ref AWS::NoValue``: the property it stands in is removed."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Any = _NoValue()


def _plain(node: Any) -> Any:
    """cfn-lint's decoder returns dict/str subclasses that carry line marks; tests and boto3 want plain values."""
    if isinstance(node, dict):
        return {str(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(item) for item in node]
    if isinstance(node, str):
        return str(node)
    return node


@dataclass(frozen=True)
class Template:
    """A decoded template: CloudFormation short tags (``!Ref``) become their long form (``{"Ref": ...}``)."""

    body: dict[str, Any]
    path: Path = field(default=Path("template.yaml"))

    @classmethod
    def load(cls, path: Path) -> Template:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise TemplateError(f"Cannot read the template {path}: {exc.strerror}") from None
        return cls.from_text(text, path)

    @classmethod
    def from_text(cls, text: str, path: Path = Path("template.yaml")) -> Template:
        body, problems = decode_str(text)
        if body is None or problems:
            details = "; ".join(str(problem) for problem in problems) or "not a mapping"
            raise TemplateError(f"Cannot parse the template {path}: {details}")
        if not isinstance(body, dict) or not isinstance(body.get("Resources"), dict):
            raise TemplateError(f"The template {path} has no Resources section")
        return cls(body=_plain(body), path=path)

    @property
    def directory(self) -> Path:
        return self.path.parent

    @property
    def parameters(self) -> dict[str, dict[str, Any]]:
        return dict(self.body.get("Parameters") or {})

    @property
    def conditions(self) -> dict[str, Any]:
        return dict(self.body.get("Conditions") or {})

    @property
    def mappings(self) -> dict[str, Any]:
        return dict(self.body.get("Mappings") or {})

    @property
    def globals(self) -> dict[str, Any]:
        """SAM's ``Globals`` section (``Function``, ``HttpApi``, ...)."""
        return dict(self.body.get("Globals") or {})

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return dict(self.body["Resources"])

    def resources_of_type(self, *types: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(logical id, resource)`` for every resource of one of these types, in template order."""
        for logical_id, resource in self.resources.items():
            if isinstance(resource, dict) and resource.get("Type") in types:
                yield logical_id, resource

    def resource(self, logical_id: str) -> dict[str, Any]:
        try:
            return dict(self.resources[logical_id])
        except KeyError:
            raise TemplateError(f"The template has no resource {logical_id!r}") from None


def resolve_parameters(
    template: Template, values: Mapping[str, object], pattern_exempt: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Every declared parameter's local value: the given value, else the template's Default.

    Values are checked against ``AllowedValues``, ``AllowedPattern`` (except for ``pattern_exempt``) and the
    Number type as CloudFormation would, so a wrong local value fails here with the parameter's name instead of
    deep inside a handler.
    """
    declared = template.parameters
    resolved: dict[str, Any] = {}
    for name, spec in declared.items():
        if name in values:
            raw: object = values[name]
        elif "Default" in spec:
            raw = spec["Default"]
        else:
            raise TemplateError(
                f"Template parameter {name!r} has no Default and no local value; give it one in "
                "infrastructure/local/settings.py (LOCAL_PARAMETERS) or LocalStack(parameters=...)"
            )
        if name in pattern_exempt:
            spec = {key: value for key, value in spec.items() if key != "AllowedPattern"}
        resolved[name] = _check_parameter(name, spec, raw)
    return resolved


def _check_parameter(name: str, spec: Mapping[str, Any], raw: object) -> Any:
    kind = str(spec.get("Type", "String"))
    text = _scalar_text(raw)
    allowed = spec.get("AllowedValues")
    if allowed is not None and text not in [_scalar_text(value) for value in allowed]:
        raise TemplateError(f"Local value {text!r} for parameter {name!r} is not one of {allowed}")
    if kind == "String" and not int(spec.get("MinLength", 0)) <= len(text) <= int(spec.get("MaxLength", 1 << 20)):
        raise TemplateError(f"Local value {text!r} for parameter {name!r} has the wrong length")
    pattern = spec.get("AllowedPattern")
    if pattern is not None and kind == "String" and not re.fullmatch(pattern, text):
        raise TemplateError(f"Local value {text!r} for parameter {name!r} does not match {pattern!r}")
    if kind == "Number":
        try:
            number = float(text)
        except ValueError:
            raise TemplateError(f"Local value {text!r} for Number parameter {name!r} is not a number") from None
        if ("MinValue" in spec and number < float(spec["MinValue"])) or (
            "MaxValue" in spec and number > float(spec["MaxValue"])
        ):
            raise TemplateError(f"Local value {text!r} for parameter {name!r} is out of range")
    if kind == "CommaDelimitedList" or kind.startswith("List<"):
        return [item.strip() for item in text.split(",")] if text else []
    return text


def _scalar_text(value: object) -> str:
    """A parameter or Sub value the way CloudFormation renders it: booleans lower-case, numbers plain."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join(_scalar_text(item) for item in value)
    return str(value)


class ResourceLookup(Protocol):
    """Answers ``!Ref`` and ``!GetAtt`` for resources (the provisioning step implements it)."""

    def ref(self, logical_id: str) -> Any: ...

    def get_att(self, logical_id: str, attribute: str) -> Any: ...


@dataclass(frozen=True)
class PseudoParameters:
    region: str
    account_id: str
    stack_name: str

    def lookup(self) -> dict[str, Any]:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            # A stack id of the real shape: the template derives the ZGW identificatie prefix from its last part.
            "AWS::StackId": (
                f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/{self.stack_name}/"
                "00000000-0000-4000-8000-00000000100c"
            ),
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }


_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class Resolver:
    """Evaluates intrinsic functions and conditions with local parameter values.

    ``resolve`` returns plain Python values; ``!Ref AWS::NoValue`` removes the key or list item it stands in.
    """

    def __init__(
        self,
        template: Template,
        parameters: Mapping[str, Any],
        resources: ResourceLookup,
        pseudo: PseudoParameters,
    ) -> None:
        self._template = template
        self._parameters = dict(parameters)
        self._resources = resources
        self._pseudo = pseudo.lookup()
        self._conditions: dict[str, bool] = {}
        self._functions: dict[str, Callable[[Any], Any]] = {
            "Ref": self._ref,
            "Fn::Sub": self._sub,
            "Fn::GetAtt": self._get_att,
            "Fn::If": self._if,
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::FindInMap": self._find_in_map,
            "Fn::Base64": lambda arg: base64.b64encode(str(self.resolve(arg)).encode()).decode(),
            "Fn::GetAZs": lambda _arg: [f"{self._pseudo['AWS::Region']}{zone}" for zone in "abc"],
            "Fn::ToJsonString": lambda arg: json.dumps(self.resolve(arg), separators=(",", ":")),
            "Fn::Length": lambda arg: len(self.resolve(arg)),
            "Condition": lambda name: self.condition(str(name)),
        }

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self._parameters)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                key, argument = next(iter(value.items()))
                if key in self._functions:
                    return self._functions[key](argument)
                if key.startswith("Fn::"):
                    raise TemplateError(f"{key} is not supported by the local stack")
            resolved = {key: self.resolve(item) for key, item in value.items()}
            return {key: item for key, item in resolved.items() if item is not NO_VALUE}
        if isinstance(value, list):
            return [item for item in (self.resolve(element) for element in value) if item is not NO_VALUE]
        return value

    def condition(self, name: str) -> bool:
        """A named condition's value, evaluated once."""
        if name not in self._conditions:
            conditions = self._template.conditions
            if name not in conditions:
                raise TemplateError(f"Unknown condition {name!r}")
            self._conditions[name] = self._evaluate(conditions[name])
        return self._conditions[name]

    def is_active(self, logical_id: str) -> bool:
        """False for a resource whose ``Condition`` is false: CloudFormation would not create it."""
        name = self._template.resource(logical_id).get("Condition")
        return True if name is None else self.condition(str(name))

    def _evaluate(self, expression: Any) -> bool:
        if not isinstance(expression, dict) or len(expression) != 1:
            raise TemplateError(f"Cannot evaluate condition {expression!r}")
        key, argument = next(iter(expression.items()))
        if key == "Fn::Equals":
            left, right = (self.resolve(item) for item in argument)
            return _scalar_text(left) == _scalar_text(right)
        if key == "Fn::Not":
            return not self._evaluate(argument[0])
        if key == "Fn::And":
            return all(self._evaluate(item) for item in argument)
        if key == "Fn::Or":
            return any(self._evaluate(item) for item in argument)
        if key == "Condition":
            return self.condition(str(argument))
        raise TemplateError(f"{key} is not a condition function")

    def _ref(self, name: Any) -> Any:
        name = str(name)
        if name in self._pseudo:
            return self._pseudo[name]
        if name in self._parameters:
            return self._parameters[name]
        if name in self._template.resources:
            return self._resources.ref(name)
        raise TemplateError(f"!Ref {name}: no parameter or resource of that name")

    def _get_att(self, argument: Any) -> Any:
        if isinstance(argument, str):
            logical_id, _, attribute = argument.partition(".")
        else:
            logical_id, attribute = str(argument[0]), str(self.resolve(argument[1]))
        if logical_id not in self._template.resources:
            raise TemplateError(f"!GetAtt {logical_id}.{attribute}: no resource of that name")
        return self._resources.get_att(logical_id, attribute)

    def _sub(self, argument: Any) -> str:
        if isinstance(argument, list):
            text, variables = str(argument[0]), {k: self.resolve(v) for k, v in dict(argument[1]).items()}
        else:
            text, variables = str(argument), {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return _scalar_text(variables[name])
            if "." in name and name.split(".", 1)[0] in self._template.resources:
                return _scalar_text(self._get_att(name))
            return _scalar_text(self._ref(name))

        return _SUB_VARIABLE.sub(replace, text)

    def _if(self, argument: Any) -> Any:
        name, when_true, when_false = argument
        return self.resolve(when_true if self.condition(str(name)) else when_false)

    def _join(self, argument: Any) -> str:
        delimiter, items = argument
        return str(delimiter).join(_scalar_text(item) for item in self.resolve(items))

    def _select(self, argument: Any) -> Any:
        index, items = self.resolve(argument[0]), self.resolve(argument[1])
        return items[int(index)]

    def _split(self, argument: Any) -> list[str]:
        delimiter, text = argument
        return str(self.resolve(text)).split(str(delimiter))

    def _find_in_map(self, argument: Any) -> Any:
        name, top, second = (self.resolve(item) for item in argument[:3])
        try:
            return self.resolve(self._template.mappings[name][top][second])
        except KeyError:
            if len(argument) > 3 and isinstance(argument[3], dict) and "DefaultValue" in argument[3]:
                return self.resolve(argument[3]["DefaultValue"])
            raise TemplateError(f"!FindInMap [{name}, {top}, {second}]: no such entry") from None
