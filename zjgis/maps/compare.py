"""Side-by-side and over-the-years briefings: several offline maps in one HTML page.

:func:`compare_page` puts two briefing maps side by side (方案前 | 方案后) whose
views are synchronised — panning or zooming one moves the other — with a table
under them.  :func:`timeline_page` stacks one map per year under a slider (the
register over the years, "挂图作战").  Each map is a complete offline page
(:func:`zjgis.maps.save`'s inlining) inside an ``<iframe srcdoc>``; the frames share
the page's origin, so a few lines of script find each frame's Leaflet map and keep
the views in step.  All text — titles, descriptions, table cells — is escaped
data, never template source.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from zjgis import io as zio
from zjgis.maps.offline import check_page_suffix, inline_assets, render_html

__all__ = ["compare_page", "timeline_page", "save_page", "page_of"]

_STYLE = """
body{margin:0;font-family:"Noto Sans SC","PingFang SC","Microsoft YaHei",sans-serif;
 color:#222;background:#fafafa}
header{padding:10px 16px;background:#fff;border-bottom:1px solid #ddd}
header h1{font-size:20px;margin:0 0 4px 0}
header p{margin:2px 0;font-size:13px;color:#444;white-space:pre-wrap}
.badges span{display:inline-block;white-space:nowrap;font-size:12px;margin:2px 6px 2px 0;
 padding:1px 6px;border-radius:3px;background:#eee;border:1px solid #ccc}
.pair{display:flex;gap:6px;padding:6px}
.pair figure{flex:1;margin:0;background:#fff;border:1px solid #ddd}
figcaption{font-weight:bold;padding:4px 8px;font-size:14px}
iframe{width:100%;height:72vh;min-height:520px;border:0;display:block}
section{padding:6px 16px 24px 16px}
table{border-collapse:collapse;font-size:12px;background:#fff}
th,td{border:1px solid #ccc;padding:2px 6px;text-align:right}
th{background:#f0f0f0} td:first-child,td:nth-child(2),td:nth-child(3){text-align:left}
.slider{padding:6px 16px;font-size:14px} .slider input{width:50%;vertical-align:middle}
.year{height:0;overflow:hidden} .year.on{height:auto}
footer{font-size:11px;color:#666;padding:4px 16px 16px 16px}
"""

# Find each frame's Leaflet map and keep their views in step (no network, no eval).
_SYNC = """
(function(){
  function leafletMap(frame){
    var w = frame.contentWindow; if(!w || !w.L) return null;
    for (var k in w){ try { if (w[k] instanceof w.L.Map) return w[k]; } catch(e){} }
    return null;
  }
  var frames = Array.prototype.slice.call(document.querySelectorAll('iframe.sync'));
  var maps = [], lock = false, current = null;
  function link(){
    maps = frames.map(leafletMap);
    if (maps.some(function(m){return !m;})) { setTimeout(link, 100); return; }
    maps.forEach(function(m){
      m.on('move zoomend', function(){
        if (lock) return; lock = true; current = [m.getCenter(), m.getZoom()];
        maps.forEach(function(o){ if (o !== m) o.setView(m.getCenter(), m.getZoom(),
                                                           {animate:false}); });
        lock = false;
      });
    });
    var ref = maps[frames.indexOf(document.querySelector('.year.on iframe'))] || maps[0];
    current = [ref.getCenter(), ref.getZoom()];
    lock = true;
    maps.forEach(function(o){ if (o !== ref) o.setView(current[0], current[1],
                                                       {animate:false}); });
    lock = false;
    window.zjgisMaps = maps;
    document.body.setAttribute('data-synced', String(maps.length));
  }
  if (document.readyState === 'complete') link(); else window.addEventListener('load', link);
  var slider = document.getElementById('year');
  if (slider){
    var years = JSON.parse(document.getElementById('years').textContent);
    var show = function(){
      var y = years[+slider.value];
      document.getElementById('year-label').textContent = y;
      document.querySelectorAll('.year').forEach(function(d){
        d.classList.toggle('on', d.getAttribute('data-year') === String(y));
      });
      var on = document.querySelector('.year.on iframe');
      var i = frames.indexOf(on), m = maps[i];
      if (m && current){ lock = true; m.setView(current[0], current[1], {animate:false});
                         lock = false; }
    };
    slider.addEventListener('input', show); show();
  }
})();
"""


def page_of(m) -> str:
    """The complete offline HTML page of a folium map (Leaflet inlined)."""
    text, _ = inline_assets(render_html(m))
    return text


def _frame(page: str, *, label: str) -> str:
    return (f'<iframe class="sync" title="{html.escape(label)}" '
            f'srcdoc="{html.escape(page, quote=True)}"></iframe>')


def _header(title: str, description: str, badges: Sequence[str]) -> str:
    chips = "".join(f"<span>{html.escape(str(b))}</span>" for b in badges)
    return (f"<header><h1>{html.escape(title)}</h1>"
            + (f"<p>{html.escape(description)}</p>" if description else "")
            + (f'<div class="badges">{chips}</div>' if chips else "") + "</header>")


def _table(table: pd.DataFrame | None, caption: str) -> str:
    if table is None or table.empty:
        return ""
    # counts (1,237,729 jobs) without decimals, other figures to 2
    body = table.to_html(index=False, escape=True, border=0, na_rep="—",
                         float_format=lambda v: f"{v:,.0f}" if float(v).is_integer()
                         else f"{v:,.2f}")
    return f"<section><h2>{html.escape(caption)}</h2>{body}</section>"


def _page(title: str, body: str, footer: str) -> str:
    return ("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
            f"{body}<footer>{html.escape(footer)}</footer><script>{_SYNC}</script>"
            "</body></html>")


def compare_page(before, after, *, title: str, description: str = "",
                 badges: Sequence[str] = (), table: pd.DataFrame | None = None,
                 tables: Mapping[str, pd.DataFrame] | None = None,
                 labels: tuple[str, str] = ("方案前", "方案后"), footer: str = "") -> str:
    """One offline page with two synchronised maps side by side and tables under them.

    Parameters
    ----------
    before, after : folium.Map
        Usually from :func:`zjgis.maps.briefing_map`.
    title, description : str
        The title block (escaped text).
    badges : sequence of str
        Accuracy badges of the inputs ("样例：分区", "示意：科学城范围" …).
    table : pandas.DataFrame, optional
        The change table shown first under the maps (headers as given).
    tables : mapping of str to DataFrame, optional
        More tables, each under its caption.
    labels : (str, str)
        Captions of the two maps.

    Returns
    -------
    str
        The page; write it with :func:`save_page`.

    Examples
    --------
    >>> from zjgis.maps import briefing_map
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # the outline is schematic
    ...     m = briefing_map(["science_city_2022"], basemap="none")
    >>> page = compare_page(m, m, title="<b>方案</b>{{7*7}}")
    >>> "&lt;b&gt;方案&lt;/b&gt;{{7*7}}" in page and page.count('class="sync"') == 2
    True
    """
    body = _header(title, description, badges)
    body += ('<div class="pair">'
             f"<figure><figcaption>{html.escape(labels[0])}</figcaption>"
             f"{_frame(page_of(before), label=labels[0])}</figure>"
             f"<figure><figcaption>{html.escape(labels[1])}</figcaption>"
             f"{_frame(page_of(after), label=labels[1])}</figure></div>")
    body += _table(table, "指标变化")
    for caption, frame in (tables or {}).items():
        body += _table(frame, caption)
    return _page(title, body, footer)


def timeline_page(maps_by_year: Mapping[int, object], *, title: str, description: str = "",
                  badges: Sequence[str] = (), counts: pd.DataFrame | None = None,
                  footer: str = "") -> str:
    """One offline page with a map per year under a slider, views kept in step.

    Parameters
    ----------
    maps_by_year : mapping of int to folium.Map
        The register's state at the end of each year.
    counts : pandas.DataFrame, optional
        A table shown under the slider (e.g. parcels per status and year); it is
        also embedded as JSON (``<script id="counts" type="application/json">``).

    Returns
    -------
    str

    Examples
    --------
    >>> import warnings
    >>> from zjgis.maps import briefing_map
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # the outline is schematic
    ...     m = briefing_map(["science_city_2022"], basemap="none")
    >>> page = timeline_page({2024: m, 2025: m}, title="台账")
    >>> page.count('class="year') == 2 and 'id="year"' in page
    True
    """
    years = sorted(maps_by_year)
    body = _header(title, description, badges)
    body += ('<div class="slider"><label for="year">年份 </label>'
             f'<input type="range" id="year" min="0" max="{len(years) - 1}" '
             f'value="{len(years) - 1}" step="1"> <b id="year-label"></b></div>')
    body += f'<script id="years" type="application/json">{json.dumps(years)}</script>'
    for y in years:
        body += (f'<div class="year" data-year="{y}">'
                 f"{_frame(page_of(maps_by_year[y]), label=str(y))}</div>")
    if counts is not None:
        data = json.dumps(counts.to_dict(orient="records"), ensure_ascii=False, default=str)
        body += ('<script id="counts" type="application/json">'
                 + data.replace("<", "\\u003c") + "</script>")
    body += _table(counts, "各年末地块状态")
    return _page(title, body, footer)


def save_page(page: str, path: str | Path, *, overwrite: bool = True) -> Path:
    """Write a page from :func:`compare_page` or :func:`timeline_page`, atomically."""
    target = Path(path)
    check_page_suffix(target)
    zio.write_text(page, target, overwrite=overwrite)
    return target
