"""The record to enter (golden record): for each person, every field of the HSSK form with the value its sources
support, by the editable rules of data/reference/survivorship.csv, with each value's source and date and a mark on
the values that differ from the person's HSSK record today.

    >>> frame = golden.records(con, as_of)           # long: person_id, field, value, source, source_date, differs…
    >>> golden.export(con, "nhap_lieu.xlsx")         # wide, in the platform's column order, one sheet per village
    >>> golden.decide(con, "P001…", "mobile_phone", "0912345678", note="đã gọi xác nhận")

Rules (survivorship.csv's README): `priority`, `newest`, `precise`, `union`. A decision by the head beats every
rule; decisions are append-only (table golden_decisions) and keyed by person id, so re-runs keep them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

from hssk import kpi, reference
from hssk.errors import HsskError

FILE = "survivorship.csv"
RULES = ("priority", "newest", "precise", "union")
HEALTH_FIELDS = ("chronic_disease", "vaccination", "medical_history", "reproductive_health", "infectious_disease")
HEALTH_LABELS = {"chronic_disease": "Bệnh mạn tính", "vaccination": "Tiêm chủng", "medical_history": "Tiền sử bệnh",
                 "reproductive_health": "Sức khỏe sinh sản", "infectious_disease": "Bệnh truyền nhiễm"}
SOURCE_VI = {"population": "Danh sách dân cư", "hssk": "HSSK", "insurance": "Danh sách thẻ BHYT",
             "claims": "Hồ sơ giám định BHYT", "care": "Khám chữa bệnh/tiêm chủng", "deaths": "Khai tử",
             "decision": "Quyết định của trưởng trạm"}
UNION_SEPARATOR = "; "
NONE_ANSWER = "không"
COLUMNS = ["person_id", "village", "kept_record_id", "field", "value", "source", "record_id", "source_date",
           "hssk_value", "differs"]


def rules(directory: str | Path | None = None) -> pd.DataFrame:
    """survivorship.csv: field, rule, sources ('|'-separated, first preferred), note. Raises HsskError (Vietnamese)
    for an unknown rule."""
    frame = reference._load(FILE, directory).copy()
    bad = sorted(set(frame["rule"]) - set(RULES))
    if bad:
        raise HsskError(f"Tệp {FILE} có quy tắc không hợp lệ: {', '.join(bad)}. Dùng một trong: {', '.join(RULES)}.",
                        "unknown survivorship rule")
    return frame


def records(con: duckdb.DuckDBPyConnection, as_of: dt.date | str | None = None,
            village: str | None = None) -> pd.DataFrame:
    """One row per (person, field with a value or an HSSK value): the chosen value, its source, record and date,
    the person's HSSK value (kept record) and whether they differ. Persons: the register's residents (neither
    deceased nor moved away) and those known only from HSSK records."""
    as_of = kpi.resolve_as_of(as_of)
    candidates = kpi.run(con, "golden_candidates", as_of=as_of)
    if village is not None:
        candidates = candidates[candidates["village"] == village]
    chosen = []
    for rule in rules().itertuples(index=False):
        groups = _source_groups(rule.sources)
        mine = candidates[(candidates["field"] == rule.field) & candidates["source"].isin(groups)]
        if rule.field == "insurance" or rule.rule == "newest":
            mine = mine[mine["valid"]]
        chosen.append(_choose(mine, rule.rule, groups))
    picked = pd.concat(chosen, ignore_index=True) if chosen else pd.DataFrame(columns=COLUMNS)
    picked = _apply_decisions(con, picked, candidates)
    hssk = (candidates[candidates["from_kept_record"].fillna(False).astype(bool)]
            .groupby(["person_id", "field"])["value"].first().rename("hssk_value").reset_index())
    out = picked.merge(hssk, on=["person_id", "field"], how="outer")
    people = candidates.drop_duplicates("person_id").set_index("person_id")
    out["village"] = out["person_id"].map(people["village"])
    out["kept_record_id"] = out["person_id"].map(people["kept_record_id"])
    out["differs"] = out["value"].fillna("") != out["hssk_value"].fillna("")
    return out[COLUMNS].sort_values(["village", "person_id", "field"], ignore_index=True)


def _source_groups(text: str) -> dict[str, int]:
    """'insurance|claims>hssk' → {'insurance': 0, 'claims': 0, 'hssk': 1}: sources in order of preference; a
    source after '>' is only a fallback (it counts when no source before it has a value)."""
    groups: dict[str, int] = {}
    for g, part in enumerate(text.split(">")):
        for source in part.split("|"):
            if source.strip():
                groups.setdefault(source.strip(), g)
    return groups


def _choose(frame: pd.DataFrame, rule: str, groups: dict[str, int]) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=["person_id", "field", "value", "source", "record_id", "source_date"])
    frame = frame.assign(rank=frame["source"].map({s: i for i, s in enumerate(groups)}),
                         group=frame["source"].map(groups),
                         date_key=pd.to_datetime(frame["source_date"]).fillna(pd.Timestamp.min))
    if rule == "union":
        ordered = frame.sort_values(["person_id", "date_key", "rank"], ascending=[True, False, True])
        ordered = ordered.drop_duplicates(["person_id", "value"])
        # "Không" (none) is an answer only while no source names something
        none = ordered["value"].str.strip().str.casefold() == NONE_ANSWER
        named = ordered.loc[~none, "person_id"].unique()
        ordered = ordered[~(none & ordered["person_id"].isin(named))]
        grouped = ordered.groupby("person_id", sort=False)
        out = grouped.agg(field=("field", "first"), value=("value", UNION_SEPARATOR.join),
                          source=("source", lambda s: "|".join(dict.fromkeys(s))),
                          record_id=("record_id", "first"), source_date=("source_date", "first")).reset_index()
        return out
    keys = {"priority": (["rank", "date_key"], [True, False]),
            "newest": (["group", "date_key", "rank"], [True, False, True]),
            "precise": (["complete", "rank", "date_key"], [False, True, False])}[rule]
    ordered = frame.sort_values(["person_id", *keys[0], "record_id"], ascending=[True, *keys[1], True])
    return ordered.drop_duplicates("person_id")[["person_id", "field", "value", "source", "record_id",
                                                 "source_date"]]


def _apply_decisions(con, picked: pd.DataFrame, candidates: pd.DataFrame) -> pd.DataFrame:
    decisions = con.execute("""
        select person_id, field, value, decided_at
        from golden_decisions
        qualify row_number() over (partition by person_id, field order by decided_at desc, decision_id desc) = 1
    """).df()
    decisions = decisions[decisions["person_id"].isin(set(candidates["person_id"]))]
    if decisions.empty:
        return picked
    decisions = decisions.assign(source="decision", record_id=None,
                                 source_date=pd.to_datetime(decisions["decided_at"]).dt.date,
                                 value=decisions["value"].where(decisions["value"].fillna("").str.strip() != ""))
    keep = picked.merge(decisions[["person_id", "field"]], on=["person_id", "field"], how="left", indicator=True)
    picked = picked[(keep["_merge"] == "left_only").to_numpy()]
    return pd.concat([picked, decisions[["person_id", "field", "value", "source", "record_id", "source_date"]]],
                     ignore_index=True)


def decide(con: duckdb.DuckDBPyConnection, person_id: str, field: str, value: str | None, *,
           note: str | None = None) -> None:
    """Record the head's value for one field of one person (append-only; the newest decision counts)."""
    from hssk.audit import current_actor

    known = set(rules()["field"]) | set(kpi.admin_fields()["field"])
    if field not in known:
        raise HsskError(f"Trường '{field}' không có trong danh sách trường của HSSK.", "unknown field")
    user, _ = current_actor()
    con.execute("insert into golden_decisions (person_id, field, value, decided_at, actor, note) "
                "values (?, ?, ?, ?, ?, ?)", [person_id, field, value, dt.datetime.now(), user, note])


# ------------------------------------------------------------------------------------------------ export
def _display(field: str, value):
    if value is None or pd.isna(value):
        return None
    if field == "sex":
        return {"M": "Nam", "F": "Nữ"}.get(value, value)
    if field == "birth_date":
        parts = str(value).split("-")
        return "/".join(reversed(parts))
    if field == "ethnicity":
        names = dict(zip(reference.ethnic_groups()["code"], reference.ethnic_groups()["name"]))
        return names.get(value, value)
    return value


def wide(long: pd.DataFrame) -> pd.DataFrame:
    """One row per person, the form's fields in the platform's order (hssk_admin_fields.csv, then the health
    categories), then the fields that differ from today's HSSK record and each value's source and date."""
    fields = kpi.admin_fields()
    order = [(f, label) for f, label in zip(fields["field"], fields["label_vi"])]
    order += [(f, HEALTH_LABELS[f]) for f in HEALTH_FIELDS]
    labels = dict(order)
    columns = ["Thôn", "Mã người (công cụ)", "Mã HSSK", *[label for _, label in order], "Khác HSSK hiện tại", "Nguồn"]
    long = long[long["field"].isin(labels)].copy()
    if long.empty:
        return pd.DataFrame(columns=columns)
    long["shown"] = [_display(f, v) for f, v in zip(long["field"], long["value"])]
    long["label"] = long["field"].map(labels)
    position = {f: i for i, (f, _) in enumerate(order)}
    long = long.sort_values(["village", "person_id"]).sort_values(
        "field", key=lambda c: c.map(position), kind="stable").sort_values(["village", "person_id"], kind="stable")
    keys = ["village", "person_id"]
    people = long.groupby(keys, dropna=False, sort=True).agg(kept=("kept_record_id", "first"))
    values = long.pivot_table(index=keys, columns="field", values="shown", aggfunc="first", dropna=False)
    table = people.join(values, how="left")
    marked = long[long["differs"].astype(bool)]
    table["Khác HSSK hiện tại"] = marked.groupby(keys, dropna=False)["label"].agg(", ".join)
    sourced = long[long["value"].notna()]
    text = sourced["label"] + ": " + sourced["source"].map(_sources_vi) + sourced["source_date"].map(
        lambda d: f" {_date_vi(d)}" if pd.notna(d) else "")
    table["Nguồn"] = text.groupby([sourced["village"], sourced["person_id"]], dropna=False).agg("; ".join)
    table = table.reset_index().rename(columns={"village": "Thôn", "person_id": "Mã người (công cụ)",
                                                "kept": "Mã HSSK", **labels})
    for column in columns:
        if column not in table:
            table[column] = None
    table = table[columns].astype(object)
    return table.where(table.notna(), None)


def _date_vi(value) -> str:
    return pd.Timestamp(value).strftime("%d/%m/%Y")


def _sources_vi(source) -> str:
    return ", ".join(SOURCE_VI.get(s, s) for s in str(source).split("|"))


def export(con: duckdb.DuckDBPyConnection, path: str | Path, *, as_of: dt.date | str | None = None,
           village: str | None = None) -> Path:
    """The record to enter as .xlsx (one sheet per village, and the sheet 'Nguồn từng trường' with every value's
    source) or .csv (one village when `village` is given, else every village). Returns the path."""
    from hssk import safe_export

    path = Path(path)
    long = records(con, as_of, village)
    table = wide(long)
    if path.suffix.lower() == ".csv":
        return safe_export.write_csv(table, path)
    if path.suffix.lower() != ".xlsx":
        raise HsskError(f"Định dạng tệp {path.name} không được hỗ trợ: dùng .xlsx hoặc .csv.", "format")
    sheets = {str(v)[:31]: frame.reset_index(drop=True) for v, frame in table.groupby("Thôn", sort=True)}
    sheets["Nguồn từng trường"] = long.assign(source=long["source"].map(lambda s: _sources_vi(s) if pd.notna(s)
                                                                        else None))
    return safe_export.write_xlsx(sheets, path)


def export_per_village(con: duckdb.DuckDBPyConnection, out_dir: str | Path, fmt: str = "xlsx", *,
                       as_of: dt.date | str | None = None) -> list[Path]:
    """One file per village (nhap_lieu_<village>.<fmt>) in out_dir."""
    out_dir = Path(out_dir)
    villages = sorted(records(con, as_of)["village"].dropna().unique())
    return [export(con, out_dir / f"nhap_lieu_{v.replace(' ', '_')}.{fmt}", as_of=as_of, village=v) for v in villages]
