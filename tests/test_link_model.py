"""Comparison levels of the linkage model, one tiny pair per row (as in Splink's own tests)."""

from __future__ import annotations

import pytest
from splink import DuckDBAPI
from splink.internals.testing import comparison_vector_value

from hssk.link import model


@pytest.fixture(scope="module")
def db_api():
    return DuckDBAPI()


def _pair(**values) -> dict:
    """{'x': (left, right)} -> {'x_l': left, 'x_r': right}."""
    row = {}
    for col, (left, right) in values.items():
        row[f"{col}_l"], row[f"{col}_r"] = left, right
    return row


def _birth(left: str | None, right: str | None) -> dict:
    def parts(text):
        if text is None:
            return None, None, None
        p = [int(x) for x in text.split("-")] + [None, None]
        return p[0], p[1], p[2]

    (yl, ml, dl), (yr, mr, dr) = parts(left), parts(right)
    return _pair(birth_text=(left, right), birth_year=(yl, yr), birth_month=(ml, mr), birth_day=(dl, dr))


BIRTH_CASES = [
    ("1985-03-12", "1985-03-12", "ngày sinh: trùng ngày"),
    ("1985-03-12", "1985-12-03", "ngày sinh: đảo ngày và tháng"),
    ("1985-03-12", "1985-03", "ngày sinh: trùng tháng, không rõ ngày"),
    ("1985-03-12", "1985-03-13", "ngày sinh: khác một chữ số"),
    ("1985-03-12", "1986-03-12", "ngày sinh: khác một chữ số"),
    ("1985-03-12", "1985", "ngày sinh: trùng năm, không rõ tháng"),
    ("1985", "1985", "ngày sinh: trùng năm, không rõ tháng"),
    ("1985-03-12", "1985-07-25", "ngày sinh: chỉ trùng năm"),
    ("1985-03-12", "1991-07-25", "ngày sinh: khác"),
    ("1985-03-12", None, "ngày sinh: thiếu"),
]


@pytest.mark.parametrize("left,right,label", BIRTH_CASES)
def test_birth_levels_understand_partial_and_swapped_dates(db_api, left, right, label):
    got = comparison_vector_value(model.birth_comparison(), _birth(left, right), db_api)
    assert got["label_for_charts"] == label


ID_CASES = [
    ("001085012345", "001085012345", "số định danh: giống"),
    ("001085012345", "001085012346", "số định danh: khác một chữ số"),
    ("001085012345", "001085021345", "số định danh: đảo hai chữ số"),
    ("001085012345", "001085012399", "số định danh: khác"),
    ("001085012345", None, None),
]


@pytest.mark.parametrize("left,right,label", ID_CASES)
def test_personal_id_levels(db_api, left, right, label):
    comparison = model.id_comparison("personal_id", transposition=True)
    got = comparison_vector_value(comparison, _pair(personal_id=(left, right)), db_api)
    if label is None:
        assert got["comparison_vector_value"] == -1
    else:
        assert got["label_for_charts"] == label


def _names(part: str, left: str | None, right: str | None) -> dict:
    from tests.sample import _ascii, _key

    return _pair(**{f"{part}_key": (_key(left), _key(right)), f"{part}_ascii": (_ascii(left), _ascii(right))})


NAME_CASES = [
    ("given", "Hòa", "Hòa", "tên: giống (không kể cách bỏ dấu thanh)"),
    ("given", "Hòa", "Hoa", "tên: giống khi bỏ dấu"),
    ("given", "Phương", "Phuong", "tên: giống khi bỏ dấu"),
    ("given", "Quyên", "Quyen", "tên: giống khi bỏ dấu"),
    ("given", "Phương", "Phưong", "tên: giống khi bỏ dấu"),
    ("given", "Thắng", "Thằng", "tên: giống khi bỏ dấu"),
    ("given", "Nguyệt", "Nguyet", "tên: giống khi bỏ dấu"),
    ("given", "Hương", "Hưng", "tên: gần giống (Jaro-Winkler ≥ 0.9)"),
    ("given", "Lan", "Mai", "tên: khác"),
    ("family", "Đặng", "Dang", "họ: giống khi bỏ dấu"),
    ("family", "Nguyễn", "Nguyen", "họ: giống khi bỏ dấu"),
]


@pytest.mark.parametrize("part,left,right,label", NAME_CASES)
def test_name_levels_tone_and_accent_insensitive(db_api, part, left, right, label):
    got = comparison_vector_value(model.name_part_comparison(part), _names(part, left, right), db_api)
    assert got["label_for_charts"] == label


def _middle(left, right):
    from tests.sample import _ascii, _key

    return _pair(middle_key=(_key(left), _key(right)), middle_ascii=(_ascii(left), _ascii(right)))


MIDDLE_CASES = [
    ("Văn", "Văn", "tên đệm: giống (không kể cách bỏ dấu thanh)"),
    ("Văn", None, "tên đệm: một bên trống"),
    ("Thị Ngọc", "Ngọc", "tên đệm: bên này chứa bên kia"),
    ("Văn", "Đức", "tên đệm: khác"),
    (None, None, "tên đệm: cả hai đều trống"),
]


@pytest.mark.parametrize("left,right,label", MIDDLE_CASES)
def test_missing_middle_name_is_its_own_level(db_api, left, right, label):
    got = comparison_vector_value(model.middle_name_comparison(), _middle(left, right), db_api)
    assert got["label_for_charts"] == label


def test_one_dialect_duckdb_hamming_translated_for_spark():
    duck = model._within_edits_sql("personal_id", 1)
    assert "hamming" in duck and "levenshtein" not in duck
    # the one Spark path: the saved model's SQL through sqlglot (hssk.link.spark), no hamming() left
    spark = pytest.importorskip("hssk.link.spark").spark_sql(duck)
    assert "hamming(" not in spark.lower() and "zip_with" in spark.lower()


def test_every_prior_names_a_real_level():
    labels = {level.label_for_charts for comparison in model.comparisons()
              for level in comparison.get_comparison("duckdb").comparison_levels}
    assert set(model.PRIOR_M) <= labels


def test_every_blocking_rule_excludes_register_register_pairs():
    for rule in model.prediction_blocking_rules() + model.training_blocking_rules():
        assert model.ELIGIBLE_PAIR_SQL in rule
