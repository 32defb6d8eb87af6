"""Fixtures of the letters' tests (documents app)."""

import pytest

from ..factories import UnitFactory


@pytest.fixture
def city_tree(tree):
    """金东区 under a city government, so every unit of `tree` has a 复议机关 above it."""
    city = UnitFactory(code="jinhua", name="金华市人民政府", kind="government")
    root = tree["root"]
    root.parent = city
    root.save()
    return tree
