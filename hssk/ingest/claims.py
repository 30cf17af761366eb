"""BHYT claim XML (QĐ 130/QĐ-BYT with QĐ 4750/3176, and the older QĐ 4210) read as `Sheet`s of the kind `claims`.

One visit (one HOSO of a GIAMDINHHS envelope, or one XML1 record of a bare document) is one row: every XML1 element
as read, the member of a .zip it came from (ZIP_MEMBER), the HOSO's position in its document (HOSO_STT) and the
visit's other tables (XML2 drugs, XML3 services, XML4 lab results, …) as JSON lists of their records, one column
per table. The store then handles the rows like any
other file's (raw layer, standardisation, findings, one transaction per batch), and `queries/schema.sql` exposes
the diagnoses and the detail rows per visit (views `claim_diagnoses`, `claim_items`).

Records are found by tag name anywhere (inner roots differ between HIS products). The XML is parsed by defusedxml
with DTDs forbidden (no entity expansion, no external entities) and every file, zip member and decoded inner
document is size-limited. A malformed file is refused with its name and the reason (HsskError, Vietnamese).
Format facts: /work/shared/bhyt-xml.md (public parsers: tracnn/qlbv_public XmlStructures.php, sontro/hisnguonmo
XML1DataADO.cs).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zipfile
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import pyarrow as pa
import pyarrow.compute as pc
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from hssk.errors import HsskError
from hssk.ingest.columns import map_unique
from hssk.ingest.headers import match_headers
from hssk.ingest.sheet import Sheet
from hssk.normalize import normalize_insurance

KIND = "claims"
SUFFIXES = (".xml", ".zip")
# Size limits: a commune's monthly claim file is a few MB; a larger one is refused rather than exhausting memory.
MAX_FILE_BYTES = 200 << 20  # one .xml file, or one member of a .zip (uncompressed)
MAX_INNER_BYTES = 50 << 20  # one decoded NOIDUNGFILE
MAX_ZIP_MEMBERS = 20_000
MAX_ZIP_TOTAL_BYTES = 1 << 30  # all members of one .zip, uncompressed (zip bombs)

HOSO_INDEX = "HOSO_STT"  # provenance column: the HOSO's (or bare record's) 1-based position in its document
ZIP_MEMBER = "ZIP_MEMBER"  # provenance column of a .zip's rows: the member (path inside the archive)
XML1_RECORD = "TONG_HOP"
# Detail tables: the tag of one record (found anywhere); others are found as the elements that hold a MA_LK.
DETAIL_RECORDS = {"XML2": "CHI_TIET_THUOC", "XML3": "CHI_TIET_DVKT", "XML4": "CHI_TIET_CLS"}


# XML1 elements of QĐ 130 (with QĐ 4750/3176) and QĐ 4210 (/work/shared/bhyt-xml.md): kept in the raw layer and in
# `extra` when no clean column takes them, and not reported as unknown columns.
XML1_ELEMENTS = frozenset(["MA_LK", "STT", "MA_BN", "HO_TEN", "SO_CCCD", "NGAY_SINH", "GIOI_TINH", "NHOM_MAU", "MA_QUOCTICH", "MA_DANTOC", "MA_NGHE_NGHIEP", "DIA_CHI", "MATINH_CU_TRU", "MAHUYEN_CU_TRU", "MAXA_CU_TRU", "DIEN_THOAI", "MA_THE_BHYT", "MA_DKBD", "GT_THE_TU", "GT_THE_DEN", "NGAY_MIEN_CCT", "LY_DO_VV", "LY_DO_VNT", "MA_LY_DO_VNT", "CHAN_DOAN_VAO", "CHAN_DOAN_RV", "MA_BENH_CHINH", "MA_BENH_KT", "MA_BENH_YHCT", "MA_PTTT_QT", "MA_DOITUONG_KCB", "MA_NOI_DI", "MA_NOI_DEN", "MA_TAI_NAN", "NGAY_VAO", "NGAY_VAO_NOI_TRU", "NGAY_RA", "GIAY_CHUYEN_TUYEN", "SO_NGAY_DTRI", "PP_DIEU_TRI", "KET_QUA_DTRI", "MA_LOAI_RV", "GHI_CHU", "NGAY_TTOAN", "NAM_QT", "THANG_QT", "MA_LOAI_KCB", "MA_KHOA", "MA_CSKCB", "MA_KHUVUC", "CAN_NANG", "CAN_NANG_CON", "NAM_NAM_LIEN_TUC", "NGAY_TAI_KHAM", "MA_HSBA", "MA_TTDV", "DU_PHONG", "MA_THE", "MA_BENH", "MA_BENHKHAC", "MA_LYDO_VVIEN", "TEN_BENH", "MA_NOI_CHUYEN", "TINH_TRANG_RV", "MIEN_CUNG_CT"])


class ClaimSheet(Sheet):
    """A Sheet whose unknown columns are the elements no claim format defines (the totals T_*, the provenance
    columns and the other tables XMLn are known)."""

    @property
    def unknown_columns(self) -> list[str]:
        return [h for h in super().unknown_columns
                if h not in XML1_ELEMENTS and h not in (HOSO_INDEX, ZIP_MEMBER)
                and not h.startswith("T_") and not re.fullmatch(r"XML\d+", h)]


class ClaimFileError(HsskError):
    """A claim file that cannot be read; the message names the file (and the zip member, HOSO) and the reason."""


def _fail(where: str, reason: str, detail: str) -> ClaimFileError:
    return ClaimFileError(f"Tệp {where} bị từ chối: {reason}", detail)


# ------------------------------------------------------------------------------------------------ files
def expand_paths(paths: list[str | Path]) -> list[Path]:
    """Folders become the .xml and .zip files under them (sorted, recursively); files stay as they are."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
            if not found:
                raise HsskError(f"Thư mục {p} không có tệp .xml hoặc .zip nào.", "empty claims folder")
            out.extend(found)
        else:
            out.append(p)
    return out


def read_claim_sheets(path: str | Path, overrides: dict[str, str] | None = None) -> list[Sheet]:
    """The visits of one .xml or .zip claim file as Sheets (one for a document, few for a zip).
    Raises ClaimFileError for anything malformed or hostile."""
    path = Path(path)
    if path.stat().st_size > (MAX_ZIP_TOTAL_BYTES if path.suffix.lower() == ".zip" else MAX_FILE_BYTES):
        raise _fail(path.name, "tệp quá lớn.", "size limit")
    if path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
        return _zip_sheets(path, overrides)
    data = path.read_bytes()
    return [_sheet(path, None, _visits(data, path.name), overrides, path.name)]


def _zip_sheets(path: Path, overrides) -> list[Sheet]:
    """The members of a .zip as few Sheets as possible (each insert costs the same whatever its size): members
    are gathered while their elements map without conflict (a QĐ 130 and a QĐ 4210 member start a new one); each
    row names its member (ZIP_MEMBER)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _fail(path.name, "tệp .zip hỏng.", str(exc)) from exc
    groups: list[list[dict]] = []
    fields_of_group: dict[str, str] = {}  # field -> the tag that gives it, in the current group
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_ZIP_TOTAL_BYTES:
            raise _fail(path.name, "tệp .zip chứa quá nhiều hoặc quá lớn (có thể là zip bomb).", "zip limits")
        xml_members = [m for m in members if m.filename.lower().endswith(".xml")]
        if not xml_members:
            raise _fail(path.name, "tệp .zip không chứa tệp .xml nào.", "no xml member")
        for member in sorted(xml_members, key=lambda m: m.filename):
            where = f"{path.name} › {member.filename}"
            if member.file_size > MAX_FILE_BYTES:
                raise _fail(where, "tệp quá lớn.", "member size limit")
            try:
                with archive.open(member) as fh:
                    data = fh.read(MAX_FILE_BYTES + 1)
            except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile) as exc:
                raise _fail(where, "không giải nén được (tệp .zip hỏng).", str(exc)) from exc
            if len(data) > MAX_FILE_BYTES:
                raise _fail(where, "tệp quá lớn.", "member size limit")
            visits = [{ZIP_MEMBER: member.filename, **v} for v in _visits(data, where)]
            tags = list(dict.fromkeys(t for v in visits for t in v))
            fields = {fld: tags[pos] for pos, fld in match_headers(KIND, tags, overrides).items()}
            if not groups or any(fields_of_group.get(f, t) != t for f, t in fields.items()):
                groups.append([])
                fields_of_group = {}
            groups[-1].extend(visits)
            fields_of_group.update(fields)
    return [_sheet(path, None, visits, overrides, path.name) for visits in groups]


# ------------------------------------------------------------------------------------------------ XML
def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1].upper() if isinstance(tag, str) else ""


def parse_xml(data: bytes, where: str) -> Element:
    """Parse with DTDs forbidden: no entity can expand and nothing external is ever read."""
    data = data.lstrip(b" \t\r\n")  # some HIS write a blank line before the XML declaration
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise _fail(where, "tệp có khai báo DTD/thực thể (entity) – không được phép vì có thể là tệp độc hại "
                           "(XML bomb, thực thể bên ngoài).", repr(exc)) from exc
    except ParseError as exc:
        line, column = getattr(exc, "position", (None, None))
        raise _fail(where, f"không phải tài liệu XML hợp lệ (lỗi ở dòng {line}, cột {column}; tệp hỏng hoặc "
                           "bị cắt cụt).", str(exc)) from exc
    except (ValueError, UnicodeError) as exc:
        raise _fail(where, "không phải tài liệu XML hợp lệ.", str(exc)) from exc


def _text(element: Element) -> str | None:
    return element.text


def _children(element: Element) -> list[Element]:
    return [child for child in element if isinstance(child.tag, str)]


def _record(element: Element) -> dict[str, str | None]:
    """A flat record: {child tag: text}; a repeated tag keeps its first value."""
    out: dict[str, str | None] = {}
    for child in _children(element):
        out.setdefault(_local(child.tag), _text(child))
    return out


def _holds(element: Element, tag: str) -> bool:
    return any(_local(c.tag) == tag for c in _children(element))


def _xml1_records(root: Element) -> list[Element]:
    """XML1 visit records: TONG_HOP elements anywhere, else the elements holding HO_TEN and NGAY_SINH."""
    found = [e for e in root.iter() if _local(e.tag) == XML1_RECORD]
    if not found:
        found = [e for e in root.iter() if _holds(e, "HO_TEN") and _holds(e, "NGAY_SINH")]
    return found


def _detail_records(root: Element, table: str) -> list[dict]:
    tag = DETAIL_RECORDS.get(table)
    found = [e for e in root.iter() if tag and _local(e.tag) == tag]
    if not found:
        found = [e for e in root.iter() if _holds(e, "MA_LK")]
    return [_record(e) for e in found]


def _decode(content: str | None, where: str) -> bytes:
    text = (content or "").strip()
    if text.startswith("<"):  # some HIS write the inner document as it is
        data = text.encode("utf-8")
    else:
        compact = re.sub(r"\s+", "", text)
        if not compact:
            raise _fail(where, "NOIDUNGFILE trống.", "empty NOIDUNGFILE")
        if len(compact) > MAX_INNER_BYTES * 4 // 3 + 4:
            raise _fail(where, "nội dung NOIDUNGFILE quá lớn.", "inner size limit")
        try:
            data = base64.b64decode(compact, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _fail(where, "nội dung NOIDUNGFILE không giải mã được base64 (bị cắt cụt hoặc hỏng).",
                        str(exc)) from exc
    return data


def _visits(data: bytes, where: str) -> list[dict[str, str | None]]:
    """One dict per visit, in document order: HOSO_STT, the XML1 elements, and XMLn → JSON of its records."""
    root = parse_xml(data, where)
    hosos = [e for e in root.iter() if _local(e.tag) == "HOSO" and _holds(e, "FILEHOSO")]
    visits: list[dict[str, str | None]] = []
    if hosos:  # a GIAMDINHHS envelope
        for i, hoso in enumerate(hosos, start=1):
            visits.extend(_hoso_visit(hoso, i, f"{where}, hồ sơ thứ {i}"))
    else:  # a bare XML1 document
        for i, record in enumerate(_xml1_records(root), start=1):
            visits.append(_checked({HOSO_INDEX: str(i), **_record(record)}, f"{where}, bản ghi thứ {i}"))
    if not visits:
        raise _fail(where, "không tìm thấy hồ sơ XML1 (TONG_HOP) nào – không phải tệp XML giám định BHYT?",
                    "no XML1 record")
    return visits


def _hoso_visit(hoso: Element, index: int, where: str) -> list[dict]:
    xml1: list[dict] = []
    details: dict[str, list] = {}
    for filehoso in (e for e in _children(hoso) if _local(e.tag) == "FILEHOSO"):
        parts = {_local(c.tag): c for c in _children(filehoso)}
        table = ((parts["LOAIHOSO"].text if "LOAIHOSO" in parts else None) or "").strip().upper()
        label = f"{where} ({table or 'không rõ LOAIHOSO'})"
        if "NOIDUNGFILE" not in parts:
            raise _fail(label, "thiếu NOIDUNGFILE.", "no NOIDUNGFILE")
        content = parts["NOIDUNGFILE"]
        # base64 of the inner document, as the standard says; some HIS nest the elements themselves
        inner = content if _children(content) else parse_xml(_decode(content.text, label), label)
        if table == "XML1":
            xml1.extend(_record(r) for r in _xml1_records(inner))
        elif table:
            details.setdefault(table, []).extend(_detail_records(inner, table))
    if not xml1:
        raise _fail(where, "hồ sơ không có bảng XML1 (thông tin lượt khám).", "HOSO without XML1")
    extra = {table: json.dumps(rows, ensure_ascii=False) for table, rows in sorted(details.items())}
    return [_checked({HOSO_INDEX: str(index), **record, **extra}, where) for record in xml1]


def _checked(visit: dict, where: str) -> dict:
    if not (visit.get("MA_LK") or "").strip():
        raise _fail(where, "thiếu MA_LK (mã liên kết của lượt khám).", "missing MA_LK")
    return visit


def _sheet(path: Path, member: str | None, visits: list[dict], overrides, where: str) -> Sheet:
    headers: list[str] = []
    seen: set[str] = set()
    for visit in visits:
        for tag in visit:
            if tag not in seen:
                seen.add(tag)
                headers.append(tag)
    mapping: dict[int, str] = {}
    for pos, fld in match_headers(KIND, headers, overrides).items():
        if fld not in mapping.values():  # QĐ 130 and QĐ 4210 names of one field in one file: the first wins
            mapping[pos] = fld
    columns = {f"c{j}": _blank_null([v.get(h) for v in visits]) for j, h in enumerate(headers)}
    columns["__row"] = pa.array(range(1, len(visits) + 1), pa.int32())
    return ClaimSheet(path, member, None, headers, mapping, iter([pa.table(columns)]))


def _blank_null(values: list) -> pa.Array:
    return pa.array([v if v is not None and v.strip() else None for v in values], pa.string())


# ------------------------------------------------------------------------------------------------ values
def claim_date_text(value: str | None) -> str | None:
    """'yyyymmdd[HHMM]' with unknown parts '00' → 'dd/mm/yyyy', 'mm/yyyy' or 'yyyy' (what parse_date reads with
    the right precision); any other text is returned as it is."""
    if value is None:
        return None
    text = value.strip()
    match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})(\d{4})?", text)
    if not match:
        return text
    year, month, day = match.group(1), match.group(2), match.group(3)
    if month == "00":
        return year
    if day == "00":
        return f"{month}/{year}"
    return f"{day}/{month}/{year}"


def first_valid_card(value: str | None) -> str | None:
    """The first card code of a ';'-separated list that normalises (else the first one written)."""
    if value is None:
        return None
    parts = [p.strip() for p in re.split(r"[;,]", value) if p.strip()]
    for part in parts:
        if normalize_insurance(part)[0] is not None:
            return part
    return parts[0] if parts else None


_ICD_RE = re.compile(r"^([A-Z])(\d{2})(?:\.?(\w{1,4}))?$")


def normalize_icd(value: str | None) -> str | None:
    """'i10' → 'I10', 'E119' → 'E11.9', 'B18.1 ' → 'B18.1'; text that is no ICD-10 code → None."""
    if value is None:
        return None
    match = _ICD_RE.match(value.strip().upper().replace(" ", ""))
    if not match:
        return None
    letter, digits, sub = match.groups()
    return f"{letter}{digits}" + (f".{sub}" if sub else "")


def diagnosis_list(main: str | None, others: str | None) -> str | None:
    """The visit's ICD-10 codes, main first, ';'-joined, each once."""
    codes: list[str] = []
    for text in (main, others):
        for part in re.split(r"[;,]", text or ""):
            code = normalize_icd(part)
            if code and code not in codes:
                codes.append(code)
    return ";".join(codes) or None


def _card_id_split(value: str | None) -> tuple[str | None, str | None]:
    """SO_CCCD by length: 9 digits → the old ID (CMND), anything else → the personal ID column."""
    if value is None:
        return None, None
    text = value.strip()
    return (None, text) if re.fullmatch(r"\d{9}", text) else (text, None)


def prepare_chunk(chunk: pa.Table, mapping: dict[int, str]) -> tuple[pa.Table, dict[int, str], dict[str, pa.Array]]:
    """A claim chunk rewritten so the common standardisation reads it: claim dates as dd/mm/yyyy (with their
    precision), the first valid card of MA_THE_BHYT, SO_CCCD split into personal or old ID. Returns the chunk with
    the rewritten columns appended, the mapping pointing at them, and the claim-only clean columns
    (commune_code, diagnosis_codes) plus the original text of the birth date and the card list."""
    by_field = {fld: pos for pos, fld in mapping.items()}
    n = chunk.num_rows
    nulls = pa.nulls(n, pa.string())

    def col(fld):
        return chunk.column(f"c{by_field[fld]}").combine_chunks() if fld in by_field else nulls

    new_mapping = {pos: fld for pos, fld in mapping.items()}
    width = max([int(c[1:]) for c in chunk.column_names if c.startswith("c")], default=-1) + 1

    def put(fld, array):
        nonlocal chunk, width
        for pos in [p for p, f in new_mapping.items() if f == fld]:
            del new_mapping[pos]
        chunk = chunk.append_column(f"c{width}", array)
        new_mapping[width] = fld
        width += 1

    for fld in ("birth_date", "event_date"):
        if fld in by_field:
            put(fld, map_unique(col(fld), lambda v: (claim_date_text(v),), [pa.string()])[0])
    if "insurance_no" in by_field:
        put("insurance_no", map_unique(col("insurance_no"), lambda v: (first_valid_card(v),), [pa.string()])[0])
    if "personal_id" in by_field:
        pid, old = map_unique(col("personal_id"), _card_id_split, [pa.string(), pa.string()])
        put("personal_id", pid)
        if "old_id" not in by_field:
            put("old_id", old)
    commune = pc.utf8_trim_whitespace(col("commune_code"))
    codes = pc.binary_join_element_wise(pc.fill_null(col("event_code"), ""), pc.fill_null(col("secondary_codes"), ""),
                                        ";")
    kept = {  # the original text of the rewritten fields (the card list as written)
        "birth_date_orig": col("birth_date"),
        "insurance_no_orig": col("insurance_no"),
        "commune_code": pc.if_else(pc.equal(commune, ""), pa.scalar(None, pa.string()), commune),
        "diagnosis_codes": map_unique(codes, lambda v: (diagnosis_list(v, None),), [pa.string()])[0],
    }
    return chunk, new_mapping, kept
