from __future__ import annotations

import pytest

from bot.errors import ConfigError
from bot.settings import SETTINGS, load_settings
from tests.conftest import ROOT


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in readme]
    assert missing == []


def test_layering_defaults_then_environment_then_overrides():
    values = load_settings({"TOP_K": 7}, environ={"TOP_K": "3", "HELPLINE_PHONE": "1-555-0199"})
    assert values["TOP_K"] == 7 and values["HELPLINE_PHONE"] == "1-555-0199" and values["EMERGENCY_NUMBER"] == "911"


@pytest.mark.parametrize("name, value", [("TOP_K", "many"), ("PORT", "-1"), ("AUTO_REBUILD", "maybe")])
def test_bad_values_are_refused_naming_the_setting(name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings(environ={name: value})
