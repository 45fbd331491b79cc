"""Sphinx configuration of the zjgis documentation (built offline, warnings are errors).

Generated at build time into ``_generated/`` (git-ignored): the CLI reference from
``zjgis … --help``, copies of ``../notebooks/*.ipynb`` (myst-nb executes them: they are
stored without outputs) and the data provenance page from ``../data/PROVENANCE.md``.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import zjgis  # noqa: E402

project = "zjgis"
author = "zjgis developers"
copyright = "2026, zjgis developers (MIT)"
version = release = zjgis.__version__
language = "en"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "myst_nb",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "_generated/notebooks/output",
                    "_generated/provenance.md"]  # included by data.md

# numpydoc-style docstrings through napoleon; signatures carry the types
napoleon_numpy_docstring = True
napoleon_google_docstring = False
napoleon_use_rtype = False
napoleon_use_ivar = True  # "Attributes" as fields: dataclass fields are not documented twice
autodoc_typehints = "none"
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": False}
add_module_names = False

# notebooks: executed once per build (stored without outputs), a failing cell fails the build
nb_execution_mode = "auto"
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3

html_theme = "furo"
html_title = f"zjgis {release}"
html_static_path = ["_static"]
html_permalinks_icon = "#"
html_theme_options = {"navigation_with_keys": True}
html_last_updated_fmt = None
html_copy_source = False
# nothing from a CDN: no MathJax (no page uses math), no web fonts (furo uses system fonts)
mathjax_path = "no-mathjax.js"  # a local empty file: math stays as TeX source


def _cli_reference() -> str:
    from zjgis.cli.main import build_parser

    parser = build_parser()
    out = ["# Command line reference\n",
           "Generated from `zjgis --help` and each subcommand's `--help` when the docs are "
           "built.\n", "```text", parser.format_help().rstrip(), "```\n"]
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, cmd in sorted(sub.choices.items()):
        out += [f"## zjgis {name}\n", "```text", cmd.format_help().rstrip(), "```\n"]
        nested = [a for a in cmd._actions if a.__class__.__name__ == "_SubParsersAction"]
        for action in nested:
            for sname, scmd in sorted(action.choices.items()):
                out += [f"### zjgis {name} {sname}\n", "```text",
                        scmd.format_help().rstrip(), "```\n"]
    return "\n".join(out)


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _cells(path: Path) -> list[tuple[str, str]]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [(c["cell_type"], "".join(c["source"])) for c in cells]


def _generate() -> None:
    gen = HERE / "_generated"
    (gen / "notebooks").mkdir(parents=True, exist_ok=True)
    with contextlib.redirect_stdout(io.StringIO()):
        _write_if_changed(gen / "cli.md", _cli_reference())
    files = [ROOT / "data" / "PROVENANCE.md", *sorted((ROOT / "data").glob("*/PROVENANCE.md"))]
    provenance = "\n\n".join(f.read_text(encoding="utf-8").rstrip() for f in files) + "\n"
    _write_if_changed(gen / "provenance.md", provenance)
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        # keep an executed copy of the same cells (the test suite writes one); myst-nb
        # executes only notebooks without outputs ("auto")
        target = gen / "notebooks" / nb.name
        if not target.exists() or _cells(target) != _cells(nb):
            shutil.copyfile(nb, target)
    names = {nb.name for nb in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    for old in (gen / "notebooks").glob("*.ipynb"):
        if old.name not in names:
            old.unlink()
    shots = sorted((HERE / "_static" / "screenshots").glob("*.png"))
    lines = ["# Screenshots\n",
             "Briefing maps as a headless Chromium draws them with networking off "
             "(saved by the browser tests).\n"]
    for shot in shots:
        lines += [f"## {shot.stem.replace('_', ' ')}\n",
                  f"```{{image}} ../_static/screenshots/{shot.name}\n:alt: {shot.stem}\n```\n"]
    if not shots:
        lines.append("No screenshots have been saved yet.\n")
    _write_if_changed(gen / "screenshots.md", "\n".join(lines))


_generate()
