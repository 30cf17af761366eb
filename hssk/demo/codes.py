"""Distinct random identifier strings, made fast: numbers are drawn and de-duplicated as int64 and formatted
once (by Arrow) at the end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def duplicated(values: np.ndarray) -> np.ndarray:
    """True for every occurrence after the first of an int64 value (hash based, linear time)."""
    return pd.Series(np.asarray(values, dtype=np.int64)).duplicated(keep="first").to_numpy()


def unique_codes(rng: np.random.Generator, n: int, width: int, digits: int, prefix: np.ndarray | int = 0,
                 literal: str = "", with_numbers: bool = False):
    """n distinct strings: `literal` + (prefix * 10**width + random tail of `width` digits), zero-padded to
    `digits` digits. E.g. width=6, digits=12, prefix=1072 -> '001072483920'. with_numbers=True also returns
    the int64 numbers (sorting them sorts the strings)."""
    prefix = np.broadcast_to(np.asarray(prefix, dtype=np.int64), (n,))
    values = prefix * 10**width + rng.integers(0, 10**width, size=n)
    for _ in range(100):
        dup = duplicated(values)
        if not dup.any():
            break
        values[dup] = prefix[dup] * 10**width + rng.integers(0, 10**width, size=int(dup.sum()))
    text = pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), digits, "0")
    if literal:
        text = pc.binary_join_element_wise(pa.scalar(literal), text, "")
    strings = text.to_numpy(zero_copy_only=False).astype(object)
    return (strings, values) if with_numbers else strings
