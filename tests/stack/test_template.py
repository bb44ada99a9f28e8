"""Reading the template: parameters with local values, conditions, and the intrinsic functions."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from infrastructure.local.lambdas import read_functions
from infrastructure.local.template import PseudoParameters, Resolver, Template, TemplateError, resolve_parameters

TEMPLATE = textwrap.dedent("""\
    Parameters:
      Code:
        Type: String
        AllowedPattern: "^[0-9]{4}$"
      Level:
        Type: String
        AllowedValues: [basis, midden]
        Default: midden
      Minutes:
        Type: Number
        Default: 30
        MinValue: 5
        MaxValue: 120
      Issuer:
        Type: String
        Default: ""
    Conditions:
      UsePool: !Equals [!Ref Issuer, ""]
      UsePoolAndMidden: !And [!Condition UsePool, !Equals [!Ref Level, midden]]
    Mappings:
      Levels:
        midden: {Rank: 2}
    Resources:
      Pool:
        Type: AWS::Cognito::UserPool
        Condition: UsePool
      Other:
        Type: AWS::Cognito::UserPool
        Condition: UsePoolAndMidden
""")


class FakeResources:
    def ref(self, logical_id: str) -> Any:
        return f"{logical_id}-id"

    def get_att(self, logical_id: str, attribute: str) -> Any:
        return f"{logical_id}-{attribute}"


def resolver(**values: object) -> Resolver:
    template = Template.from_text(TEMPLATE)
    parameters = resolve_parameters(template, {"Code": "0999", **values})
    return Resolver(template, parameters, FakeResources(), PseudoParameters("eu-west-1", "123456789012", "stack"))


def test_short_tags_resolve_to_local_values() -> None:
    # Given
    r = resolver()

    # When
    value = r.resolve(
        {
            "sub": {"Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${Pool}"},
            "sub_vars": {"Fn::Sub": ["${A}-${Pool.Arn}-${!Literal}", {"A": {"Ref": "Code"}}]},
            "att": {"Fn::GetAtt": ["Pool", "Arn"]},
            "join": {"Fn::Join": ["/", ["a", {"Ref": "Minutes"}]]},
            "select": {"Fn::Select": [2, {"Fn::Split": ["/", "https://host.example/x"]}]},
            "map": {"Fn::FindInMap": ["Levels", {"Ref": "Level"}, "Rank"]},
        }
    )

    # Then
    assert value == {
        "sub": "https://cognito-idp.eu-west-1.amazonaws.com/Pool-id",
        "sub_vars": "0999-Pool-Arn-${Literal}",
        "att": "Pool-Arn",
        "join": "a/30",
        "select": "host.example",
        "map": 2,
    }


def test_if_with_no_value_removes_the_item() -> None:
    # Given
    r = resolver()

    # When
    flows = r.resolve(["A", {"Fn::If": ["UsePool", {"Ref": "AWS::NoValue"}, "B"]}, "C"])
    properties = r.resolve({"Keep": 1, "Drop": {"Fn::If": ["UsePool", {"Ref": "AWS::NoValue"}, 2]}})

    # Then
    assert flows == ["A", "C"]
    assert properties == {"Keep": 1}


def test_conditions_decide_which_resources_exist() -> None:
    # When
    with_pool = resolver()
    with_issuer = resolver(Issuer="https://login.example/tenant")

    # Then
    assert with_pool.is_active("Pool") and with_pool.is_active("Other")
    assert not with_issuer.is_active("Pool") and not with_issuer.is_active("Other")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"Code": "99"}, "does not match"),
        ({"Code": "0999", "Level": "hoog"}, "is not one of"),
        ({"Code": "0999", "Minutes": "500"}, "out of range"),
        ({}, "has no Default"),
    ],
)
def test_a_wrong_local_parameter_value_names_the_parameter(values: dict[str, str], message: str) -> None:
    # Given
    template = Template.from_text(TEMPLATE)

    # When / Then
    with pytest.raises(TemplateError, match=message):
        resolve_parameters(template, values)


def test_an_unparsable_template_is_a_clear_error() -> None:
    with pytest.raises(TemplateError, match="Cannot parse"):
        Template.from_text("Resources: [unclosed\n")


FUNCTIONS_TEMPLATE = textwrap.dedent("""\
    Parameters:
      SystemLevel:
        Type: String
        Default: WARN
      AppLevel:
        Type: String
        Default: INFO
    Globals:
      Function:
        CodeUri: functions/
        LoggingConfig:
          LogFormat: JSON
          ApplicationLogLevel: !Ref AppLevel
          SystemLogLevel: !Ref SystemLevel
    Resources:
      Group:
        Type: AWS::Logs::LogGroup
      Logging:
        Type: AWS::Serverless::Function
        Properties:
          Handler: a.handler
          LoggingConfig:
            LogGroup: !Ref Group
      Debugging:
        Type: AWS::Serverless::Function
        Properties:
          Handler: b.handler
          LoggingConfig:
            ApplicationLogLevel: DEBUG
      Plain:
        Type: AWS::Serverless::Function
        Properties:
          Handler: c.handler
          LoggingConfig:
            LogFormat: Text
""")


def test_each_function_gets_the_variables_lambda_sets_for_its_merged_logging_config() -> None:
    # Given Globals' LoggingConfig (levels by !Ref) and functions that add a log group, a level or another format
    template = Template.from_text(FUNCTIONS_TEMPLATE)
    parameters = resolve_parameters(template, {})
    functions = read_functions(
        template, Resolver(template, parameters, FakeResources(), PseudoParameters("eu-west-1", "1", "stack"))
    )

    # When we read the functions' environments
    def logging(name: str) -> dict[str, str]:
        return {key: value for key, value in functions[name].environment.items() if key.startswith("AWS_LAMBDA_LOG")}

    # Then each has the format and application level Lambda would set, from Globals merged key by key with its own
    assert logging("Logging") == {"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "INFO"}
    assert logging("Debugging") == {"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "DEBUG"}
    assert logging("Plain") == {"AWS_LAMBDA_LOG_FORMAT": "Text"}  # levels are a JSON-only control
