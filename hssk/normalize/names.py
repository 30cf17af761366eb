"""Split a Vietnamese full name into họ, tên đệm and tên (domain.md §4.8)."""

from __future__ import annotations

from hssk.normalize.text import fix_text

__all__ = ["split_name"]


def split_name(full) -> tuple[str | None, str | None, str | None]:
    """(family, middle, given) of "Họ tên đệm Tên", words as cleaned by `fix_text` (case kept).

    "Nguyễn Văn An" → ("Nguyễn", "Văn", "An"); "Tôn Nữ Thị Hà" → ("Tôn", "Nữ Thị", "Hà");
    "Nguyễn An" → ("Nguyễn", None, "An"); "An" → (None, None, "An"); None/blank → (None, None, None).
    Compound family names (Tôn Nữ, Âu Dương) cannot be told from middle names and count as family + middle.
    """
    text = fix_text(full)
    if text is None:
        return None, None, None
    words = text.split(" ")
    if len(words) == 1:
        return None, None, words[0]
    if len(words) == 2:
        return words[0], None, words[1]
    return words[0], " ".join(words[1:-1]), words[-1]
