"""A tiny hand-made world for the KPI, worklist and report tests (the fixtures `world` and `shared_world` in
conftest.py build it; the test modules import its names and builders from here).

Reference date 2026-03-31. Register people (population records, person ids 'P…'):

| person | village    | register                    | HSSK records (latest batch)                          |
|--------|------------|-----------------------------|------------------------------------------------------|
| P1     | Giang Cao  | F 10/05/1990, alive         | H1: everything agrees, every category filled         |
| P2     | Giang Cao  | M 01/01/1980, alive         | H2: name in capitals (same key), no ethnicity        |
| P3     | Giang Cao  | M 02/02/1970, alive         | H3A + H3B (duplicate; categories split between them) |
| P4     | Giang Cao  | F 03/03/1966, alive         | none in the latest batch (H99 only in an old batch)  |
| P5     | Giang Cao  | M 1940, status dead         | H5                                                   |
| P6     | Khoan Tế   | F 31/03/2000, alive (26)    | H6: agrees; reproductive health empty                |
| P7     | Khoan Tế   | M 07/07/1985, alive         | H7: birth year only; vaccination '', no infectious   |
| P8     | Khoan Tế   | M 1950, alive, death record | none                                                 |
| P9     | (NULL)     | the NULL row (no ID)        | none                                                 |
| P10    | Khoan Tế   | M 1975, status moved        | H10: agrees, every category filled (not a resident)  |

Off-register HSSK records: H11 (person G1, Khoan Tế), H12 (unlinked, every text '' and village NULL),
H13 (person G2 with a death registration, Giang Cao).
Care events: P6 an antenatal visit (reproductive), P7 a vaccination and an exam with A09 (infectious chapter).
"""

from __future__ import annotations

from datetime import date

AS_OF = date(2026, 3, 31)
GC, KT, UNKNOWN = "Giang Cao", "Khoan Tế", "Không rõ thôn"

FULL_HEALTH = {"chronic_disease": "Không", "vaccination": "COVID-19: 3 mũi", "medical_history": "Không",
                   "reproductive_health": "Đặt vòng tránh thai", "infectious_disease": "Không"}


def person_row(pid, name, key, birth, sex, village, **extra):
    """A register row: birth is 'YYYY-MM-DD' or 'YYYY'."""
    row = dict(personal_id=pid, personal_id_orig=pid, full_name=name, full_name_orig=name, name_key=key,
               sex=sex, sex_orig={"M": "Nam", "F": "Nữ"}.get(sex), ethnicity_code="01", ethnicity_orig="Kinh",
               village=village, village_orig=village, address=f"Thôn {village}, xã Bát Tràng", status="alive",
               **birth_cols(birth))
    row.update(extra)
    return row


def birth_cols(birth):
    if birth is None:
        return {}
    year = int(birth[:4])
    if len(birth) == 10:
        return {"birth_date": date.fromisoformat(birth), "birth_year": year, "birth_month": int(birth[5:7]),
                    "birth_day": int(birth[8:]), "birth_precision": "day", "birth_text": birth,
                    "birth_date_orig": f"{birth[8:]}/{birth[5:7]}/{birth[:4]}"}
    return {"birth_date": None, "birth_year": year, "birth_month": None, "birth_day": None, "birth_precision": "year",
                "birth_text": birth, "birth_date_orig": birth}


def record_like(register: dict, record_id: str, **changes):
    """An HSSK record copying the register's admin fields, then `changes`."""
    keep = ("personal_id", "personal_id_orig", "full_name", "full_name_orig", "name_key", "sex", "sex_orig",
            "ethnicity_code", "ethnicity_orig", "village", "village_orig", "address", "birth_date", "birth_year",
            "birth_month", "birth_day", "birth_precision", "birth_text", "birth_date_orig")
    row = {k: register[k] for k in keep if k in register}
    row.update(record_id=record_id, insurance_card="GD4010112345678", phone="0912345678",
               updated_at=date(2026, 3, 1))
    row.update(changes)
    return row


class World:
    """Inserts rows into import_batches / clean / person_records of a fresh database."""

    def __init__(self, con):
        self.con = con
        self.rows: dict[int, int] = {}
        self.batches: set[int] = set()

    def add(self, kind: str, batch_id: int, person_id: str | None, **cols) -> str:
        if batch_id not in self.batches:
            self.con.execute("insert into import_batches (batch_id, kind, created_at, note) "
                             "values (?, ?, now()::timestamp, 'test')", [batch_id, kind])
            self.batches.add(batch_id)
        row_number = self.rows[batch_id] = self.rows.get(batch_id, 0) + 1
        rec_uid = f"{kind}:{batch_id}:{row_number}"
        if kind == "population":
            cols.setdefault("record_id", cols.get("personal_id"))
            key = f"population:{cols['personal_id']}" if cols.get("personal_id") else f"population:row:{rec_uid}"
        elif kind == "hssk":
            key = f"hssk:{cols['record_id']}"
        else:
            cols.setdefault("record_id", str(row_number))
            key = f"{kind}:{rec_uid}"
        cols = dict(rec_uid=rec_uid, kind=kind, batch_id=batch_id, file_id=batch_id, row_number=row_number,
                    record_key=key, **cols)
        names = ", ".join(cols)
        marks = ", ".join("?" for _ in cols)
        self.con.execute(f"insert into clean ({names}) values ({marks})", list(cols.values()))
        if person_id:
            self.con.execute("insert into person_records values (?, ?, ?, ?, 1)",
                             [key, kind, cols.get("record_id"), person_id])
        return key


def ensure_link_tables(con):
    """persons / person_records as queries/link_schema.sql defines them (the linkage step owns them)."""
    from hssk.queries import load_query

    con.execute(load_query("link_schema"))


def build_world(con) -> World:
    ensure_link_tables(con)
    w = World(con)
    pop, old_hssk, hssk, deaths, care = 1, 2, 3, 4, 5

    p1 = person_row("001190000001", "Nguyễn Thị An", "nguyễn thị an", "1990-05-10", "F", GC)
    p2 = person_row("001080000002", "Nguyễn Văn Bình", "nguyễn văn bình", "1980-01-01", "M", GC)
    p3 = person_row("001070000003", "Trần Văn Cường", "trần văn cường", "1970-02-02", "M", GC)
    p4 = person_row("001166000004", "Lê Thị Dung", "lê thị dung", "1966-03-03", "F", GC)
    p5 = person_row("001040000005", "Phạm Văn Em", "phạm văn em", "1940", "M", GC, status="dead")
    p6 = person_row("001300000006", "Đỗ Thị Hoa", "đỗ thị hòa", "2000-03-31", "F", KT)
    p7 = person_row("001085000007", "Vũ Văn Giang", "vũ văn giang", "1985-07-07", "M", KT)
    p8 = person_row("001050000008", "Hoàng Văn Hải", "hoàng văn hải", "1950", "M", KT)
    p10 = person_row("001075000010", "Bùi Văn Khoa", "bùi văn khoa", "1975", "M", KT, status="moved")
    for reg in (p1, p2, p3, p4, p5, p6, p7, p8, p10):
        w.add("population", pop, "P" + reg["personal_id"], **reg)
    w.add("population", pop, "G9")  # the NULL row: nothing known but its existence

    w.add("hssk", old_hssk, "P" + p4["personal_id"], **record_like(p4, "H99", **FULL_HEALTH))

    w.add("hssk", hssk, "P" + p1["personal_id"], **record_like(p1, "H1", **FULL_HEALTH))
    w.add("hssk", hssk, "P" + p2["personal_id"],
          **record_like(p2, "H2", full_name_orig="NGUYỄN  VĂN BÌNH", ethnicity_code=None, ethnicity_orig=None,
                        chronic_disease="Tăng huyết áp", vaccination="Không", medical_history="Không",
                        infectious_disease="Không"))
    w.add("hssk", hssk, "P" + p3["personal_id"],
          **record_like(p3, "H3A", chronic_disease="Không", updated_at=date(2025, 1, 1)))
    w.add("hssk", hssk, "P" + p3["personal_id"],
          **record_like(p3, "H3B", vaccination="Không", medical_history="Mổ ruột thừa", infectious_disease="Không",
                        phone=None))
    w.add("hssk", hssk, "P" + p5["personal_id"], **record_like(p5, "H5", **FULL_HEALTH))
    w.add("hssk", hssk, "P" + p6["personal_id"],
          **record_like(p6, "H6", **{**FULL_HEALTH, "reproductive_health": None}))
    w.add("hssk", hssk, "P" + p7["personal_id"],
          **record_like(p7, "H7", **{**FULL_HEALTH, "vaccination": "", "reproductive_health": None,
                                             "infectious_disease": None},
                        **birth_cols("1985")))
    w.add("hssk", hssk, "P" + p10["personal_id"], **record_like(p10, "H10", **FULL_HEALTH))
    w.add("hssk", hssk, "G1", record_id="H11", full_name="Ngô Văn Lâm", name_key="ngô văn lâm", sex="M",
          village=KT, personal_id="001099000011", **birth_cols("1999-09-09"))
    w.add("hssk", hssk, None, record_id="H12", full_name="", name_key="", sex="", personal_id="",
          chronic_disease="", vaccination="", medical_history="", infectious_disease="")
    w.add("hssk", hssk, "G2", record_id="H13", full_name="Mai Văn Nam", name_key="mai văn nam", sex="M",
          village=GC, **birth_cols("1930"))

    w.add("deaths", deaths, "P" + p8["personal_id"], full_name=p8["full_name"], death_date=date(2026, 2, 1))
    w.add("deaths", deaths, "G2", full_name="Mai Văn Nam", death_date=date(2025, 12, 1))

    w.add("care", care, "P" + p6["personal_id"], event_date=date(2026, 1, 15), event_kind="reproductive",
          event_code="Z34.9", event_description="Khám thai định kỳ", source_system="MCH")
    w.add("care", care, "P" + p7["personal_id"], event_date=date(2025, 6, 1), event_kind="vaccination",
          event_code="UV", event_description="Uốn ván", source_system="TCMR")
    w.add("care", care, "P" + p7["personal_id"], event_date=date(2025, 8, 2), event_kind="exam",
          event_code="A09", event_description="Tiêu chảy", source_system="HIS")
    return w


def add_person(w: World, register: dict | None = None, records: list[dict] = (), *, pid: str = "001190000001",
               birth: str = "1990-05-10", sex: str = "F", village: str = GC, record_prefix: str = "R") -> dict:
    """One register person 'P' + pid and its HSSK records: each entry of `records` is a dict of changes applied to
    a copy of the register row (so `{}` is a record that agrees on everything)."""
    reg = person_row(pid, "Nguyễn Thị An", "nguyễn thị an", birth, sex, village)
    reg.update(register or {})
    w.add("population", 1, "P" + pid, **reg)
    for i, changes in enumerate(records, 1):
        w.add("hssk", 2, "P" + pid, **record_like(reg, f"{record_prefix}{i}", **changes))
    return reg


def single(con, register: dict | None = None, records: list[dict] = (), **kwargs) -> World:
    """A database holding one register person (see add_person) and nothing else."""
    ensure_link_tables(con)
    w = World(con)
    add_person(w, register, records, **kwargs)
    return w


def case_world(cases: list[tuple]) -> object:
    """One database with one register person per case, each in its own village named after the case, so that a
    table of cases is checked with one build: cases are (name, kwargs for add_person)."""
    from hssk.db import connect

    con = connect(":memory:")
    ensure_link_tables(con)
    w = World(con)
    for i, (name, kwargs) in enumerate(cases, 1):
        add_person(w, pid=f"0011900{i:05d}", village=name, record_prefix=f"C{i}R", **kwargs)
    return con
