"""Checks made before a file is parsed: that it is a regular file of a sane size, that a workbook's declared and
used dimensions, decompressed sizes and compression ratios are within data/config.toml [import], and that a text
file is one encoding from its first line to its last.

A hostile or broken file is refused here with a Vietnamese message that names the file, the limit and where it
is broken, instead of exhausting memory in the parser (the Excel reader allocates rows × columns of a sheet's used
range). Everything runs on blocks of bytes with C-speed tools (zlib, numpy, RE2 through Arrow, codecs): no Python
loop runs per cell or per line of a large file.
"""

from __future__ import annotations

import codecs
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hssk.config import ImportLimits, import_limits
from hssk.errors import HsskError
from hssk.fmt import vn_int

BLOCK = 16 << 20
MB = 1 << 20
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
# Control characters that have no place in a cell (tab, line feed and carriage return are kept).
CONTROL_RE = "[\\x{00}-\\x{08}\\x{0b}\\x{0c}\\x{0e}-\\x{1f}\\x{7f}-\\x{9f}]"
# Vietnamese letters as UTF-8 bytes: in a file that is otherwise Windows-1258 they mean the encoding changed.
_VIET_UTF8_RE = (r"\xc3[\x80-\xbf]|\xc4[\x82\x83\x90\x91\xa8\xa9]|\xc5[\xa8\xa9]|\xc6[\xa0\xa1\xaf\xb0]"
                 r"|\xe1\xba[\xa0-\xbf]|\xe1\xbb[\x80-\xb9]|\xcc[\x80\x81\x83\x89]|\xcc\xa3")


def may_hold_controls(column: pa.Array | pa.ChunkedArray) -> bool:
    """Whether a text column's bytes hold a control character (C0 but tab/LF/CR, DEL, or C1 as UTF-8), looked for
    in its data buffers with numpy: a few vector operations, no regular expression run per cell. True may also
    come from bytes outside the column's slice; the caller then looks closer."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    for chunk in chunks:
        buffers = chunk.buffers()
        if len(buffers) < 3 or buffers[2] is None:
            continue
        v = np.frombuffer(buffers[2], np.uint8)
        low = (v < 32) & (v != 9) & (v != 10) & (v != 13)
        if low.any() or (v == 127).any():
            return True
        c2 = np.flatnonzero(v[:-1] == 0xC2)
        if len(c2) and ((v[c2 + 1] >= 0x80) & (v[c2 + 1] <= 0x9F)).any():
            return True
    return False


def limits() -> ImportLimits:
    return import_limits()


def _find(block: bytes, pattern: str) -> int:
    """Byte offset of the first match of an RE2 pattern in `block`, or -1 (Arrow's RE2: linear, no Python loop)."""
    return pc.find_substring_regex(pa.array([block], pa.binary()), pattern)[0].as_py()


# ------------------------------------------------------------------------------------------ the file itself
def check_file(path: Path, lim: ImportLimits | None = None) -> None:
    """A regular file, not empty, not bigger than the limit (a directory, a device, a FIFO or a symlink to
    /dev/zero is refused before a byte is read)."""
    lim = lim or limits()
    try:
        info = path.stat()
    except FileNotFoundError:
        raise HsskError(f"Không tìm thấy tệp {path}.", "file not found") from None
    except OSError as exc:
        raise HsskError(f"Không mở được tệp {path}: {exc.strerror or exc}.", str(exc)) from exc
    if stat.S_ISDIR(info.st_mode):
        raise HsskError(f"{path} là một thư mục, không phải tệp: hãy chọn tệp .xlsx hoặc .csv bên trong nó.",
                        "is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise HsskError(f"{path} không phải tệp dữ liệu thông thường (thiết bị, ống dẫn hoặc liên kết tới thiết bị): "
                        "không thể nhập.", f"st_mode {oct(info.st_mode)}")
    if info.st_size == 0:
        raise HsskError(f"Tệp {path.name} rỗng.", "empty file")
    if info.st_size > lim.max_file_mb * MB:
        raise HsskError(f"Tệp {path.name} lớn {vn_int(info.st_size // MB)} MB, vượt giới hạn {vn_int(lim.max_file_mb)} "
                        "MB cho một tệp (cấu hình [import] max_file_mb).", "file too large")


def check_not_encrypted(path: Path) -> None:
    """A password-protected Office file is an OLE container holding an EncryptedPackage stream."""
    with open(path, "rb") as fh:
        if fh.read(len(_OLE_MAGIC)) != _OLE_MAGIC:
            return
        tail = b""
        while data := fh.read(BLOCK):  # the directory naming the streams may sit anywhere in the container
            if _ENCRYPTED in tail + data:
                raise_password(path)
            tail = data[-len(_ENCRYPTED):]


def raise_password(path: Path, detail: str = "encrypted workbook"):
    raise HsskError(f"Tệp {path.name} có mật khẩu: hãy mở tệp bằng Excel, gỡ mật khẩu (Tệp → Thông tin → Bảo vệ "
                    "sổ làm việc) rồi lưu lại và nhập lại.", detail)


# ------------------------------------------------------------------------------------------------ Excel
def _column_name(n: int) -> str:
    name = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        name = chr(65 + rem) + name
    return name


_REF_MAX = 10  # "XFD1048576": a longer reference is beyond any sheet Excel can make
_REF_RE = re.compile(rb"[A-Z]+[0-9]*|[0-9]+")


def _refs(block: bytes) -> tuple[int, int, int, int]:
    """(max row, max column, cells with a reference, rows with a reference) of the ` r="…"` attributes of a block
    of sheet XML (cell references such as "AB12", row numbers such as "12"), computed with numpy over the block:
    the references are found among the quotes, and their letters and digits are read position by position for
    all of them at once."""
    a = np.frombuffer(block, np.uint8)
    if len(a) < 8:
        return 0, 0, 0, 0
    quotes = np.flatnonzero(a == 34)
    quotes = quotes[quotes >= 3]
    opening = np.flatnonzero((a[quotes - 1] == 61) & (a[quotes - 2] == 114) & (a[quotes - 3] == 32))
    opening = opening[opening + 1 < len(quotes)]
    if not len(opening):
        return 0, 0, 0, 0
    start = quotes[opening] + 1
    length = quotes[opening + 1] - start
    long = length > _REF_MAX
    if long.any():  # 4 letters or 8 digits: beyond Excel's last column or row, if it is a reference at all
        if any(_REF_RE.fullmatch(block[i:i + n]) for i, n in zip(start[long], length[long])):
            return 10 ** 9, 10 ** 9, len(start), 0
        start, length = start[~long], length[~long]
    col = np.zeros(len(start), np.int64)
    row = np.zeros(len(start), np.int64)
    in_letters = np.ones(len(start), bool)
    shaped = np.ones(len(start), bool)  # letters then digits (text that merely contains ' r="' is not a reference)
    last = len(a) - 1
    for k in range(_REF_MAX):
        byte = a[np.minimum(start + k, last)].astype(np.int64)
        inside = k < length
        is_letter = in_letters & inside & (byte >= 65) & (byte <= 90)
        col = np.where(is_letter, col * 26 + byte - 64, col)
        in_letters &= is_letter
        is_digit = inside & ~is_letter & (byte >= 48) & (byte <= 57)
        row = np.where(is_digit, row * 10 + byte - 48, row)
        shaped &= ~inside | is_letter | is_digit
    col, row = col[shaped], row[shaped]
    if not len(col):
        return 0, 0, 0, 0
    with_letters = int((col > 0).sum())
    return int(row.max()), int(col.max()), with_letters, len(col) - with_letters


def _elements(block: bytes) -> tuple[int, int]:
    """(cells, rows) in a block of sheet XML: the `<c …>` and `<row …>` tags, found among the '<' with numpy
    (tags written with a namespace prefix, <x:c>, are not counted)."""
    a = np.frombuffer(block, np.uint8)
    lt = np.flatnonzero(a[:-4] == 60)
    following = a[lt + 1]
    after = a[lt + 2]
    cells = (following == 99) & ((after == 32) | (after == 62) | (after == 47))
    rows = (following == 114) & (after == 111) & (a[lt + 3] == 119)
    return int(cells.sum()), int(rows.sum())


def _widest_row(block: bytes) -> int:
    """Cells in the fullest row of a block (for the rare sheets whose cells carry no reference: the reader then
    counts them)."""
    return max((row.count(b"<c") - row.count(b"<col") for row in block.split(b"</row>")), default=0)


@dataclass
class _SheetScan:
    max_row: int = 0
    max_col: int = 0
    rows_without_ref: int = 0
    widest_unreferenced: int = 0


def _too_big(path: Path, member: str, what: str) -> HsskError:
    return HsskError(f"Tệp {path.name} không nhập được: phần «{member}» {what}. Tệp có thể bị hỏng hoặc được tạo để "
                     "làm treo máy; hãy mở bằng Excel, xoá các ô thừa và lưu lại.", f"{member}: {what}")


def check_workbook(path: Path, lim: ImportLimits | None = None) -> None:
    """Refuse a workbook whose parts or sheets are beyond the limits. Not a zip: left to the reader (an old .xls,
    or a broken file it reports)."""
    lim = lim or limits()
    check_not_encrypted(path)
    try:
        book = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return
    with book:
        for info in book.infolist():
            if info.is_dir():
                continue
            name = info.filename
            is_sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
            scan = _scan_member(path, book, info, lim, is_sheet)
            if not is_sheet:
                continue
            max_row = scan.max_row + scan.rows_without_ref
            max_col = max(scan.max_col, scan.widest_unreferenced)
            if max_col > lim.max_columns:
                raise _too_big(path, name, f"có ô ở cột {vn_int(max_col)} ({_column_name(min(max_col, 10 ** 6))}), "
                                           f"vượt giới hạn {vn_int(lim.max_columns)} cột (max_columns)")
            if max_row > lim.max_rows:
                raise _too_big(path, name, f"có ô ở dòng {vn_int(max_row)}, vượt giới hạn {vn_int(lim.max_rows)} "
                                           "dòng (max_rows)")
            if max_row * max_col > lim.max_grid_cells:
                raise _too_big(path, name, f"trải trên {vn_int(max_row)} dòng × {vn_int(max_col)} cột = "
                                           f"{vn_int(max_row * max_col)} ô, vượt giới hạn {vn_int(lim.max_grid_cells)} "
                                           "ô của một trang tính (max_grid_cells)")


def _scan_member(path: Path, book: zipfile.ZipFile, info: zipfile.ZipInfo, lim: ImportLimits,
                 is_sheet: bool) -> _SheetScan:
    """Decompress one part in blocks, counting its real size (a declared size can lie) and, for a sheet, the
    rows and columns its cells reach."""
    name = info.filename
    limit = lim.max_sheet_mb * MB
    ratio_floor = 16 * MB

    def check_size(size: int) -> None:
        if size > limit:
            raise _too_big(path, name, f"giải nén ra hơn {vn_int(lim.max_sheet_mb)} MB (max_sheet_mb)")
        if size > ratio_floor and size > lim.max_compression_ratio * max(info.compress_size, 1):
            raise _too_big(path, name, f"nén {vn_int(size // max(info.compress_size, 1))} lần, vượt tỷ lệ nén "
                                       f"{vn_int(lim.max_compression_ratio)} lần (max_compression_ratio)")

    check_size(info.file_size)
    scan = _SheetScan()
    size = 0
    carry = b""
    max_carry = lim.max_columns * lim.max_cell_bytes + MB
    try:
        with book.open(info) as fh:
            while True:
                data = fh.read(BLOCK)
                size += len(data)
                check_size(size)
                if not data and not carry:
                    break
                block = carry + data
                if data and is_sheet:
                    cut = block.rfind(b"</row>")
                    if cut < 0:
                        if len(block) > max_carry:
                            raise _too_big(path, name, f"có một dòng dài hơn {vn_int(max_carry // MB)} MB")
                        carry = block
                        continue
                    block, carry = block[:cut + 6], block[cut + 6:]
                else:
                    carry = b""
                if is_sheet:
                    _scan_sheet_block(block, scan)
                if not data:
                    break
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:  # CRC, truncated, bad compression
        raise HsskError(f"Không đọc được tệp Excel {path.name}: tệp hỏng (phần «{name}»).", str(exc)) from exc
    return scan


def _scan_sheet_block(block: bytes, scan: _SheetScan) -> None:
    max_row, max_col, cells_with_ref, rows_with_ref = _refs(block)
    scan.max_row = max(scan.max_row, max_row)
    scan.max_col = max(scan.max_col, max_col)
    n_cells, n_rows = _elements(block)
    if n_cells > cells_with_ref:  # cells without a reference: the reader places them one after another
        scan.widest_unreferenced = max(scan.widest_unreferenced, max_col + _widest_row(block))
    scan.rows_without_ref += max(0, n_rows - rows_with_ref)


# ------------------------------------------------------------------------------------------------- text
@dataclass
class TextScan:
    encoding: str  # a Python codec name that pyarrow's reader accepts (it drops a UTF-16 BOM itself)
    bom: int  # bytes of byte-order mark at the start


def _line_of(path: Path, offset: int) -> int:
    """1-based line of a byte offset (read again in blocks: only on the way to a refusal)."""
    lines, done = 1, 0
    with open(path, "rb") as fh:
        while done < offset:
            data = fh.read(min(BLOCK, offset - done))
            if not data:
                break
            lines += data.count(b"\n")
            done += len(data)
    return lines


def _refuse_encoding(path: Path, line: int, what: str, detail: str) -> HsskError:
    return HsskError(f"Tệp {path.name}, dòng {vn_int(line)}: {what}. Hãy mở tệp bằng Excel và lưu lại dưới dạng "
                     "«CSV UTF-8 (phân cách bằng dấu phẩy)» rồi nhập lại.", detail)


def scan_text(path: Path, lim: ImportLimits | None = None) -> TextScan:
    """Decide the encoding of the whole file (UTF-16 with its BOM, UTF-8, else Windows-1258) and check it holds
    from the first line to the last; check line lengths and the number of lines. A file that changes encoding is
    refused with the line where it changes: decoding it either way would garble part of it in silence."""
    lim = lim or limits()
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _scan_utf16(path, lim, head)
    if head.count(b"\x00") > len(head) // 10:
        raise HsskError(f"Tệp {path.name} không phải tệp văn bản CSV (có dữ liệu nhị phân).", "binary content")
    bom = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    first_bad, first_bad_reason, first_non_ascii = _scan_utf8(path, lim)
    if first_bad < 0:
        return TextScan("utf-8", bom)
    if 0 <= first_non_ascii < first_bad or bom:  # UTF-8 text first, then bytes that are not UTF-8
        raise _refuse_encoding(path, _line_of(path, first_bad),
                               "từ dòng này tệp không còn là UTF-8 (các dòng trước là UTF-8): tệp trộn hai bảng mã",
                               f"mixed encodings: {first_bad_reason} at byte {first_bad}")
    # Windows-1258 from the first non-ASCII byte: every byte must decode, and no UTF-8 letters may follow
    _check_cp1258(path, first_bad)
    return TextScan("cp1258", 0)


def _blocks(path: Path, start: int = 0):
    """(offset, bytes) of the file in blocks, each ending at a line break (a line longer than a block is kept
    whole up to the line limit, so no character or line is ever cut in two)."""
    with open(path, "rb") as fh:
        fh.seek(start)
        offset, carry = start, b""
        while True:
            data = fh.read(BLOCK)
            if not data:
                if carry:
                    yield offset, carry
                return
            block = carry + data
            cut = block.rfind(b"\n")
            if cut < 0:
                carry = block
                if len(carry) > 2 * BLOCK:  # no line break at all: yield as it is (the line check refuses it)
                    yield offset, carry
                    offset, carry = offset + len(carry), b""
                continue
            yield offset, block[:cut + 1]
            offset += cut + 1
            carry = block[cut + 1:]


def _scan_utf8(path: Path, lim: ImportLimits) -> tuple[int, str, int]:
    """(offset of the first byte that is not UTF-8 or -1, why, offset of the first non-ASCII byte or -1), in one
    pass; refuses a file with a line or line count beyond the limits."""
    lines, end = 0, 0
    last_break = -1  # offset of the previous line break
    first_non_ascii = -1
    first_bad, why = -1, ""
    for offset, block in _blocks(path):
        a = np.frombuffer(block, np.uint8)
        breaks = np.flatnonzero(a == 10) + offset
        if len(breaks):
            gaps = np.diff(np.concatenate([[last_break], breaks]))
            longest = int(gaps.argmax())
            if gaps[longest] - 1 > lim.max_line_bytes:
                _refuse_line(path, lines + longest + 1, int(gaps[longest]), lim)
            last_break = int(breaks[-1])
        elif len(block) > lim.max_line_bytes:
            _refuse_line(path, lines + 1, len(block), lim)
        lines += len(breaks)
        if lines > lim.max_rows + 100:
            raise HsskError(f"Tệp {path.name} có hơn {vn_int(lim.max_rows)} dòng, vượt giới hạn (max_rows).",
                            "too many lines")
        end = offset + len(block)
        if first_bad >= 0:
            continue
        if first_non_ascii < 0 and not block.isascii():
            first_non_ascii = offset + int((a >= 128).argmax())
        if not _valid_utf8(block):
            try:
                block.decode("utf-8")
            except UnicodeDecodeError as exc:
                first_bad, why = offset + exc.start, exc.reason
    if end - last_break - 1 > lim.max_line_bytes:  # the last line, without a line break
        _refuse_line(path, lines + 1, end - last_break - 1, lim)
    return first_bad, why, first_non_ascii


def _valid_utf8(block: bytes) -> bool:
    """Arrow's UTF-8 validation over the block, without copying it or making a Python string."""
    offsets = pa.py_buffer(np.array([0, len(block)], np.int64).tobytes())
    array = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(block)])
    try:
        array.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _refuse_line(path: Path, line: int, size: int, lim: ImportLimits):
    raise HsskError(f"Tệp {path.name}, dòng {vn_int(line)}: dòng dài {vn_int(size)} byte, vượt giới hạn "
                    f"{vn_int(lim.max_line_bytes)} byte một dòng (8 × max_cell_bytes). Tệp có thể bị hỏng.",
                    "line too long")


def _check_cp1258(path: Path, start: int) -> None:
    with open(path, "rb") as fh:  # the UTF-8 check starts at the line of the first non-UTF-8 byte
        fh.seek(max(0, start - 4096))
        before = fh.read(start - max(0, start - 4096))
    line_start = start - len(before) + before.rfind(b"\n") + 1
    for offset, block in _blocks(path):
        try:
            block.decode("cp1258")
        except UnicodeDecodeError as exc:
            raise _refuse_encoding(path, _line_of(path, offset + exc.start),
                                   f"có byte 0x{block[exc.start]:02X} không thuộc bảng mã Windows-1258 nào",
                                   f"cp1258: {exc.reason}") from None
        if offset + len(block) <= line_start:
            continue
        found = _find(block[max(0, line_start - offset):], _VIET_UTF8_RE)
        if found >= 0:
            at = max(offset, line_start) + found
            raise _refuse_encoding(
                path, _line_of(path, at),
                f"dòng này là UTF-8 trong khi từ dòng {vn_int(_line_of(path, start))} tệp dùng bảng mã Windows-1258: "
                "tệp trộn hai bảng mã", f"mixed encodings: UTF-8 at byte {at}, cp1258 at byte {start}")


def _scan_utf16(path: Path, lim: ImportLimits, head: bytes) -> TextScan:
    """A "Unicode Text" export of Excel: UTF-16 with a BOM, tab-separated."""
    codec = "utf-16-le" if head.startswith(b"\xff\xfe") else "utf-16-be"
    decoder = codecs.getincrementaldecoder(codec)("strict")
    lines = 0
    with open(path, "rb") as fh:
        fh.read(2)
        while data := fh.read(BLOCK):
            try:
                text = decoder.decode(data)
            except UnicodeDecodeError as exc:
                raise _refuse_encoding(path, lines + 1, "có ký tự UTF-16 không hợp lệ", str(exc)) from None
            lines += text.count("\n")
            longest = max(map(len, text.split("\n"))) if len(text) > lim.max_line_bytes // 2 else 0
            if longest * 2 > lim.max_line_bytes:
                _refuse_line(path, lines, longest * 2, lim)
            if lines > lim.max_rows + 100:
                raise HsskError(f"Tệp {path.name} có hơn {vn_int(lim.max_rows)} dòng, vượt giới hạn (max_rows).",
                                "too many lines")
    return TextScan("utf-16", 2)
