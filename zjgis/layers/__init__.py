"""The science city's geography as a catalog with honest provenance.

>>> from zjgis import layers
>>> layers.list_layers()[["name", "accuracy", "feature_count"]]  # doctest: +SKIP
>>> sc = layers.load("science_city_2022")                          # EPSG:4326, cached copy
>>> sc.attrs["accuracy"], sc.attrs["source"]                       # doctest: +SKIP
>>> layers.use("science_city_2022", "bureau/zjsc.gpkg", accuracy="official",
...            source="区规划资源局")                               # doctest: +SKIP
>>> layers.check()                                                 # doctest: +SKIP

Accuracy classes: ``official`` (an authority's geometry), ``derived`` (real
data converted or generalised, e.g. OSM boundaries, GCJ-02 stations converted
to WGS-84), ``schematic`` (drawn from text descriptions and real anchors; not
for official areas), ``sample`` (generated for tests and demos).
"""

from __future__ import annotations

from zjgis.layers._registry import (
    ACCURACY_CLASSES,
    ACCURACY_ZH,
    INDUSTRY_KEYS,
    SPECS,
    LayerSpec,
    accuracy_zh,
    frame_accuracy,
    worst_accuracy,
)
from zjgis.layers.catalog import (
    LAYER_DIR_ENV,
    clear_cache,
    data_dir,
    info,
    layer_names,
    list_layers,
    load,
    reset,
    use,
)
from zjgis.layers.check import OFFICIAL_AREAS_KM2, OFFICIAL_COUNTS, UNION_IOU_MIN, check

__all__ = [
    "ACCURACY_CLASSES",
    "ACCURACY_ZH",
    "INDUSTRY_KEYS",
    "LAYER_DIR_ENV",
    "SPECS",
    "LayerSpec",
    "OFFICIAL_AREAS_KM2",
    "OFFICIAL_COUNTS",
    "UNION_IOU_MIN",
    "accuracy_zh",
    "frame_accuracy",
    "check",
    "clear_cache",
    "data_dir",
    "info",
    "layer_names",
    "list_layers",
    "load",
    "reset",
    "use",
    "worst_accuracy",
]
