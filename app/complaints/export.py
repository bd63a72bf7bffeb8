"""The monthly complaint report (C14.2) as JSON, as summary rows for the page, and as CSV and XLSX files.

CSV is UTF-8 with a BOM so Excel opens the Chinese correctly; ``part="summary"`` gives the counts in long form
(维度, 项目, 件数), ``part="cases"`` one line per valid complaint (the lines the counts are made of). The XLSX
workbook holds both, as the sheets 汇总 and 明细.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass

from openpyxl import Workbook

from app import clock
from app.complaints.report import NOT_RATED, SATISFACTION_LEVELS, MonthlyReport, labels
from app.core.errors import Invalid

ANSWER_LIMIT_WORKING_DAYS = 5  # C14.1
PARTS = ("summary", "cases")


@dataclass(frozen=True)
class Item:
    code: str
    label: str
    count: int


def _items(counts: Counter, names: dict[str, str] | None = None) -> list[Item]:
    names = names or {}
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    return [Item(str(code), names.get(code, str(code)), count) for code, count in ordered]


def _satisfaction(report: MonthlyReport) -> list[Item]:
    counts = report.count("satisfaction")
    return [Item(level, level, counts.get(level, 0)) for level in [*SATISFACTION_LEVELS, NOT_RATED]]


def breakdowns(report: MonthlyReport) -> dict[str, list[Item]]:
    names = labels()
    return {
        "by_unit": _items(report.count("responsible_unit")),
        "by_channel": _items(report.count("channel"), names["channel"]),
        "by_severity": _items(report.count("severity"), names["severity"]),
        "by_reason": _items(report.count("reason"), names["reason"]),
        "satisfaction": _satisfaction(report),
    }


def as_json(report: MonthlyReport) -> dict:
    return {
        "month": report.month,
        "rule": "C14.2",
        "compiled_at": report.compiled_at.isoformat(),
        "totals": {
            "received": report.received,
            "valid": report.valid,
            "invalid": report.invalid,
            "first_contact": report.first_contact,
            "not_ruled": report.not_ruled,
        },
        **{key: [vars(item) for item in items] for key, items in breakdowns(report).items()},
        "on_time": {
            "limit_working_days": ANSWER_LIMIT_WORKING_DAYS,
            "on_time": report.on_time,
            "late": report.late,
            "within_limit": report.within_limit,
            "rate": report.on_time_rate,
        },
        "repeats": report.repeats(),
        "escalations": report.escalations(),
        "cases": [_case_json(line) for line in report.cases],
    }


def _case_json(line) -> dict:
    body = dict(vars(line))
    for key in ("received_at", "answer_due", "answered_at"):
        body[key] = body[key].isoformat() if body[key] is not None else None
    return body


SECTION_TITLES = {
    "by_unit": "责任单位",
    "by_channel": "投诉渠道",
    "by_severity": "投诉等级",
    "by_reason": "有效投诉类别（C9）",
    "satisfaction": "满意度（C15.3）",
}


def summary_rows(report: MonthlyReport) -> list[tuple[str, str, object]]:
    """(section, item, value) in the order the page and the files show them."""
    rows: list[tuple[str, str, object]] = [
        ("总数", "受理投诉", report.received),
        ("总数", "有效投诉", report.valid),
        ("总数", "无效投诉", report.invalid),
        ("总数", "坐席当场解决（C7.1.1，不作认定）", report.first_contact),
        ("总数", "尚未认定", report.not_ruled),
    ]
    for key, items in breakdowns(report).items():
        rows += [(SECTION_TITLES[key], item.label, item.count) for item in items]
    rows += [
        ("5 个工作日内答复（C14.1）", "按时答复", report.on_time),
        ("5 个工作日内答复（C14.1）", "超期答复或超期未答复", report.late),
        ("5 个工作日内答复（C14.1）", "未答复、尚在期限内", report.within_limit),
        ("5 个工作日内答复（C14.1）", "按时率", report.on_time_text),
    ]
    repeats, escalations = report.repeats(), report.escalations()
    rows += [
        ("重复投诉", "涉及重复投诉的案件", repeats["cases"]),
        ("重复投诉", "同一事项再次投诉（合并）", repeats["merged"]),
        ("重复投诉", "回访不满意重新处置（C15.3）", repeats["reopened"]),
        ("升级（C8）", "内部投诉升级为外部投诉", escalations["internal_to_external"]),
        ("升级（C8）", "一般投诉升级为重大投诉", escalations["general_to_major"]),
        ("超期督办（C15.2）", "答复超期触发督办", escalations["breached"]),
    ]
    return rows


CASE_HEADERS = ["案件编号", "受理时间", "投诉渠道", "责任单位", "投诉等级", "有效投诉类别", "答复期限", "首次答复时间",
                "按时答复", "满意度", "合并重复投诉", "重新处置次数", "内部转外部", "一般升重大", "超期督办"]  # fmt: skip


def case_rows(report: MonthlyReport) -> list[list[object]]:
    names = labels()

    def when(value):
        return clock.to_local(value).strftime("%Y-%m-%d %H:%M") if value is not None else ""

    def yes(value: bool) -> str:
        return "是" if value else "否"

    return [
        [
            c.case_no,
            when(c.received_at),
            names["channel"].get(c.channel, c.channel),
            c.responsible_unit,
            names["severity"].get(c.severity, c.severity),
            names["reason"].get(c.reason, c.reason),
            when(c.answer_due),
            when(c.answered_at),
            {True: "是", False: "否", None: "期限内未答复"}[c.on_time],
            c.satisfaction,
            c.merged_repeats,
            c.reopened,
            yes(c.internal_to_external),
            yes(c.upgraded_to_major),
            yes(c.breached),
        ]
        for c in report.cases
    ]


def csv_bytes(report: MonthlyReport, part: str = "summary") -> bytes:
    if part not in PARTS:
        raise Invalid(f"part 只能是 summary 或 cases (unknown part): {part}")
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    if part == "summary":
        writer.writerow(["月份", "维度", "项目", "件数"])
        writer.writerows([report.month, *row] for row in summary_rows(report))
    else:
        writer.writerow(CASE_HEADERS)
        writer.writerows(case_rows(report))
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def xlsx_bytes(report: MonthlyReport) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = "汇总"
    summary.append(
        [f"{report.month} 有效投诉月报（C14.2）", "", f"编制于 {clock.to_local(report.compiled_at):%Y-%m-%d %H:%M}"]
    )
    summary.append(["维度", "项目", "件数"])
    for row in summary_rows(report):
        summary.append(list(row))
    details = book.create_sheet("明细")
    details.append(CASE_HEADERS)
    for row in case_rows(report):
        details.append(row)
    for sheet, widths in ((summary, [28, 36, 18]), (details, [22, 18, 16, 16, 10, 30, 18, 18, 12, 10])):
        for index, width in enumerate(widths):
            sheet.column_dimensions[chr(ord("A") + index)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
