"""The import, quality and worklist pages through AppTest: what each kind accepts, claim XML and UTF-16 text
imported on the page, data entry undoing its own import (and only its own), the register's villages mapped on
Chất lượng by the head (others see the list), and the new worklists offered on Danh sách công việc."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from test_app import USERS, accounts, accounts_template, app_db, logged_in, texts  # noqa: F401  (fixtures)
from test_app_words import everything, problems

from hssk import audit, auth, db, kpi, labels, worklists
from hssk.app import privacy, widgets
from hssk.ingest import villages
from hssk.ingest.store import import_files
from hssk.refresh import bring_up_to_date
from tests.files import write_csv

PAGE = "pages/nhap_du_lieu.py"
XML_DECL = '<?xml version="1.0" encoding="utf-8"?>'


def xml1(ma_lk: str, name: str, cccd: str) -> str:
    fields = {"MA_LK": ma_lk, "STT": "1", "MA_BN": "BN" + ma_lk, "HO_TEN": name, "SO_CCCD": cccd,
              "NGAY_SINH": "198501150000", "GIOI_TINH": "1", "MA_DANTOC": "01",
              "DIA_CHI": "Thôn Giang Cao, xã Bát Tràng", "MA_THE_BHYT": "GD4010123456789", "MA_BENH_CHINH": "I10",
              "NGAY_VAO": "202610010830", "MA_CSKCB": "01880"}
    return "<TONG_HOP>" + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items()) + "</TONG_HOP>"


def envelope(*documents: str) -> bytes:
    hosos = "".join("<HOSO><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>"
                    + base64.b64encode((XML_DECL + d).encode()).decode() + "</NOIDUNGFILE></FILEHOSO></HOSO>"
                    for d in documents)
    return (XML_DECL + "<GIAMDINHHS><THONGTINDONVI><MACSKCB>01880</MACSKCB></THONGTINDONVI><THONGTINHOSO>"
            f"<NGAYLAP>20261002</NGAYLAP><SOLUONGHOSO>{len(documents)}</SOLUONGHOSO><DANHSACHHOSO>{hosos}"
            "</DANHSACHHOSO></THONGTINHOSO><CHUKYDONVI /></GIAMDINHHS>").encode()


POPULATION_CSV = ("Số định danh cá nhân,Họ và tên,Ngày sinh,Giới tính,Thôn\n"
                  "001085012345,Nguyễn Văn An,15/01/1985,Nam,Giang Cao\n"
                  "001190012346,Lê Thị Bình,06/04/1990,Nữ,Giang Cao\n").encode()


def upload(at, kind: str, name: str, data: bytes, mime: str = "text/csv"):
    at.selectbox(key="import_kind").select(kind).run()
    at.file_uploader(key="import_files").upload(name, data, mime)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.button(key="check_import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def commit(at):
    at.button(key="commit_import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def count(path: Path, sql: str):
    con = db.connect(path)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------- Nhập dữ liệu
def test_each_kind_says_what_it_accepts_and_the_uploader_takes_it(accounts):
    at = logged_in("nhap_lieu").switch_page(PAGE).run()
    for kind, takes, refuses in (("claims", {".xml", ".zip"}, {".csv", ".xlsx"}),
                                 ("hssk", {".xlsx", ".csv", ".txt"}, {".xml"})):
        at.selectbox(key="import_kind").select(kind).run()
        assert labels.IMPORT_ACCEPTS[kind] in texts(at)
        accepted = set(at.get("file_uploader")[0].proto.type)
        assert takes <= accepted and not refuses & accepted, (kind, accepted)


def test_claim_xml_is_imported_on_the_page(accounts):
    at = logged_in("nhap_lieu").switch_page(PAGE).run()
    upload(at, "claims", "giamdinh.xml", envelope(xml1("LK1", "Nguyễn Văn An", "001085012345"),
                                                  xml1("LK2", "Lê Văn Cường", "001080099999")), "text/xml")
    assert "Đọc được 2 dòng" in at.success[0].value
    commit(at)
    assert count(accounts, "select count(*) from current_clean where kind = 'claims'") == 2
    done = " ".join(m.value for m in at.success)
    assert "Đã nhập 2 dòng (Hồ sơ giám định BHYT (XML 130/4210))" in done and "claims" not in done
    assert count(accounts, "select string_agg(record_id, ',' order by record_id) from current_clean") == "LK1,LK2"


def test_a_utf16_unicode_text_export_is_imported_on_the_page(accounts):
    rows = POPULATION_CSV.decode().replace(",", "\t").splitlines()
    at = logged_in("nhap_lieu").switch_page(PAGE).run()
    upload(at, "population", "dan_cu.txt", "\r\n".join(rows).encode("utf-16"), "text/plain")
    assert "Đọc được 2 dòng" in at.success[0].value
    commit(at)
    assert count(accounts, "select string_agg(full_name, ',' order by full_name) from current_clean") == \
        "Lê Thị Bình,Nguyễn Văn An"


def test_data_entry_undoes_its_own_last_import(accounts):
    at = logged_in("nhap_lieu").switch_page(PAGE).run()
    commit(upload(at, "population", "dan_cu.csv", POPULATION_CSV))
    assert count(accounts, "select count(*) from current_clean") == 2
    at.run()
    at.checkbox(key="undo_confirm").check().run()
    at.button(key="undo_import").click().run()
    assert not at.exception
    assert count(accounts, "select count(*) from current_clean") == 0
    con = db.connect(accounts)
    log = audit.read_log(con, action="undo_import")
    con.close()
    assert log["user_name"].tolist() == [USERS["nhap_lieu"]]


@pytest.mark.parametrize(("importer", "undoer"), [("phan_tich", "truong_tram"), ("truong_tram", "phan_tich")])
def test_data_entry_cannot_undo_an_import_made_by_someone_else(accounts, importer, undoer):
    commit(upload(logged_in(importer).switch_page(PAGE).run(), "population", "dan_cu.csv", POPULATION_CSV))
    at = logged_in("nhap_lieu").switch_page(PAGE).run()
    assert "undo_import" not in [b.key for b in at.button]
    assert "chính bạn đã nhập lô đó" in texts(at)
    # the head and the analyst may undo the last import whoever made it
    at = logged_in(undoer).switch_page(PAGE).run()
    at.checkbox(key="undo_confirm").check().run()
    at.button(key="undo_import").click().run()
    assert not at.exception
    assert count(accounts, "select count(*) from current_clean") == 0


# ---------------------------------------------------------------------------------------------- Chất lượng
REGISTER = [["Số định danh cá nhân", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Thôn"],
            ["001080012345", "Nguyễn Văn An", "05/03/1980", "Nam", "Kinh", "Thôn Xuân Dục"],
            ["001180012346", "Lê Thị Bình", "06/04/1980", "Nữ", "Kinh", "Thôn Xuân Dục"]]
HSSK = [["Mã HSSK", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Dân tộc", "Thôn"],
        ["HS1", "Nguyễn Văn An", "05/03/1980", "Nam", "001080012345", "Kinh", "Xuân Dục"],
        ["HS2", "Lê Thị Bình", "06/04/1980", "Nữ", "001180012346", "Kinh", "Xuân Dụk"],  # a typo: no village
        ["HS3", "Trần Văn Hải", "01/01/1970", "Nam", "001070099999", "Kinh", "Đồi Thông"]]  # not in the register


@pytest.fixture
def station(accounts, tmp_path):
    con = db.connect(accounts)
    import_files(con, [write_csv(tmp_path / "dc.csv", REGISTER)], "population")
    import_files(con, [write_csv(tmp_path / "hs.csv", HSSK)], "hssk")
    bring_up_to_date(con)
    con.close()
    return accounts


def village_kpi(path: Path, village: str):
    """The village's admin KPI (share of its HSSK records right and complete); None when it is no village."""
    con = db.connect(path)
    try:
        return kpi.compute(con)["villages"].get(village, {}).get("kpi_admin")
    finally:
        con.close()


def test_the_head_maps_an_unknown_spelling_and_the_figures_follow(station):
    assert village_kpi(station, "Xuân Dục") == 0.5  # HS2 spells it «Xuân Dụk»: counted as wrong village
    at = logged_in("truong_tram").switch_page("pages/chat_luong.py").run()
    assert not at.exception
    table = next(df.value for df in at.dataframe if "Cách viết trong tệp" in df.value.columns)
    assert set(table["Cách viết trong tệp"]) == {"Xuân Dụk", "Đồi Thông"}
    assert set(table["Có trong nguồn"]) == {"HSSK"}
    row = table["Cách viết trong tệp"].tolist().index("Xuân Dụk")
    assert table["Thôn gợi ý"].iloc[row] == "Xuân Dục"
    assert at.selectbox(key=f"quality_villages_to_{row}").value == "Xuân Dục"  # the suggestion is preselected
    at.button(key=f"quality_villages_map_{row}").click().run()
    assert not at.exception
    assert "Đã gán «Xuân Dụk» cho thôn Xuân Dục" in texts(at)
    assert not problems(everything(at)), problems(everything(at))
    assert village_kpi(station, "Xuân Dục") == 1.0  # without re-import
    con = db.connect(station)
    assert [s for s in villages.unknown_spellings(con)["spelling"]] == ["Đồi Thông"]
    con.close()


def test_the_head_adds_a_new_village_for_a_spelling(station):
    at = logged_in("truong_tram").switch_page("pages/chat_luong.py").run()
    table = next(df.value for df in at.dataframe if "Cách viết trong tệp" in df.value.columns)
    row = table["Cách viết trong tệp"].tolist().index("Đồi Thông")
    at.selectbox(key=f"quality_villages_to_{row}").select(widgets.NEW_VILLAGE).run()
    at.text_input(key=f"quality_villages_new_{row}").input("Đồi Thông Mới").run()
    at.button(key=f"quality_villages_map_{row}").click().run()
    assert not at.exception
    assert count(station, "select string_agg(record_id, ',') from current_clean "
                          "where village = 'Đồi Thông Mới'") == "HS3"
    con = db.connect(station)
    assert "Đồi Thông Mới" in villages.known(con)
    con.close()


@pytest.mark.parametrize("role", ["phan_tich", "nhap_lieu", "xem"])
def test_other_roles_see_the_list_but_cannot_map(station, role):
    at = logged_in(role).switch_page("pages/chat_luong.py").run()
    assert not at.exception
    assert any("Cách viết trong tệp" in df.value.columns for df in at.dataframe)
    assert not [b for b in at.button if b.key.startswith("quality_villages_map_")]
    assert "Chỉ trưởng trạm gán được tên thôn" in texts(at)
    assert not problems(everything(at)), problems(everything(at))


def test_the_refresh_is_told_in_words():
    from hssk.link.run import LinkResult
    from hssk.refresh import Refreshed

    linked = LinkResult(run_id=2, n_records=1345, n_pairs=1511, n_persons=408, n_review=8, model_version=None,
                        timings={"total": 1.14})
    assert labels.refresh_done(Refreshed(linked, 3)) == (
        "Đã cập nhật số liệu: 1.345 hồ sơ thuộc 408 người; 8 cặp chờ người duyệt (lần ghép nối số 2, 1,1 giây).")


def test_control_characters_and_whole_rows_have_words():
    assert labels.finding_label("control_characters") == "Ký tự điều khiển đã bị xoá"
    assert labels.field_label("row") == "Cả dòng"


# ---------------------------------------------------------------------------------------------- Công việc
def test_the_worklist_page_offers_health_fill_and_the_record_to_enter(station, monkeypatch):
    offered = []
    real = privacy.download_button
    monkeypatch.setattr(privacy, "download_button",
                        lambda user, label, build, file_name, what, **kw: (offered.append((file_name, build)),
                                                                          real(user, label, build, file_name,
                                                                               what, **kw)))
    at = logged_in("nhap_lieu").switch_page("pages/cong_viec.py").run()
    assert "health_fill" in at.selectbox(key="worklist_kind").options or \
        labels.WORKLIST_TITLES["health_fill"] in at.selectbox(key="worklist_kind").options
    at.selectbox(key="worklist_kind").set_value("health_fill").run()
    assert not at.exception
    assert "hồ sơ giám định BHYT" in texts(at)
    names = [n for n, _ in offered]
    assert "health_fill_toan_xa.csv" in names and "health_fill_toan_xa.xlsx" in names
    assert "ho_so_can_nhap_toan_xa.xlsx" in names and "ho_so_can_nhap_toan_xa.csv" in names
    con = db.connect(station)
    try:
        auth.ensure_schema(con)
        data = dict(offered)["ho_so_can_nhap_toan_xa.csv"](con).decode("utf-8-sig")
    finally:
        con.close()
    assert data.splitlines()[0].startswith("Thôn,Mã người (công cụ),Mã HSSK") and "Nguyễn Văn An" in data
    assert worklists.RECORD_TO_ENTER in worklists.KINDS
