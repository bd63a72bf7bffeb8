"""Customer field rules without a database: phone and ID formats, classes (M3), manager rule (M4), masking (S21.4),
CSV encodings."""

from __future__ import annotations

import random

import pytest

from app.core.errors import Invalid
from app.customers import demo as demo_customers
from app.customers import fields
from app.customers.importer import decode
from app.customers.masking import mask


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("0839-3261234", "08393261234"),
        ("(0839)32612345", "083932612345"),
    ],
)
def test_phones_are_normalised_to_digits(raw, clean):
    assert fields.normalize_phone(raw) == clean


@pytest.mark.parametrize("raw", ["1381234567", "12812345678", "3261234", "0839-12", "138abc45678", ""])
def test_bad_phones_are_refused_in_chinese(raw):
    with pytest.raises(fields.FieldProblem, match="电话号码.*格式不正确"):
        fields.normalize_phone(raw)


def test_phone_lists_split_dedupe_and_are_bounded():
    assert fields.split_phones("13812345678；0839-3261234、13812345678") == ["13812345678", "08393261234"]
    with pytest.raises(fields.FieldProblem, match="最多 3 个"):
        fields.split_phones(["13812345671", "13812345672", "13812345673", "13812345674"])


def test_resident_id_and_credit_code_check_digits():
    rng = random.Random(1)
    good_id = demo_customers.resident_id(rng, "510802")
    good_code = demo_customers.credit_code(rng, "510824")
    assert fields.normalize_id_number(good_id.lower()) == good_id
    assert fields.normalize_id_number(good_code) == good_code
    assert fields.normalize_id_number("  ") is None
    wrong_digit = good_id[:17] + ("0" if good_id[17] != "0" else "1")
    for bad in (wrong_digit, good_id[:15], good_code[:17] + ("0" if good_code[17] != "0" else "1")):
        with pytest.raises(fields.FieldProblem, match="证件号码"):
            fields.normalize_id_number(bad)


def test_M3_classes_by_code_label_or_both():
    assert [fields.normalize_class(v) for v in ("A1", "a2", "A3 其他含公福", "集体含楼盘", "散户")] == [
        "A1",
        "A2",
        "A3",
        "B1",
        "B2",
    ]
    with pytest.raises(fields.FieldProblem, match="客户类别“C1”无效.*A1 工业"):
        fields.normalize_class("C1")
    with pytest.raises(fields.FieldProblem):
        fields.normalize_class("A1 商业")  # code and label disagree


def test_M4_manager_required_for_A_classes_and_B1_only():
    for klass in ("A1", "A2", "A3", "B1"):
        assert "必须指定客户经理" in fields.manager_problem(klass, has_manager=False)
        assert fields.manager_problem(klass, has_manager=True) is None
    assert fields.manager_problem("B2", has_manager=False) is None


def test_parse_fields_reports_every_problem_at_once():
    clean, problems = fields.parse_fields({"account_no": "x", "customer_class": "Z9", "phones": "12"})
    joined = "\n".join(problems)
    for expected in ("户号“x”无效", "客户类别“Z9”无效", "电话号码“12”格式不正确", "缺少户名", "缺少区县"):
        assert expected in joined
    partial, none = fields.parse_fields({"supply_status": "报停"}, partial=True)
    assert partial == {"supply_status": "suspended"} and none == []


def test_S21_4_masks_keep_head_and_tail():
    assert mask("13812345678") == "138****5678"
    assert mask("510802199001011234") == "510***********1234"
    assert mask("08393261234") == "083****1234"
    assert mask("12345") == "*2345"
    assert mask(None) is None and mask("") == ""


def test_csv_encodings_utf8_bom_gbk_and_refusal():
    text = "户号,户名\nLZ0001,张三\n"
    assert decode(b"\xef\xbb\xbf" + text.encode()) == (text, "utf-8-sig")
    assert decode(text.encode()) == (text, "utf-8")
    assert decode(text.encode("gbk")) == (text, "gbk")
    with pytest.raises(Invalid, match="UTF-16"):
        decode(text.encode("utf-16"))
    with pytest.raises(Invalid, match="无法识别文件编码"):
        decode("户号".encode() + b"\xff\x80,\n")
