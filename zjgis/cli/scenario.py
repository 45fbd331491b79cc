"""``zjgis scenario`` — what a decision changes: before | after maps, tables, workbook.

Three briefings, each one offline HTML file:

- ``zjgis scenario FILE.toml --out brief.html [--xlsx t.xlsx] [--png fig.png]``:
  the scenario's two synchronised maps (方案前 | 方案后) and its change tables;
- ``zjgis scenario --outlines --out kuoqu.html``: "扩区", the same indicators for the
  2017 (≈95 km²) and the 2022 (≈220 km²) outlines side by side;
- ``zjgis scenario --timeline REGISTER.gpkg --out taizhang.html``: the register over
  the years, one map per year's end under a slider.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from zjgis.cli._common import check_output_kinds, refuse_existing
from zjgis.cli.briefing import add_map_options, map_options

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "scenarios" / "example.toml"

OUTLINE_ZH = {"science_city_2017": "2017年范围（约95平方公里）",
              "science_city_2022": "2022年范围（约220平方公里）"}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``scenario`` subcommand."""
    p = sub.add_parser(
        "scenario",
        help="scenario briefing: before | after maps and tables (also 95 vs 220 km², "
             "the register over the years)",
        description="Evaluate a scenario file (TOML; see data/scenarios/example.toml) and "
                    "save one offline HTML briefing with two synchronised maps (方案前 | "
                    "方案后) and the change tables; --outlines compares the 2017 and 2022 "
                    "outlines; --timeline shows a register at each year's end.",
        epilog="examples:\n  zjgis scenario data/scenarios/example.toml --out brief.html "
               "--xlsx brief.xlsx\n  zjgis scenario --outlines --out kuoqu.html\n"
               "  zjgis scenario --timeline register.gpkg --out taizhang.html",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", nargs="?", type=Path, metavar="FILE",
                   help="scenario file (.toml)")
    p.add_argument("--outlines", action="store_true",
                   help="扩区: indicators of the 2017 vs the 2022 outline (sample zones unless "
                        "FILE names zones)")
    p.add_argument("--timeline", type=Path, metavar="REGISTER",
                   help="the register's parcels at the end of each year, under a slider")
    p.add_argument("--years", type=int, nargs="+", metavar="YEAR",
                   help="years of the timeline (default: those of the register's history)")
    p.add_argument("--out", required=True, type=Path, help="output .html file")
    p.add_argument("--xlsx", type=Path, help="also write the tables to an Excel workbook")
    p.add_argument("--png", type=Path, help="also save a figure of the changes (PNG/PDF)")
    add_map_options(p)
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")
    p.set_defaults(func=_run)


def _side(result, state: str, *, tiles: dict, extent: str | None, title: str):
    from zjgis import maps
    from zjgis import scenario as zs

    extra = zs.briefing_layers(result, state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # accuracy is shown as badges on the page
        return maps.briefing_map(["science_city_2017", "science_city_2022"], title=title,
                                 **tiles, extra=extra,
                                 fit_to=extent or (extra[0][0] if extra else None))


def _figure(result, path: Path, *, overwrite: bool) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from zjgis import _fonts
    from zjgis import io as zio
    from zjgis import scenario as zs

    _fonts.use_cjk_font()
    t = result.table("all")
    t = t[t["change"].abs() > 1e-9]
    fig, ax = plt.subplots(figsize=(10, max(2.5, 0.5 * len(t) + 1.5)), layout="constrained")
    if len(t):
        pct = (t["change"] / t["before"].where(t["before"] != 0)).fillna(0) * 100
        ax.barh(t["indicator_zh"], pct, color=["#3182bd" if v >= 0 else "#e6550d" for v in pct])
        ax.axvline(0, color="#333", lw=0.8)
        ax.margins(x=0.18)
        ax.set_xlabel("变化（%，相对方案前；蓝：增加，橙：减少）")
        for y, (v, c, u) in enumerate(zip(pct, t["change"], t["unit_of_measure"])):
            ax.annotate(f"{c:+,.0f}{u}", (v, y), xytext=(4 if v >= 0 else -4, 0),
                        textcoords="offset points", va="center",
                        ha="left" if v >= 0 else "right", fontsize=9)
    else:
        ax.text(0.5, 0.5, "方案不改变任何指标", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
    fig.suptitle(f"{result.scenario.name}：指标变化", x=0.01, ha="left")
    badges = "；".join(zs.badges(result))
    if badges:
        ax.set_title(f"数据精度：{badges}", loc="left", fontsize=8, color="#555", wrap=True)
    with zio.atomic_write(path, overwrite=overwrite) as tmp:
        fig.savefig(tmp, dpi=150, format=path.suffix.lstrip(".") or "png")
    plt.close(fig)


def _run(args: argparse.Namespace) -> int:
    from zjgis import maps
    from zjgis import scenario as zs
    from zjgis.errors import ValidationError

    check_output_kinds({args.out: "html", args.xlsx: "xlsx", args.png: "figure"})
    refuse_existing([args.out, args.xlsx, args.png], overwrite=args.overwrite)
    tiles = map_options(args)
    extent = tiles.pop("fit_to")
    if args.timeline:
        return _run_timeline(args)
    if args.outlines:
        sc = zs.read_scenario(args.file) if args.file else zs.parse_scenario(
            'name = "扩区：2017年（约95平方公里）与2022年（约220平方公里）范围"\n'
            '[base]\nzones = "sample"\nunits = ["science_city_2017", "science_city_2022"]\n')
        result = zs.evaluate(sc)
        table = zs.outline_comparison(result).drop(columns=["indicator"]).rename(columns={
            "indicator_zh": "指标", "science_city_2017": "2017年范围（约95平方公里）",
            "science_city_2022": "2022年范围（约220平方公里）", "difference": "差值"})
        m17 = _outline_map(result, "science_city_2017", tiles=tiles, extent=extent)
        m22 = _outline_map(result, "science_city_2022", tiles=tiles, extent=extent)
        page = maps.compare_page(m17, m22, title=sc.name, description=sc.description,
                                 badges=zs.badges(result), table=table,
                                 labels=(OUTLINE_ZH["science_city_2017"],
                                         OUTLINE_ZH["science_city_2022"]),
                                 footer="；".join(result.notes))
    else:
        if args.file is None:
            msg = "name a scenario file (e.g. data/scenarios/example.toml), or use --outlines " \
                  "or --timeline"
            raise ValidationError(msg)
        sc = zs.read_scenario(args.file)
        result = zs.evaluate(sc)
        before = _side(result, "before", tiles=tiles, extent=extent, title=f"{sc.name}：方案前")
        after = _side(result, "after", tiles=tiles, extent=extent, title=f"{sc.name}：方案后")
        tables = {"各街镇的变化": zs.area_table(result)}
        if not result.land_supply.empty:
            tables["土地供应（按年）"] = result.land_supply
        page = maps.compare_page(before, after, title=sc.name, description=sc.description,
                                 badges=zs.badges(result), table=zs.change_table(result),
                                 tables=tables, footer="；".join(result.notes))
    out = maps.save_page(page, args.out, overwrite=args.overwrite)
    print(f"scenario briefing: {out} ({out.stat().st_size / 2**20:.2f} MB)")
    if args.xlsx:
        zs.write_excel(result, args.xlsx, overwrite=args.overwrite)
        print(f"workbook: {args.xlsx}")
    if args.png:
        _figure(result, args.png, overwrite=args.overwrite)
        print(f"figure: {args.png}")
    for name, seconds in result.timings.items():
        print(f"  {name}: {seconds:.1f} s")
    return 0


def _outline_map(result, outline: str, *, tiles: dict, extent: str | None):
    from zjgis import layers, maps
    from zjgis import scenario as zs

    extra = [(frame, style) for frame, style in zs.briefing_layers(result, "before")
             if style.get("column") == "ratio"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return maps.briefing_map([outline, "rail_stations"], **tiles, extra=extra,
                                 fit_to=extent or layers.load("science_city_2022"),
                                 title=OUTLINE_ZH[outline])


def _run_timeline(args: argparse.Namespace) -> int:
    from zjgis import landreserve as lr
    from zjgis import maps
    from zjgis import scenario as zs

    tiles = map_options(args)
    extent = tiles.pop("fit_to")
    reg = lr.Register(args.timeline)
    frames, counts = zs.register_years(reg, args.years)
    by_year = {}
    for year, parcels in frames.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layers = lr.briefing_layers(parcels, year=year, source=args.timeline.name)
            by_year[year] = maps.briefing_map([], title=f"土地储备台账：{year}年末",
                                              **tiles, fit_to=extent, extra=layers)
    accuracy = sorted({str(a) for f in frames.values() if "accuracy" in f.columns
                       for a in f["accuracy"].dropna().unique()})
    page = maps.timeline_page(by_year, title=f"土地储备台账 {min(frames)}–{max(frames)}",
                              description=f"登记册：{args.timeline.name}；每年12月31日的地块状态",
                              badges=[f"{zs.ACCURACY_ZH.get(a, a)}：地块" for a in accuracy
                                      if a != "official"],
                              counts=counts.rename(columns={"year": "年份"}))
    out = maps.save_page(page, args.out, overwrite=args.overwrite)
    print(f"register timeline: {out} ({out.stat().st_size / 2**20:.2f} MB, "
          f"{len(frames)} years)")
    if args.xlsx:
        from zjgis import io as zio

        with zio.atomic_write(args.xlsx, overwrite=args.overwrite) as tmp:
            counts.rename(columns={"year": "年份"}).to_excel(tmp, index=False,
                                                            sheet_name="各年末地块状态")
        print(f"workbook: {args.xlsx}")
    return 0
