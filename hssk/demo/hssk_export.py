"""The HSSK platform export: who holds records (none, one, duplicates), their true values and written cells.

Most alive residents hold one record, some none, a few two or three that differ (the older copies have missing
and outdated fields); the deceased still hold records; people who moved away long ago and are no longer on the
register still hold records too.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from hssk.demo import corrupt as C
from hssk.demo.codes import unique_codes
from hssk.demo.frames import frame, setcol
from hssk.demo.health import CATEGORIES, reproductive_applies
from hssk.demo.layouts import Layout
from hssk.demo.population import ROLE_CHILD, ROLE_HEAD, ROLE_SPOUSE
from hssk.demo.profiles import blank_all_but_name
from hssk.demo.quality import Quality, per_record
from hssk.demo.sources import Village, ethnic_groups, old_phone_prefixes

HEALTH_FACTOR = {"chronic_disease": 0.99, "vaccination": 0.97, "medical_history": 0.96, "reproductive_health": 0.9,
                 "infectious_disease": 0.95}  # chance a category is answered when the health section was filled in
TEXT_FIELDS = ["full_name", "address", "village", "mother_name", "father_name", "occupation", "religion",
               "ethnicity", "nationality", *CATEGORIES, "note"]


def address(detail: str, v: Village, style: str) -> str:
    """The address text of one household: style 'new' (2025 two-level), 'old' (three-level) or 'short'."""
    head = f"{detail}, " if detail else ""
    if style == "old":
        return f"{head}{v.kind} {v.name}, {v.old_unit}, {v.old_district}, Hà Nội"
    if style == "short":
        unit = v.old_unit.split(" ", 1)[1]
        district = v.old_district.split(" ", 1)[1]
        return f"{head}{v.kind} {v.name} - {unit} - {district} - HN"
    return f"{head}{v.kind} {v.name}, xã Bát Tràng, TP Hà Nội"


STYLES = ("new", "old", "short")


def addresses(details, village_idx, villages: list[Village], style) -> np.ndarray:
    """Vectorised `address`: each distinct (detail, village, style) is formatted once."""
    n = len(details)
    d_codes, d_uniq = pd.factorize(np.asarray(details, dtype=object))
    if isinstance(style, str):
        s_codes = np.full(n, STYLES.index(style), dtype=np.int64)
    else:
        s_codes = np.array([STYLES.index(x) for x in np.asarray(style).tolist()], dtype=np.int64)
    key = (d_codes.astype(np.int64) * len(villages) + np.asarray(village_idx, dtype=np.int64)) * 3 + s_codes
    uniq, inverse = np.unique(key, return_inverse=True)
    text = np.array([address(d_uniq[k // 3 // len(villages)], villages[k // 3 % len(villages)], STYLES[k % 3])
                     for k in uniq.tolist()], dtype=object)
    return text[inverse.reshape(-1)] if n else np.array([], dtype=object)


def parent_names(people: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Mother's and father's full names for children under 16 (from the head and spouse of the household)."""
    role = people["role"].to_numpy()
    hh = people["household"].to_numpy()
    n_hh = int(hh.max()) + 1
    names = people["full_name"].to_numpy()
    sex = people["sex"].to_numpy()
    father = np.full(n_hh, "", dtype=object)
    mother = np.full(n_hh, "", dtype=object)
    for r in (ROLE_SPOUSE, ROLE_HEAD):
        m = role == r
        father[hh[m & (sex == "M")]] = names[m & (sex == "M")]
        mother[hh[m & (sex == "F")]] = names[m & (sex == "F")]
    child = (role == ROLE_CHILD) & (people["age"].to_numpy() < 16)
    return np.where(child, mother[hh], ""), np.where(child, father[hh], "")


def choose_holders(rng, people: pd.DataFrame, qualities: list[Quality]) -> pd.DataFrame:
    """One row per HSSK record: the person it belongs to, its copy number (0 = newest) and the file part."""
    n = len(people)
    v = people["village_idx"].to_numpy()
    status = people["status"].to_numpy()
    on_reg = people["on_register"].to_numpy()
    coverage = per_record(qualities, "coverage", v)
    p_has = np.select([~on_reg, status == "dead", status == "moved"], [1.0, 0.85, 0.7], default=coverage)
    p_has[people["hard_case"].to_numpy() != ""] = 1.0
    has = rng.random(n) < p_has
    dup_rate = np.where(on_reg, per_record(qualities, "duplicate_rate", v), 0.02)
    dup = rng.random(n) < dup_rate
    copies = has * (1 + dup * (1 + (rng.random(n) < 0.2)))
    person = np.repeat(np.arange(n), copies)
    copy = np.arange(len(person)) - np.repeat(np.cumsum(copies) - copies, copies)
    record_id, number = unique_codes(rng, len(person), 9, 9, 0, literal="HS", with_numbers=True)
    # rows stay in person order (cheap column selection); the export itself is sorted by Mã HSSK (see file_order)
    rec = frame({"person": person, "copy": copy, "n_copies": copies[person], "record_id": record_id,
                 "record_number": number})
    rec["part"] = np.where(rng.random(len(rec)) < 0.55, 0, 1)
    return rec


def file_order(rec: pd.DataFrame, part: int) -> np.ndarray:
    """Rows of `rec` written to HSSK part `part`, in file order (by Mã HSSK)."""
    rows = np.flatnonzero(rec["part"].to_numpy() == part)
    return rows[np.argsort(rec["record_number"].to_numpy()[rows], kind="stable")]


def build(rng, people: pd.DataFrame, health: pd.DataFrame, villages: list[Village], qualities: list[Quality],
          parts: list[Layout], today: dt.date, *, name_only: float = 0.0) -> tuple[C.Cells, pd.DataFrame]:
    """Written cells (with true values and the change log) and per-record facts for the truth.
    name_only: share of records that keep only the name and the address (a noisy profile)."""
    rec = choose_holders(rng, people, qualities)
    p = rec["person"].to_numpy()
    R = len(rec)
    vi = people["village_idx"].to_numpy()[p]
    older = (rec["copy"].to_numpy() > 0).astype(float)
    scale = per_record(qualities, "error_scale", vi)
    part = rec["part"].to_numpy()
    excel = np.array([layout.ext == "xlsx" for layout in parts], dtype=bool)[part]
    csv_rows = ~excel
    age = people["age"].to_numpy()[p]
    sex = people["sex"].to_numpy()[p]
    birth = pd.DatetimeIndex(people["birth_date"].to_numpy()[p])
    y, m, d = birth.year.to_numpy(), birth.month.to_numpy(), birth.day.to_numpy()

    cells = C.Cells(R)
    cells.set("record_id", rec["record_id"].to_numpy())

    # name
    full = people["full_name"].to_numpy()[p]
    cells.set("full_name", full, full)
    C.corrupt_name(cells, rng, "full_name", scale, older)

    # birth date: default dd/mm/yyyy
    cells.set("birth_date", C.dmy(y, m, d), C.iso(y, m, d))
    C.corrupt_birth_date(cells, rng, y, m, d, scale, older, age, today, excel)

    # sex: each part has its own coding; deviations are logged
    default_sex = np.empty(R, dtype=object)
    for k, layout in enumerate(parts):
        default_sex[part == k] = C.render_sex(sex[part == k], layout.sex_coding)
    cells.set("sex", default_sex, sex)
    for k, layout in enumerate(parts):  # a row's alternatives are drawn against its own file's coding
        sub = C.Cells(int((part == k).sum()))
        sub.set("sex", default_sex[part == k])
        C.corrupt_sex(sub, rng, sex[part == k], scale[part == k], layout.sex_coding)
        rows = np.flatnonzero(part == k)
        cells.cols["sex"][rows] = sub.cols["sex"]
        for idx, fld, kind, err in sub.log:
            cells.log_rows(rows[idx], fld, kind, err)

    # identifiers
    pid = people["personal_id"].to_numpy()[p]
    old_id = people["old_id"].to_numpy()[p]
    cells.set("personal_id", pid, pid)
    C.corrupt_personal_id(cells, rng, old_id, scale, older, age < 14, csv_rows)
    cmnd_used = np.zeros(R, dtype=bool)
    for idx, fld, kind, err in cells.log:
        if fld == "personal_id" and err == "cmnd_in_id_column":
            cmnd_used[idx] = True
    show_cmnd = (old_id != "") & ~cmnd_used & (rng.random(R) < 0.5)
    cells.set("old_id", np.where(show_cmnd, old_id, ""))
    _insurance(cells, rng, people["insurance_card"].to_numpy()[p], scale, older)

    # ethnicity
    _ethnicity(cells, rng, people["ethnicity"].to_numpy()[p], scale, older, part, parts)
    cells.set("nationality", np.where(rng.random(R) < 0.93, "Việt Nam", "VN"))
    cells.set("religion", np.where(rng.random(R) < 0.8, people["religion"].to_numpy()[p], ""))
    cells.set("occupation", np.where(rng.random(R) < 0.7, people["occupation"].to_numpy()[p], ""))

    # village and address
    _village_address(cells, rng, people["address_detail"].to_numpy()[p], vi, villages, qualities, scale, older)

    _phone(cells, rng, people["phone"].to_numpy()[p], scale, older)
    household = people["household_code"].to_numpy()[p]
    cells.set("household_code", np.where(rng.random(R) < 0.85 - 0.3 * older, household, ""))
    blood = rng.choice(np.array(["O", "A", "B", "AB"], dtype=object), size=R, p=[0.42, 0.21, 0.30, 0.07])
    has_blood = rng.random(R) < 0.4
    cells.set("blood_abo", np.where(has_blood, blood, ""))
    rh = np.where(rng.random(R) < 0.5, "+", "Dương tính")
    cells.set("blood_rh", np.where(has_blood & (rng.random(R) < 0.7), rh, ""))
    mother, father = parent_names(people)
    with_parents = rng.random(R) < 0.6
    cells.set("mother_name", np.where(with_parents, mother[p], ""))
    cells.set("father_name", np.where(with_parents, father[p], ""))
    _body(cells, rng, age, sex)

    # health categories: a record either had its health section filled in (per-village rate, lower on older
    # copies) and then most categories carry an answer, or it did not and only a few do
    done = rng.random(R) < per_record(qualities, "health_fill", vi) * np.where(older > 0, 0.5, 1.0)
    applies = reproductive_applies(sex, age)
    filled = {}
    for cat in CATEGORIES:
        ok = rng.random(R) < np.where(done, HEALTH_FACTOR[cat], 0.15)
        if cat == "reproductive_health":
            ok &= applies
        filled[cat] = ok
        cells.set(cat, np.where(ok, health[cat].to_numpy()[p], ""))

    # last update: newest copies recently, older copies years ago
    start = np.where(older > 0, _day_number(dt.date(2017, 1, 1)), _day_number(dt.date(2024, 1, 1)))
    end = np.where(older > 0, _day_number(dt.date(2022, 12, 31)), _day_number(today))
    death = people["death_date"].to_numpy().astype("datetime64[D]")[p]
    end = np.where(np.isnat(death), end, np.minimum(end, death.astype(np.int64)))  # nobody updates after death
    start = np.minimum(start, end)
    upd = pd.DatetimeIndex((start + (rng.random(R) * (end - start)).astype(np.int64)).astype("datetime64[D]"))
    cells.set("updated_at", C.dmy(upd.year.to_numpy(), upd.month.to_numpy(), upd.day.to_numpy()))

    note = np.full(R, "", dtype=object)
    u = rng.random(R)
    note[(older > 0) & (u < 0.3)] = "Hồ sơ cũ"
    note[~people["on_register"].to_numpy()[p] & (u < 0.15)] = "Đã chuyển đi"
    note[(note == "") & (u > 0.995)] = "Cập nhật khi khám sức khỏe người cao tuổi"
    cells.set("note", note)

    blank_all_but_name(cells, rng, name_only)

    # text typed on a Mac (NFD) or in legacy fonts, row by row
    legacy = per_record(qualities, "legacy_rate", vi)
    encoding = C.choose(rng, R, [("nfd", C.BASE_RATES["nfd"] * scale), ("tcvn3", legacy / 2), ("vni", legacy / 2)])
    C.encode_rows(cells, encoding, TEXT_FIELDS)

    for cat in CATEGORIES:
        rec[f"filled_{cat}"] = filled[cat]
    setcol(rec, "encoding", encoding.labels())
    return cells, rec


def _day_number(d: dt.date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def _insurance(cells: C.Cells, rng, card, scale, older) -> None:
    R = cells.n
    r = C.BASE_RATES
    shown = rng.random(R) < 0.75 - 0.25 * older
    cells.set("insurance_no", np.where(shown, card, ""), card)
    fmt = C.choose(rng, R, [("bhxh", r["insurance_bhxh_number"]), ("spaced", r["insurance_spaced"] * scale)])
    cells.apply("insurance_no", C.rows_of(fmt, "bhxh", shown), lambda v, i: v[5:], C.COSMETIC, "insurance_bhxh_number")
    sep = np.where(rng.random(R) < 0.5, " ", "-")
    cells.apply("insurance_no", C.rows_of(fmt, "spaced", shown),
                lambda v, i: f"{v[:3]}{sep[i]}{v[3:5]}{sep[i]}{v[5:]}", C.COSMETIC, "insurance_spaced")


def _ethnicity(cells: C.Cells, rng, code, scale, older, part, parts) -> None:
    groups = {c: (name, variants) for c, name, variants in ethnic_groups()}
    R = cells.n
    as_name = np.array([layout.ethnicity_as == "name" for layout in parts], dtype=bool)[part]
    names = np.array([groups[c][0] for c in code], dtype=object)
    cells.set("ethnicity", np.where(as_name, names, code), code)
    r = C.BASE_RATES
    real = C.choose(rng, R, [("missing", r["ethnicity_missing"] * scale + 0.1 * older)])
    cells.apply("ethnicity", C.rows_of(real, "missing"), lambda v, i: "", C.REAL, "missing")
    fmt = np.flatnonzero((rng.random(R) < r["ethnicity_format"] * scale) & (real == ""))
    variant = rng.integers(3, size=R)

    def alt(v, i):
        c = code[i]
        name, variants = groups[c]
        if variant[i] == 0:
            return str(int(c))  # code without its leading zero
        if variant[i] == 1:
            others = [x for x in variants if x != name]
            if others:
                return others[i % len(others)]
        return c if as_name[i] else name

    cells.apply("ethnicity", fmt, alt, C.COSMETIC, "ethnicity_format")


def _village_address(cells: C.Cells, rng, detail, vi, villages, qualities, scale, older) -> None:
    R = cells.n
    nv = len(villages)
    r = C.BASE_RATES
    vnames = np.array([v.name for v in villages], dtype=object)
    true_addr = addresses(detail, vi, villages, "new")
    wrong = rng.random(R) < r["wrong_village"] * scale
    written_v = vi.copy()
    written_v[wrong] = (vi[wrong] + rng.integers(1, nv, size=int(wrong.sum()))) % nv
    cells.set("village", vnames[written_v], vnames[vi])
    cells.set("address", addresses(detail, written_v, villages, "new"), true_addr)
    cells.log_rows(np.flatnonzero(wrong), "village", C.REAL, "wrong_village")
    cells.log_rows(np.flatnonzero(wrong), "address", C.REAL, "wrong_village")

    style = C.choose(rng, R, [("old", per_record(qualities, "old_address", vi) + 0.5 * older),
                              ("short", r["address_short"] * scale)])
    for s, err in (("old", "old_address"), ("short", "old_address_short")):
        rows = C.rows_of(style, s)
        cells.put("address", rows, addresses(detail[rows], written_v[rows], villages, s), C.COSMETIC, err)
    blank = rng.random(R) < per_record(qualities, "blank_village", vi) + 0.2 * older
    cells.apply("village", np.flatnonzero(blank), lambda val, i: "", C.COSMETIC, "village_blank")
    alias = np.flatnonzero(~blank & (rng.random(R) < r["village_alias"] * scale))
    pick = rng.integers(1 << 30, size=R)

    def alias_of(val, i):
        opts = villages[written_v[i]].aliases or (f"{villages[written_v[i]].kind} {val}",)
        return opts[pick[i] % len(opts)]

    cells.apply("village", alias, alias_of, C.COSMETIC, "village_alias")


def _phone(cells: C.Cells, rng, phone, scale, older) -> None:
    R = cells.n
    r = C.BASE_RATES
    shown = (phone != "") & (rng.random(R) < 0.85 - 0.4 * older)
    cells.set("phone", np.where(shown, phone, ""), phone)
    back = old_phone_prefixes()
    fmt = C.choose(rng, R, [("old", r["phone_old_11_digits"] * scale + 0.2 * older),
                            ("plus84", r["phone_plus84"] * scale), ("spaced", r["phone_spaced"] * scale)])
    has_old = np.array([v[:3] in back for v in phone], dtype=bool)
    cells.apply("phone", C.rows_of(fmt, "old", shown & has_old), lambda v, i: back[v[:3]] + v[3:], C.COSMETIC,
                "phone_old_11_digits")
    cells.apply("phone", C.rows_of(fmt, "plus84", shown), lambda v, i: "+84" + v[1:], C.COSMETIC, "phone_plus84")
    cells.apply("phone", C.rows_of(fmt, "spaced", shown), lambda v, i: f"{v[:4]} {v[4:7]} {v[7:]}", C.COSMETIC,
                "phone_spaced")


def _body(cells: C.Cells, rng, age, sex) -> None:
    R = cells.n
    adult_h = np.where(sex == "M", 165.0, 155.0)
    h = np.where(age >= 18, adult_h, 50 + np.minimum(age, 18) * (adult_h - 50) / 18) + rng.normal(0, 5, R)
    bmi = rng.normal(21.5, 2.5, R)
    w = bmi * (h / 100) ** 2
    has = rng.random(R) < 0.5
    cells.set("height_cm", np.where(has, np.round(h).astype(int).astype(str), ""))
    cells.set("weight_kg", np.where(has, np.round(w, 1).astype(str), ""))
