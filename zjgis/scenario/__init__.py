r"""Scenarios: what a joint-meeting decision changes, before and after, by area.

A scenario is a small TOML file (English or Chinese keys) naming its base data
and a list of changes — zones' jobs or dwellings, parcels moved between statuses
and years, road links opened, stations added or removed.  :func:`evaluate` runs
the existing analyses on the base and on the changed copy and returns every
indicator before, after and the difference, per street/town, per industrial
community and for the 2017 (≈95 km²) and 2022 (≈220 km²) outlines.  The
package composes analyses and never draws; ``zjgis scenario`` and
:func:`zjgis.maps.compare_map` make the briefing.

Examples
--------
>>> import zjgis.scenario as zs
>>> sc = zs.parse_scenario('name = "示例"\n[base]\nzones = "sample"\n')
>>> sc.name, sc.base["zones"]
('示例', 'sample')
"""

from zjgis.scenario.briefing import (
    ACCURACY_ZH,
    area_table,
    badges,
    briefing_layers,
    change_table,
)
from zjgis.scenario.evaluate import (
    DEFAULT_UNITS,
    INDICATORS_ZH,
    ScenarioResult,
    evaluate,
    outline_comparison,
)
from zjgis.scenario.report import write_excel
from zjgis.scenario.spec import (
    CHANGE_FIELDS,
    KEYS,
    VALUES,
    Change,
    Scenario,
    parse_scenario,
    read_scenario,
)
from zjgis.scenario.timeline import default_years, register_years

__all__ = [
    "ACCURACY_ZH", "area_table", "badges", "briefing_layers", "change_table",
    "CHANGE_FIELDS", "DEFAULT_UNITS", "INDICATORS_ZH", "KEYS", "VALUES", "Change", "Scenario",
    "ScenarioResult", "default_years", "evaluate", "register_years", "outline_comparison",
    "parse_scenario", "read_scenario", "write_excel",
]
