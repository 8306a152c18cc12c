"""Workbooks in the layouts finance staff keep their target tables in, written with openpyxl
(no binary fixtures): the Ministry of Finance template and a provincial 一体化 export."""

from __future__ import annotations

from openpyxl import Workbook

GOAL = "目标1：完成全省基层干部轮训，培训合格率不低于97.2%。"


def ministry_template() -> Workbook:
    """项目支出绩效目标申报表 as the MoF template lays it out: title block, 总体目标 with
    年度目标 / 中长期目标 side by side, a 绩效指标 column merged down the side, merged
    一级/二级指标 cells, operator and unit inside 指标值, and no 分值 column."""
    book = Workbook()
    sheet = book.active
    sheet.title = "项目支出绩效目标申报表"
    sheet["A1"] = "项目支出绩效目标申报表"
    sheet.merge_cells("A1:F1")
    sheet["A2"] = "（2026年度）"
    sheet.append(["项目名称", "基层干部轮训"])
    sheet.append(["主管部门及代码", "省委组织部 401", None, "实施单位", "省干部学院"])
    sheet.append(["项目资金（万元）", "年度资金总额", 120])
    sheet.append(["总体目标", "年度目标", "中长期目标"])
    sheet.append([None, GOAL, "目标1：三年内轮训全部基层干部。"])
    sheet.merge_cells("A6:A7")
    sheet.append(["绩效指标", "一级指标", "二级指标", "三级指标", "指标值", "指标值"])
    rows = [
        ("产出指标", "数量指标", "培训人次", "≥1,200人次"),
        (None, None, "覆盖县（市、区）数", "＝12个"),
        (None, "质量指标", "培训合格率", "≥97.2%"),
        ("效益指标", "社会效益指标", "基层治理能力", "明显提升"),
        ("满意度指标", "服务对象满意度指标", "参训人员满意度", "不低于 90 %"),
    ]
    for level1, level2, name, value in rows:
        sheet.append([None, level1, level2, name, value])
    sheet.merge_cells("A8:A13")
    sheet.merge_cells("B9:B11")
    sheet.merge_cells("C9:C10")
    return book


def provincial_export() -> Workbook:
    """A provincial 一体化 system's export: another sheet first, the goal in row 2, headings in
    row 3 under other names (指标内容, 计算符号, 计量单位, 权重（分）, 指标值设定依据), 定量/定性
    in 指标性质, a percentage typed in Excel (0.972 shown as 97.2%), one as text, merged cells."""
    book = Workbook()
    book.active.title = "填报说明"
    book.active["A1"] = "请在“绩效目标申报表”中填写。"
    sheet = book.create_sheet("绩效目标申报表")
    sheet.append(["绩效目标申报表"])
    sheet.append(["年度总体目标", GOAL])
    sheet.merge_cells("B2:J2")
    sheet.append(
        [
            "一级指标",
            "二级指标",
            "指标内容",
            "指标性质",
            "计算符号",
            "指标值",
            "计量单位",
            "权重（分）",
            "指标值设定依据",
            "评分标准",
        ]
    )
    sheet.append(["产出指标", "数量指标", "培训人次", "定量", "≥", 1200, "人次", 20, "计划标准"])
    sheet.append([None, None, "覆盖县（市、区）数", "定量", "＝", 12, "个", 15])
    sheet.append([None, "质量指标", "培训合格率", "定量", ">=", 0.972, "%", 15, "行业标准"])
    sheet["F6"].number_format = "0.0%"
    sheet.append(["效益指标", "社会效益指标", "基层治理能力", "定性", None, "明显提升", None, 30])
    sheet.append(
        ["满意度指标", "服务对象满意度指标", "参训人员满意度", "定量", "≥", "90%", "%", 10]
    )
    sheet.merge_cells("A4:A6")
    sheet.merge_cells("B4:B5")
    sheet.merge_cells("I4:I5")
    return book
