"""The Sphinx site builds with warnings as errors and opens offline.

One build per test session (module fixture) into ``docs/_build/html`` (git-ignored), so a
developer can open ``docs/_build/html/index.html`` after the suite.  The notebooks are
executed once per session (``tests/_notebooks.py``, shared with ``test_notebooks``) and the
build renders their outputs; a failing cell, bad reference or malformed docstring fails it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
HTML = DOCS / "_build" / "html"


@pytest.fixture(scope="module")
def site():
    pytest.importorskip("sphinx", reason="pip install -e '.[docs]' (also in the test extra)")
    pytest.importorskip("myst_nb", reason="pip install -e '.[docs]' (also in the test extra)")
    pytest.importorskip("furo", reason="pip install -e '.[docs]' (also in the test extra)")
    # the notebooks run once per session (tests/_notebooks.py, shared with test_notebooks);
    # their executed copies go where conf.py looks, so the build does not run them again
    nbformat = pytest.importorskip("nbformat")
    from _notebooks import NOTEBOOKS, execute

    gen = DOCS / "_generated" / "notebooks"
    gen.mkdir(parents=True, exist_ok=True)
    for path in NOTEBOOKS:
        try:
            nb, _ = execute(path)
        except Exception:  # test_notebook_runs reports it; its page shows no outputs
            nb = nbformat.read(path, as_version=4)
        nbformat.write(nb, gen / path.name)
    doctrees = DOCS / "_build" / "doctrees"
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-E", "-a", "-q", "-b", "html",
         "-D", "nb_execution_mode=off", "-d", str(doctrees), str(DOCS), str(HTML)],
        cwd=ROOT, capture_output=True, text=True, timeout=1800)
    problems = [ln for ln in proc.stderr.splitlines()
                if "WARNING" in ln or "ERROR" in ln or "Error" in ln]
    problems = [ln for ln in problems if "IPKernelApp" not in ln]  # jupyter's own TCP note
    assert proc.returncode == 0, "\n".join(problems) or proc.stderr[-4000:]
    assert problems == [], "\n".join(problems)
    return HTML


def test_index_and_pages_exist(site):
    for page in ("index", "guide_zh", "api", "data", "notebooks", "_generated/cli",
                 "_generated/screenshots"):
        assert (site / f"{page}.html").is_file(), page
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        assert (site / "_generated" / "notebooks" / f"{nb.stem}.html").is_file(), nb.name


def test_chinese_guide_covers_the_five_tasks(site):
    text = (site / "guide_zh.html").read_text(encoding="utf-8")
    for heading in ("安装", "第一张简报图", "导入地块", "年度土地储备计划表", "断头路分析"):
        assert re.search(rf"<h2[^>]*>{heading}", text), heading


def test_cli_reference_is_generated_from_help(site):
    from zjgis.cli.main import build_parser

    parser = build_parser()
    text = (site / "_generated" / "cli.html").read_text(encoding="utf-8")
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    assert sub.choices
    for name, cmd in sub.choices.items():
        assert f"zjgis {name}" in text, name
        for action in cmd._actions:  # every option of every subcommand is listed
            for flag in action.option_strings:
                if flag.startswith("--"):
                    assert flag in text, f"zjgis {name} {flag}"


def test_api_reference_documents_public_names(site):
    text = (site / "api.html").read_text(encoding="utf-8")
    import zjgis.landreserve
    import zjgis.maps
    import zjgis.network

    for module in (zjgis.network, zjgis.maps, zjgis.landreserve):
        for name in getattr(module, "__all__", []):
            if not name.startswith("_") and callable(getattr(module, name)):
                assert re.search(rf'id="zjgis\.[\w.]*\b{re.escape(name)}"', text), \
                    f"{module.__name__}.{name}"


def test_data_page_has_provenance_and_accuracy_classes(site):
    from zjgis import layers

    text = (site / "data.html").read_text(encoding="utf-8")
    for cls in layers.ACCURACY_CLASSES:
        assert f"<code class=\"docutils literal notranslate\"><span class=\"pre\">{cls}</span>" \
            in text, cls
    import html

    files = [ROOT / "data" / "PROVENANCE.md", *sorted((ROOT / "data").glob("*/PROVENANCE.md"))]
    for f in files:  # every provenance file of data/ is on the page, by its title
        title = next(ln for ln in f.read_text(encoding="utf-8").splitlines()
                     if ln.startswith("# "))[2:]
        assert html.escape(title.split("`")[0].strip(), quote=False) in text, f


def test_notebook_pages_carry_their_outputs(site):
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        text = (site / "_generated" / "notebooks" / f"{nb.stem}.html").read_text(
            encoding="utf-8")
        assert "cell_output" in text, f"{nb.name}: no outputs rendered"


PAGE_MAPS_JS = """
(() => JSON.stringify([...document.querySelectorAll('iframe')].map(f => {
  const d = f.contentDocument, w = f.contentWindow;
  if (!d || !d.documentElement) return {rendered: null};
  let paths = 0;
  if (w.zjgis && w.zjgis.layers) {
    for (const [name, r] of Object.entries(w.zjgis.layers)) {
      if (r && r.spec && r.group && w.zjgis.layers.__map.hasLayer(r.group)) {
        paths += d.querySelectorAll('path.zj-l-' + r.spec.css).length;
      }
    }
  }
  return {rendered: d.documentElement.getAttribute('data-zjgis-rendered'), paths};
})))()
"""


@pytest.mark.browser
def test_site_opens_offline_in_chromium(site):
    pytest.importorskip("websocket", reason="pip install websocket-client (test extra)")
    from _browser import Page, find_chromium

    exe = find_chromium()
    if exe is None:
        pytest.skip("Chromium not installed (apt-get install chromium; scripts/setup_env.sh "
                    "test does it)")
    pages = [site / "index.html", site / "guide_zh.html", site / "api.html",
             site / "_generated" / "notebooks" / "05_briefing_map.html"]
    with Page(exe) as page:
        for html in pages:
            page.events.clear()
            page.call("Page.navigate", url=html.resolve().as_uri())
            deadline = time.monotonic() + 60
            while page.evaluate("document.readyState") != "complete":
                assert time.monotonic() < deadline, html
                time.sleep(0.05)
            maps = json.loads(page.evaluate(PAGE_MAPS_JS))
            while maps and not all(m["rendered"] == "1" for m in maps):
                assert time.monotonic() < deadline, f"{html.name}: maps did not render {maps}"
                time.sleep(0.1)
                maps = json.loads(page.evaluate(PAGE_MAPS_JS))
            page.pump(0.3)
            assert page.requests() == [], f"{html.name} asked the network for something"
            assert page.console_errors() == [], html.name
            assert page.evaluate("document.styleSheets.length") > 0, html.name
            if html.stem == "05_briefing_map":
                assert maps and all(m["paths"] > 0 for m in maps), maps
