"""Column helpers: text as numpy object arrays while generating, Arrow arrays for writing.

pandas 3 stores inferred text as Arrow strings and converts back on every `.to_numpy()`, `.duplicated()` or
row selection; for a million people those conversions cost more than the generation itself. So text columns
stay plain object arrays in pandas (frame, setcol, objectify) and are converted to Arrow once, for the CSV
writer (arrow_text, ArrowColumns, write_arrow_csv).
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv


def cell_text(value) -> str:
    """A cell as a reader shows it: ints without '.0', date cells as ISO, None as ''."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _series(values, index=None) -> pd.Series:
    if isinstance(values, pd.Series):
        values = values.to_numpy()
    arr = values if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)
    if arr.dtype.kind in "OUS":
        return pd.Series(arr.astype(object, copy=False), index=index, dtype=object)
    return pd.Series(arr, index=index)


def frame(columns: dict) -> pd.DataFrame:
    """DataFrame whose text columns stay object arrays (scalars are broadcast)."""
    n = next((len(v) for v in columns.values() if not np.isscalar(v)), 1)
    return pd.DataFrame({k: _series(np.full(n, v, dtype=object) if np.isscalar(v) else v)
                         for k, v in columns.items()})


def setcol(df: pd.DataFrame, name: str, values) -> None:
    df[name] = _series(values, index=df.index)


def objectify(df: pd.DataFrame) -> pd.DataFrame:
    for c in df.columns:
        if df[c].dtype != object and pd.api.types.is_string_dtype(df[c].dtype):
            df[c] = df[c].astype(object)
    return df


def arrow_text(values) -> pa.Array:
    """Any column (object/str/int array, list) as an Arrow string array; '' and None become null, so CSV
    writers leave the cell empty instead of writing ""."""
    if isinstance(values, pa.DictionaryArray):
        return values  # low-cardinality column, written as its values
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        arr = values if values.type == pa.string() else pc.cast(values, pa.string())
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
    else:
        np_values = np.asarray(values) if not isinstance(values, np.ndarray) else values
        if np_values.dtype.kind in "iub":
            arr = pc.cast(pa.array(np_values), pa.string())
        else:
            items = np_values.tolist()
            try:
                arr = pa.array(items, type=pa.string())
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                arr = pa.array([v if type(v) is str else cell_text(v) for v in items], type=pa.string())
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def write_arrow_csv(path, columns: dict, header: list[str] | None = None, encoding: str = "utf-8",
                    eol: str = "\n") -> None:
    """A CSV from columns of text (Arrow writer: fast; text values are quoted, empty cells left empty)."""
    names = list(columns)
    table = pa.table({f"c{i}": arrow_text(v) for i, v in enumerate(columns.values())})
    line = io.StringIO()
    csv.writer(line, lineterminator=eol).writerow(header or names)  # quotes headers such as "Họ, chữ đệm và tên"
    head = line.getvalue()
    if encoding == "utf-8" and eol == "\n":
        with open(path, "wb") as fh:
            fh.write(head.encode("utf-8"))
            pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=False))
        return
    buf = io.BytesIO()
    pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=False, eol=eol))
    with open(path, "wb") as fh:
        fh.write(head.encode(encoding))
        fh.write(buf.getvalue())


class ArrowColumns:
    """Arrow versions of a DataFrame's columns, each converted once and then taken by row cheaply."""

    def __init__(self, df: pd.DataFrame):
        self.df = df
        self._cache: dict[str, object] = {}

    def __call__(self, name: str):
        if name not in self._cache:
            self._cache[name] = arrow_text(self.df[name].to_numpy())
        return self._cache[name]

    def take(self, name: str, rows: np.ndarray):
        return pc.take(self(name), pa.array(np.asarray(rows, dtype=np.int64)))


def cached_arrow_text(values, cache: dict | None):
    """arrow_text, remembered per array object (the two HSSK parts share their columns)."""
    if cache is None:
        return arrow_text(values)
    hit = cache.get(id(values))
    if hit is None or hit[0] is not values:
        hit = cache[id(values)] = (values, arrow_text(values))
    return hit[1]
