"""Error injection: turn true values into cells as station software writes them, logging every change.

Each change is logged with its kind: 'cosmetic' (the importer should repair it and arrive at the true value:
all caps, NFD, TCVN3/VNI mojibake, tone placement, spacing, date/sex/ethnicity formats, old addresses, a blank
village column) or 'real' (information is lost or wrong: a missing middle name, no diacritics, typos, a wrong
or missing ID, partial or swapped dates, a wrong village …). A change is logged only when it alters the cell.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hssk.demo import names as nm
from hssk.demo.frames import cell_text  # noqa: F401  (re-exported: C.cell_text)
from hssk.normalize.legacy import encode_tcvn3, encode_vni

COSMETIC, REAL = "cosmetic", "real"
EXCEL_EPOCH = dt.date(1899, 12, 30)

# Base rates per record at error_scale 1.0 (villages scale them; older duplicate records add their own).
BASE_RATES = {
    "missing_middle": 0.02, "no_diacritics": 0.02, "typo": 0.015, "all_caps": 0.08, "extra_spaces": 0.04,
    "nfd": 0.03, "tone_variant": 0.35,
    "year_only": 0.01, "month_year": 0.008, "swapped_day_month": 0.008, "birth_missing": 0.002,
    "date_short": 0.04, "date_iso": 0.04, "date_alt": 0.04, "excel_serial": 0.04, "excel_date": 0.06,
    "sex_format": 0.08, "sex_wrong": 0.002, "sex_missing": 0.002,
    "id_missing": 0.04, "id_one_digit_off": 0.008, "id_transposed": 0.006, "cmnd_in_id_column": 0.04,
    "id_spaced": 0.02, "id_apostrophe": 0.03,
    "ethnicity_format": 0.08, "ethnicity_missing": 0.02,
    "wrong_village": 0.008, "village_alias": 0.05, "address_short": 0.03,
    "phone_old_11_digits": 0.03, "phone_plus84": 0.03, "phone_spaced": 0.03,
    "insurance_bhxh_number": 0.2, "insurance_spaced": 0.05,
}


@dataclass
class Cells:
    """Written cells of one table (object arrays by field), the true values, and the change log."""

    n: int
    cols: dict[str, np.ndarray] = field(default_factory=dict)
    truth: dict[str, np.ndarray] = field(default_factory=dict)
    log: list[tuple[np.ndarray, str, str, str]] = field(default_factory=list)  # (rows, field, kind, error)

    def set(self, name: str, written, truth=None) -> None:
        """A column of written cells; an Arrow array is kept as is (cells that are never changed)."""
        if hasattr(written, "type") and hasattr(written, "to_numpy"):  # pyarrow array
            self.cols[name] = written
        else:
            self.cols[name] = np.asarray(written, dtype=object).copy()
        if truth is not None:
            self.truth[name] = np.asarray(truth, dtype=object)

    def apply(self, name: str, rows: np.ndarray, fn, kind: str, error: str) -> np.ndarray:
        """cols[name][i] = fn(old, i) for i in rows; logs and returns the rows that actually changed."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return rows
        old = self.cols[name][rows]
        new = np.empty(len(rows), dtype=object)
        new[:] = [fn(v, i) for v, i in zip(old.tolist(), rows.tolist())]
        return self.put(name, rows, new, kind, error)

    def put(self, name: str, rows: np.ndarray, values: np.ndarray, kind: str, error: str) -> np.ndarray:
        """cols[name][rows] = values (vectorised); logs and returns the rows that actually changed."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return rows
        col = self.cols[name]
        new = np.asarray(values, dtype=object)
        changed = np.asarray(col[rows] != new, dtype=bool)  # str vs int/datetime compares unequal
        rows = rows[changed]
        col[rows] = new[changed]
        self.log_rows(rows, name, kind, error)
        return rows

    def log_rows(self, rows, name: str, kind: str, error: str) -> None:
        if len(rows):
            self.log.append((np.asarray(rows, dtype=np.int64), name, kind, error))


class Choice:
    """The option drawn for each row as small integer codes; `choice == "name"` gives a boolean mask and
    `choice == ""` the rows where nothing was drawn."""

    def __init__(self, codes: np.ndarray, names: list[str]):
        self.codes, self.names = codes, names

    def __eq__(self, name):  # type: ignore[override]
        return self.codes == (self.names.index(name) if name else -1)

    __hash__ = None

    def labels(self) -> np.ndarray:
        return np.array([""] + self.names, dtype=object)[self.codes + 1]


def choose(rng, n: int, options: list[tuple[str, np.ndarray | float]]) -> Choice:
    """At most one option per row: option k with probability p_k (arrays allowed); none otherwise."""
    u = rng.random(n)
    codes = np.full(n, -1, dtype=np.int8)
    lo = np.zeros(n)
    for k, (_, p) in enumerate(options):
        hi = lo + np.broadcast_to(np.asarray(p, dtype=float), (n,))
        codes[(u >= lo) & (u < hi) & (codes == -1)] = k
        lo = hi
    return Choice(codes, [name for name, _ in options])


def rows_of(choice: Choice, name: str, mask: np.ndarray | None = None) -> np.ndarray:
    m = choice == name
    return np.flatnonzero(m if mask is None else m & mask)


# --- names ----------------------------------------------------------------------------------------------

def tone_eligible(values: np.ndarray) -> np.ndarray:
    """Whether each name has a word with a tone-placement variant (checked once per distinct name)."""
    if not len(values):
        return np.zeros(0, dtype=bool)
    codes, uniq = pd.factorize(np.asarray(values, dtype=object))
    hit = np.array([nm.has_tone_variant(v) for v in uniq.tolist()], dtype=bool)
    return hit[codes]


def extra_spaces(text: str, variant: int) -> str:
    words = text.split(" ")
    if variant == 0 and len(words) > 1:
        return words[0] + "  " + " ".join(words[1:])
    if variant == 1:
        return text + " "
    return " " + text


def corrupt_name(cells: Cells, rng, name: str, scale: np.ndarray, older: np.ndarray,
                 tone_rate: float = BASE_RATES["tone_variant"]) -> None:
    """Real changes first (missing middle name, no diacritics, a typo), then cosmetic ones (tone placement,
    all caps, extra spaces). Legacy encodings and NFD are applied per row by `encode_rows`."""
    n = cells.n
    r = BASE_RATES
    real = choose(rng, n, [
        ("missing_middle", r["missing_middle"] * scale + 0.03 * older),
        ("no_diacritics", r["no_diacritics"] * scale + 0.05 * older),
        ("typo", r["typo"] * scale),
    ])
    def drop_middle(v, i):
        words = v.split(" ")
        return f"{words[0]} {words[-1]}" if len(words) >= 3 else v

    cells.apply(name, rows_of(real, "missing_middle"), drop_middle, REAL, "missing_middle")
    cells.apply(name, rows_of(real, "no_diacritics"), lambda v, i: nm.strip_diacritics(v), REAL, "no_diacritics")
    cells.apply(name, rows_of(real, "typo"),
                lambda v, i: " ".join(v.split(" ")[:-1] + [nm.typo(v.split(" ")[-1], rng)]), REAL, "typo")

    tone = (rng.random(n) < tone_rate) & tone_eligible(cells.cols[name])
    cells.apply(name, np.flatnonzero(tone), lambda v, i: nm.tone_variant(v), COSMETIC, "tone_variant")
    caps = rng.random(n) < r["all_caps"] * scale + 0.3 * older
    cells.apply(name, np.flatnonzero(caps), lambda v, i: v.upper(), COSMETIC, "all_caps")
    spaces = np.flatnonzero(rng.random(n) < r["extra_spaces"] * scale)
    variant = rng.integers(3, size=n)
    cells.apply(name, spaces, lambda v, i: extra_spaces(v, variant[i]), COSMETIC, "extra_spaces")


def to_nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


ENCODERS = {"nfd": to_nfd, "tcvn3": encode_tcvn3, "vni": encode_vni}


def encode_rows(cells: Cells, encoding: Choice, text_fields: list[str]) -> None:
    """Rows typed on a Mac (NFD) or in legacy fonts (TCVN3/VNI): every text cell of the row is affected."""
    for enc, fn in ENCODERS.items():
        rows = np.flatnonzero(encoding == enc)
        for name in text_fields:
            text_rows = rows[np.asarray(cells.cols[name][rows] != "", dtype=bool)] if len(rows) else rows
            cells.apply(name, text_rows, lambda v, i, fn=fn: fn(v), COSMETIC, enc)


# --- dates ------------------------------------------------------------------------------------------------

def _format_dates(y, m, d, pattern: str) -> np.ndarray:
    """Format each distinct date once (a million rows hold only tens of thousands of dates)."""
    key = np.asarray(y, dtype=np.int64) * 10000 + np.asarray(m, dtype=np.int64) * 100 + np.asarray(d, dtype=np.int64)
    if not len(key):
        return np.array([], dtype=object)
    codes, uniq = pd.factorize(key)
    text = np.array([pattern.format(y=k // 10000, m=k // 100 % 100, d=k % 100) for k in uniq.tolist()], dtype=object)
    return text[codes]


def dmy(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """dd/mm/yyyy strings."""
    return _format_dates(y, m, d, "{d:02d}/{m:02d}/{y:04d}")


def iso(y, m, d) -> np.ndarray:
    """YYYY-MM-DD strings."""
    return _format_dates(y, m, d, "{y:04d}-{m:02d}-{d:02d}")


def corrupt_birth_date(cells: Cells, rng, y, m, d, scale, older, age, today: dt.date, excel: np.ndarray,
                       name: str = "birth_date") -> None:
    """`excel` marks rows written to an .xlsx file (serial numbers and date cells are possible there)."""
    n = cells.n
    r = BASE_RATES
    real = choose(rng, n, [
        ("year_only", r["year_only"] * scale + 0.04 * older * (age >= 60)),
        ("month_year", r["month_year"] * scale),
        ("swapped_day_month", r["swapped_day_month"] * scale),
        ("birth_missing", r["birth_missing"] * scale),
    ])
    cells.apply(name, rows_of(real, "year_only"), lambda v, i: f"{y[i]}", REAL, "year_only")
    cells.apply(name, rows_of(real, "month_year"), lambda v, i: f"{m[i]:02d}/{y[i]}", REAL, "month_year")
    swappable = (d <= 12) & (d != m)
    cells.apply(name, rows_of(real, "swapped_day_month", swappable),
                lambda v, i: f"{m[i]:02d}/{d[i]:02d}/{y[i]}", REAL, "swapped_day_month")
    cells.apply(name, rows_of(real, "birth_missing"), lambda v, i: "", REAL, "missing")

    plain = real == ""
    two_digit_ok = y > today.year - 99  # the importer's pivot reads d/m/yy unambiguously for these
    fmt = choose(rng, n, [
        ("date_short", r["date_short"] * scale), ("date_iso", r["date_iso"] * scale),
        ("excel_serial", np.where(excel, r["excel_serial"], 0.0)),
        ("excel_date", np.where(excel, r["excel_date"], 0.0)),
        ("date_alt", np.where(excel, 0.0, r["date_alt"] * scale)),
    ])
    cells.apply(name, rows_of(fmt, "date_short", plain & two_digit_ok),
                lambda v, i: f"{d[i]}/{m[i]}/{y[i] % 100:02d}", COSMETIC, "date_d_m_yy")
    cells.apply(name, rows_of(fmt, "date_iso", plain), lambda v, i: f"{y[i]:04d}-{m[i]:02d}-{d[i]:02d}",
                COSMETIC, "date_iso")
    cells.apply(name, rows_of(fmt, "date_alt", plain),
                lambda v, i: f"{d[i]:02d}{'-.'[i % 2]}{m[i]:02d}{'-.'[i % 2]}{y[i]}", COSMETIC, "date_dash_or_dot")
    cells.apply(name, rows_of(fmt, "excel_serial", plain),
                lambda v, i: (dt.date(int(y[i]), int(m[i]), int(d[i])) - EXCEL_EPOCH).days, COSMETIC, "excel_serial")
    cells.apply(name, rows_of(fmt, "excel_date", plain),
                lambda v, i: dt.datetime(int(y[i]), int(m[i]), int(d[i])), COSMETIC, "excel_date_cell")


# --- coded fields -----------------------------------------------------------------------------------------

SEX_CODINGS = {"Nam/Nữ": ("Nam", "Nữ"), "1/2": ("1", "2"), "M/F": ("M", "F"), "nam/nữ": ("nam", "nữ"),
               "NAM/NỮ": ("NAM", "NỮ")}


def render_sex(sex: np.ndarray, coding: str) -> np.ndarray:
    m, f = SEX_CODINGS[coding]
    return np.where(sex == "M", m, f).astype(object)


def corrupt_sex(cells: Cells, rng, sex, scale, default: str, name: str = "sex") -> None:
    n = cells.n
    r = BASE_RATES
    real = choose(rng, n, [("sex_wrong", r["sex_wrong"] * scale), ("sex_missing", r["sex_missing"] * scale)])
    flipped = render_sex(np.where(sex == "M", "F", "M"), default)
    cells.apply(name, rows_of(real, "sex_wrong"), lambda v, i: flipped[i], REAL, "wrong_sex")
    cells.apply(name, rows_of(real, "sex_missing"), lambda v, i: "", REAL, "missing")
    others = [c for c in SEX_CODINGS if c != default]
    pick = rng.integers(len(others), size=n)
    fmt = np.flatnonzero((rng.random(n) < r["sex_format"] * scale) & (real == ""))
    cells.apply(name, fmt, lambda v, i: SEX_CODINGS[others[pick[i]]][0 if sex[i] == "M" else 1], COSMETIC, "sex_format")


def one_digit_off(pid: str, rng) -> str:
    pos = int(rng.integers(3, 12))
    digit = (int(pid[pos]) + int(rng.integers(1, 10))) % 10
    return pid[:pos] + str(digit) + pid[pos + 1:]


def transposed(pid: str, rng) -> str:
    for _ in range(20):
        pos = int(rng.integers(6, 11))
        if pid[pos] != pid[pos + 1]:
            return pid[:pos] + pid[pos + 1] + pid[pos] + pid[pos + 2:]
    return one_digit_off(pid, rng)


def spaced_id(pid: str, variant: int) -> str:
    sep = " ." [variant % 2]
    return sep.join(pid[k:k + 3] for k in range(0, len(pid), 3))


def corrupt_personal_id(cells: Cells, rng, old_id, scale, older, child, csv_rows, name: str = "personal_id") -> None:
    n = cells.n
    r = BASE_RATES
    has_cmnd = np.array([bool(x) for x in old_id], dtype=bool)
    real = choose(rng, n, [
        ("missing", r["id_missing"] * scale * np.where(child, 2.5, 1.0) + 0.3 * older),
        ("one_digit_off", r["id_one_digit_off"] * scale),
        ("transposed", r["id_transposed"] * scale),
        ("cmnd", np.where(has_cmnd, r["cmnd_in_id_column"] * scale + 0.25 * older, 0.0)),
    ])
    cells.apply(name, rows_of(real, "missing"), lambda v, i: "", REAL, "missing")
    cells.apply(name, rows_of(real, "one_digit_off"), lambda v, i: one_digit_off(v, rng), REAL, "one_digit_off")
    cells.apply(name, rows_of(real, "transposed"), lambda v, i: transposed(v, rng), REAL, "transposed_digits")
    cells.apply(name, rows_of(real, "cmnd"), lambda v, i: old_id[i], REAL, "cmnd_in_id_column")
    plain = real == ""
    fmt = choose(rng, n, [("spaced", r["id_spaced"] * scale),
                          ("apostrophe", np.where(csv_rows, r["id_apostrophe"] * scale, 0.0))])
    variant = rng.integers(2, size=n)
    cells.apply(name, rows_of(fmt, "spaced", plain), lambda v, i: spaced_id(v, variant[i]), COSMETIC, "id_spaced")
    cells.apply(name, rows_of(fmt, "apostrophe", plain), lambda v, i: "'" + v, COSMETIC, "id_apostrophe")
