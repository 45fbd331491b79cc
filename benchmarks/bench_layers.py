"""Benchmarks of zjgis.layers: loading every layer cold (parse) and cached (copy), check()."""

from __future__ import annotations

from _harness import case

from zjgis import layers


def _names():
    layers.reset()
    return list(layers.list_layers()["name"])


def _cold(names):
    features = 0
    for name in names:
        features += len(layers.load(name))
    return features


@case("layers.load[all, cold]", setup=_names, target_s=2.0, repeat=3,
      note="parse all shipped GeoJSON layers (cache cleared before each run)")
def load_all_cold(names):
    layers.clear_cache()
    return {"layers": len(names), "features": _cold(names)}


def _warm():
    names = _names()
    _cold(names)
    return names


@case("layers.load[all, cached]", setup=_warm, target_s=0.2, repeat=5,
      note="all layers from the in-memory cache (each load returns a deep copy)")
def load_all_cached(names):
    return {"layers": len(names), "features": _cold(names)}


@case("layers.check[shipped]", setup=_warm, target_s=2.0, repeat=3,
      note="every consistency check on the shipped layers (layers cached)")
def check_shipped(names):
    result = layers.check()
    return {"checks": len(result), "failed": int((~result["passed"]).sum())}
