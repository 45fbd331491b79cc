"""Chinese fonts for matplotlib figures, with no system font needed.

Figures carry Chinese titles, legends and labels; matplotlib's default DejaVu
Sans has no Chinese glyphs and draws boxes.  zjgis depends on
``pylopdf-fonts-zh-cn``, a wheel with Noto Sans SC Regular (SIL Open Font
Licence 1.1, from notofonts/noto-cjk), and registers that file with
matplotlib's font manager when a figure is made.  It is therefore found on any
machine, with any (even stale) matplotlib font cache, and without an apt,
conda or brew step; PNG and PDF output both use it (PDFs embed a subset).

A font the user names wins: pass ``name=`` (a family such as ``"PingFang SC"``,
``"Microsoft YaHei"`` or a bureau font, or the path of a .ttf/.otf/.ttc file),
call :func:`use_cjk_font` once, or set the environment variable
``ZJGIS_CJK_FONT``.  A named font that cannot be found gives one
:class:`MissingFontWarning` line and the bundled font is used.

Examples
--------
>>> from zjgis._fonts import cjk_font
>>> cjk_font().get_family()[0]
'Noto Sans SC'
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from zjgis.errors import ValidationError, ZjgisWarning

if TYPE_CHECKING:
    from matplotlib.font_manager import FontProperties

__all__ = [
    "BUNDLED_FAMILY",
    "ENV_VAR",
    "SYSTEM_FAMILIES",
    "MissingFontWarning",
    "bundled_font_path",
    "cjk_family",
    "cjk_font",
    "use_cjk_font",
]

#: Family name of the font zjgis ships (through the ``pylopdf-fonts-zh-cn`` wheel).
BUNDLED_FAMILY = "Noto Sans SC"

#: Environment variable that names the font figures use (family or file path).
ENV_VAR = "ZJGIS_CJK_FONT"

#: Installed CJK families used, in this order, only if the bundled font is missing.
SYSTEM_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei", "SimHei", "Noto Sans CJK JP", "Noto Serif CJK SC",
)

_FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
_preferred: str | None = None
_rescanned = False


class MissingFontWarning(ZjgisWarning):
    """A named CJK font (or any CJK font at all) was not found; another one is used."""


def bundled_font_path() -> Path | None:
    """Return the path of the bundled Noto Sans SC file, or None if it is not installed.

    Examples
    --------
    >>> bundled_font_path().name
    'NotoSansSC-Regular.otf'
    """
    try:
        from importlib.resources import files

        path = Path(str(files("pylopdf_fonts_zh_cn") / "NotoSansSC-Regular.otf"))
    except (ImportError, TypeError):  # package absent (a --no-deps install)
        return None
    return path if path.is_file() else None


def _register(path: Path) -> str:
    """Add a font file to matplotlib's font manager once; return its family name."""
    from matplotlib import font_manager as fm

    fname = os.fsdecode(path)
    for entry in fm.fontManager.ttflist:
        if entry.fname == fname:
            return str(entry.name)
    try:
        fm.fontManager.addfont(fname)
    except (OSError, RuntimeError) as exc:
        msg = f"font file {path}: matplotlib cannot read it ({exc}); name a .ttf, .otf or .ttc"
        raise ValidationError(msg) from exc
    return str(fm.FontProperties(fname=fname).get_name())


def _register_bundled(path: Path) -> str:
    """Register the bundled Regular face, also as the bold face (the wheel ships no Bold).

    Without the alias matplotlib logs "Failed to find font weight bold" for every bold
    label; it draws bold text with the Regular outlines either way (no synthetic bold).
    """
    import dataclasses

    from matplotlib import font_manager as fm

    family = _register(path)
    fname = os.fsdecode(path)
    faces = [e for e in fm.fontManager.ttflist if e.fname == fname]
    if faces and not any(e.weight == 700 for e in faces):
        fm.fontManager.ttflist.append(dataclasses.replace(faces[0], weight=700))
        cached = getattr(fm.fontManager, "_findfont_cached", None)  # findfont's lru cache
        if cached is not None:
            cached.cache_clear()
    return family


def _installed(family: str) -> bool:
    from matplotlib import font_manager as fm

    wanted = family.casefold()
    return any(entry.name.casefold() == wanted for entry in fm.fontManager.ttflist)


def _rescan_system_fonts() -> None:
    """Add system fonts installed after matplotlib built its cache (once per process)."""
    global _rescanned
    if _rescanned:
        return
    _rescanned = True
    from matplotlib import font_manager as fm

    known = {entry.fname for entry in fm.fontManager.ttflist}
    for fname in fm.findSystemFonts():
        if fname not in known and fname.lower().endswith(_FONT_SUFFIXES):
            try:
                fm.fontManager.addfont(fname)
            except (OSError, RuntimeError):  # unreadable font file: skip it
                continue


def _named(name: str) -> str | None:
    """Family of a user-named font (family or file), or None when it is not available."""
    if name.lower().endswith(_FONT_SUFFIXES) or os.sep in name:
        path = Path(name).expanduser()
        if not path.is_file():
            msg = f"font file {path} not found; name an existing .ttf/.otf/.ttc file or a family"
            raise ValidationError(msg)
        return _register(path)
    if not _installed(name):
        _rescan_system_fonts()
    return name if _installed(name) else None


def cjk_family(name: str | None = None) -> str | None:
    """Return the family name of the CJK font figures use, registering it first.

    Parameters
    ----------
    name : str, optional
        A font family (``"Microsoft YaHei"``) or the path of a font file.  When
        omitted, the font given to :func:`use_cjk_font` or in the environment
        variable ``ZJGIS_CJK_FONT`` is used, else the bundled Noto Sans SC.

    Returns
    -------
    str or None
        The family name, or None if no CJK font exists at all (the bundled
        package missing and none installed).

    Warns
    -----
    MissingFontWarning
        If the named font is not installed (one line; the bundled font is used).

    Raises
    ------
    ValidationError
        If ``name`` is a font file path that does not exist or cannot be read.

    Examples
    --------
    >>> cjk_family()
    'Noto Sans SC'
    """
    wanted = name or _preferred or os.environ.get(ENV_VAR) or None
    if wanted:
        family = _named(wanted)
        if family is not None:
            return family
        warnings.warn(f"font {wanted!r} not found; figures use the bundled {BUNDLED_FAMILY}",
                      MissingFontWarning, stacklevel=2)
    path = bundled_font_path()
    if path is not None:
        return _register_bundled(path)
    for family in SYSTEM_FAMILIES:
        if _installed(family):
            return family
    return None


def cjk_font(name: str | None = None) -> FontProperties:
    """Return matplotlib font properties that draw Chinese (bundled Noto Sans SC by default).

    Parameters
    ----------
    name : str, optional
        A font family or font file that wins over the bundled font (see
        :func:`cjk_family`).

    Returns
    -------
    matplotlib.font_manager.FontProperties
        Family list ``[<CJK family>, "Noto Sans SC", "DejaVu Sans"]``: glyphs
        missing from a user's font fall back to the bundled one.

    Warns
    -----
    MissingFontWarning
        If the named font is missing, or if no CJK font exists at all (one line).

    Examples
    --------
    >>> import matplotlib.font_manager as fm
    >>> fm.findfont(cjk_font()).endswith("NotoSansSC-Regular.otf")
    True
    """
    from matplotlib.font_manager import FontProperties

    family = cjk_family(name)
    if family is None:
        warnings.warn("no CJK font found, Chinese labels will show as boxes; "
                      "pip install pylopdf-fonts-zh-cn (or name a font with ZJGIS_CJK_FONT)",
                      MissingFontWarning, stacklevel=2)
        return FontProperties(family=["DejaVu Sans"])
    families = [family]
    bundled = bundled_font_path()
    if family != BUNDLED_FAMILY and bundled is not None:
        families.append(_register_bundled(bundled))
    return FontProperties(family=[*families, "DejaVu Sans"])


def use_cjk_font(name: str | None = None) -> str | None:
    """Make a CJK font matplotlib's default sans-serif font (for a notebook's own plots).

    Parameters
    ----------
    name : str, optional
        Font family or file; remembered for later zjgis figures too.  ``None``
        uses the bundled Noto Sans SC (or ``ZJGIS_CJK_FONT``).

    Returns
    -------
    str or None
        The family now first in ``rcParams["font.sans-serif"]``.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> with mpl.rc_context():
    ...     use_cjk_font() == mpl.rcParams["font.sans-serif"][0]
    True
    """
    global _preferred
    import matplotlib as mpl

    if name is not None and _named(name) is not None:
        _preferred = name
    family = cjk_family(name)
    if family is not None:
        rest = [f for f in mpl.rcParams["font.sans-serif"] if f != family]
        mpl.rcParams["font.sans-serif"] = [family, *rest]
        mpl.rcParams["font.family"] = "sans-serif"
    return family
