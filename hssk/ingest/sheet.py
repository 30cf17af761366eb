"""What every reader hands the store: one table found in a file, its header and its rows as text, streaming."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa


@dataclass
class Sheet:
    """One table found in a file: its header, where it starts, and its rows as text (Arrow, streaming)."""

    file: Path
    sheet: str | None
    header_row: int  # 1-based row number of the header in the file/sheet
    headers: list[str]
    mapping: dict[int, str]  # column position -> field
    chunks: Iterator[pa.Table] = field(repr=False)  # columns c0..cN (strings) + __row (1-based data row)

    @property
    def unknown_columns(self) -> list[str]:
        return [h for i, h in enumerate(self.headers) if i not in self.mapping and h]
