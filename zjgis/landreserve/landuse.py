"""Land-use codes (用地用海分类) for the land-reserve register.

The table follows China's 2023 land and sea use classification guideline
《国土空间调查、规划、用途管制用地用海分类指南》 (自然资源部, 自然资发〔2023〕234号,
issued November 2023), which replaced the 2020 trial edition (自然资办发〔2020〕51号).
zjgis ships the construction-land classes a land reserve deals with: first-level
classes 07–16 with all their second- and third-level classes, and the names of the
other first-level classes (01–06, 17–24) so that a code from any part of the
guideline is recognised at first level.

Codes were checked against two independent transcriptions of the 2023 guideline's
table (first-level 01–24; e.g. ``0903`` is 娱乐用地 and ``1207`` 城镇村道路用地 in
2023, where the 2020 trial edition had 娱乐康体用地 and 城镇道路用地).  Codes the
register uses most:

===========  ======================  =========================================
code         name                    note
===========  ======================  =========================================
``0802``     科研用地                 under 08 公共管理与公共服务用地
``1001``     工业用地                 under 10 工矿用地
``100101``   一类工业用地              little interference with residents
``100102``   二类工业用地
``100103``   三类工业用地
``11``       仓储用地
``1101``     物流仓储用地              third level 110101–110103
``1102``     储备库用地
===========  ======================  =========================================

**Local category.** 产业综合用地 (mixed industrial land, combining R&D,
manufacturing and supporting uses on one parcel) is a *Shanghai* planning category,
not part of the national guideline.  zjgis gives it the local code
:data:`SHANGHAI_MIXED_INDUSTRIAL` = ``"SH-CYZH"`` — deliberately not numeric, so it
can never be mistaken for a national code — and marks it ``local=True``.

Unknown codes are errors (:func:`land_use_name` raises
:class:`~zjgis.errors.ValidationError`).  Names, old GB 50137-2011 codes and
their crosswalk: :mod:`zjgis.landreserve.values`.

>>> land_use_name("100101"), land_use_name(802)
('一类工业用地', '科研用地')
>>> t = land_use_table()
>>> t.loc[t["code"] == SHANGHAI_MIXED_INDUSTRIAL, ["name_zh", "local"]].to_numpy().tolist()
[['产业综合用地', True]]
"""

from __future__ import annotations

import pandas as pd

from zjgis.errors import ValidationError

__all__ = [
    "SHANGHAI_MIXED_INDUSTRIAL",
    "LAND_USE",
    "INDUSTRIAL_CODES",
    "land_use_table",
    "land_use_name",
    "first_level",
    "normalize_code",
]

#: Local code zjgis uses for Shanghai's 产业综合用地 (not a national code).
SHANGHAI_MIXED_INDUSTRIAL = "SH-CYZH"

_FIRST_LEVEL = {
    "01": "耕地",
    "02": "园地",
    "03": "林地",
    "04": "草地",
    "05": "湿地",
    "06": "农业设施建设用地",
    "07": "居住用地",
    "08": "公共管理与公共服务用地",
    "09": "商业服务业用地",
    "10": "工矿用地",
    "11": "仓储用地",
    "12": "交通运输用地",
    "13": "公用设施用地",
    "14": "绿地与开敞空间用地",
    "15": "特殊用地",
    "16": "留白用地",
    "17": "陆地水域",
    "18": "渔业用海",
    "19": "工矿通信用海",
    "20": "交通运输用海",
    "21": "游憩用海",
    "22": "特殊用海",
    "23": "其他土地",
    "24": "其他海域",
}

_LOWER_LEVELS = {
    # 07 居住用地
    "0701": "城镇住宅用地",
    "070101": "一类城镇住宅用地",
    "070102": "二类城镇住宅用地",
    "070103": "三类城镇住宅用地",
    "0702": "城镇社区服务设施用地",
    "0703": "农村宅基地",
    "070301": "一类农村宅基地",
    "070302": "二类农村宅基地",
    "0704": "农村社区服务设施用地",
    # 08 公共管理与公共服务用地
    "0801": "机关团体用地",
    "0802": "科研用地",
    "0803": "文化用地",
    "080301": "图书与展览用地",
    "080302": "文化活动用地",
    "0804": "教育用地",
    "080401": "高等教育用地",
    "080402": "中等职业教育用地",
    "080403": "中小学用地",
    "080404": "幼儿园用地",
    "080405": "其他教育用地",
    "0805": "体育用地",
    "080501": "体育场馆用地",
    "080502": "体育训练用地",
    "0806": "医疗卫生用地",
    "080601": "医院用地",
    "080602": "基层医疗卫生设施用地",
    "080603": "公共卫生用地",
    "0807": "社会福利用地",
    "080701": "老年人社会福利用地",
    "080702": "儿童社会福利用地",
    "080703": "残疾人社会福利用地",
    "080704": "其他社会福利用地",
    # 09 商业服务业用地
    "0901": "商业用地",
    "090101": "零售商业用地",
    "090102": "批发市场用地",
    "090103": "餐饮用地",
    "090104": "旅馆用地",
    "090105": "公用设施营业网点用地",
    "0902": "商务金融用地",
    "0903": "娱乐用地",
    "0904": "其他商业服务业用地",
    # 10 工矿用地
    "1001": "工业用地",
    "100101": "一类工业用地",
    "100102": "二类工业用地",
    "100103": "三类工业用地",
    "1002": "采矿用地",
    "1003": "盐田",
    # 11 仓储用地
    "1101": "物流仓储用地",
    "110101": "一类物流仓储用地",
    "110102": "二类物流仓储用地",
    "110103": "三类物流仓储用地",
    "1102": "储备库用地",
    # 12 交通运输用地
    "1201": "铁路用地",
    "1202": "公路用地",
    "1203": "机场用地",
    "1204": "港口码头用地",
    "1205": "管道运输用地",
    "1206": "城市轨道交通用地",
    "1207": "城镇村道路用地",
    "1208": "交通场站用地",
    "120801": "对外交通场站用地",
    "120802": "公共交通场站用地",
    "120803": "社会停车场用地",
    "1209": "其他交通设施用地",
    # 13 公用设施用地
    "1301": "供水用地",
    "1302": "排水用地",
    "1303": "供电用地",
    "1304": "供燃气用地",
    "1305": "供热用地",
    "1306": "通信用地",
    "1307": "邮政用地",
    "1308": "广播电视设施用地",
    "1309": "环卫用地",
    "1310": "消防用地",
    "1311": "水工设施用地",
    "1312": "其他公用设施用地",
    # 14 绿地与开敞空间用地
    "1401": "公园绿地",
    "1402": "防护绿地",
    "1403": "广场用地",
    # 15 特殊用地
    "1501": "军事设施用地",
    "1502": "使领馆用地",
    "1503": "宗教用地",
    "1504": "文物古迹用地",
    "1505": "监教场所用地",
    "1506": "殡葬用地",
    "1507": "其他特殊用地",
}

#: code -> Chinese name, national codes of the 2023 guideline plus the Shanghai local one.
LAND_USE: dict[str, str] = {
    **_FIRST_LEVEL,
    **_LOWER_LEVELS,
    SHANGHAI_MIXED_INDUSTRIAL: "产业综合用地",
}

#: Codes that industrial projects can be placed on (工业、科研、仓储、产业综合用地).
INDUSTRIAL_CODES: frozenset[str] = frozenset(
    {"10", "1001", "100101", "100102", "100103", "0802", "11", "1101", "110101",
     "110102", "110103", SHANGHAI_MIXED_INDUSTRIAL}
)


def land_use_table() -> pd.DataFrame:
    """Return the land-use code table.

    Returns
    -------
    pandas.DataFrame
        Columns ``code``, ``name_zh``, ``level`` (1–3; 0 for the local code),
        ``first_level`` (two-digit class), ``first_level_zh``, ``local`` (True
        only for Shanghai's 产业综合用地) and ``source``.
    """
    rows = []
    for code, name in LAND_USE.items():
        local = code == SHANGHAI_MIXED_INDUSTRIAL
        rows.append(
            {
                "code": code,
                "name_zh": name,
                "level": 0 if local else len(code) // 2,
                "first_level": first_level(code),
                "first_level_zh": LAND_USE[first_level(code)],
                "local": local,
                "source": "上海市地方分类 (Shanghai local category)" if local
                else "自然资发〔2023〕234号",
            }
        )
    return pd.DataFrame(rows)


def land_use_name(code: str) -> str:
    """Return the Chinese name of a land-use code.

    Raises
    ------
    ValidationError
        If the code is not in the 2023 guideline (nor the Shanghai local code).
    """
    code = normalize_code(code)
    if code not in LAND_USE:
        msg = (
            f"unknown land-use code {code!r}: not in the 2023 用地用海分类指南 "
            f"(e.g. 100101 一类工业用地, 0802 科研用地, 1101 物流仓储用地) nor the "
            f"Shanghai local code {SHANGHAI_MIXED_INDUSTRIAL!r} (产业综合用地)"
        )
        raise ValidationError(msg)
    return LAND_USE[code]


def normalize_code(code: object) -> str:
    """Return a code as text (``1001`` read from Excel as a number → ``"1001"``).

    Three-digit numbers lost their leading zero in a spreadsheet: ``801`` → ``"0801"``.
    """
    if code is None or (isinstance(code, float) and code != code):
        return ""
    if isinstance(code, (int, float)) and float(code).is_integer():
        text = str(int(code))
        if len(text) % 2:
            text = "0" + text  # Excel drops the leading zero of 0802
        return text
    text = str(code).strip()
    if text.isdigit() and len(text) % 2:
        text = "0" + text
    return text


def first_level(code: str) -> str:
    """Return the first-level class of a code (``"100101"`` → ``"10"``; local → ``"10"``)."""
    if code == SHANGHAI_MIXED_INDUSTRIAL:
        return "10"  # grouped with 工矿用地 in tables; still flagged local
    return code[:2]
