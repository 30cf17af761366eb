"""The other four sources: the population register, death registrations, the insurance card list and care events.

Each builder returns (cells, rows) where `cells` holds the written columns (and, for deaths and insurance, the
logged changes) and `rows` is the person row (index into people) of every output row, in file order.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hssk.demo import corrupt as C
from hssk.demo import health as H
from hssk.demo.frames import ArrowColumns, frame
from hssk.demo.hssk_export import addresses
from hssk.demo.layouts import Layout
from hssk.demo.sources import Village, ethnic_groups

STATUS_TEXT = {"alive": "đang cư trú", "dead": "đã chết", "moved": "chuyển đi"}
FACILITIES = np.array(["Trạm Y tế xã Bát Tràng", "Trung tâm Y tế Gia Lâm", "Bệnh viện đa khoa Gia Lâm",
                       "Bệnh viện đa khoa Đức Giang"], dtype=object)


def _ymd(values) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    idx = pd.DatetimeIndex(values)
    return idx.year.to_numpy(), idx.month.to_numpy(), idx.day.to_numpy()


def _dmy_or_blank(values) -> np.ndarray:
    values = np.asarray(values).astype("datetime64[D]")
    out = np.full(len(values), "", dtype=object)
    ok = ~np.isnat(values)
    if ok.any():
        out[ok] = C.dmy(*_ymd(values[ok]))
    return out


class Rows:
    """Columns of `people` restricted to some rows, as numpy arrays (cheaper than a DataFrame row selection)."""

    def __init__(self, people: pd.DataFrame, rows: np.ndarray, arrow: ArrowColumns | None = None):
        self.people, self.rows = people, rows
        self.arrow_columns = arrow or ArrowColumns(people)

    def __getitem__(self, column: str) -> np.ndarray:
        return self.people[column].to_numpy()[self.rows]

    def arrow(self, column: str):
        """The column as an Arrow array (for cells written unchanged: no Python objects)."""
        return self.arrow_columns.take(column, self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def population(people: pd.DataFrame, villages: list[Village], arrow: ArrowColumns | None = None
               ) -> tuple[C.Cells, np.ndarray, np.ndarray]:
    """The register: every on-register person in clean authoritative form; the file lists them by village and
    household. Returns (cells, person row of each cell row, file order of the cell rows)."""
    rows = np.flatnonzero(people["on_register"].to_numpy())
    order = np.lexsort((people["role"].to_numpy()[rows], people["household"].to_numpy()[rows],
                        people["village_idx"].to_numpy()[rows]))
    P = Rows(people, rows, arrow)
    cells = C.Cells(len(rows))
    names = {c: name for c, name, _ in ethnic_groups()}
    cells.set("full_name", P.arrow("full_name"))
    cells.set("birth_date", C.dmy(*_ymd(P["birth_date"])))
    cells.set("sex", C.render_sex(P["sex"], "Nam/Nữ"))
    cells.set("personal_id", P.arrow("personal_id"))
    cells.set("old_id", P.arrow("old_id"))
    cells.set("ethnicity", np.array([names[c] for c in P["ethnicity"].tolist()], dtype=object))
    cells.set("nationality", np.full(len(rows), "Việt Nam", dtype=object))
    cells.set("religion", P.arrow("religion"))
    cells.set("address", addresses(P["address_detail"], P["village_idx"], villages, "new"))
    cells.set("village", P.arrow("village"))
    cells.set("household_code", P.arrow("household_code"))
    cells.set("relation_to_head", P.arrow("relation"))
    cells.set("status", np.array([STATUS_TEXT[s] for s in P["register_status"].tolist()], dtype=object))
    death = np.where(P["register_status"] == "dead", P["death_date"], np.datetime64("NaT"))
    cells.set("death_date", _dmy_or_blank(death))
    return cells, rows, order


def deaths(rng, people: pd.DataFrame, villages: list[Village], today: dt.date
           ) -> tuple[C.Cells, np.ndarray, np.ndarray]:
    """Death registrations (civil registry) by death date: some without ID, some with name variants."""
    dead = np.flatnonzero(people["in_deaths_file"].to_numpy())
    rows = dead[np.argsort(people["death_date"].to_numpy()[dead], kind="stable")]
    D = Rows(people, rows)
    n = len(rows)
    cells = C.Cells(n)
    full = D["full_name"]
    cells.set("full_name", full, full)
    C.corrupt_name(cells, rng, "full_name", np.full(n, 2.0), np.zeros(n))
    y, m, d = _ymd(D["birth_date"])
    cells.set("birth_date", C.dmy(y, m, d), C.iso(y, m, d))
    year_only = np.flatnonzero((D["age"] >= 70) & (rng.random(n) < 0.15))
    cells.apply("birth_date", year_only, lambda v, i: str(y[i]), C.REAL, "year_only")
    sex = D["sex"]
    cells.set("sex", C.render_sex(sex, "Nam/Nữ"), sex)
    pid = D["personal_id"]
    cells.set("personal_id", pid, pid)
    cells.apply("personal_id", np.flatnonzero(rng.random(n) < 0.25), lambda v, i: "", C.REAL, "missing")
    cells.set("death_date", C.dmy(*_ymd(D["death_date"])))
    style = np.where(rng.random(n) < 0.3, "old", "new")
    cells.set("address", addresses(D["address_detail"], D["village_idx"], villages, style))
    return cells, rows, np.arange(n)


def insurance(rng, people: pd.DataFrame, today: dt.date, layout: Layout
              ) -> tuple[C.Cells, np.ndarray, np.ndarray]:
    """Health-insurance card list: about 80 % of residents, some cards of the deceased and of people who left."""
    n_all = len(people)
    status = people["status"].to_numpy()
    on_reg = people["on_register"].to_numpy()
    p = np.select([~on_reg, status == "dead", status == "moved"], [0.3, 0.5, 0.6], default=0.82)
    chosen = np.flatnonzero(rng.random(n_all) < p)
    rows = chosen
    I = Rows(people, rows)
    n = len(rows)
    cells = C.Cells(n)
    card = I["insurance_card"]
    cells.set("insurance_no", card)
    cells.set("social_insurance_no", I["social_insurance_no"])
    # BHXH lists names in capitals
    cells.set("full_name", np.array([s.upper() for s in I["full_name"].tolist()], dtype=object))
    cells.set("birth_date", C.dmy(*_ymd(I["birth_date"])))
    cells.set("sex", C.render_sex(I["sex"], "Nam/Nữ"))
    pid = I["personal_id"]
    cells.set("personal_id", pid, pid)
    cells.apply("personal_id", np.flatnonzero(rng.random(n) < 0.1), lambda v, i: "", C.REAL, "missing")

    # cards run for the calendar year (some expired last year); a TE card runs from birth to the 6th birthday
    birth = I["birth_date"].astype("datetime64[D]")
    te = np.array([c.startswith("TE") for c in card], dtype=bool)
    year = np.where(rng.random(n) < 0.08, today.year - 1, today.year)
    by, bm, bd = _ymd(birth)
    fy, fm, fd = np.where(te, by, year), np.where(te, bm, 1), np.where(te, bd, 1)
    end_te = (pd.to_datetime(pd.DataFrame({"year": by + 6, "month": bm, "day": np.minimum(bd, 28)}))
              - pd.Timedelta(days=1))
    ty = np.where(te, end_te.dt.year.to_numpy(), year)
    tm = np.where(te, end_te.dt.month.to_numpy(), 12)
    td = np.where(te, end_te.dt.day.to_numpy(), 31)
    if layout.ext == "xlsx":  # date cells
        cells.set("valid_from", [dt.datetime(a, b, c) for a, b, c in zip(fy.tolist(), fm.tolist(), fd.tolist())])
        cells.set("valid_to", [dt.datetime(a, b, c) for a, b, c in zip(ty.tolist(), tm.tolist(), td.tolist())])
    else:
        cells.set("valid_from", C.dmy(fy, fm, fd))
        cells.set("valid_to", C.dmy(ty, tm, td))
    cells.set("registered_facility", FACILITIES[rng.choice(len(FACILITIES), size=n, p=[0.7, 0.15, 0.1, 0.05])])
    order = np.asarray(pc.sort_indices(pa.array(card.tolist(), type=pa.string())))  # listed by card number
    return cells, rows, order


KIND_TEXT = {"exam": "khám bệnh", "vaccination": "tiêm chủng", "lab": "xét nghiệm",
             "chronic": "quản lý bệnh mạn tính", "reproductive": "sức khỏe sinh sản"}
SOURCE = {"exam": "HIS", "vaccination": "TCMR", "lab": "LIS", "chronic": "NCD", "reproductive": "CSSKSS"}
CHILD_VACCINE_IDX = np.arange(7)
ADULT_VACCINE_IDX = np.array([7, 8, 9])


def care(rng, people: pd.DataFrame, health: pd.DataFrame, residents: int, today: dt.date,
         arrow: ArrowColumns | None = None) -> tuple[C.Cells, np.ndarray, np.ndarray, pd.DataFrame]:
    """Care events (HIS, LIS, TCMR, NCD, CSSKSS), identified by personal ID, card number or name+DOB+sex."""
    status = people["status"].to_numpy()
    on_reg = people["on_register"].to_numpy()
    w = np.select([~on_reg, status == "dead", status == "moved"], [0.3, 0.5, 0.3], default=1.0)
    E = max(10, round(0.5 * residents))
    who = rng.choice(len(people), size=E, p=w / w.sum())
    age = people["age"].to_numpy()[who]
    sex = people["sex"].to_numpy()[who]
    chronic_code = health["chronic_code"].to_numpy()[who]
    inf_code = health["infectious_code"].to_numpy()[who]
    u = rng.random(E)
    child = age < 6
    woman = H.reproductive_applies(sex, age)
    chronic = chronic_code != ""
    kind = np.select(
        [child & (u < 0.7), child,
         woman & (u < 0.25), woman & (u < 0.7), woman & (u < 0.85), woman,
         chronic & (u < 0.5), chronic & (u < 0.8), chronic,
         u < 0.6, u < 0.8],
        ["vaccination", "exam", "reproductive", "exam", "lab", "vaccination", "chronic", "exam", "lab",
         "exam", "lab"],
        default="vaccination",
    ).astype(object)

    code = np.full(E, "", dtype=object)
    desc = np.full(E, "", dtype=object)

    def fill(mask, table, idx):
        code[mask] = np.array([c for c, _ in table], dtype=object)[idx]
        desc[mask] = np.array([t for _, t in table], dtype=object)[idx]

    vacc = kind == "vaccination"
    vidx = np.where(age < 16, rng.choice(CHILD_VACCINE_IDX, size=E), rng.choice(ADULT_VACCINE_IDX, size=E))
    fill(vacc, H.VACCINE_CODES, vidx[vacc])
    exam = kind == "exam"
    fill(exam, H.EXAM_CODES, rng.integers(len(H.EXAM_CODES), size=int(exam.sum())))
    infectious_exam = exam & (inf_code != "") & (rng.random(E) < 0.4)
    code[infectious_exam] = inf_code[infectious_exam]
    inf_names = {c: t for t, c in H.INFECTIOUS}
    desc[infectious_exam] = [inf_names[c] for c in inf_code[infectious_exam]]
    lab = kind == "lab"
    fill(lab, H.LAB_CODES, rng.integers(len(H.LAB_CODES), size=int(lab.sum())))
    chron = kind == "chronic"
    code[chron] = chronic_code[chron]
    chronic_names = {c: t for t, c in H.CHRONIC}
    desc[chron] = ["Quản lý " + chronic_names[c].lower() for c in chronic_code[chron]]
    rep = kind == "reproductive"
    fill(rep, H.REPRO_CODES, rng.integers(len(H.REPRO_CODES), size=int(rep.sum())))

    today_d = int(np.datetime64(today, "D").astype(np.int64))
    birth = people["birth_date"].to_numpy().astype("datetime64[D]").astype(np.int64)[who]
    death = people["death_date"].to_numpy().astype("datetime64[D]")[who]
    last = np.where(np.isnat(death), today_d, death.astype(np.int64))
    first = np.maximum(birth, last - 730)
    day = first + (rng.random(E) * np.maximum(last - first, 0)).astype(np.int64)
    by_person = np.argsort(who, kind="stable")  # cells in person order; the file is in date order
    who, kind, code, desc, day = who[by_person], kind[by_person], code[by_person], desc[by_person], day[by_person]
    order = np.lexsort((who, day))
    P = Rows(people, who, arrow)

    mode = rng.choice(np.array(["pid", "pid_ins", "ins", "name"], dtype=object), size=E, p=[0.4, 0.25, 0.2, 0.15])
    cells = C.Cells(E)
    dates = day.astype("datetime64[D]")
    cells.set("event_date", C.dmy(*_ymd(dates)))
    cells.set("event_kind", np.array([KIND_TEXT[k] for k in kind], dtype=object))
    cells.set("event_code", code)
    cells.set("event_description", desc)
    cells.set("source_system", np.array([SOURCE[k] for k in kind], dtype=object))
    cells.set("personal_id", np.where(np.isin(mode, ["pid", "pid_ins"]), P["personal_id"], ""))
    cells.set("insurance_no", np.where(np.isin(mode, ["pid_ins", "ins"]), P["insurance_card"], ""))
    cells.set("full_name", P.arrow("full_name"))
    cells.set("birth_date", C.dmy(*_ymd(P["birth_date"])))
    cells.set("sex", C.render_sex(P["sex"], "Nam/Nữ"))
    events = frame({"person": who, "kind": kind, "code": code, "event_date": dates, "id_mode": mode})
    return cells, who, order, events
