"""parse_date / PartialDate: formats seen in exports, partial dates, Excel serials, and no invented precision."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hssk.normalize.dates import PartialDate, parse_date

THIS_YEAR_2D = dt.date.today().year % 100


@pytest.mark.parametrize(
    "value, expected",
    [
        ("05/03/1980", PartialDate(1980, 3, 5)),
        ("5/3/1980", PartialDate(1980, 3, 5)),
        ("05-03-1980", PartialDate(1980, 3, 5)),
        ("05.03.1980", PartialDate(1980, 3, 5)),
        (" 05 / 03 / 1980 ", PartialDate(1980, 3, 5)),
        ("05/03/1980 00:00:00", PartialDate(1980, 3, 5)),
        ("1980-03-05", PartialDate(1980, 3, 5)),
        ("1980-03-05T10:30:00", PartialDate(1980, 3, 5)),
        ("1980-03-05 10:30", PartialDate(1980, 3, 5)),
        ("5/3/80", PartialDate(1980, 3, 5)),
        ("03/1980", PartialDate(1980, 3)),
        ("3/1980", PartialDate(1980, 3)),
        ("1980-03", PartialDate(1980, 3)),
        ("1980", PartialDate(1980)),
        (1980, PartialDate(1980)),
        ("ngày 5 tháng 3 năm 1980", PartialDate(1980, 3, 5)),
        ("Ngày 05 tháng 03 năm 1980", PartialDate(1980, 3, 5)),
        ("tháng 3 năm 1980", PartialDate(1980, 3)),
        ("năm 1980", PartialDate(1980)),
        ("05031980", PartialDate(1980, 3, 5)),  # ddMMyyyy, as in the chip-CCCD QR code
        ("19800305", PartialDate(1980, 3, 5)),
        (29285, PartialDate(1980, 3, 5)),  # Excel serial
        (29285.75, PartialDate(1980, 3, 5)),
        ("29285", PartialDate(1980, 3, 5)),
        (np.int64(29285), PartialDate(1980, 3, 5)),
        (dt.date(1980, 3, 5), PartialDate(1980, 3, 5)),
        (dt.datetime(1980, 3, 5, 23, 59), PartialDate(1980, 3, 5)),
        (pd.Timestamp("1980-03-05"), PartialDate(1980, 3, 5)),
        ("29/02/2000", PartialDate(2000, 2, 29)),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value",
    ["31/02/2000", "29/02/2001", "13/13/2000", "00/1980", "1980-13", "ngày 5 năm 1980", "garbage", "12/ab/2000",
     "1799", "01/01/2101", "", "   ", None, float("nan"), pd.NaT, True, 1e20, -5, object()],
)
def test_invalid_gives_none(value):
    assert parse_date(value) is None


def test_two_digit_year_pivot():
    ahead = (THIS_YEAR_2D + 1) % 100
    assert parse_date(f"1/1/{THIS_YEAR_2D:02d}").year == 2000 + THIS_YEAR_2D
    if ahead != 0:
        assert parse_date(f"1/1/{ahead:02d}").year == 1900 + ahead


def test_partial_date_properties():
    assert (PartialDate(1980).precision, PartialDate(1980).text, PartialDate(1980).as_date()) == ("year", "1980", None)
    month = PartialDate(1980, 3)
    assert (month.precision, month.text, month.as_date()) == ("month", "1980-03", None)
    day = PartialDate(1980, 3, 5)
    assert (day.precision, day.text, day.as_date()) == ("day", "1980-03-05", dt.date(1980, 3, 5))


dates = st.dates(min_value=dt.date(1850, 1, 1), max_value=dt.date(2100, 12, 31))


@settings(max_examples=300, deadline=None)
@given(dates, st.sampled_from(["year", "month", "day"]), st.data())
def test_never_invents_precision(day, precision, data):
    if precision == "year":
        text = data.draw(st.sampled_from([f"{day.year}", f"năm {day.year}"]))
        expected = PartialDate(day.year)
    elif precision == "month":
        text = data.draw(st.sampled_from([f"{day.month:02d}/{day.year}", f"{day.month}/{day.year}",
                                          f"{day.year}-{day.month:02d}", f"tháng {day.month} năm {day.year}"]))
        expected = PartialDate(day.year, day.month)
    else:
        text = data.draw(st.sampled_from([f"{day.day:02d}/{day.month:02d}/{day.year}",
                                          f"{day.day}-{day.month}-{day.year}", day.isoformat(),
                                          f"ngày {day.day} tháng {day.month} năm {day.year}"]))
        expected = PartialDate(day.year, day.month, day.day)
    parsed = parse_date(text)
    assert parsed == expected
    assert parsed.precision == precision


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789/-. nămthángy", max_size=14))
def test_random_text_never_raises_and_is_consistent(text):
    parsed = parse_date(text)
    if parsed is not None:
        assert parsed.precision in ("year", "month", "day")
        assert parse_date(parsed.text) == parsed
