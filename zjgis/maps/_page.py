"""User text is data: the page is rendered with opaque tokens, the text goes in afterwards.

branca renders every ``MacroElement`` macro and then compiles the macro's
*output* again as a Jinja2 template (``Element(header(self, kwargs))``), so any
text that reaches a macro's output — a title, a layer name, a tooltip value —
becomes template *source* on the second pass: ``{{7*7}}`` turns into ``49``
and ``{% set o = lipsum.__globals__.os %}`` runs Python.  zjgis therefore never
gives text to a template.  Each element stores its text (already escaped for
where it goes: HTML, a JSON literal, a string inside JSON) in a :class:`Slots`
table and renders only a token made of letters and digits
(``zjgisslot<nonce>n<i>z``), which no template pass can interpret.  After
branca has rendered the whole page, :meth:`Slots.fill` replaces the tokens in
one pass, so the inserted text is never scanned again.
"""

from __future__ import annotations

import html as _html
import json
import re
import secrets
from pathlib import Path
from typing import Any

import folium

__all__ = ["BriefingMap", "Slots", "html_text", "js_literal", "json_string_body"]


def _escape_json_text(text: str) -> str:
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def js_literal(obj: Any) -> str:
    """JSON for a ``<script>``: ``<``, ``>``, ``&`` escaped so data can't close the tag."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _escape_json_text(text)


def json_string_body(text: str) -> str:
    """The inside of a JSON string literal holding ``text`` (no quotes), script-safe."""
    return _escape_json_text(json.dumps(str(text), ensure_ascii=False)[1:-1])


def html_text(text: object) -> str:
    """``text`` escaped for HTML element content and attribute values."""
    return _html.escape(str(text), quote=True)


class Slots:
    """Text kept out of the templates: ``put`` returns a token, ``fill`` puts the text back."""

    def __init__(self) -> None:
        self.nonce = secrets.token_hex(6)
        self._items: list[str] = []
        self._pattern = re.compile(f"zjgisslot{self.nonce}n([0-9]+)z")

    def put(self, text: str) -> str:
        """Store ``text`` (already escaped for its place in the page); return its token."""
        self._items.append(str(text))
        return f"zjgisslot{self.nonce}n{len(self._items) - 1}z"

    def fill(self, page: str) -> str:
        """Replace every token in ``page`` by its text, in one pass (text is not rescanned)."""
        return self._pattern.sub(lambda m: self._items[int(m.group(1))], page)


class BriefingMap(folium.Map):
    """A folium map whose text is inserted after rendering (see :class:`Slots`).

    Render it with :meth:`render_page` (or :func:`zjgis.maps.save`); in Jupyter
    the inline display (``_repr_html_``) carries Leaflet inline, as
    ``save(offline=True)`` does, so it draws with no network.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zjgis_slots = Slots()

    def render_page(self, *, offline: bool = False) -> str:
        """The complete HTML page with every text in place (Leaflet inlined if ``offline``)."""
        page = self.zjgis_slots.fill(self.get_root().render())
        if offline:
            from zjgis.maps.offline import inline_assets

            page, _ = inline_assets(page)
        return page

    def _repr_html_(self, **kwargs: Any) -> str:
        """Inline display in Jupyter: the offline page in an ``<iframe srcdoc>``."""
        from zjgis.maps.offline import iframe_html

        return iframe_html(self.render_page(offline=True))

    def save(self, outfile: Any, close_file: bool = True, **kwargs: Any) -> None:
        """Write the page (CDN links; :func:`zjgis.maps.save` writes it offline and atomically)."""
        data = self.render_page().encode("utf-8")
        if isinstance(outfile, (str, bytes, Path)):
            with open(outfile, "wb") as fid:
                fid.write(data)
        else:
            outfile.write(data)
            if close_file:
                outfile.close()
