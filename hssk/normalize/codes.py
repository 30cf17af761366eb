"""Coded administrative fields: sex, ethnicity, nationality, religion, register status, care-event kind.

Matching ignores case, diacritics, spaces, hyphens and apostrophes ("H'Mông" = "hmong" = "HMÔNG") and runs on
repaired text, so TCVN3/VNI cells work too. Lookups built from the reference tables are cached and cleared by
`hssk.reference.reload()`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from hssk import reference
from hssk.normalize.text import ascii_key, fix_text, is_blank

__all__ = [
    "normalize_ethnicity",
    "normalize_event_kind",
    "normalize_nationality",
    "normalize_religion",
    "normalize_sex",
    "normalize_status",
]

_PUNCT_RE = re.compile(r"[\s\-'’`.,_/()]+")


def _compact(value) -> str | None:
    """Accent-free lower-case key without spaces or punctuation ("Khơ-me" → "khome")."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 1.0 from Excel → "1"
    key = ascii_key(value)
    return _PUNCT_RE.sub("", key) if key else None


def _lookup(table: dict[str, str], value) -> str | None:
    if is_blank(value) or isinstance(value, bool):
        return None
    key = _compact(value)
    return table.get(key) if key else None


_SEX = {
    **dict.fromkeys(["nam", "m", "male", "1", "trai", "namgioi", "gioitinhnam", "danong"], "M"),
    **dict.fromkeys(["nu", "f", "female", "2", "gai", "nugioi", "gioitinhnu"], "F"),
}


def normalize_sex(value) -> str | None:
    """'M', 'F' or None. Nam/NAM/nam/1/M/male/trai → 'M'; Nữ/NỮ/nu/2/F/female/gái → 'F'
    (XML 130/831: 1 Nam, 2 Nữ). '3' (chưa xác định), 'x', '?', blanks and anything else → None."""
    return _lookup(_SEX, value)


@lru_cache(maxsize=1)
def _ethnic_table() -> dict[str, str]:
    table: dict[str, str] = {}
    ambiguous: set[str] = set()
    for row in reference.ethnic_groups().itertuples(index=False):
        names = [row.name, *(v for v in row.variants.split("|") if v.strip())]
        for name in names:
            key = _compact(name)
            if key in table and table[key] != row.code:
                ambiguous.add(key)
            table[key] = row.code
        number = str(int(row.code))
        table[number] = row.code
        table[row.code] = row.code
    for key in ambiguous:  # never guess between two groups
        del table[key]
    return table


_ETHNIC_PREFIX_RE = re.compile(r"^(?:dantoc|dt)(?=.)")


def normalize_ethnicity(value) -> str | None:
    """Ethnic-group code '01'…'56' (QĐ 121-TCTK) from a name, a variant or a code.

    "Kinh"/"KINH"/"dân tộc Kinh"/"Việt" → '01'; "H'Mông"/"Hmong"/"Mèo" → '08'; 1, '1', '01', 1.0 → '01'.
    Unknown names, codes outside 01–56 and blanks → None.
    """
    if is_blank(value) or isinstance(value, bool):
        return None
    table = _ethnic_table()
    key = _compact(value)
    if not key:
        return None
    return table.get(key) or table.get(_ETHNIC_PREFIX_RE.sub("", key))


_VIETNAM_KEYS = frozenset({"vietnam", "vn", "vnm", "viet", "nuocvietnam", "chxhcnvietnam", "quoctichvietnam",
                           "conghoaxahoichunghiavietnam", "vietnamese"})


def normalize_nationality(value) -> str | None:
    """'VN' for Việt Nam in any spelling ('Việt Nam', 'VIỆT NAM', 'Viet Nam', 'VN', 'VNM'), else the
    `fix_text` of the value (other nationalities are kept as written). Blank → None."""
    text = fix_text(value)
    if text is None:
        return None
    return "VN" if _compact(text) in _VIETNAM_KEYS else text


_NO_RELIGION = "Không"
_RELIGION_ALIASES = {
    "Phật giáo": ["Phật", "Đạo Phật", "Phật giáo Việt Nam"],
    "Công giáo": ["Thiên Chúa giáo", "Thiên Chúa", "Đạo Thiên Chúa", "Công giáo La Mã", "Catholic"],
    "Tin Lành": ["Đạo Tin Lành", "Tin lành giáo", "Protestant"],
    "Cao Đài": ["Đạo Cao Đài"],
    "Phật giáo Hòa Hảo": ["Hòa Hảo", "Đạo Hòa Hảo"],
    "Hồi giáo": ["Đạo Hồi", "Islam"],
    _NO_RELIGION: ["Không có", "Không tôn giáo", "Không theo tôn giáo", "KTG", "Không theo đạo", "Không đạo",
                   "Vô thần", "None"],
}


@lru_cache(maxsize=1)
def _religion_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for row in reference.code_list("religion").itertuples(index=False):
        table[_compact(row.label)] = row.label
        table[str(int(row.code))] = row.label
    for label, aliases in _RELIGION_ALIASES.items():
        canonical = table.get(_compact(label), label)
        for alias in [label, *aliases]:
            table.setdefault(_compact(alias), canonical)
    return table


def normalize_religion(value) -> str | None:
    """Canonical religion label from hssk831_code_lists.csv (list 'religion'): 'đạo phật' → 'Phật giáo',
    'Thiên chúa giáo' → 'Công giáo', code '2' → 'Công giáo'; 'Không'/'không tôn giáo'/'KTG' → 'Không'.
    Unrecognised text is returned as `fix_text` gives it (not lost); blank → None."""
    text = fix_text(value)
    if text is None:
        return None
    return _religion_table().get(_compact(value), text)


reference.on_reload(_ethnic_table.cache_clear)
reference.on_reload(_religion_table.cache_clear)

_STATUS = {
    **dict.fromkeys(["dangcutru", "thuongtru", "cutru", "tamtru", "dangsinhsong", "consong", "song",
                     "hiendangcutru", "alive", "conhieuluc"], "alive"),
    **dict.fromkeys(["dachet", "chet", "damat", "mat", "tuvong", "datuvong", "qualoi", "daqualoi",
                     "khaitu", "dakhaitu", "dead", "deceased"], "dead"),
    **dict.fromkeys(["chuyendi", "dachuyendi", "chuyenkhau", "dachuyenkhau", "chuyennoikhac", "dachuyennoikhac",
                     "xoadangkythuongtru", "daxoadangky", "moved"], "moved"),
}


def normalize_status(value) -> str | None:
    """Register status: 'alive' (đang cư trú, thường trú, tạm trú, còn sống), 'dead' (đã chết, chết, đã mất,
    tử vong, khai tử), 'moved' (chuyển đi, đã chuyển đi, chuyển khẩu, xóa đăng ký thường trú); else None."""
    return _lookup(_STATUS, value)


_EVENT_KIND = {
    **dict.fromkeys(["khambenh", "kham", "khamchuabenh", "khamdieutri", "exam", "kb"], "exam"),
    **dict.fromkeys(["tiemchung", "tiem", "tiemphong", "tiemchungmorong", "tcmr", "vaccination"], "vaccination"),
    **dict.fromkeys(["xetnghiem", "xn", "lab", "canlamsang"], "lab"),
    **dict.fromkeys(["quanlybenhmantinh", "benhmantinh", "quanlybenhkhonglaynhiem", "benhkhonglaynhiem",
                     "quanlyncd", "ncd", "chronic"], "chronic"),
    **dict.fromkeys(["suckhoesinhsan", "sinhsan", "khamthai", "quanlythai", "chamsoctruocsinh", "ssks",
                     "reproductive"], "reproductive"),
    **dict.fromkeys(["benhtruyennhiem", "truyennhiem", "infectious"], "infectious"),
}


def normalize_event_kind(value) -> str | None:
    """Care-event kind: khám bệnh → 'exam', tiêm chủng → 'vaccination', xét nghiệm → 'lab', quản lý bệnh mạn
    tính → 'chronic', sức khỏe sinh sản → 'reproductive', bệnh truyền nhiễm → 'infectious'; else None."""
    return _lookup(_EVENT_KIND, value)
