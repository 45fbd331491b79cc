"""Basemaps of briefing maps: none, OSM, Amap, an xyzservices provider or a URL template.

Tile providers come from ``xyzservices`` (the registry folium, geopandas and
contextily share) instead of a hand-written table; zjgis adds what a planner
must know: the coordinate frame of the tiles (Amap/Gaode tiles are GCJ-02, so
the vector layers are shifted to line up) and the credit as the holder writes it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from zjgis import crs as zcrs
from zjgis.errors import CRSError, ValidationError

__all__ = ["Basemap", "resolve_basemap", "credit"]

OSM_CREDIT = "© OpenStreetMap contributors, ODbL 1.0"
OSM_CREDIT_HTML = ('&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
                   "contributors, ODbL 1.0")
AMAP_CREDIT = "© 高德地图 AutoNavi"


@dataclass(frozen=True)
class Basemap:
    """A resolved basemap: tile URL template (None: no tiles), frame and credit."""

    key: str
    url: str | None
    frame: str  # "WGS-84" | "GCJ-02"
    credit: str  # plain text
    credit_html: str  # escaped HTML for Leaflet's attribution control
    name_zh: str
    name_en: str
    subdomains: str = "abc"
    max_zoom: int = 18


NONE = Basemap("none", None, "WGS-84", "", "", "无底图（离线）", "none (offline)")


def _provider(name: str):
    import xyzservices.providers as xyz

    try:
        return xyz.query_name(name)
    except ValueError:
        return None


def resolve_basemap(basemap: str | None, *, frame: str | None = None,
                    attribution: str | None = None) -> Basemap:
    """Resolve ``basemap=`` to a :class:`Basemap`.

    Parameters
    ----------
    basemap : str or None
        ``"none"`` (or None), ``"osm"``, ``"amap"``, an xyzservices provider name
        (``"CartoDB.Positron"``), or a tile URL template with ``{z}``, ``{x}``,
        ``{y}`` (and optionally ``{s}``).
    frame : {"WGS-84", "GCJ-02"}, optional
        Coordinate frame of a URL template's tiles — required for a template
        (zjgis never guesses: Chinese web tiles are usually GCJ-02).
    attribution : str, optional
        Credit of a URL template (plain text, escaped on the page).

    Raises
    ------
    ValidationError
        Unknown name, a template without ``{z}``/``{x}``/``{y}`` or without ``frame``.
    """
    if basemap is None or basemap == "none":
        return NONE
    if not isinstance(basemap, str):
        msg = (f"basemap must be 'none', 'osm', 'amap', an xyzservices name or a tile URL "
               f"template, got {type(basemap).__name__}")
        raise ValidationError(msg)
    if basemap == "osm":
        p = _provider("OpenStreetMap.Mapnik")
        return Basemap("osm", str(p["url"]), "WGS-84", OSM_CREDIT, OSM_CREDIT_HTML,
                       "OpenStreetMap", "OpenStreetMap", "abc", int(p.get("max_zoom", 19)))
    if basemap == "amap":
        p = _provider("Gaode.Normal")
        url = str(p["url"]).replace("http://", "https://")
        return Basemap("amap", url, "GCJ-02", AMAP_CREDIT,
                       '&copy; <a href="https://www.amap.com/">高德地图 AutoNavi</a>',
                       "高德地图（GCJ-02）", "Amap (GCJ-02)", "1234", 18)
    if "{z}" in basemap or "{x}" in basemap:
        if not all(k in basemap for k in ("{z}", "{x}", "{y}")):
            msg = f"basemap URL template {basemap!r} needs {{z}}, {{x}} and {{y}}"
            raise ValidationError(msg)
        if not basemap.lower().startswith(("https://", "http://", "file:", "//")):
            msg = f"basemap URL template {basemap!r} must start with https:// (or http://, file:)"
            raise ValidationError(msg)
        if frame is None:
            msg = (f"basemap {basemap!r}: say which coordinate frame its tiles are in with "
                   "basemap_frame='WGS-84' or 'GCJ-02' (Amap/Tencent tiles are GCJ-02); zjgis "
                   "does not guess")
            raise ValidationError(msg)
        try:
            norm = zcrs.normalize_frame(frame)
        except (CRSError, ValueError) as exc:
            msg = f"basemap_frame must be 'WGS-84' or 'GCJ-02', got {frame!r}"
            raise ValidationError(msg) from exc
        if norm not in ("WGS-84", "GCJ-02"):
            msg = f"basemap_frame must be 'WGS-84' or 'GCJ-02', got {frame!r}"
            raise ValidationError(msg)
        text = str(attribution or "")
        return Basemap("custom", basemap, norm, text, html.escape(text),
                       f"自定义底图（{norm}）", f"custom tiles ({norm})", "abc", 18)
    p = _provider(basemap)
    if p is None:
        msg = (f"basemap {basemap!r} is neither 'none', 'osm', 'amap', an xyzservices "
               "provider name (e.g. 'CartoDB.Positron') nor a URL template with {z}/{x}/{y}")
        raise ValidationError(msg)
    if p.requires_token():
        msg = f"basemap {basemap!r} needs an API key; give a URL template with the key instead"
        raise ValidationError(msg)
    plain = str(p.get("attribution", ""))
    return Basemap(str(p.name), p.build_url(), "WGS-84", plain, html.escape(plain),
                   str(p.name), str(p.name), str(p.get("subdomains", "abc")),
                   int(p.get("max_zoom", 18)))


_HOLDERS = (
    ("openstreetmap", OSM_CREDIT, OSM_CREDIT),
    ("geoboundaries", OSM_CREDIT, OSM_CREDIT),
    ("amap", "高德地图（使用条款未明）", "Amap (terms unknown)"),
    ("高德", "高德地图（使用条款未明）", "Amap (terms unknown)"),
    ("seed", "张江科学城扩区提质三年行动方案（浦府〔2022〕210号）等政策文本",
     "policy texts (Zhangjiang Science City action plan 2022–2024)"),
    ("metroman", "MetroMan 线路数据", "MetroMan line data"),
)


def credit(source: str | None, licence: str | None, language: str = "zh") -> str:
    """A short credit of a layer for the map's footnotes: who holds the data, as they write it.

    The catalog's full provenance (``zjgis layers info NAME``) names files,
    seeds and code licences; a map shows only the data holders.
    """
    text = f"{source or ''} {licence or ''}".lower()
    seen: list[str] = []
    for word, zh, en in _HOLDERS:
        if word in text:
            label = zh if language == "zh" else en
            if label not in seen:
                seen.append(label)
    if seen:
        return "；".join(seen) if language == "zh" else "; ".join(seen)
    out = str(source or "")
    if licence:
        out += f"（许可：{licence}）" if language == "zh" else f" (licence: {licence})"
    return out.strip()
