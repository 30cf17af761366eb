"""Demo BHYT claim XML (QĐ 130 / QĐ 4210) for a generated commune, as several "HIS products" write it.

    >>> made = write_claims(out_dir / "giam_dinh_bhyt", truth_dir, seed=2026)
    >>> made["dir"], made["visits"]          # the folder to import with --kind claims, the number of visits

Visits go to register residents, to people known to the HSSK but not on the register, and to outsiders (people
of other communes, on no list at all). Four products, so every shape the importer reads occurs:

| product | facility | shape                                                      | names   |
|---------|----------|------------------------------------------------------------|---------|
| HIS-A   | 01880    | GIAMDINHHS envelope per month, .xml, XML1+XML2+XML3        | QĐ 130  |
| HIS-B   | 01815    | envelope per month, in one .zip; XML2 with a bare root     | QĐ 4210 |
| HIS-C   | 01999    | bare XML1, one document per visit, in a .zip (sub-folder)  | QĐ 130  |
| HIS-D   | 01998    | bare XML1, many records per document, .xml in a sub-folder | QĐ 4210 |

Facility codes and MA_LK values are invented. The truth (truth/claims_visits.csv) names each visit's person.
"""

from __future__ import annotations

import base64
import datetime as dt
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

COMMUNE_CODE = "00583"  # Xã Bát Tràng (data/reference/admin_units_bat_trang.csv)
PRODUCTS = {  # product -> (facility code, facility name)
    "HIS-A": ("01880", "Trạm Y tế xã Bát Tràng"),
    "HIS-B": ("01815", "Bệnh viện đa khoa huyện"),
    "HIS-C": ("01999", "Phòng khám tư nhân"),
    "HIS-D": ("01998", "Phòng khám đa khoa tư nhân"),
}
CHRONIC = [("I10", "Tăng huyết áp"), ("E11", "Đái tháo đường type 2"), ("J44", "Bệnh phổi tắc nghẽn mạn tính"),
           ("J45", "Hen phế quản"), ("I25", "Bệnh tim thiếu máu cục bộ"), ("M06.9", "Viêm khớp dạng thấp")]
ACUTE = [("J06.9", "Viêm đường hô hấp trên cấp"), ("K29.7", "Viêm dạ dày"), ("M54.5", "Đau thắt lưng"),
         ("J20.9", "Viêm phế quản cấp"), ("A09", "Tiêu chảy, viêm dạ dày ruột"), ("H10.9", "Viêm kết mạc"),
         ("B01.9", "Thủy đậu"), ("A97.0", "Sốt xuất huyết Dengue"), ("S52.5", "Gãy đầu dưới xương quay"),
         ("Z00.0", "Khám sức khỏe tổng quát")]
REPRODUCTIVE = [("Z34.9", "Khám thai định kỳ"), ("Z30.1", "Đặt dụng cụ tử cung"), ("O80", "Đẻ thường")]
VACCINATION = [("Z24.6", "Tiêm vắc xin viêm gan virus"), ("Z27.1", "Tiêm vắc xin phối hợp DPT"),
               ("Z23.5", "Tiêm phòng uốn ván")]
DRUGS = [("40.17", "Paracetamol 500mg"), ("40.48", "Amlodipin 5mg"), ("40.52", "Metformin 500mg"),
         ("40.30", "Amoxicilin 500mg")]
SERVICES = [("01.0001", "Khám bệnh"), ("22.0120", "Tổng phân tích tế bào máu"), ("23.0075", "Định lượng glucose")]
TRUTH_README = """
## claims_visits.csv — the BHYT claim visits (hssk.demo.claims)

One row per visit written into the claim folder (import it with `--kind claims`): `product` (HIS-A … HIS-D),
`file` and `member` (inside a .zip), `ma_lk`, `facility` (MA_CSKCB), `record_key` (the workbench's key,
`claims:<facility>:<MA_LK>`), `person_uid` (blank: an outsider from another commune, on no list),
`on_register` (0: not on the population register), `codes` (ICD-10, main first) and `visit_date`.
"""
OUTSIDER_FAMILY = ["Trần", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
OUTSIDER_GIVEN = {"M": ["Khải", "Thịnh", "Quyết", "Toàn", "Hiếu"], "F": ["Nhung", "Quyên", "Thắm", "Yến", "Diệp"]}
OUTSIDER_MIDDLE = {"M": ["Văn", "Đức", "Minh"], "F": ["Thị", "Thu", "Ngọc"]}


def write_claims(out_dir: Path, truth_dir: Path, *, seed: int = 2026, today: dt.date = dt.date(2026, 11, 25),
                 visits_per_resident: float = 0.4, outsider_share: float = 0.04) -> dict:
    """Write the claim files of a generated commune (truth_dir/persons.csv) into out_dir and the visits' truth
    into truth_dir/claims_visits.csv. Same arguments → same bytes."""
    rng = np.random.default_rng([seed, 130])
    persons = pd.read_csv(Path(truth_dir) / "persons.csv", dtype=str, keep_default_na=False)
    alive = persons["status"] == "alive"
    residents = persons[alive & (persons["on_register"] == "1")]
    off_register = persons[(persons["status"] != "dead") & (persons["on_register"] == "0")]
    n = max(20, round(visits_per_resident * len(residents)))
    n_off = max(2, round(0.02 * n)) if len(off_register) else 0
    n_out = max(3, round(outsider_share * n))
    who = pd.concat([residents.sample(n - n_off - n_out, replace=True, random_state=rng.integers(2**31)),
                     off_register.sample(n_off, replace=True, random_state=rng.integers(2**31)) if n_off else None,
                     _outsiders(rng, n_out, today)], ignore_index=True).fillna("")
    who = who.iloc[rng.permutation(len(who))].reset_index(drop=True)
    visits = [_visit(rng, person, today) for person in who.to_dict("records")]
    products = rng.choice(list(PRODUCTS), size=len(visits), p=[0.4, 0.25, 0.2, 0.15])
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    truth_rows = []
    counters = dict.fromkeys(PRODUCTS, 0)
    for visit, product in zip(visits, products):
        counters[product] += 1
        facility = PRODUCTS[product][0]
        visit.update(product=product, facility=facility, ma_lk=f"{facility}.{counters[product]:07d}")
    written = []
    for product in PRODUCTS:
        mine = [v for v in visits if v["product"] == product]
        written += _WRITERS[product](out_dir, mine)
    for v in visits:
        truth_rows.append({"product": v["product"], "file": v["file"], "member": v.get("member", ""),
                           "ma_lk": v["ma_lk"], "facility": v["facility"],
                           "record_key": f"claims:{v['facility']}:{v['ma_lk']}",
                           "person_uid": v["person"].get("person_uid", ""),
                           "on_register": v["person"].get("on_register", "0"), "codes": ";".join(v["codes"]),
                           "visit_date": v["date"].isoformat()})
    pd.DataFrame(truth_rows).to_csv(Path(truth_dir) / "claims_visits.csv", index=False, encoding="utf-8")
    readme = Path(truth_dir) / "README.md"
    if readme.exists() and TRUTH_README not in readme.read_text(encoding="utf-8"):
        with open(readme, "a", encoding="utf-8") as fh:
            fh.write(TRUTH_README)
    return {"dir": out_dir, "files": sorted(set(written)), "visits": len(visits)}


def _outsiders(rng, k: int, today: dt.date) -> pd.DataFrame:
    """People of another commune: on no list of this one."""
    rows = []
    for i in range(k):
        sex = "M" if rng.random() < 0.5 else "F"
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * 80)))
        bhxh = f"79{rng.integers(10**7, 10**8)}"
        rows.append({
            "person_uid": "", "on_register": "0", "village": "",
            "full_name": f"{rng.choice(OUTSIDER_FAMILY)} {rng.choice(OUTSIDER_MIDDLE[sex])} "
                         f"{rng.choice(OUTSIDER_GIVEN[sex])}",
            "sex": sex, "birth_date": birth.isoformat(), "age": str(today.year - birth.year),
            "personal_id": f"079{'0' if sex == 'M' else '1'}{birth.year % 100:02d}{rng.integers(10**5, 10**6)}",
            "old_id": "", "social_insurance_no": bhxh, "insurance_card": f"HC479{bhxh}", "ethnicity": "01",
            "phone": f"09{rng.integers(10**7, 10**8)}", "_address": f"Số {i + 3}, phường Long Biên, TP Hà Nội",
            "_commune": "00118",
        })
    return pd.DataFrame(rows)


def _visit(rng, person: dict, today: dt.date) -> dict:
    age = int(person.get("age") or 40)
    sex = person["sex"]
    u = rng.random()
    if age < 6 and u < 0.5:
        main = VACCINATION[rng.integers(len(VACCINATION))]
    elif sex == "F" and 15 <= age <= 49 and u < 0.3:
        main = REPRODUCTIVE[rng.integers(len(REPRODUCTIVE))]
    elif age >= 40 and u < 0.5:
        main = CHRONIC[rng.integers(len(CHRONIC))]
    else:
        main = ACUTE[rng.integers(len(ACUTE))]
    others = [CHRONIC[i] for i in rng.choice(len(CHRONIC), size=int(rng.integers(0, 3)), replace=False)] \
        if age >= 50 and rng.random() < 0.4 else []
    others = [c for c in others if c[0] != main[0]]
    date = today - dt.timedelta(days=int(rng.integers(1, 700)))
    return {"person": person, "main": main, "others": others, "codes": [main[0], *(c for c, _ in others)],
            "date": date, "time": f"{rng.integers(7, 17):02d}{rng.integers(0, 60):02d}",
            "card_list": rng.random() < 0.1, "no_cccd": rng.random() < 0.1}


# ------------------------------------------------------------------------------------------------ XML
def _ymd(iso: str) -> str:
    return iso.replace("-", "") if iso else ""


def _xml1_fields(v: dict, names: str) -> list[tuple[str, str]]:
    """The XML1 elements of a visit, QĐ 130 ('130') or QĐ 4210 ('4210') names and formats."""
    p = v["person"]
    birth = _ymd(p["birth_date"])
    card = p.get("insurance_card", "")
    if card and v["card_list"]:
        card = f"{card};{card[:3]}9{card[4:]}"  # a second (newer) card on the same BHXH number
    address = p.get("_address") or f"Thôn {p['village']}, xã Bát Tràng, TP Hà Nội"
    commune = p.get("_commune") or COMMUNE_CODE
    day = v["date"].strftime("%Y%m%d")
    common_head = [("MA_LK", v["ma_lk"]), ("STT", "1"), ("MA_BN", "BN" + v["ma_lk"][-6:]), ("HO_TEN", p["full_name"])]
    sex = {"M": "1", "F": "2"}.get(p["sex"], "3")
    codes_kt = ";".join(c for c, _ in v["others"])
    text = "; ".join([v["main"][1], *(t for _, t in v["others"])])
    if names == "130":
        return [*common_head, ("SO_CCCD", "" if v["no_cccd"] else p.get("personal_id", "")),
                ("NGAY_SINH", birth + "0000"), ("GIOI_TINH", sex), ("MA_QUOCTICH", "000"),
                ("MA_DANTOC", p.get("ethnicity") or "01"), ("MA_NGHE_NGHIEP", "00000"), ("DIA_CHI", address),
                ("MATINH_CU_TRU", "01"), ("MAHUYEN_CU_TRU", ""), ("MAXA_CU_TRU", commune),
                ("DIEN_THOAI", p.get("phone", "")), ("MA_THE_BHYT", card), ("MA_DKBD", "01880"),
                ("GT_THE_TU", "20260101" if card else ""), ("GT_THE_DEN", "20261231" if card else ""),
                ("CHAN_DOAN_VAO", v["main"][1]), ("CHAN_DOAN_RV", text), ("MA_BENH_CHINH", v["main"][0]),
                ("MA_BENH_KT", codes_kt), ("MA_BENH_YHCT", ""), ("NGAY_VAO", day + v["time"]),
                ("NGAY_RA", day + v["time"]), ("MA_LOAI_KCB", "01"), ("MA_CSKCB", v["facility"]),
                ("CAN_NANG", ""), ("NAM_QT", day[:4]), ("THANG_QT", day[4:6])]
    return [*common_head, ("NGAY_SINH", birth), ("GIOI_TINH", sex), ("DIA_CHI", address),
            ("MA_THE", card), ("MA_DKBD", "01880"), ("GT_THE_TU", "20260101" if card else ""),
            ("GT_THE_DEN", "20261231" if card else ""), ("TEN_BENH", text), ("MA_BENH", v["main"][0]),
            ("MA_BENHKHAC", codes_kt), ("MA_LYDO_VVIEN", "1"), ("NGAY_VAO", day + v["time"]),
            ("NGAY_RA", day + v["time"]), ("MA_LOAI_KCB", "1"), ("MA_CSKCB", v["facility"]),
            ("MA_DANTOC", p.get("ethnicity") or "01"), ("MAXA_CU_TRU", commune), ("NAM_QT", day[:4]),
            ("THANG_QT", day[4:6])]


def _elements(fields) -> str:
    return "".join(f"<{tag}>{escape(value)}</{tag}>" if value else f"<{tag} />" for tag, value in fields)


def _doc(body: str) -> bytes:
    return ('<?xml version="1.0" encoding="utf-8"?>\r\n' + body).encode("utf-8")


def _xml1_record(v: dict, names: str) -> str:
    return f"<TONG_HOP>{_elements(_xml1_fields(v, names))}</TONG_HOP>"


def _xml2(v: dict, bare_root: bool) -> bytes:
    drug = DRUGS[int(v["ma_lk"][-1]) % len(DRUGS)]
    rows = "".join(
        "<CHI_TIET_THUOC>" + _elements([("MA_LK", v["ma_lk"]), ("STT", str(i + 1)), ("MA_THUOC", drug[0]),
                                        ("TEN_THUOC", drug[1]), ("SO_LUONG", "10")]) + "</CHI_TIET_THUOC>"
        for i in range(2))
    inner = f"<DSACH_CHI_TIET_THUOC>{rows}</DSACH_CHI_TIET_THUOC>"
    return _doc(inner if bare_root else f"<CHITIEU_CHITIET_THUOC>{inner}</CHITIEU_CHITIET_THUOC>")


def _xml3(v: dict) -> bytes:
    rows = "".join(
        "<CHI_TIET_DVKT>" + _elements([("MA_LK", v["ma_lk"]), ("STT", str(i + 1)), ("MA_DICH_VU", code),
                                       ("TEN_DICH_VU", name)]) + "</CHI_TIET_DVKT>"
        for i, (code, name) in enumerate(SERVICES[:2]))
    return _doc(f"<CHITIEU_CHITIET_DVKT_VTYT><DSACH_CHI_TIET_DVKT>{rows}</DSACH_CHI_TIET_DVKT>"
                "</CHITIEU_CHITIET_DVKT_VTYT>")


def _envelope(facility: str, visits: list[dict], names: str, bare_xml2: bool) -> bytes:
    def filehoso(kind: str, data: bytes) -> str:
        return (f"<FILEHOSO><LOAIHOSO>{kind}</LOAIHOSO><NOIDUNGFILE>{base64.b64encode(data).decode()}"
                "</NOIDUNGFILE></FILEHOSO>")

    hosos = "".join(
        "<HOSO>" + filehoso("XML1", _doc(_xml1_record(v, names))) + filehoso("XML2", _xml2(v, bare_xml2))
        + (filehoso("XML3", _xml3(v)) if names == "130" else "") + "</HOSO>" for v in visits)
    created = max(v["date"] for v in visits).strftime("%Y%m%d")
    return _doc(f"<GIAMDINHHS><THONGTINDONVI><MACSKCB>{facility}</MACSKCB></THONGTINDONVI><THONGTINHOSO>"
                f"<NGAYLAP>{created}</NGAYLAP><SOLUONGHOSO>{len(visits)}</SOLUONGHOSO><DANHSACHHOSO>{hosos}"
                "</DANHSACHHOSO></THONGTINHOSO><CHUKYDONVI /></GIAMDINHHS>")


def _by_month(visits: list[dict]) -> dict[str, list[dict]]:
    months: dict[str, list[dict]] = {}
    for v in sorted(visits, key=lambda v: (v["date"], v["ma_lk"])):
        months.setdefault(v["date"].strftime("%Y%m"), []).append(v)
    return months


def _write_a(out: Path, visits: list[dict]) -> list[Path]:
    paths = []
    for month, group in _by_month(visits).items():
        path = out / f"HIS-A_{PRODUCTS['HIS-A'][0]}_{month}.xml"
        path.write_bytes(_envelope(PRODUCTS["HIS-A"][0], group, "130", bare_xml2=False))
        for v in group:
            v["file"] = path.name
        paths.append(path)
    return paths


def _write_b(out: Path, visits: list[dict]) -> list[Path]:
    path = out / f"HIS-B_{PRODUCTS['HIS-B'][0]}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for month, group in _by_month(visits).items():
            member = f"{PRODUCTS['HIS-B'][0]}_{month}.xml"
            zf.writestr(zipfile.ZipInfo(member, (2026, 1, 1, 0, 0, 0)),
                        _envelope(PRODUCTS["HIS-B"][0], group, "4210", bare_xml2=True), zipfile.ZIP_DEFLATED)
            for v in group:
                v["file"], v["member"] = path.name, member
    return [path]


def _write_c(out: Path, visits: list[dict]) -> list[Path]:
    path = out / f"HIS-C_{PRODUCTS['HIS-C'][0]}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for v in sorted(visits, key=lambda v: v["ma_lk"]):
            member = f"xml1/{v['ma_lk']}.xml"
            zf.writestr(zipfile.ZipInfo(member, (2026, 1, 1, 0, 0, 0)), _doc(_xml1_record(v, "130")),
                        zipfile.ZIP_DEFLATED)
            v["file"], v["member"] = path.name, member
    return [path]


def _write_d(out: Path, visits: list[dict]) -> list[Path]:
    folder = out / "HIS-D"
    folder.mkdir(exist_ok=True)
    paths = []
    for month, group in _by_month(visits).items():
        path = folder / f"XML1_{PRODUCTS['HIS-D'][0]}_{month}.xml"
        path.write_bytes(_doc("<DSACH_TONG_HOP>" + "".join(_xml1_record(v, "4210") for v in group)
                              + "</DSACH_TONG_HOP>"))
        for v in group:
            v["file"] = path.name
        paths.append(path)
    return paths


_WRITERS = {"HIS-A": _write_a, "HIS-B": _write_b, "HIS-C": _write_c, "HIS-D": _write_d}
