"""Colours tell the categories apart, also for colour-vision deficiency (issue 15.4).

Deficiency is simulated with the matrices of Machado, Oliveira & Fernandes (2009),
"A physiologically-based model for simulation of color vision deficiency", IEEE
TVCG 15(6):1291–1298, severity 1.0, applied to linear sRGB; distances are CIE76
ΔE in CIELAB (D65).  Written out here so the check depends on no colour library.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from zjgis import landreserve, maps

MACHADO_2009 = {
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
_SRGB_TO_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                         [0.0193, 0.1192, 0.9505]])
_D65 = np.array([0.95047, 1.0, 1.08883])


def _linear(hex_colour: str) -> np.ndarray:
    h = hex_colour.lstrip("#")
    c = np.array([int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def lab(hex_colour: str, deficiency: str | None = None) -> np.ndarray:
    rgb = _linear(hex_colour)
    if deficiency:
        rgb = np.clip(MACHADO_2009[deficiency] @ rgb, 0, 1)
    t = (_SRGB_TO_XYZ @ rgb) / _D65
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def min_distance(colours, deficiency=None) -> float:
    pts = [lab(c, deficiency) for c in colours]
    return min(float(np.linalg.norm(a - b)) for a, b in itertools.combinations(pts, 2))


def test_white_and_black_reference_values():
    assert lab("#ffffff") == pytest.approx([100, 0, 0], abs=0.05)
    assert lab("#000000") == pytest.approx([0, 0, 0], abs=1e-6)
    # grey stays grey under every simulation (the matrices' rows sum to 1)
    for d in MACHADO_2009:
        assert lab("#777777", d) == pytest.approx(lab("#777777"), abs=0.3)


@pytest.mark.parametrize("deficiency", [None, *MACHADO_2009])
def test_status_colours_are_distinct(deficiency):
    colours = [landreserve.STATUS_COLOURS[s] for s in landreserve.STATUSES]
    assert min_distance(colours, deficiency) >= 15, deficiency


def test_pre_supply_statuses_differ_in_lightness():
    """预收储 → 收储 → 储备 were three oranges: each step is now ≥ 12 L* darker."""
    light = [lab(landreserve.STATUS_COLOURS[s])[0]
             for s in ("pre_acquisition", "acquired", "reserved")]
    assert all(a - b >= 12 for a, b in zip(light, light[1:]))


def test_station_symbol_is_no_line_colour():
    station = maps.style.STATION_COLOUR
    assert min(float(np.linalg.norm(lab(station) - lab(c)))
               for c in maps.METRO_LINE_COLOURS.values()) > 10
