"""Save folium maps as one self-contained HTML file that opens without internet.

folium links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs and treats
offline use as out of scope (folium issue 1985).  A briefing map made by
:func:`zjgis.maps.briefing_map` needs only Leaflet (plus zjgis' own few lines of
JavaScript and CSS), so :func:`save` replaces the Leaflet ``<script src>`` and
``<link href>`` by the files of the *installed* ``xstatic-leaflet`` package
(Leaflet's own dist files, pip-installable, version-pinned like folium's CDN
link), with Leaflet's images inlined as ``data:`` URIs.  Nothing third-party is
copied into the zjgis repository; the files are read at save time.

Debian's ``libjs-leaflet`` (``/usr/share/javascript/leaflet``) is used when the
Python package is missing.
"""

from __future__ import annotations

import base64
import html as _html
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from zjgis import io as zio
from zjgis._log import get_logger
from zjgis.errors import WriteError

__all__ = ["InlineMap", "SavedMap", "external_references", "leaflet_assets", "save", "show"]

log = get_logger(__name__)

_DEBIAN_LEAFLET = Path("/usr/share/javascript/leaflet")

# <script ... src="..."></script>  and  <link ... href="..." ...>
_SCRIPT_SRC = re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']([^\"']+)[\"'][^>]*>\s*</script>",
                         re.IGNORECASE)
_LINK_HREF = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']([^\"']+)[\"'][^>]*/?>", re.IGNORECASE)


@dataclass(frozen=True)
class SavedMap:
    """What :func:`save` wrote: the path, its size and how assets were handled."""

    path: Path
    size_bytes: int
    offline: bool
    inlined: tuple[str, ...]

    @property
    def size_mb(self) -> float:
        """File size in MiB."""
        return self.size_bytes / 2**20

    def __str__(self) -> str:
        mode = "offline, assets inlined" if self.offline else "online (CDN links)"
        return f"{self.path} ({self.size_mb:.2f} MB, {mode})"


def _leaflet_dir() -> Path:
    try:
        import xstatic.pkg.leaflet as xs  # type: ignore[import-not-found]

        base = Path(xs.BASE_DIR)
        if (base / "leaflet.js").is_file():
            return base
    except ImportError:
        pass
    for candidate in (_DEBIAN_LEAFLET, _DEBIAN_LEAFLET / "dist"):
        if (candidate / "leaflet.js").is_file():
            return candidate
    msg = (
        "offline maps need Leaflet's files from an installed package, and none was found: "
        "pip install xstatic-leaflet (a zjgis dependency), or apt-get install libjs-leaflet; "
        "or save with offline=False (the map then loads Leaflet from the internet)"
    )
    raise WriteError(msg)


@lru_cache(maxsize=1)
def leaflet_assets() -> tuple[str, str, str]:
    """Return (leaflet.js, leaflet.css with images inlined, origin description).

    Raises
    ------
    WriteError
        If no installed package ships Leaflet (install ``xstatic-leaflet``).
    """
    base = _leaflet_dir()
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    js = re.sub(r"^//# sourceMappingURL=.*$", "", js, flags=re.MULTILINE)
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def _inline(match: re.Match[str]) -> str:
        ref = match.group(1).strip("'\"")
        img = base / ref
        if ref.startswith(("#", "data:")) or not img.is_file():
            return match.group(0)
        data = base64.b64encode(img.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    css = re.sub(r"url\(([^)]+)\)", _inline, css)
    version = re.search(r"Leaflet (\d+\.\d+\.\d+)", js)
    origin = f"Leaflet {version.group(1) if version else '?'} from {base}"
    return js, css, origin


def _script_safe(text: str) -> str:
    """Make text safe inside an inline <script>/<style> element."""
    return re.sub(r"</(script|style)", r"<\\/\1", text, flags=re.IGNORECASE)


def external_references(html_text: str) -> list[str]:
    """Return every http(s) or protocol-relative URL loaded by a <script src> or <link href>."""
    urls = [m.group(1) for m in _SCRIPT_SRC.finditer(html_text)]
    urls += [m.group(1) for m in _LINK_HREF.finditer(html_text)]
    return [u for u in urls if re.match(r"^(https?:)?//", u, re.IGNORECASE)]


def inline_assets(html_text: str) -> tuple[str, tuple[str, ...]]:
    """Replace Leaflet's CDN <script>/<link> by inline copies; refuse other external assets.

    Returns
    -------
    (str, tuple of str)
        The new HTML and the names of the inlined assets.

    Raises
    ------
    WriteError
        If the page loads a script or stylesheet other than Leaflet from the
        network (a folium plugin, Bootstrap …): offline saving cannot honour it.
    """
    js, css, origin = leaflet_assets()
    inlined: list[str] = []

    def _script(m: re.Match[str]) -> str:
        url = m.group(1)
        if re.search(r"leaflet(\.min)?\.js(\?.*)?$", url, re.IGNORECASE) and "leaflet@" in url \
                or url.lower().endswith("/leaflet.js"):
            inlined.append(f"leaflet.js ({origin})")
            return f"<script>/* {origin} */\n{_script_safe(js)}\n</script>"
        return m.group(0)

    def _link(m: re.Match[str]) -> str:
        url = m.group(1)
        if url.lower().endswith("/leaflet.css"):
            inlined.append(f"leaflet.css ({origin})")
            return f"<style>/* {origin} */\n{_script_safe(css)}\n</style>"
        return m.group(0)

    out = _SCRIPT_SRC.sub(_script, html_text)
    out = _LINK_HREF.sub(_link, out)
    left = external_references(out)
    if left:
        msg = (
            "cannot save offline: the map loads these from the internet: " + ", ".join(left)
            + ". Build it with zjgis.maps.briefing_map (which needs Leaflet only), remove the "
            "plugin, or save with offline=False"
        )
        raise WriteError(msg)
    return out, tuple(inlined)


def render_html(m) -> str:
    """Render a folium map (or any branca element) to a complete HTML page.

    A map from :func:`zjgis.maps.briefing_map` renders with tokens in place of
    its text and fills them in afterwards (:mod:`zjgis.maps._page`): no text
    from the data is ever compiled as a template.
    """
    render_page = getattr(m, "render_page", None)
    if callable(render_page):
        return render_page()
    root = m.get_root()
    return root.render()


#: Suffixes of an HTML page (a map, a comparison page): a map is never written as .png.
PAGE_SUFFIXES: tuple[str, ...] = (".html", ".htm")


def check_page_suffix(path: str | Path) -> None:
    """Refuse a page path whose suffix is not .html/.htm (a browser would not open it).

    Raises
    ------
    WriteError
        Naming the path.
    """
    zio.require_suffix(path, PAGE_SUFFIXES, what="a map is an HTML page")


def save(m, path: str | Path, *, offline: bool = True, overwrite: bool = True) -> SavedMap:
    """Write a folium map to one self-contained HTML file, atomically.

    Parameters
    ----------
    m : folium.Map
        Usually from :func:`zjgis.maps.briefing_map`.
    path : str or path-like
        The ``.html`` file.
    offline : bool
        Inline every script and stylesheet from installed packages, so the file
        opens by double-click without internet (only basemap tiles, if any, are
        fetched).  With False, Leaflet is linked from its CDN (smaller file).
    overwrite : bool
        When False and ``path`` exists, raise :class:`~zjgis.errors.WriteError`.

    Returns
    -------
    SavedMap
        ``path``, ``size_bytes`` (also logged), ``offline`` and the inlined assets.

    Raises
    ------
    WriteError
        If ``path`` is not .html/.htm, offline saving finds a script or stylesheet it
        cannot inline, no installed package ships Leaflet, or the file cannot be
        written.
    """
    path = Path(path)
    check_page_suffix(path)
    text = render_html(m)
    inlined: tuple[str, ...] = ()
    if offline:
        text, inlined = inline_assets(text)
    data = text.encode("utf-8")
    zio.write_bytes(data, path, overwrite=overwrite)
    result = SavedMap(path=path, size_bytes=len(data), offline=offline, inlined=inlined)
    log.info("saved briefing map %s", result)
    return result


def iframe_html(page: str) -> str:
    """A complete page as an ``<iframe srcdoc>`` for a notebook cell (the page escaped)."""
    return (
        '<div style="width:100%;"><div style="position:relative;width:100%;height:0;'
        'padding-bottom:60%;"><iframe srcdoc="' + _html.escape(page, quote=True)
        + '" style="position:absolute;width:100%;height:100%;left:0;top:0;border:none '
        '!important;" allowfullscreen></iframe></div></div>'
    )


class InlineMap:
    """A map for inline display in Jupyter, with Leaflet inlined (draws with no network).

    Made by :func:`show`; the notebook calls ``_repr_html_``.
    """

    def __init__(self, page: str) -> None:
        self.page = page

    def _repr_html_(self) -> str:
        return iframe_html(self.page)


def show(m) -> InlineMap:
    """Display a map inline in Jupyter exactly as :func:`save` writes it offline.

    A map from :func:`zjgis.maps.briefing_map` already displays offline when it
    is the last line of a cell; ``show(m)`` says so explicitly and also takes a
    plain folium map that needs nothing but Leaflet.

    Parameters
    ----------
    m : folium.Map
        Usually from :func:`zjgis.maps.briefing_map`.

    Returns
    -------
    InlineMap
        An object whose ``_repr_html_`` is the self-contained page in an iframe.

    Raises
    ------
    WriteError
        If the map loads other scripts or stylesheets from the network (folium
        plugins, ``GeoDataFrame.explore()``'s Bootstrap and jQuery): draw it with
        :func:`zjgis.maps.briefing_map` instead.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> from zjgis import maps
    >>> pts = gpd.GeoDataFrame({"name": ["张江"]}, geometry=[Point(121.6, 31.2)], crs=4326)
    >>> inline = maps.show(maps.briefing_map([], extra=[pts], basemap="none"))
    >>> "cdn.jsdelivr" in inline._repr_html_()
    False
    """
    page, _ = inline_assets(render_html(m))
    return InlineMap(page)
