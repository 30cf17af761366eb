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
    ("1985-03-12", "1985-03-12", "birth: same day"),
    ("1985-03-12", "1985-12-03", "birth: day and month swapped"),
    ("1985-03-12", "1985-03", "birth: same month, day unknown"),
    ("1985-03-12", "1985-03-13", "birth: one digit different"),
    ("1985-03-12", "1986-03-12", "birth: one digit different"),
    ("1985-03-12", "1985", "birth: same year, month unknown"),
    ("1985", "1985", "birth: same year, month unknown"),
    ("1985-03-12", "1985-07-25", "birth: same year only"),
    ("1985-03-12", "1991-07-25", "All other comparisons"),
    ("1985-03-12", None, "birth: missing"),
]


@pytest.mark.parametrize("left,right,label", BIRTH_CASES)
def test_birth_levels_understand_partial_and_swapped_dates(db_api, left, right, label):
    got = comparison_vector_value(model.birth_comparison("duckdb"), _birth(left, right), db_api)
    assert got["label_for_charts"] == label


ID_CASES = [
    ("001085012345", "001085012345", "personal ID: same"),
    ("001085012345", "001085012346", "personal ID: one digit different"),
    ("001085012345", "001085021345", "personal ID: two digits swapped"),
    ("001085012345", "001085012399", "All other comparisons"),
    ("001085012345", None, None),
]


@pytest.mark.parametrize("left,right,label", ID_CASES)
def test_personal_id_levels(db_api, left, right, label):
    comparison = model.id_comparison("personal_id", "personal ID", "duckdb", transposition=True)
    got = comparison_vector_value(comparison, _pair(personal_id=(left, right)), db_api)
    if label is None:
        assert got["comparison_vector_value"] == -1
    else:
        assert got["label_for_charts"] == label


def _names(part: str, left: str | None, right: str | None) -> dict:
    from hssk.link.sample import _ascii, _key

    return _pair(**{f"{part}_key": (_key(left), _key(right)), f"{part}_ascii": (_ascii(left), _ascii(right))})


NAME_CASES = [
    ("given", "Hòa", "Hòa", "given: same (tone-insensitive)"),
    ("given", "Hòa", "Hoa", "given: same without accents"),
    ("given", "Phương", "Phuong", "given: same without accents"),
    ("given", "Quyên", "Quyen", "given: same without accents"),
    ("given", "Phương", "Phưong", "given: same without accents"),
    ("given", "Thắng", "Thằng", "given: same without accents"),
    ("given", "Nguyệt", "Nguyet", "given: same without accents"),
    ("given", "Hương", "Hưng", "given: close spelling (Jaro-Winkler >= 0.9)"),
    ("given", "Lan", "Mai", "All other comparisons"),
    ("family", "Đặng", "Dang", "family: same without accents"),
    ("family", "Nguyễn", "Nguyen", "family: same without accents"),
]


@pytest.mark.parametrize("part,left,right,label", NAME_CASES)
def test_name_levels_tone_and_accent_insensitive(db_api, part, left, right, label):
    got = comparison_vector_value(model.name_part_comparison(part), _names(part, left, right), db_api)
    assert got["label_for_charts"] == label


def _middle(left, right):
    from hssk.link.sample import _ascii, _key

    return _pair(middle_key=(_key(left), _key(right)), middle_ascii=(_ascii(left), _ascii(right)))


MIDDLE_CASES = [
    ("Văn", "Văn", "middle: same (tone-insensitive)"),
    ("Văn", None, "middle: one missing"),
    ("Thị Ngọc", "Ngọc", "middle: one contains the other"),
    ("Văn", "Đức", "All other comparisons"),
    (None, None, "middle: both missing"),
]


@pytest.mark.parametrize("left,right,label", MIDDLE_CASES)
def test_missing_middle_name_is_its_own_level(db_api, left, right, label):
    got = comparison_vector_value(model.middle_name_comparison(), _middle(left, right), db_api)
    assert got["label_for_charts"] == label


def test_spark_dialect_uses_levenshtein_not_hamming():
    duck = model._within_edits_sql("personal_id", 1, "duckdb")
    spark = model._within_edits_sql("personal_id", 1, "spark")
    assert "hamming" in duck and "levenshtein" not in duck
    assert "levenshtein" in spark and "hamming" not in spark


def test_every_blocking_rule_excludes_register_register_pairs():
    for rule in model.prediction_blocking_rules() + model.training_blocking_rules():
        assert model.ELIGIBLE_PAIR_SQL in rule
