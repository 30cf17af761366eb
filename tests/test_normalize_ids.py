"""Số định danh, CMND, BHYT/BHXH and phone numbers (domain.md §2)."""

import numpy as np
import pytest

from hssk.normalize.ids import (
    normalize_insurance,
    normalize_old_id,
    normalize_personal_id,
    normalize_phone,
    personal_id_issues,
)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("001215000001", ("001215000001", None)),
        ("001 215 000 001", ("001215000001", None)),
        ("001.215.000.001", ("001215000001", None)),
        ("001-215-000-001", ("001215000001", None)),
        ("'001215000001", ("001215000001", None)),  # Excel text marker
        ("020093001656", ("020093001656", None)),
        (1085012345, ("001085012345", "restored_zeros")),  # Excel number: 00 lost, 001 = Hà Nội
        (1085012345.0, ("001085012345", "restored_zeros")),
        ("1085012345", ("001085012345", "restored_zeros")),
        ("1085012345.0", ("001085012345", "restored_zeros")),
        (20093001656, ("020093001656", "restored_zeros")),  # one zero lost, 020 = Lạng Sơn
        (np.int64(20093001656), ("020093001656", "restored_zeros")),
        (99012345678, (None, "invalid")),  # 099 is no province: do not guess
        (3012345678, (None, "invalid")),  # 003 is an unused code
        ("1.08501E+11", (None, "invalid")),  # scientific notation: digits are gone
        ("1,08501E+11", (None, "invalid")),
        ("00121500000", (None, "invalid")),  # 11 digits typed as text, 000 prefix invalid
        ("0012150000012", (None, "invalid")),
        ("CCCD001215000001", (None, "invalid")),
        (1085012345.5, (None, "invalid")),
        ("", (None, None)),
        (None, (None, None)),
        (float("nan"), (None, None)),
    ],
)
def test_normalize_personal_id(value, expected):
    assert normalize_personal_id(value) == expected


@pytest.mark.parametrize(
    "pid, sex, year, expected",
    [
        ("001215000001", "M", 2015, []),
        ("020093001656", "M", 1993, []),
        ("001215000001", "F", 2015, ["sex_mismatch"]),
        ("001315000001", "F", 2015, []),  # digit 3 = female, 2000s
        ("001093001656", "M", 1994, ["birth_year_mismatch"]),
        ("003093001656", None, None, ["unknown_province"]),
        ("099193001656", "M", 1993, ["unknown_province", "sex_mismatch"]),
        ("001093001656", "Nam", 1993, []),  # only 'M'/'F' are compared
        (None, "M", 1990, []),
        ("12345", "M", 1990, []),
    ],
)
def test_personal_id_issues(pid, sex, year, expected):
    assert personal_id_issues(pid, sex, year) == expected


@pytest.mark.parametrize(
    "value, expected",
    [("012345678", "012345678"), ("012 345 678", "012345678"), (12345678, "012345678"), ("12345678", "012345678"),
     (112345678.0, "112345678"), ("0123456789", None), ("abc", None), ("", None), (None, None)],
)
def test_normalize_old_id(value, expected):
    assert normalize_old_id(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("HS4010120878811", ("HS4010120878811", "0120878811")),
        ("hs4 01 0120878811", ("HS4010120878811", "0120878811")),
        ("HC4-01-0120878811", ("HC4010120878811", "0120878811")),
        ("DN4.01.0120878811", ("DN4010120878811", "0120878811")),
        ("0120878811", (None, "0120878811")),
        ("0120 878 811", (None, "0120878811")),
        (120878811, (None, "0120878811")),  # Excel dropped the leading zero
        (120878811.0, (None, "0120878811")),
        ("HS6010120878811", (None, None)),  # benefit level 6 does not exist
        ("HS401012087881", (None, None)),
        ("12345", (None, None)),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_normalize_insurance(value, expected):
    assert normalize_insurance(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("0912345678", "0912345678"),
        ("0912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("(+84) 912-345-678", "0912345678"),
        (912345678, "0912345678"),  # Excel number
        (912345678.0, "0912345678"),
        ("01681234567", "0381234567"),  # 2018 renumbering, Viettel
        ("0120 123 4567", "0701234567"),  # MobiFone
        ("0129 123 4567", "0821234567"),  # VinaPhone
        ("+84 168 123 4567", "0381234567"),
        (1681234567, "0381234567"),
        ("0438123456", "02438123456"),  # Hà Nội 04 + 8 digits
        ("02438123456", "02438123456"),  # landline kept
        ("0912345678 / 0987654321", "0912345678"),
        ("0612345678", None),
        ("01821234567", None),  # not in the reference map
        ("12345", None),
        ("+1 650 253 0000", None),
        ("không có", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_phone(value, expected):
    assert normalize_phone(value) == expected
