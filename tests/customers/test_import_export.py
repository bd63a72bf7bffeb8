"""CSV import and export of the archive: every bad row reported by line, all-or-nothing unless --skip-bad."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from app import demo
from app.core.errors import Invalid
from app.customers import export as customer_export
from app.customers import importer as customer_import
from app.extensions import db
from app.models import Customer, CustomerView

HEADER = [
    "户号",
    "户名",
    "客户类别",
    "区县",
    "街道/乡镇",
    "小区/楼栋",
    "门牌",
    "联系电话",
    "证件号码",
    "分公司",
    "客户经理",
    "供气状态",
]


def _row(n: int) -> list[str]:
    return [
        f"CX{n:08d}",
        f"住户{n}",
        "B2 散户",
        "苍溪县",
        "陵江镇",
        "滨江花园",
        f"{n}号",
        f"138{n:08d}",
        "",
        "苍溪县分公司",
        "",
        "正常",
    ]


def _csv(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows([HEADER, *rows])
    return out.getvalue().encode(encoding)


def _count(model=Customer) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def ten_thousand_with_three_bad(people):
    rows = [_row(n) for n in range(1, 10_001)]
    rows[99][7] = "12345"  # file line 101: a phone that is no phone
    rows[4999][2] = "C3"  # line 5001: no such class (M3)
    rows[9998][2], rows[9998][10] = "A1 工业", ""  # line 10000: industrial without a manager (M4)
    return _csv(rows)


def test_three_bad_rows_among_10000_are_reported_exactly_and_nothing_is_imported(app, ten_thousand_with_three_bad):
    report = customer_import.import_csv(ten_thousand_with_three_bad)
    assert report.rows == 10_000 and report.refused and report.imported == 0
    assert [line for line, _ in report.rejected] == [101, 5001, 10000]
    reasons = dict(report.rejected)
    assert "电话号码“12345”格式不正确" in reasons[101]
    assert "客户类别“C3”无效" in reasons[5001]
    assert "必须指定客户经理" in reasons[10000]
    assert _count() == 0


def test_skip_bad_imports_the_9997_good_rows(app, ten_thousand_with_three_bad):
    report = customer_import.import_csv(ten_thousand_with_three_bad, skip_bad=True)
    assert report.imported == 9_997 and not report.refused and len(report.rejected) == 3
    assert _count() == 9_997
    assert db.session.scalar(select(Customer.id).where(Customer.account_no == "CX00000100")) is None


def test_gbk_files_from_excel_are_read_and_duplicates_reported(app, people):
    rows = [_row(1), _row(2), _row(1)]
    rows[1][1] = "王淑芬"
    report = customer_import.import_csv(_csv(rows, "gbk"))
    assert report.encoding == "gbk" and report.refused
    assert report.rejected == [(4, "户号 CX00000001 与第 2 行重复 (duplicate account in the file)")]
    ok = customer_import.import_csv(_csv(rows[:2], "gbk"))
    assert (
        ok.imported == 2
        and db.session.scalar(select(Customer.name).where(Customer.account_no == "CX00000002")) == "王淑芬"
    )
    again = customer_import.import_csv(_csv(rows[:1]))
    assert again.rejected == [(2, "户号 CX00000001 已在档案中 (account already exists)")]


def test_multiline_quoted_fields_keep_line_numbers_and_column_counts_are_checked(app, people):
    rows = [_row(1), _row(2), _row(3)]
    rows[0][6] = "3栋\n2单元"  # the row spans lines 2-3
    rows[2] = rows[2][:5]
    report = customer_import.import_csv(_csv(rows))
    assert report.rejected == [(5, "应有 12 列，实有 5 列 (wrong number of columns)")]


def test_missing_columns_refuse_the_file(app, people):
    with pytest.raises(Invalid, match="表头.*缺少列：联系电话"):
        customer_import.import_csv("户号,户名,客户类别,区县,街道,分公司\n".encode())


def test_export_round_trips_through_import_and_is_logged_S21_4(app, people):
    demo.load_customers(0)
    customer_import.import_csv(_csv([_row(n) for n in range(1, 6)]))
    out = io.BytesIO()
    assert customer_export.export_csv(out, branch="苍溪县", note="test") == 5
    data = out.getvalue()
    assert data.startswith(b"\xef\xbb\xbf") and "13800000003" in data.decode("utf-8-sig")
    [log] = db.session.scalars(select(CustomerView).where(CustomerView.channel == "export")).all()
    assert log.note.startswith("导出 5 户") and log.user_id is None
    db.session.execute(Customer.__table__.delete().where(Customer.account_no == "CX00000005"))
    db.session.commit()
    report = customer_import.import_csv(data, skip_bad=True)
    assert report.imported == 1 and [line for line, _ in report.rejected] == [2, 3, 4, 5]


def test_cli_import_reports_lines_and_exits_nonzero(app, ten_thousand_with_three_bad, tmp_path):
    from app.cli import main

    path = tmp_path / "customers.csv"
    path.write_bytes(ten_thousand_with_three_bad)
    runner = app.test_cli_runner()
    result = runner.invoke(main, args=["customers", "import", str(path), "--no-backup"])
    assert result.exit_code == 1 and "未导入任何数据" in result.output
    reported = [line.split(" ")[1] for line in result.output.splitlines() if line.startswith("第 ")]
    assert reported == ["101", "5001", "10000"]
    skipped = runner.invoke(main, args=["customers", "import", str(path), "--skip-bad"])
    assert skipped.exit_code == 0 and "导入 9997" in skipped.output and "backup " in skipped.output
