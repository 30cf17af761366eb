"""Builders for hand-made export files used by the tests."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl


def write_xlsx(path: Path, rows: list[list], title_rows: list[str] = (), sheet: str = "Sheet1") -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for title in title_rows:
        ws.append([title])
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def write_csv(path: Path, rows: list[list], *, encoding: str = "utf-8", delimiter: str = ",") -> Path:
    with open(path, "w", encoding=encoding, newline="", errors="strict") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def to_cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: precomposed letters where the code page has them (â ê ô ơ ư ă đ),
    the tone mark as a separate combining character."""
    import unicodedata

    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", ch)
        for mark in [m for m in marks if m in "\u0302\u0306\u031b"]:  # circumflex, breve, horn: part of the letter
            base = unicodedata.normalize("NFC", base + mark)
            marks.remove(mark)
        out += base.encode("cp1258") + "".join(marks).encode("cp1258")
    return bytes(out)


# ------------------------------------------------------------------------------------------- hostile files
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>')


def xml_cell(ref: str | None, text: str) -> str:
    from xml.sax.saxutils import escape

    where = f' r="{ref}"' if ref else ""
    return f'<c{where} t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def column_letters(n: int) -> str:
    """1 → A, 16384 → XFD (no upper bound: a hostile file may go beyond Excel's last column)."""
    name = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        name = chr(65 + rem) + name
    return name


def write_raw_xlsx(path: Path, rows: list[list[str | None]], *, dimension: str | None = None,
                   extra_cells: list[tuple[int, int, str]] = (), refs: bool = True) -> Path:
    """A workbook written by hand (inline strings), so a test controls what its sheet XML declares: the
    `<dimension>`, cells far away (row, column, text), or cells without a reference."""
    import zipfile

    by_row: dict[int, list[str]] = {}
    for i, row in enumerate(rows, start=1):
        by_row[i] = [xml_cell(f"{column_letters(j)}{i}" if refs else None, v)
                     for j, v in enumerate(row, start=1) if v is not None]
    for r, c, text in extra_cells:
        by_row.setdefault(r, []).append(xml_cell(f"{column_letters(c)}{r}", text))
    body = "".join((f'<row r="{r}">' if refs else "<row>") + "".join(cells) + "</row>"
                   for r, cells in sorted(by_row.items()))
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dim}'
             f"<sheetData>{body}</sheetData></worksheet>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _RELS)
        book.writestr("xl/workbook.xml", _WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        book.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def write_encrypted_xlsx(path: Path, rows: list[list], password: str = "matkhau") -> Path:
    """A workbook protected by a password, as Excel writes it (an OLE container with an EncryptedPackage)."""
    import io

    from msoffcrypto.format.ooxml import OOXMLFile

    plain = io.BytesIO()
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(plain)
    plain.seek(0)
    with open(path, "wb") as out:
        OOXMLFile(plain).encrypt(password, out)
    return path


def write_far_ods(path: Path, header: list[str]) -> Path:
    """An OpenDocument sheet whose repeated empty rows and cells reach row 1,048,572 and column 16,001."""
    import zipfile
    from xml.sax.saxutils import escape

    cells = "".join(f'<table:table-cell office:value-type="string"><text:p>{escape(h)}</text:p></table:table-cell>'
                    for h in header)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
        f'<office:spreadsheet><table:table table:name="Sheet1"><table:table-row>{cells}</table:table-row>'
        '<table:table-row table:number-rows-repeated="1048570"><table:table-cell '
        'table:number-columns-repeated="16380"/></table:table-row><table:table-row><table:table-cell '
        'table:number-columns-repeated="16000"/><table:table-cell office:value-type="string"><text:p>x</text:p>'
        "</table:table-cell></table:table-row></table:table></office:spreadsheet></office:body>"
        "</office:document-content>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        book.writestr("content.xml", content)
        book.writestr("META-INF/manifest.xml",
                      '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                      'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry '
                      'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                      '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                      "</manifest:manifest>")
    return path
