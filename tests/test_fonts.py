"""Chinese figures without system fonts (zjgis._fonts).

The key test runs in a subprocess that sees the machine as a newcomer's fresh
Debian box: fontconfig finds no font at all (``FONTCONFIG_FILE`` with no font
folder), ``HOME`` and ``MPLCONFIGDIR`` are new, and matplotlib's font cache was
built *before* any CJK font was installed (its CJK entries are removed and the
cache file written, as happens when fonts-noto-cjk is installed after a first
matplotlib run).  The figure must still draw Chinese with the bundled Noto Sans
SC: checked through ``findfont`` and through the font names a PDF embeds.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

from matplotlib import font_manager as fm  # noqa: E402

from zjgis import _fonts  # noqa: E402
from zjgis.errors import ValidationError  # noqa: E402

CJK_NAME = re.compile(r"CJK|Han Sans|Han Serif|\bSC\b|TC\b|HK\b|YaHei|PingFang|WenQuanYi|Hei|Ming",
                      re.IGNORECASE)


def embedded_fonts(pdf: Path) -> set[str]:
    """BaseFont names a PDF embeds (subset prefix ``ABCDEF+`` removed)."""
    data = pdf.read_bytes()
    names = {m.decode() for m in re.findall(rb"/BaseFont\s*/([A-Za-z0-9+_-]+)", data)}
    return {n.split("+", 1)[-1] for n in names}


def fontless_env(tmp_path: Path) -> dict[str, str]:
    """Environment of a machine where neither fontconfig nor matplotlib knows a CJK font."""
    home = tmp_path / "home"
    mplcfg = tmp_path / "mplconfig"
    fcdir = tmp_path / "fontconfig"
    for d in (home, mplcfg, fcdir):
        d.mkdir()
    (fcdir / "fonts.conf").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
        f"<fontconfig><cachedir>{fcdir / 'cache'}</cachedir></fontconfig>\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MPL", "ZJGIS_CJK"))}
    env.update(HOME=str(home), MPLCONFIGDIR=str(mplcfg),
               FONTCONFIG_FILE=str(fcdir / "fonts.conf"), PYTHONWARNINGS="error")
    # matplotlib also scans /usr/share/fonts itself: write the cache a pre-install run would
    # have left (every CJK face removed), which matplotlib then trusts.
    stale = textwrap.dedent(f"""
        import re
        from pathlib import Path
        import matplotlib
        import matplotlib.font_manager as fm
        cjk = re.compile({CJK_NAME.pattern!r}, re.IGNORECASE)
        fm.fontManager.ttflist = [f for f in fm.fontManager.ttflist if not cjk.search(f.name)]
        cache = Path(matplotlib.get_cachedir(), f"fontlist-v{{fm.FontManager.__version__}}.json")
        fm.json_dump(fm.fontManager, cache)
    """)
    subprocess.run([sys.executable, "-c", stale], env=env, check=True, timeout=300)
    return env


def test_fontless_machine_sees_no_cjk_font(tmp_path):
    env = fontless_env(tmp_path)
    fc = subprocess.run(["fc-list", ":lang=zh"], env=env, capture_output=True, text=True,
                        timeout=60) if _has("fc-list") else None
    if fc is not None:
        assert fc.stdout.strip() == ""
    out = subprocess.run(
        [sys.executable, "-c",
         "import re, matplotlib.font_manager as fm, json;"
         f"print(json.dumps(sorted({{f.name for f in fm.fontManager.ttflist"
         f" if re.search({CJK_NAME.pattern!r}, f.name, re.I)}})))"],
        env=env, capture_output=True, text=True, timeout=300, check=True)
    assert json.loads(out.stdout) == []


def test_briefing_figure_draws_chinese_with_bundled_font_on_fontless_machine(tmp_path):
    env = fontless_env(tmp_path)
    script = textwrap.dedent(f"""
        import json, matplotlib
        matplotlib.use("Agg")
        import matplotlib.font_manager as fm
        from zjgis import maps
        fig = maps.figure("science_city_2022", title="张江科学城 断头路 2025")
        texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
        chinese = [t for t in texts if any("\\u4e00" <= c <= "\\u9fff" for c in t.get_text())]
        used = sorted({{str(fm.findfont(t.get_fontproperties())) for t in chinese}})
        maps.save_figure(fig, {str(tmp_path / 'fig.pdf')!r})
        maps.save_figure(fig, {str(tmp_path / 'fig.png')!r})
        print(json.dumps({{"family": fig.zjgis_font, "files": used, "n": len(chinese)}}))
    """)
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    # no font line and no "Glyph … missing" warning at all (warnings are errors here too)
    assert "Glyph" not in run.stderr and "font" not in run.stderr.lower(), run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    bundled = str(_fonts.bundled_font_path())
    assert result["family"] == "Noto Sans SC"
    assert result["n"] > 3
    assert result["files"] == [bundled]
    assert "NotoSansSC-Regular" in embedded_fonts(tmp_path / "fig.pdf")
    assert (tmp_path / "fig.png").stat().st_size > 10_000


def test_bundled_font_is_an_ofl_noto_sans_sc_with_chinese_glyphs():
    from fontTools.ttLib import TTFont

    path = _fonts.bundled_font_path()
    assert path is not None and path.is_file()
    with TTFont(path, lazy=True) as font:
        cmap = font.getBestCmap()
        name_table = font["name"].names
    # characters every briefing uses: 张江科学城 断头路 土地储备 职住平衡 图例 示意
    for ch in "张江科学城断头路土地储备职住平衡图例示意亩㎡":
        assert ord(ch) in cmap, ch
    names = {rec.nameID: rec.toUnicode() for rec in name_table if rec.platformID == 3}
    assert "Noto Sans SC" in names[1] or "Noto Sans SC" in names.get(16, "")
    assert "Open Font License" in names.get(13, "") or "OFL" in names.get(13, "")


def test_named_family_wins_over_bundled(monkeypatch):
    monkeypatch.setenv(_fonts.ENV_VAR, "DejaVu Serif")
    prop = _fonts.cjk_font()
    assert prop.get_family()[:2] == ["DejaVu Serif", "Noto Sans SC"]
    assert Path(fm.findfont(prop)).name == "DejaVuSerif.ttf"


def test_named_font_file_wins_and_missing_glyphs_fall_back_to_bundled(tmp_path):
    import matplotlib.pyplot as plt

    serif = Path(matplotlib.get_data_path(), "fonts", "ttf", "DejaVuSerif.ttf")
    prop = _fonts.cjk_font(str(serif))
    assert prop.get_family()[0] == "DejaVu Serif"
    fig, ax = plt.subplots()
    ax.set_title("Zhangjiang 张江科学城", fontproperties=prop)
    with matplotlib.rc_context({"pdf.fonttype": 42}):
        fig.savefig(tmp_path / "t.pdf")
    plt.close(fig)
    fonts = embedded_fonts(tmp_path / "t.pdf")
    assert "DejaVuSerif" in fonts  # the Latin letters from the named font
    assert "NotoSansSC-Regular" in fonts  # the Chinese glyphs it lacks from the bundled one


def test_missing_named_family_warns_once_and_uses_bundled():
    with pytest.warns(_fonts.MissingFontWarning, match="'No Such Bureau Font' not found") as rec:
        family = _fonts.cjk_family("No Such Bureau Font")
    assert family == "Noto Sans SC"
    assert len(rec) == 1
    assert "\n" not in str(rec[0].message)


def test_missing_font_file_is_a_validation_error(tmp_path):
    with pytest.raises(ValidationError, match="bureau.ttf not found"):
        _fonts.cjk_font(str(tmp_path / "bureau.ttf"))


def test_unreadable_font_file_is_a_validation_error(tmp_path):
    bad = tmp_path / "broken.ttf"
    bad.write_bytes(b"not a font")
    with pytest.raises(ValidationError, match="broken.ttf: matplotlib cannot read it"):
        _fonts.cjk_font(str(bad))


def test_use_cjk_font_sets_default_sans_serif():
    with matplotlib.rc_context():
        assert _fonts.use_cjk_font() == "Noto Sans SC"
        assert matplotlib.rcParams["font.sans-serif"][0] == "Noto Sans SC"
        assert fm.findfont(fm.FontProperties(family=["sans-serif"])) == str(
            _fonts.bundled_font_path())


def test_register_twice_adds_font_once():
    _fonts.cjk_family()
    before = len(fm.fontManager.ttflist)
    _fonts.cjk_family()
    _fonts.cjk_font()
    assert len(fm.fontManager.ttflist) == before


def _has(cmd: str) -> bool:
    from shutil import which

    return which(cmd) is not None


def test_bold_labels_log_no_font_weight_line(caplog):
    import logging

    import matplotlib.pyplot as plt

    prop = _fonts.cjk_font()
    with caplog.at_level(logging.DEBUG, logger="matplotlib.font_manager"):
        fig, ax = plt.subplots()
        ax.text(0.5, 0.5, "中国芯", fontproperties=prop, fontweight="bold")
        fig.canvas.draw()
        plt.close(fig)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    bold = prop.copy()
    bold.set_weight("bold")
    assert fm.findfont(bold) == str(_fonts.bundled_font_path())
