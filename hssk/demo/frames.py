"""pandas helpers that keep text as numpy object arrays.

pandas 3 stores inferred text as Arrow strings and converts back on every `.to_numpy()`, `.duplicated()` or
row selection; for a million people those conversions cost more than the generation itself. These helpers
keep text columns as plain object arrays.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


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
