"""Static briefing figure (matplotlib) for slides: same layers and style, Chinese labels.

Chinese text needs a CJK font; matplotlib's default DejaVu Sans has no Chinese
glyphs and draws boxes (豆腐块).  :func:`cjk_font` finds an installed one
(Noto Sans CJK SC first).  Install it with ``apt-get install fonts-noto-cjk``
(Debian/Ubuntu), ``conda install -c conda-forge font-noto-cjk`` or ``brew
install --cask font-noto-sans-cjk-sc``; on Windows "Microsoft YaHei" and on
macOS "PingFang SC" are found without installing anything.

Examples
--------
>>> import matplotlib.pyplot as plt
>>> from zjgis import maps
>>> fig = maps.figure(["science_city_2022"], title="张江科学城")
>>> len(fig.legends)  # the legend sits beside the map, inside the canvas
1
>>> plt.close(fig)
"""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np

from zjgis import _fonts
from zjgis import crs as zcrs
from zjgis import io as zio
from zjgis._fonts import MissingFontWarning
from zjgis._log import get_logger
from zjgis.errors import ValidationError
from zjgis.maps import _prepare as prep
from zjgis.maps import style as st
from zjgis.maps.briefing import FitTo, subject_bounds

__all__ = ["MissingFontWarning", "cjk_font", "figure", "save_figure", "CJK_FAMILIES"]

log = get_logger(__name__)

#: CJK font families tried in order.
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "Noto Sans CJK JP", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei",
    "PingFang SC", "Hiragino Sans GB", "SimHei", "Noto Serif CJK SC", "AR PL UMing CN",
)

_INSTALL_HINT = (
    "install a CJK font: apt-get install fonts-noto-cjk (Debian/Ubuntu), "
    "conda install -c conda-forge font-noto-cjk, or brew install --cask font-noto-sans-cjk-sc; "
    "then remove matplotlib's font cache (~/.cache/matplotlib) if it was built before"
)


def cjk_font() -> str | None:
    """Return the family of the CJK font figures use: bundled Noto Sans SC unless one is named.

    See :mod:`zjgis._fonts` (``ZJGIS_CJK_FONT``, ``use_cjk_font``); None if none exists.
    """
    return _fonts.cjk_family()


def _font_or_warn() -> str | None:
    family = cjk_font()
    if family is None:
        warnings.warn(f"no CJK font found, Chinese labels will show as boxes; {_INSTALL_HINT}",
                      MissingFontWarning, stacklevel=3)
    return family


def figure(
    layers: Sequence[str | gpd.GeoDataFrame] | str | gpd.GeoDataFrame | None = None,
    *,
    title: str = "张江科学城 规划图",
    subtitle: str | None = None,
    language: Literal["zh", "en"] = "zh",
    extra: Sequence[Any] | None = None,
    figsize: tuple[float, float] = (11.0, 9.0),
    extent: Literal["auto", "subject", "science_city", "all"] | Sequence[float] = "auto",
    label_features: bool = True,
    fit_to: FitTo | None = None,
):
    """Draw the briefing layers as a matplotlib figure (in metres, UTM 51N) with a CJK font.

    Parameters
    ----------
    layers, extra, language, title, subtitle
        As for :func:`zjgis.maps.briefing_map`.
    figsize : (float, float)
        Figure size in inches.
    extent : {"auto", "subject", "science_city", "all"} or (minx, miny, maxx, maxy)
        Map window (with a margin): ``"auto"`` is the ``extra`` analysis layers
        when there are any (catalog fills that would cover them are then left
        out), else the science city outline; ``"subject"`` the extra layers;
        ``"science_city"``; all layers; or a lon/lat box in degrees.
    label_features : bool
        Write the axis zones' labels (中国芯 / 智能造 / 创新药), the names of
        polygons that have one and the names of the rail stations in view
        (interchanges first; a name that would overlap another label or leave
        the map is left out).
    fit_to : str, bbox or GeoDataFrame, optional
        What the figure shows, as for :func:`zjgis.maps.briefing_map` (a layer
        name or title, a lon/lat bbox or ``"minx,miny,maxx,maxy"``, a frame or
        a file; ``--extent`` of the CLI); overrides the window of ``extent``.

    Returns
    -------
    matplotlib.figure.Figure
        One axes in EPSG:32651 metres with a legend (accuracy class of every
        layer), a scale bar and a source line.

    Warns
    -----
    MissingFontWarning
        If no CJK font is installed (Chinese would show as boxes); the message
        says how to install one.
    """
    import matplotlib.pyplot as plt
    from matplotlib.font_manager import FontProperties
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    language = prep.check_language(language)
    family = _font_or_warn()
    font = FontProperties(family=[family, "DejaVu Sans"] if family else ["DejaVu Sans"])
    frames = prep.resolve(layers)  # None: every catalog layer; [] for extra= only
    prepared = prep.prepare(frames, extra, language=language)
    if not prepared:
        msg = "nothing to draw: no layers and no extra"
        raise ValidationError(msg)
    subject = [p for p in prepared if p.kind == "extra" and p.name != "science_city_change"
               and not p.name.startswith("highlight_")]
    window_box = None if fit_to is None else tuple(float(v) for v in
                                                   subject_bounds(fit_to, prepared))
    if subject and extent in ("auto", "subject"):  # an analysis figure: nothing covers it
        prepared = [p for p in prepared if p.kind not in ("community", "axis_zone", "park",
                                                           "axis", "park_point")
                    and p.name != "science_city_change"]
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    ax.set_facecolor("#f2efe9")
    _set_extent(ax, prepared, extent if window_box is None else window_box)
    window = _window_lonlat(ax)
    handles: list[Any] = []
    for p in prepared:
        if not len(p.gdf):
            continue
        inside = p.gdf.intersects(window).to_numpy()
        if not inside.any():
            continue
        if not inside.all():  # only what is in view: smaller files, honest legend entries
            p.gdf = p.gdf[inside]
            p.colours = p.colours[inside] if len(p.colours) == len(inside) else p.colours
            if p.kind == "station" or p.kind in ("community", "park"):
                _, entries = st.feature_colours(p.kind, p.gdf, p.style)
                p.entries = prep._display_entries(entries, language)
        g = zcrs.to_metric(p.gdf, name=p.name)
        s = p.style
        colours = list(p.colours) if len(p.colours) == len(g) else [s.color] * len(g)
        ls: Any = (0, tuple(float(x) for x in s.dash_array.split())) if s.dash_array else "-"
        if p.geom_family == "point":
            g.plot(ax=ax, color=colours, markersize=(s.radius * 2.2) ** 2 / 4,
                   edgecolor=s.color if p.kind != "station" else "#222222", linewidth=0.4,
                   zorder=6)
            handles.append(Line2D([], [], marker="o", ls="", color=colours[0] if colours else
                                  s.color, label=_legend_label(p, language)))
        elif p.geom_family == "line" or not s.fill or s.fill_opacity == 0:
            g.boundary.plot(ax=ax, color=colours if p.geom_family != "line" else None,
                            linewidth=max(s.weight * 0.6, 0.3), linestyle=ls, zorder=5) \
                if p.geom_family != "line" else g.plot(ax=ax, color=colours,
                                                       linewidth=s.weight * 0.6, zorder=5)
            handles.append(Line2D([], [], color=colours[0] if colours else s.color,
                                  linestyle=ls, linewidth=max(s.weight * 0.6, 0.8),
                                  label=_legend_label(p, language)))
        else:
            g.plot(ax=ax, color=colours, alpha=min(1.0, s.fill_opacity + 0.15),
                   edgecolor="none", zorder=3)
            if s.weight > 0:
                g.boundary.plot(ax=ax, color=s.color if p.kind not in ("extra",) else "#555555",
                                linewidth=0.5, zorder=3.5)
            handles.append(Patch(facecolor=colours[0] if colours else s.color,
                                 alpha=min(1.0, s.fill_opacity + 0.15),
                                 label=_legend_label(p, language)))
        if len(p.entries) > st.FOLD_ABOVE:  # many members (rail lines): one swatch row
            row = tuple(Line2D([], [], marker="o" if e.symbol == "circle" else "s", ls="",
                               color=e.color, markersize=4) for e in p.entries)
            # a figure cannot unfold the row (the HTML legend can): say what it is
            count = (f"  共 {len(p.entries)} 类，各一色" if language == "zh"
                     else f"  {len(p.entries)} classes, one colour each")
            handles.append((row, count))
        else:
            for e in p.entries:
                handles.append(Patch(facecolor=e.color, label=f"  {e.label}")
                               if e.symbol != "circle" else
                               Line2D([], [], marker="o", ls="", color=e.color,
                                      label=f"  {e.label}"))
        if label_features:
            _labels(ax, p, g, font, language)
    _set_extent(ax, prepared, extent if window_box is None else window_box)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    _scale_bar(ax, font, language)
    _layout_text(fig, ax, handles, prepared, font, title=title, subtitle=subtitle,
                 language=language)
    _thin_station_labels(fig, ax)
    fig.zjgis_font = family  # type: ignore[attr-defined]
    return fig


def _legend_label(p: prep.Prepared, language: str) -> str:
    acc = st.accuracy_text(p.accuracy, language) if p.accuracy else ""
    title = st.strip_badge(p.title, p.accuracy, language)  # never （样例）（样例）
    text = f"{title}（{acc}）" if acc and language == "zh" else (
        f"{title} ({acc})" if acc else title)
    return "\n".join(textwrap.wrap(text, 18 if language == "zh" else 36))


def _wrap(text: str, width_in: float, size_pt: float) -> str:
    """Wrap ``text`` to a width in inches (CJK glyphs are about one em wide)."""
    per_line = max(8, int(width_in * 72 / (size_pt * 1.05)))
    return "\n".join(line for para in str(text).split("\n")
                     for line in (textwrap.wrap(para, per_line) or [""]))


def _layout_text(fig, ax, handles: list, prepared: Sequence[prep.Prepared], font, *,
                 title: str, subtitle: str | None, language: str) -> None:
    """Title, subtitle, legend and footnotes laid out inside the canvas at any entry count.

    The legend sits outside the map on the right (constrained layout reserves
    its width) in as many columns as its height needs; a many-member category
    is one row of swatches; title, subtitle and footnotes wrap to the width.
    """
    from matplotlib.legend_handler import HandlerTuple

    width_in, height_in = fig.get_size_inches()
    labels, items = [], []
    for h in handles:
        if isinstance(h, tuple):
            items.append(h[0])
            labels.append(h[1])
        else:
            items.append(h)
            labels.append(h.get_label())
    size = 8.0 if len(items) <= 40 else 7.0
    rows = max(1, int((height_in * 72 - 60) / (size * 1.9)))  # lines a column holds
    lines = sum(lab.count("\n") + 1 for lab in labels)
    ncols = max(1, -(-lines // rows))
    legend_font = font.copy()
    legend_font.set_size(size)
    fig.legend(items, labels, prop=legend_font, loc="outside right upper", ncols=ncols,
               frameon=False, title="图例" if language == "zh" else "Legend",
               title_fontproperties=font, handler_map={tuple: HandlerTuple(ndivide=None,
                                                                            pad=0.1)},
               handlelength=2.0 if ncols == 1 else 1.6, columnspacing=0.8)
    with warnings.catch_warnings():  # without a CJK font the one warning was already given
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig.canvas.draw()  # lay out once: the legend's left edge is where the title must end
    left_in = fig.legends[0].get_window_extent().x0 / fig.dpi
    text_w = max(left_in - 0.25, 2.5)
    fig.suptitle(_wrap(title, text_w, 16), fontproperties=font, fontsize=16, x=0.01,
                 ha="left", fontweight="bold")
    if subtitle:  # beside the axes' left edge, so it ends where the free width ends
        sub = ax.set_title(_wrap(subtitle, text_w - ax.get_position().x0 * width_in, 11),
                           fontproperties=font, fontsize=11, loc="left", color="#444444")
        sub.set_wrap(False)
    sources = prep.sources_text(prepared, language)
    head = "数据来源：" if language == "zh" else "Data sources: "
    crs_note = ("坐标系 WGS-84，UTM 51N 投影；由 zjgis 生成" if language == "zh"
                else "WGS-84, UTM zone 51N projection; made with zjgis")
    sep = "；" if language == "zh" else "; "
    footer = _wrap(head + sep.join(sources), width_in - 0.4, 6.5) + f"\n{crs_note}"
    fig.supxlabel(footer, fontproperties=font, fontsize=6.5, color="#555555", x=0.01,
                  ha="left", multialignment="left")


def _window_lonlat(ax):
    import shapely

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    box = gpd.GeoSeries([shapely.box(x0, y0, x1, y1)], crs=zcrs.METRIC).to_crs(zcrs.WGS84)
    return box.iloc[0]


STATION_LABEL_GID = "zjgis-station-label"


def _labels(ax, p: prep.Prepared, g: gpd.GeoDataFrame, font, language: str = "zh") -> None:
    import matplotlib.patheffects as pe

    halo = [pe.withStroke(linewidth=2.5, foreground="white")]
    if p.kind == "station" and "station" in g.columns:
        column = "station_en" if language == "en" and "station_en" in g.columns else "station"
        names = g[column].where(g[column].notna(), g["station"])
        lines = names.groupby(names).transform("size")  # rows per station: its lines
        order = sorted(range(len(g)), key=lambda i: -int(lines.iloc[i]))
        seen: set[str] = set()
        for i in order:
            name = names.iloc[i]
            if not isinstance(name, str) or not name or name in seen:
                continue
            seen.add(name)
            pt = g.geometry.iloc[i]
            t = ax.annotate(name, (pt.x, pt.y), xytext=(3, 2), textcoords="offset points",
                            fontproperties=font, fontsize=6, color="#333333", ha="left",
                            va="bottom", path_effects=halo, zorder=8, annotation_clip=True)
            t.set_gid(STATION_LABEL_GID)
            t.set_in_layout(False)  # labels never move the map or the legend
        return
    if p.labels:
        lon = [m[1] for m in p.labels]
        lat = [m[0] for m in p.labels]
        pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=zcrs.WGS84).to_crs(zcrs.METRIC)
        for pt, m in zip(pts, p.labels):
            ax.text(pt.x, pt.y, m[2], fontproperties=font, fontsize=13, fontweight="bold",
                    ha="center", va="center", path_effects=halo, zorder=8)
        return
    if p.kind in ("community", "park") and "name" in g.columns and len(g) <= 60:
        reps = g.geometry.representative_point()
        for pt, name in zip(reps, g["name"]):
            if isinstance(name, str) and name:
                ax.text(pt.x, pt.y, name, fontproperties=font, fontsize=7, ha="center",
                        va="center", path_effects=halo, zorder=7)


def _thin_station_labels(fig, ax) -> None:
    """Drop station names that overlap another label or leave the map (greedy, in order).

    Interchanges were written first, so they win; every other text of the map
    (zone and community names, the scale bar) is kept and blocks the names.
    """
    labels = [t for t in ax.texts if t.get_gid() == STATION_LABEL_GID]
    if not labels:
        return
    engine = fig.get_layout_engine()
    if engine is not None:  # the constrained layout fixes the map's place (no full draw)
        engine.execute(fig)
    ax.apply_aspect()  # the equal-aspect box a draw would give
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    taken = [t.get_window_extent(renderer) for t in ax.texts
             if t.get_gid() != STATION_LABEL_GID and t.get_visible() and t.get_text()]
    for t in labels:
        bb = t.get_window_extent(renderer)
        inside = (bb.x0 >= frame.x0 and bb.y0 >= frame.y0 and bb.x1 <= frame.x1
                  and bb.y1 <= frame.y1)
        if not inside or any(bb.overlaps(o) for o in taken):
            t.remove()
        else:
            taken.append(bb)


def _set_extent(ax, prepared: Sequence[prep.Prepared], extent) -> None:
    names = {p.name: p for p in prepared}
    box = None
    if isinstance(extent, str):
        if extent in ("auto", "subject"):
            subject = [p for p in prepared if p.kind == "extra"
                       and p.name != "science_city_change" and len(p.gdf)]
            if subject:
                box = prep.bounds_of(subject)
            elif extent == "auto":
                extent = "science_city"
        if extent == "science_city":
            for key in ("science_city_2022", "science_city_2017"):
                if key in names and len(names[key].gdf):
                    box = names[key].gdf.total_bounds
                    break
        elif extent not in ("all", "auto", "subject"):
            msg = ("extent must be 'auto', 'subject', 'science_city', 'all' or a "
                   "(minx, miny, maxx, maxy) box")
            raise ValidationError(msg)
        if box is None:
            box = prep.bounds_of(prepared)
    else:
        box = np.asarray(extent, dtype="float64")
        if box.shape != (4,):
            msg = "extent box must be (minx, miny, maxx, maxy) in degrees"
            raise ValidationError(msg)
    if box is None:
        return
    corners = gpd.GeoSeries(gpd.points_from_xy([box[0], box[2]], [box[1], box[3]]),
                            crs=zcrs.WGS84).to_crs(zcrs.METRIC)
    (x0, x1), (y0, y1) = sorted(corners.x), sorted(corners.y)
    pad = 0.06 * max(x1 - x0, y1 - y0, 500.0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)


def _scale_bar(ax, font, language: str) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width = x1 - x0
    target = width / 5
    nice = [100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000]
    length = max([n for n in nice if n <= target] or [nice[0]])
    bx = x0 + 0.04 * width
    by = y0 + 0.04 * (y1 - y0)
    ax.plot([bx, bx + length], [by, by], color="black", linewidth=3, solid_capstyle="butt",
            zorder=9)
    text = f"{length / 1000:g} 公里" if language == "zh" else f"{length / 1000:g} km"
    if length < 1000:
        text = f"{length} 米" if language == "zh" else f"{length} m"
    ax.text(bx + length / 2, by + 0.012 * (y1 - y0), text, fontproperties=font, ha="center",
            va="bottom", fontsize=8, zorder=9)
    ax.annotate("N", xy=(x1 - 0.04 * width, y1 - 0.05 * (y1 - y0)),
                xytext=(x1 - 0.04 * width, y1 - 0.12 * (y1 - y0)),
                arrowprops={"arrowstyle": "-|>", "color": "black"}, ha="center",
                fontsize=11, fontweight="bold", zorder=9)


#: Suffixes of a saved figure.
FIGURE_SUFFIXES: tuple[str, ...] = (".png", ".pdf", ".svg")


def check_figure_suffix(path: str | Path) -> None:
    """Refuse a figure path whose suffix is not .png, .pdf or .svg.

    Raises
    ------
    ValidationError
        Naming the path.
    """
    zio.require_suffix(path, FIGURE_SUFFIXES, what="figures are saved as PNG, PDF or SVG",
                       error=ValidationError)


def save_figure(fig, path: str | Path, *, dpi: int = 200, overwrite: bool = True) -> Path:
    """Save a figure as PNG or PDF (by suffix), atomically; fonts are embedded in PDFs.

    Raises
    ------
    WriteError
        If ``path`` exists and ``overwrite`` is False, or its folder is missing.
    ValidationError
        If the suffix is not .png, .pdf or .svg.
    """
    path = Path(path)
    check_figure_suffix(path)
    fmt = path.suffix.lower().lstrip(".")
    import matplotlib as mpl

    with mpl.rc_context({"pdf.fonttype": 42, "svg.fonttype": "none"}), \
            zio.atomic_write(path, overwrite=overwrite) as tmp:
        fig.savefig(tmp, format=fmt, dpi=dpi)
    log.info("saved figure %s (%d bytes)", path, path.stat().st_size)
    return path
