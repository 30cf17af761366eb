"""Reference tables: shapes, codes as strings, the editable villages list, directory override and reload()."""



from hssk import reference
from hssk.normalize import match_village, normalize_phone
from hssk.normalize.text import ascii_key


def test_ethnic_groups():
    frame = reference.ethnic_groups()
    assert len(frame) == 56
    assert frame["code"].tolist()[:2] == ["01", "02"] and frame["code"].iloc[-1] == "56"
    assert frame.loc[frame["code"] == "01", "name"].item() == "Kinh"
    assert frame.loc[frame["code"] == "25", "name"].item() == "Giáy"  # not Kinh (domain.md §3 trap)


def test_province_codes_are_strings():
    codes = reference.province_codes()
    assert len(codes) == 63
    assert codes["001"] == "Hà Nội" and codes["020"] == "Lạng Sơn"
    assert "003" not in codes and all(len(code) == 3 for code in codes)


def test_century_sex_and_phone_prefixes():
    table = reference.century_sex()
    assert len(table) == 10 and table["0"] == ("M", 1900) and table["3"] == ("F", 2000)
    prefixes = reference.phone_prefixes()
    assert len(prefixes) == 21 and prefixes["0168"] == "038" and prefixes["0120"] == "070"


def test_admin_units():
    units = reference.admin_units()
    assert set(units["new_code"]) == {"00583"}
    assert {"Xã Đa Tốn", "Xã Kiêu Kỵ", "Phường Cự Khối", "Xã Kim Lan", "Xã Văn Đức"} <= set(units["old_unit"])


def test_villages_file():
    villages = reference.villages()
    assert list(villages.columns) == ["village", "aliases", "old_unit", "note"]
    assert 10 <= len(villages) <= 20
    assert {"Giang Cao", "Khoan Tế"} <= set(villages["village"])
    old_units = {ascii_key(u.split(" ", 1)[1]) for u in reference.admin_units()["old_unit"]}
    assert all(ascii_key(u) in old_units for u in villages["old_unit"])
    undocumented = villages[~villages["village"].isin(["Giang Cao", "Khoan Tế"])]
    assert undocumented["note"].str.contains("UNCONFIRMED").all()
    owner = {}
    for row in villages.itertuples():
        for name in [row.village, *row.aliases.split("|")]:
            assert owner.setdefault(ascii_key(name), row.village) == row.village, f"{name} names two villages"


def test_code_list():
    religions = reference.code_list("religion")
    assert religions["code"].iloc[0] == "1" and religions["label"].iloc[0] == "Phật giáo"


def test_directory_override(tmp_path):
    (tmp_path / "villages.csv").write_text("village,aliases,old_unit,note\nThôn Mới,TM,Đa Tốn,test\n", encoding="utf-8")
    assert reference.villages(tmp_path)["village"].tolist() == ["Thôn Mới"]
    assert len(reference.villages()) > 1  # the default directory is untouched


def test_reload_picks_up_an_edited_villages_file(reference_copy):
    assert match_village("Đồng Xuân") is None
    with open(reference_copy / "villages.csv", "a", encoding="utf-8") as fh:
        fh.write("Đồng Xuân,Thôn Đồng Xuân|DX,Kiêu Kỵ,added by the station\n")
    assert match_village("DX") is None  # cached until reload()
    reference.reload()
    assert match_village("DX") == "Đồng Xuân"
    assert match_village("thon dong xuan") == "Đồng Xuân"


def test_reload_clears_derived_lookups(reference_copy):
    assert normalize_phone("01681234567") == "0381234567"
    text = (reference_copy / "phone_prefix_2018.csv").read_text(encoding="utf-8").replace("0168,038", "0168,099")
    (reference_copy / "phone_prefix_2018.csv").write_text(text, encoding="utf-8")
    reference.reload()
    assert normalize_phone("01681234567") == "0991234567"
