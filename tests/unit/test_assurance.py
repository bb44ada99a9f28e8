"""The one level rule: a level meets a required level when it is that level or higher (Basis < Midden <
Substantieel < Hoog), and levels are compared by that rule only. The paths that use it (the SAML outcome, the
login services per flow, the session model, the municipality's minimum) have their own tests in tests/saml,
test_login_services and test_services."""

import itertools

import pytest

from legitimatie.assurance import LevelOfAssurance

ORDER = [LevelOfAssurance.BASIS, LevelOfAssurance.MIDDEN, LevelOfAssurance.SUBSTANTIEEL, LevelOfAssurance.HOOG]


@pytest.mark.parametrize(("achieved", "required"), list(itertools.product(ORDER, ORDER)))
def test_a_level_meets_the_required_level_exactly_when_it_is_that_level_or_higher(
    achieved: LevelOfAssurance, required: LevelOfAssurance
) -> None:
    # Given a login (or a session) at one level and a requirement
    # Then it meets the requirement exactly when it is not lower in DigiD's order
    assert achieved.meets(required) is (ORDER.index(achieved) >= ORDER.index(required))


@pytest.mark.parametrize("compare", [lambda a, b: a < b, lambda a, b: a <= b, lambda a, b: a > b, lambda a, b: a >= b])
def test_levels_are_not_compared_other_than_by_the_rule(compare) -> None:
    # When code compares two levels (or a level and a number) with an operator
    # Then that is refused: the one rule is LevelOfAssurance.meets
    with pytest.raises(TypeError):
        compare(LevelOfAssurance.MIDDEN, LevelOfAssurance.HOOG)
    with pytest.raises(TypeError):
        compare(LevelOfAssurance.MIDDEN, 25)
