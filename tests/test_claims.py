"""BHYT claim XML import (kind `claims`): formats, standardisation, provenance, detail tables, hostile files."""

from __future__ import annotations

import base64
import json
import zipfile

import pandas as pd
import pytest

from hssk.errors import HsskError
from hssk.ingest import claims
from hssk.ingest.store import import_files, raw_row, undo_last_import

XML_DECL = '<?xml version="1.0" encoding="utf-8"?>\r\n'


def xml1_130(ma_lk="LK001", **over) -> str:
    fields = {
        "MA_LK": ma_lk, "STT": "1", "MA_BN": "BN01", "HO_TEN": "Nguyễn Văn An", "SO_CCCD": "001085012345",
        "NGAY_SINH": "198501150000", "GIOI_TINH": "1", "MA_DANTOC": "01",
        "DIA_CHI": "Thôn Giang Cao, xã Bát Tràng, TP Hà Nội", "MAXA_CU_TRU": "00583", "DIEN_THOAI": "0912345678",
        "MA_THE_BHYT": "GD4010123456789", "CHAN_DOAN_RV": "Tăng huyết áp", "MA_BENH_CHINH": "I10",
        "MA_BENH_KT": "E11.9;B18.1", "NGAY_VAO": "202610010830", "MA_CSKCB": "01880",
    }
    fields.update(over)
    return "<TONG_HOP>" + "".join(f"<{k}>{v}</{k}>" if v is not None else "" for k, v in fields.items()) + "</TONG_HOP>"


def xml1_4210(ma_lk="LK900", **over) -> str:
    fields = {
        "MA_LK": ma_lk, "STT": "1", "MA_BN": "BN09", "HO_TEN": "Trần Thị Bình", "NGAY_SINH": "19700000",
        "GIOI_TINH": "2", "DIA_CHI": "Thôn Khoan Tế, xã Bát Tràng, TP Hà Nội", "MA_THE": "HC4010987654321",
        "TEN_BENH": "Viêm dạ dày", "MA_BENH": "K29.7", "MA_BENHKHAC": "I10", "NGAY_VAO": "202609150900",
        "MA_CSKCB": "01815",
    }
    fields.update(over)
    return "<TONG_HOP>" + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items()) + "</TONG_HOP>"


XML2 = ("<CHITIEU_CHITIET_THUOC><DSACH_CHI_TIET_THUOC>"
        "<CHI_TIET_THUOC><MA_LK>{lk}</MA_LK><STT>1</STT><MA_THUOC>40.17</MA_THUOC></CHI_TIET_THUOC>"
        "<CHI_TIET_THUOC><MA_LK>{lk}</MA_LK><STT>2</STT><MA_THUOC>40.48</MA_THUOC></CHI_TIET_THUOC>"
        "</DSACH_CHI_TIET_THUOC></CHITIEU_CHITIET_THUOC>")
XML4_BARE = ("<DSACH_CHI_TIET_CLS><CHI_TIET_CLS><MA_LK>{lk}</MA_LK><MA_CHI_SO>GLU</MA_CHI_SO>"
             "<GIA_TRI>7.2</GIA_TRI></CHI_TIET_CLS></DSACH_CHI_TIET_CLS>")


def b64(text: str) -> str:
    return base64.b64encode((XML_DECL + text).encode("utf-8")).decode()


def envelope(*hosos: list[tuple[str, str]]) -> str:
    body = "".join(
        "<HOSO>" + "".join(f"<FILEHOSO><LOAIHOSO>{t}</LOAIHOSO><NOIDUNGFILE>{c}</NOIDUNGFILE></FILEHOSO>"
                           for t, c in files) + "</HOSO>" for files in hosos)
    return (XML_DECL + "<GIAMDINHHS><THONGTINDONVI><MACSKCB>01880</MACSKCB></THONGTINDONVI><THONGTINHOSO>"
            f"<NGAYLAP>20261002</NGAYLAP><SOLUONGHOSO>{len(hosos)}</SOLUONGHOSO><DANHSACHHOSO>{body}"
            "</DANHSACHHOSO></THONGTINHOSO><CHUKYDONVI /></GIAMDINHHS>")


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def visits(con):
    return con.execute("select * from current_clean where kind = 'claims' order by record_id").df().set_index(
        "record_id")


def state(con):
    return con.execute("select (select count(*) from import_batches), (select count(*) from import_files), "
                       "(select count(*) from raw_rows), (select count(*) from clean), "
                       "(select count(*) from findings)").fetchall()[0]


# ------------------------------------------------------------------------------------------------ formats
def test_an_envelope_gives_one_standardised_row_per_hoso(con, tmp_path):
    path = write(tmp_path / "thang10.xml", envelope(
        [("XML1", b64(xml1_130("LK001"))), ("XML2", b64(XML2.format(lk="LK001"))),
         ("XML4", b64(XML4_BARE.format(lk="LK001")))],
        [("XML1", b64(xml1_130("LK002", HO_TEN="Lê Thị Cúc", GIOI_TINH="2", SO_CCCD="012345678",
                                NGAY_SINH="199003000000", MA_THE_BHYT="XX123;DN4010111222333",
                                MA_BENH_CHINH="Z34.9", MA_BENH_KT=None, NGAY_VAO="202610020700")))],
    ))
    result = import_files(con, [path], "claims")
    assert result.n_rows == 2
    rows = visits(con)
    assert list(rows.index) == ["LK001", "LK002"]
    a, b = rows.loc["LK001"], rows.loc["LK002"]
    assert a["record_key"] == "claims:01880:LK001"
    assert (a["full_name"], a["sex"], a["personal_id"], a["ethnicity_code"]) == ("Nguyễn Văn An", "M", "001085012345",
                                                                                  "01")
    assert (str(a["birth_date"])[:10], a["birth_precision"], a["birth_date_orig"]) == ("1985-01-15", "day",
                                                                                       "198501150000")
    assert (a["insurance_card"], a["social_insurance_no"]) == ("GD4010123456789", "0123456789")
    assert (a["village"], a["commune_code"], a["phone"]) == ("Giang Cao", "00583", "0912345678")
    assert (a["event_code"], a["diagnosis_codes"], str(a["event_date"])[:10]) == ("I10", "I10;E11.9;B18.1",
                                                                                   "2026-10-01")
    # 9 digits: an old CMND; a card list: the first valid card; 00 day: a month-precision date
    assert pd.isna(b["personal_id"]) and b["old_id"] == "012345678"
    assert (b["insurance_card"], b["insurance_no_orig"]) == ("DN4010111222333", "XX123;DN4010111222333")
    assert (b["birth_year"], b["birth_month"], b["birth_precision"]) == (1990, 3, "month")
    assert (b["sex"], b["diagnosis_codes"]) == ("F", "Z34.9")


def test_every_xml1_element_and_the_provenance_are_kept_as_read(con, tmp_path):
    path = write(tmp_path / "a.xml", envelope([("XML1", b64(xml1_130("LK7", GHI_CHU="  chữ  thừa ")))]))
    import_files(con, [path], "claims")
    rec_uid = con.execute("select rec_uid from clean").fetchone()[0]
    raw = raw_row(con, rec_uid)
    assert raw["HOSO_STT"] == "1"
    assert raw["NGAY_SINH"] == "198501150000" and raw["MA_THE_BHYT"] == "GD4010123456789"
    assert raw["GHI_CHU"] == "  chữ  thừa "
    assert con.execute("select file_name from import_files").fetchone()[0] == "a.xml"
    # every element a claim format defines is known; others are reported (and kept)
    assert json.loads(con.execute("select unknown_columns from import_files").fetchone()[0]) == []
    import_files(con, [write(tmp_path / "b.xml", XML_DECL + xml1_130("LK8", MA_RIENG_HIS="x"))], "claims")
    assert json.loads(con.execute("select unknown_columns from import_files where file_name = 'b.xml'")
                      .fetchone()[0]) == ["MA_RIENG_HIS"]


def test_qd_4210_names_and_8_char_birth_dates_are_read_alike(con, tmp_path):
    path = write(tmp_path / "bare4210.xml", XML_DECL + "<DSACH>" + xml1_4210("LK900") + xml1_4210(
        "LK901", NGAY_SINH="19700512", MA_THE="HC4010987654321;HC4019987654321") + "</DSACH>")
    import_files(con, [path], "claims")
    rows = visits(con)
    a, b = rows.loc["LK900"], rows.loc["LK901"]
    assert (a["insurance_card"], a["event_code"], a["diagnosis_codes"]) == ("HC4010987654321", "K29.7", "K29.7;I10")
    assert (a["birth_year"], a["birth_precision"], a["event_description"]) == (1970, "year", "Viêm dạ dày")
    assert (str(b["birth_date"])[:10], b["insurance_card"]) == ("1970-05-12", "HC4010987654321")
    assert pd.isna(a["personal_id"])  # QĐ 4210 has no SO_CCCD
    assert a["village"] == "Khoan Tế"


def test_zip_folders_and_bare_documents_import_with_their_member(con, tmp_path):
    folder = tmp_path / "lo"
    (folder / "sub").mkdir(parents=True)
    write(folder / "sub" / "bare.xml", XML_DECL + xml1_130("LK10"))
    with zipfile.ZipFile(folder / "his.zip", "w") as zf:
        zf.writestr("xml/LK11.xml", XML_DECL + xml1_130("LK11"))
        zf.writestr("xml/LK12.xml", envelope([("XML1", b64(xml1_4210("LK12")))]))
        zf.writestr("readme.txt", "không phải XML")
    (folder / "ghi_chu.txt").write_text("bỏ qua")
    result = import_files(con, [folder], "claims")
    assert result.n_rows == 3
    # a QĐ 130 and a QĐ 4210 member map differently: two parts of the zip
    assert sorted(f["file_name"] for f in result.files) == ["bare.xml", "his.zip", "his.zip"]
    rows = visits(con)
    assert list(rows.index) == ["LK10", "LK11", "LK12"]
    members = {r: raw_row(con, rows.loc[r, "rec_uid"]).get("ZIP_MEMBER") for r in rows.index}
    assert members == {"LK10": None, "LK11": "xml/LK11.xml", "LK12": "xml/LK12.xml"}
    # QĐ 130 and QĐ 4210 members of one zip: both standardised
    assert rows.loc["LK11", "insurance_card"] == "GD4010123456789"
    assert rows.loc["LK12", "insurance_card"] == "HC4010987654321"
    # importing the same folder again adds nothing (event kind)
    assert import_files(con, [folder], "claims").batch_id is None


def test_drugs_services_and_lab_rows_are_kept_per_visit(con, tmp_path):
    path = write(tmp_path / "a.xml", envelope(
        [("XML1", b64(xml1_130("LK1"))), ("XML2", b64(XML2.format(lk="LK1"))),
         ("XML4", b64(XML4_BARE.format(lk="LK1")))],
        [("XML1", b64(xml1_130("LK2")))]))
    import_files(con, [path], "claims")
    items = con.execute("select visit_key, table_name, item_no, item->>'MA_THUOC', item->>'GIA_TRI' "
                        "from claim_items order by all").fetchall()
    assert items == [("LK1", "XML2", 1, "40.17", None), ("LK1", "XML2", 2, "40.48", None),
                     ("LK1", "XML4", 1, None, "7.2")]
    codes = con.execute("select visit_key, code, position from claim_diagnoses order by all").fetchall()
    assert codes == [("LK1", "B18.1", 3), ("LK1", "E11.9", 2), ("LK1", "I10", 1),
                     ("LK2", "B18.1", 3), ("LK2", "E11.9", 2), ("LK2", "I10", 1)]


def test_a_corrected_visit_sent_again_replaces_the_first_and_undo_restores_it(con, tmp_path):
    import_files(con, [write(tmp_path / "a.xml", envelope([("XML1", b64(xml1_130("LK1")))]))], "claims")
    import_files(con, [write(tmp_path / "b.xml", envelope([("XML1", b64(xml1_130("LK1", MA_BENH_CHINH="E11")))]))],
                 "claims")
    assert visits(con).loc["LK1", "event_code"] == "E11"
    undo_last_import(con)
    assert visits(con).loc["LK1", "event_code"] == "I10"


def test_nested_inner_documents_and_a_blank_line_before_the_declaration_are_read(con, tmp_path):
    nested = envelope([("XML1", xml1_130("LK1")), ("XML2", XML2.format(lk="LK1"))])
    import_files(con, [write(tmp_path / "a.xml", "\r\n" + nested)], "claims")
    assert list(visits(con).index) == ["LK1"]
    assert con.execute("select count(*) from claim_items").fetchall()[0][0] == 2


def test_values_in_claim_formats():
    assert claims.claim_date_text("198501150830") == "15/01/1985"
    assert claims.claim_date_text("198500000000") == "1985"
    assert claims.claim_date_text("19850300") == "03/1985"
    assert claims.claim_date_text("15/01/1985") == "15/01/1985"
    assert claims.first_valid_card("sai;GD4010123456789;HC4010123456789") == "GD4010123456789"
    assert claims.first_valid_card("sai") == "sai"
    assert claims.normalize_icd(" e119 ") == "E11.9" and claims.normalize_icd("viêm") is None
    assert claims.diagnosis_list("I10", "E11.9; I10;;B18.1") == "I10;E11.9;B18.1"


# ------------------------------------------------------------------------------------------------ hostile files
BILLION_LAUGHS = (XML_DECL + '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
                  '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;">]>'
                  "<TONG_HOP><MA_LK>LK1</MA_LK><HO_TEN>&lol4;</HO_TEN><NGAY_SINH>19800101</NGAY_SINH></TONG_HOP>")
EXTERNAL = (XML_DECL + '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            "<TONG_HOP><MA_LK>LK1</MA_LK><HO_TEN>&xxe;</HO_TEN><NGAY_SINH>19800101</NGAY_SINH></TONG_HOP>")


def _truncated_base64():
    full = b64(xml1_130("LK1"))
    return envelope([("XML1", full[: len(full) // 2 + 1])])


def _truncated_aligned_base64():  # decodes, but the inner document is cut
    full = b64(xml1_130("LK1"))
    return envelope([("XML1", full[: (len(full) // 2) // 4 * 4])])


HOSTILE = {
    "billion_laughs": (BILLION_LAUGHS, "DTD"),
    "external_entity": (EXTERNAL, "thực thể bên ngoài"),
    "external_entity_inside_base64": (envelope([("XML1", b64(EXTERNAL.removeprefix(XML_DECL)))]), "DTD"),
    "truncated_base64": (_truncated_base64(), "base64"),
    "truncated_inner_document": (_truncated_aligned_base64(), "bị cắt cụt"),
    "missing_ma_lk": (envelope([("XML1", b64(xml1_130(None)))]), "thiếu MA_LK"),
    "blank_ma_lk": (XML_DECL + xml1_130("  "), "thiếu MA_LK"),
    "not_xml": ("Họ tên,Ngày sinh\nAn,1985\n", "không phải tài liệu XML"),
    "xml_without_visits": (XML_DECL + "<DSACH_CHI_TIET_THUOC><CHI_TIET_THUOC><MA_LK>1</MA_LK></CHI_TIET_THUOC>"
                           "</DSACH_CHI_TIET_THUOC>", "không tìm thấy hồ sơ XML1"),
    "hoso_without_xml1": (envelope([("XML2", b64(XML2.format(lk="LK1")))]), "không có bảng XML1"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_or_malformed_file_is_refused_by_name_and_the_batch_rolls_back(con, tmp_path, case):
    text, reason = HOSTILE[case]
    import_files(con, [write(tmp_path / "truoc.xml", envelope([("XML1", b64(xml1_130("LK0")))]))], "claims")
    before = state(con)
    good = write(tmp_path / "tot.xml", envelope([("XML1", b64(xml1_130("LK5")))]))
    bad = write(tmp_path / "xau.xml", text)
    with pytest.raises(HsskError) as info:
        import_files(con, [good, bad], "claims")
    assert "xau.xml" in info.value.args[0] and reason in info.value.args[0], info.value.args[0]
    assert "bị từ chối" in info.value.args[0]
    assert state(con) == before


def test_entities_are_never_expanded_nor_fetched(tmp_path):
    with pytest.raises(HsskError):
        claims.parse_xml(BILLION_LAUGHS.encode(), "x.xml")
    with pytest.raises(HsskError):
        claims.parse_xml(EXTERNAL.encode(), "x.xml")


def test_size_limits_refuse_large_files_and_zip_members(con, tmp_path, monkeypatch):
    monkeypatch.setattr(claims, "MAX_FILE_BYTES", 2000)
    big = write(tmp_path / "lon.xml", XML_DECL + "<DSACH>" + xml1_130("LK1") * 20 + "</DSACH>")
    with pytest.raises(HsskError, match="lon.xml.*quá lớn"):
        import_files(con, [big], "claims")
    with zipfile.ZipFile(tmp_path / "bom.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.xml", XML_DECL + "<DSACH>" + " " * 100_000 + xml1_130("LK1") + "</DSACH>")
    with pytest.raises(HsskError, match="bom.zip › a.xml.*quá lớn"):
        import_files(con, [tmp_path / "bom.zip"], "claims")
    assert state(con) == (0, 0, 0, 0, 0)


def test_a_broken_zip_is_refused(con, tmp_path):
    path = tmp_path / "hong.zip"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(HsskError, match="hong.zip"):
        import_files(con, [path], "claims")
    assert state(con) == (0, 0, 0, 0, 0)


def test_an_empty_folder_is_refused(con, tmp_path):
    (tmp_path / "rong").mkdir()
    with pytest.raises(HsskError, match="không có tệp .xml"):
        import_files(con, [tmp_path / "rong"], "claims")


def test_the_command_line_imports_a_folder_and_refuses_a_bad_file(tmp_path, capsys):
    from hssk.cli import main
    from hssk.db import connect

    folder = tmp_path / "lo"
    folder.mkdir()
    write(folder / "a.xml", envelope([("XML1", b64(xml1_130("LK1")))], [("XML1", b64(xml1_4210("LK2")))]))
    db = tmp_path / "db.duckdb"
    assert main(["import", str(folder), "--kind", "claims", "--db", str(db)]) == 0
    assert "Đã nhập 2 dòng (Hồ sơ giám định BHYT" in capsys.readouterr().out  # the kind in words, never its code
    write(folder / "b.xml", BILLION_LAUGHS)
    assert main(["import", str(folder), "--kind", "claims", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "b.xml bị từ chối" in err and "Traceback" not in err
    with connect(db) as con:
        assert con.execute("select count(*) from clean").fetchall()[0][0] == 2
