"""Every public normalize function takes garbage without raising, and blank input gives None."""

import datetime as dt
import decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hssk.normalize as N

ONE_VALUE_FUNCTIONS = [
    N.fix_text, N.title_case, N.tone_key, N.ascii_key, N.parse_date, N.normalize_old_id, N.normalize_phone,
    N.normalize_sex, N.normalize_ethnicity, N.normalize_nationality, N.normalize_religion, N.normalize_status,
    N.normalize_event_kind, N.parse_address, N.match_village,
]
PAIR_FUNCTIONS = [N.normalize_personal_id, N.normalize_insurance]

garbage = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789 .-/+eE,'", max_size=20),
    st.text(alphabet="¡¢£¤¥¦§¨©ª«¬\u00ad®µ¶·¸¹»¼½¾ÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÜÝÞßáâãäåæçèéêëìíîïñòóôõö÷øùúûüýþaeouy ",
            max_size=20),
    st.integers(), st.floats(), st.booleans(), st.none(), st.dates(), st.binary(max_size=8),
    st.just(decimal.Decimal("1.5")), st.just(dt.time(1, 2)), st.lists(st.integers(), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(garbage)
def test_no_function_raises(value):
    for fn in ONE_VALUE_FUNCTIONS:
        fn(value)
    for fn in PAIR_FUNCTIONS:
        assert len(fn(value)) == 2
    N.split_name(value)
    N.village_and_old_unit(value, value)
    N.personal_id_issues(value, value, value)
    N.repair_legacy(value)
    N.detect_legacy(value)


@pytest.mark.parametrize("blank", [None, "", "   ", "\u00a0\t\n", float("nan")])
def test_blank_gives_none(blank):
    for fn in ONE_VALUE_FUNCTIONS:
        assert fn(blank) is None, fn.__name__
    for fn in PAIR_FUNCTIONS:
        assert fn(blank) == (None, None), fn.__name__
    assert N.split_name(blank) == (None, None, None)
    assert N.village_and_old_unit(blank, blank) == (None, None)
