"""Every page for every role, every download and the import preview read in Vietnamese: no internal code, no field
key, no "None"/"nan", no ISO date or English-style percentage, no English UI word (issue 16, item 3)."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest
from test_app import APP, USERS, accounts, accounts_template, app_db, logged_in, texts  # noqa: F401  (fixtures)
from test_app_data import demo, file_cells, fresh  # noqa: F401  (fixtures)

from hssk import audit, db, quality, worklists
from hssk.app import nav, privacy
from hssk.normalize.legacy import encode_tcvn3, encode_vni

# Internal codes a person must never read: sources, field keys, finding codes, role codes, person events,
# decisions, detail codes — and what Python, pandas or Streamlit write for nothing.
INTERNAL = [
    "population", "deaths", "insurance", "care", "full_name", "birth_date", "birth_text", "personal_id", "old_id",
    "insurance_no", "insurance_card", "social_insurance_no", "household_code", "record_key", "record_id",
    "person_id", "ethnicity_code", "village", "phone", "missing", "invalid", "inconsistent", "legacy_encoding",
    "restored_zeros", "partial_date", "unknown_value", "truong_tram", "phan_tich", "nhap_lieu", "dong_lenh",
    "created", "merged", "moved_record", "retired", "accept", "reject", "undo", "vni", "tcvn3", "month", "year",
    "unknown_province", "sex_mismatch", "birth_year_mismatch", "view_personal", "login_failed", "worklist",
    "None", "none", "nan", "NaN", "NaT", "null", "True", "False", "UNCONFIRMED",
]
ENGLISH = ["Download", "Search", "Fullscreen", "Choose an option", "No results", "Page not found", "Error", "error",
           "Traceback", "Submit", "Browse files", "Drag and drop", "Loading", "Select all", "Clear", "the", "and",
           "of", "file", "files", "page", "row", "rows", "column", "total", "Total", "Other", "count", "value"]
_WORD = re.compile(r"(?<![\w/.:-])(" + "|".join(map(re.escape, INTERNAL + ENGLISH)) + r")(?![\w/-])")
_SNAKE = re.compile(r"(?<![\w/.-])[a-z]+_[a-z_]+(?![\w/.-])")  # any snake_case key
_ISO_DATE = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")
_EN_PERCENT = re.compile(r"(?<![\d.,])\d+\.\d+ ?%|\d%")
_ALLOWED = re.compile(r"`[^`]*`|\b[\w./-]+\.(?:csv|md|toml|xlsx|json|duckdb)\b")  # commands and file names


def problems(text: str) -> list[str]:
    text = _ALLOWED.sub(" ", text)
    found = [m.group(1) for m in _WORD.finditer(text)]
    found += _SNAKE.findall(text) + _ISO_DATE.findall(text) + _EN_PERCENT.findall(text)
    return sorted(set(found))


def chart_words(spec: str) -> list[str]:
    """What a plotly chart shows as text: titles, trace names, category labels, texts, annotations."""
    fig, out = json.loads(spec), []

    def title(value):
        return value.get("text", "") if isinstance(value, dict) else (value or "")

    layout = fig.get("layout", {})
    out.append(title(layout.get("title")))
    for axis in ("xaxis", "yaxis"):
        out.append(title(layout.get(axis, {}).get("title")))
    out += [a.get("text", "") for a in layout.get("annotations", [])]
    for trace in fig.get("data", []):
        out.append(trace.get("name", ""))
        out.append(title(trace.get("title")))
        for key in ("x", "y", "text", "hovertext"):
            values = trace.get(key)
            if isinstance(values, list):  # dates on a date axis are data, drawn through its tickformat
                out += [v for v in values if isinstance(v, str) and not (key == "x" and _ISO_DATE.match(v))]
    return [re.sub(r"<[^>]+>", " ", t) for t in out if t]


def everything(at: AppTest) -> str:
    """Every text of the page: elements, table headers and cells, widget labels and options, charts, tabs."""
    parts = [texts(at)]
    parts += [" ".join(map(str, df.value.columns)) for df in at.dataframe]
    for kind in ("selectbox", "multiselect", "radio", "segmented_control", "text_input", "number_input",
                 "date_input", "checkbox", "button", "download_button", "file_uploader", "toggle"):
        for w in at.get(kind):
            parts.append(str(getattr(w, "label", "") or ""))
            parts += [str(o) for o in (getattr(w, "options", None) or [])]
            parts.append(str(getattr(w, "placeholder", "") or ""))
    for kind in ("expander", "tab"):
        parts += [getattr(e, "label", "") or "" for e in at.get(kind)]
    for chart in at.get("plotly_chart"):
        parts += chart_words(chart.proto.spec)
    parts += [e.value for e in at.exception]
    return "\n".join(parts)


def visit(at: AppTest, path: str, choices: dict[str, list]) -> list[str]:
    at.switch_page(path).run()
    assert not at.exception, (path, [e.value for e in at.exception])
    # Streamlit's English table toolbar ("Download as CSV") is hidden on every page.
    assert any("stElementToolbar']{display:none" in h.proto.body for h in at.get("html")), path
    seen = [everything(at)]
    # Every choice that changes what a page shows.
    for key, values in choices.items():
        if [b for b in at.selectbox if b.key == key]:
            for value in values:
                at.selectbox(key=key).set_value(value).run()
                assert not at.exception, (path, key, value)
                seen.append(everything(at))
    return seen


@pytest.fixture
def words(demo, fresh, monkeypatch):
    """Every page for every role on a private demo copy (with decisions and audit events in it), and every
    download a page offered."""
    offered = []
    real = privacy.download_button

    def spy(user, label, build, file_name, what, **kwargs):
        offered.append((file_name, build))
        return real(user, label, build, file_name, what, **kwargs)

    monkeypatch.setattr(privacy, "download_button", spy)
    # Something in every table: a decision, a person view with history, an export in the audit log.
    at = logged_in("phan_tich").switch_page("pages/doi_soat.py").run()
    key = next(t.key for t in at.text_input if t.key.startswith("reason::"))
    at.text_input(key=key).input("Cùng họ tên, ngày sinh")
    at.button(key="accept").click().run()
    assert not at.exception
    con = db.connect(fresh)
    person = con.execute("select person_id from person_records group by 1 having count(*) >= 2 "
                         "order by 1 limit 1").fetchone()[0]
    audit.record(con, USERS["xem"], "xem", "export", target="worklist:health_missing:Giang Cao",
                 detail={"rows": 12, "masked": True})
    choices = {"worklist_kind": list(worklists.WORKLISTS),
               "finding_kind": list(quality.findings_summary(con)[["kind", "field", "code"]]
                                    .itertuples(index=False, name=None))}
    con.close()
    seen = {}
    for role in sorted(USERS):
        at = logged_in(role)
        for spec in nav.pages_for(role):
            seen[(role, spec.path)] = visit(at, spec.path, choices if role in ("truong_tram", "xem") else {})
        if role in ("truong_tram", "phan_tich"):
            at.switch_page("pages/doi_soat.py").run()
            at.text_input(key="person_lookup").input(person).run()
            assert not at.exception
            seen[(role, "person")] = [everything(at)]
    return seen, offered


def test_every_page_for_every_role_reads_in_vietnamese(words):
    seen, _ = words
    assert {path for _, path in seen} >= {spec.path for spec in nav.PAGES}
    bad = {where: found for where, texts_ in seen.items() if (found := problems("\n".join(texts_)))}
    assert not bad, "\n".join(f"{k}: {v}" for k, v in bad.items())


def test_every_download_reads_in_vietnamese(words, fresh):
    _, offered = words
    names = {name for name, _ in offered}
    assert any(n.startswith("bao_cao_hssk_") for n in names) and "nhat_ky_truy_cap.csv" in names
    assert any(n.startswith("tat_ca_danh_sach_") for n in names)
    # the worklist page's own files: each list as .csv too, the fill suggestions, the record to enter
    assert {"health_fill_toan_xa.xlsx", "health_fill_toan_xa.csv", "missing_record_toan_xa.csv",
            "ho_so_can_nhap_toan_xa.xlsx", "ho_so_can_nhap_toan_xa.csv"} <= names
    con = db.connect(fresh)
    try:
        bad = {}
        for name, build in dict(offered).items():
            cells = file_cells(build(con), name)
            assert cells, name
            if found := problems("\n".join(cells)):
                bad[name] = found
    finally:
        con.close()
    assert not bad, "\n".join(f"{k}: {v}" for k, v in bad.items())


HSSK_CSV = (
    "Mã HSSK,Họ và tên,Ngày sinh,Giới tính,Số định danh cá nhân,Thôn\n"
    f"HS1,{encode_vni('Nguyễn Văn Ánh')},01/02/1990,Nam,001190000111,Giang Cao\n"
    f"HS2,{encode_tcvn3('Trần Thị Bình')},1995,Nữ,,Thôn Không Có\n"
    "HS3,Lê Văn Cường,15/06/1980,Nam,12345,Giang Cao\n"
).encode()


def test_the_import_preview_reads_in_vietnamese(demo, fresh):
    at = logged_in("truong_tram").switch_page("pages/nhap_du_lieu.py").run()
    at.selectbox(key="import_kind").select("hssk")
    at.file_uploader(key="import_files").upload("hssk.csv", HSSK_CSV, "text/csv")
    at.run()
    at.button(key="check_import").click().run()
    assert not at.exception
    assert "Đọc được 3 dòng" in at.success[0].value
    text = everything(at)
    assert "Lỗi phông chữ cũ" in text and "Thiếu" in text  # the findings are there, in words
    assert not problems(text), problems(text)


def test_the_checker_finds_what_it_looks_for():
    """The checks above can fail: each kind of slip is caught."""
    assert problems("personal_id missing") == ["missing", "personal_id"]
    assert problems("Nguồn: population; None") == ["None", "population"]
    assert problems("ngày 2026-12-02, 95.3%") == ["2026-12-02", "95.3%"]
    assert problems("Download as CSV") == ["Download"]
    assert problems("hồ sơ care:9fe5 của truong_tram") == ["care", "truong_tram"]
    assert not problems("Tỷ lệ 95,3 % ngày 02/12/2026 — `python -m hssk demo`, tệp data/report_notes.md")


def test_first_run_login_and_empty_pages_read_in_vietnamese(app_db, accounts_template, monkeypatch):
    import shutil

    seen = [everything(AppTest.from_file(APP, default_timeout=30).run())]  # first run: no account yet
    with_accounts = app_db.with_name("accounts.duckdb")
    shutil.copy(accounts_template, with_accounts)
    monkeypatch.setenv("HSSK_DB", str(with_accounts))
    seen.append(everything(AppTest.from_file(APP, default_timeout=30).run()))  # the login form
    at = logged_in("truong_tram")
    for spec in nav.pages_for("truong_tram"):  # no data yet: each page says how to get some
        at.switch_page(spec.path).run()
        assert not at.exception, spec.path
        seen.append(everything(at))
    text = "\n".join(seen)
    assert "Thiết lập lần đầu" in text and "Đăng nhập" in text
    assert not problems(text), problems(text)
