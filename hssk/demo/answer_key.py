"""Writing the truth files: records.csv, persons.csv, field_errors.csv (see the README written beside them).

Millions of rows go through Arrow: constant and low-cardinality columns as dictionary arrays, IDs built from
numbers, so the answer key costs little next to the data it describes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hssk.demo import corrupt as C
from hssk.demo.frames import ArrowColumns, arrow_text, cached_arrow_text, write_arrow_csv
from hssk.demo.layouts import Layout

ERROR_COLUMNS = ["source", "record_id", "file", "field", "kind", "error", "true_value", "written_value"]


def write_table(path: Path, table: pd.DataFrame | dict) -> None:
    """CSV, UTF-8, header row, every value as text, empty cells for none (fast for millions of rows)."""
    columns = {c: table[c].to_numpy() for c in table.columns} if isinstance(table, pd.DataFrame) else table
    write_arrow_csv(path, columns)


def dictionary(codes: np.ndarray, values: list[str]) -> pa.Array:
    """A low-cardinality text column as an Arrow dictionary array (cheap to reorder and to write)."""
    return pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, dtype=np.int32)),
                                          pa.array(values, type=pa.string()))


def person_uids(rows: np.ndarray) -> pa.Array:
    """'U0000001' … for person rows (the same text as people.person_uid, built in Arrow)."""
    digits = pc.utf8_lpad(pc.cast(pa.array(np.asarray(rows, dtype=np.int64) + 1), pa.string()), 7, "0")
    return pc.binary_join_element_wise(pa.scalar("U"), digits, "")


def iso_or_blank(values: np.ndarray) -> np.ndarray:
    """datetime64 values as 'YYYY-MM-DD', '' for NaT."""
    values = np.asarray(values).astype("datetime64[D]")
    out = np.full(len(values), "", dtype=object)
    ok = ~np.isnat(values)
    if ok.any():
        idx = pd.DatetimeIndex(values[ok])
        out[ok] = C.iso(idx.year.to_numpy(), idx.month.to_numpy(), idx.day.to_numpy())
    return out


class _Vocabulary(dict):
    """Text -> small integer code, in order of first use."""

    def code(self, text: str) -> int:
        return self.setdefault(text, len(self))

    def names(self) -> list[str]:
        return list(self)


@dataclass
class _Source:
    """One Cells table written to one or more files (the two HSSK parts share theirs)."""

    kind: str
    cells: C.Cells
    record_ids: np.ndarray | None  # per cell row; None = the 1-based row number in the file
    position: np.ndarray  # 0-based data row of each cell row in its file
    file_code: np.ndarray  # index into AnswerKey.file_names of each cell row


@dataclass
class AnswerKey:
    truth_dir: Path
    file_names: list[str] = field(default_factory=list)
    _records: list[pa.Table] = field(default_factory=list)
    _sources: dict[int, _Source] = field(default_factory=dict)
    _converted: dict = field(default_factory=dict)  # Arrow versions of record-id columns

    def add_file(self, layout: Layout, cells: C.Cells, order: np.ndarray, persons: np.ndarray,
                 record_ids: np.ndarray | None) -> None:
        """Record the rows of one written file: cell rows `order` in file order; persons and record_ids are per
        cell row (record_ids None = the 1-based data row number, as for deaths and care)."""
        n = len(order)
        row_numbers = arrow_text(np.arange(1, n + 1))
        if record_ids is None:
            ids = row_numbers
        else:
            ids = pc.take(cached_arrow_text(record_ids, self._converted), pa.array(order))
        zeros = np.zeros(n, dtype=np.int32)
        self._records.append(pa.table({
            "source": dictionary(zeros, [layout.kind]), "record_id": ids,
            "file": dictionary(zeros, [layout.file_name]), "row_number": row_numbers,
            "person_uid": person_uids(persons[order]),
        }))
        src = self._sources.get(id(cells))
        if src is None:
            src = self._sources[id(cells)] = _Source(layout.kind, cells, record_ids, np.zeros(cells.n, np.int64),
                                                     np.zeros(cells.n, np.int64))
        src.position[order] = np.arange(n)
        src.file_code[order] = len(self.file_names)
        self.file_names.append(layout.file_name)

    def write_records(self) -> None:
        records = pa.concat_tables(self._records, promote_options="permissive").combine_chunks()
        write_table(self.truth_dir / "records.csv", {c: records[c] for c in records.column_names})

    def write_errors(self) -> None:
        """field_errors.csv, sorted by source, file, the record's row in its file, then the order of changes."""
        vocab = {key: _Vocabulary() for key in ("source", "field", "kind", "error")}
        chunks: dict[str, list] = {k: [] for k in ("source", "pos", "file", "field", "kind", "error", "record_id",
                                                   "true_value", "written_value")}
        for src in self._sources.values():
            ids = src.record_ids if src.record_ids is not None else (src.position + 1).astype(str).astype(object)
            for rows, fld, kind, error in src.cells.log:
                n = len(rows)
                for key, text in (("source", src.kind), ("field", fld), ("kind", kind), ("error", error)):
                    chunks[key].append(np.full(n, vocab[key].code(text), dtype=np.int32))
                chunks["pos"].append(src.position[rows])
                chunks["file"].append(src.file_code[rows])
                chunks["record_id"].append(ids[rows])
                truth_col = src.cells.truth.get(fld)
                chunks["true_value"].append(truth_col[rows] if truth_col is not None else np.full(n, "", object))
                written = src.cells.cols[fld][rows].tolist()
                chunks["written_value"].append(
                    np.array([v if type(v) is str else C.cell_text(v) for v in written], dtype=object))
        path = self.truth_dir / "field_errors.csv"
        if not chunks["pos"]:
            write_table(path, {c: np.array([], dtype=object) for c in ERROR_COLUMNS})
            return
        flat = {key: np.concatenate(values) for key, values in chunks.items()}
        order = np.lexsort((np.arange(len(flat["pos"])), flat["pos"], flat["file"], flat["source"]))
        write_table(path, {
            "source": dictionary(flat["source"][order], vocab["source"].names()),
            "record_id": flat["record_id"][order],
            "file": dictionary(flat["file"][order], self.file_names),
            "field": dictionary(flat["field"][order], vocab["field"].names()),
            "kind": dictionary(flat["kind"][order], vocab["kind"].names()),
            "error": dictionary(flat["error"][order], vocab["error"].names()),
            "true_value": flat["true_value"][order],
            "written_value": flat["written_value"][order],
        })

    def write_persons(self, people: pd.DataFrame, people_arrow: ArrowColumns, n_records: np.ndarray) -> None:
        col = {c: (people_arrow(c) if people[c].dtype == object else people[c].to_numpy()) for c in people.columns}
        flag = np.array(["0", "1"], dtype=object)
        write_table(self.truth_dir / "persons.csv", {
            "person_uid": person_uids(np.arange(len(people))), "on_register": flag[col["on_register"].astype(int)],
            "status": col["status"], "register_status": col["register_status"],
            "in_deaths_file": flag[col["in_deaths_file"].astype(int)], "death_date": iso_or_blank(col["death_date"]),
            "village": col["village"], "household_code": col["household_code"], "relation_to_head": col["relation"],
            "full_name": col["full_name"], "sex": col["sex"], "birth_date": iso_or_blank(col["birth_date"]),
            "age": col["age"], "personal_id": col["personal_id"], "old_id": col["old_id"],
            "social_insurance_no": col["social_insurance_no"], "insurance_card": col["insurance_card"],
            "ethnicity": col["ethnicity"], "phone": col["phone"], "hard_case": col["hard_case"],
            "hard_group": np.where(col["hard_group"] >= 0, col["hard_group"].astype(str), "").astype(object),
            "n_hssk_records": n_records,
        })
