"""City-sized demo villages: unique, parseable names, and a generated city whose villages the importer finds."""

from __future__ import annotations

import pandas as pd
import pytest

from hssk import config, reference
from hssk.demo import generate
from hssk.demo.city import RESIDENTS_PER_VILLAGE, city_villages, villages_needed, write_city_reference
from hssk.ingest.store import import_files
from hssk.normalize import ascii_key, match_village, village_and_old_unit


def test_villages_needed_keeps_the_station_list_for_a_commune_and_grows_with_the_city():
    station = len(reference.villages())
    assert villages_needed(1000) == station
    assert villages_needed(1_000_000) == 1_000_000 // RESIDENTS_PER_VILLAGE
    assert villages_needed(1_000_001) == 1_000_000 // RESIDENTS_PER_VILLAGE + 1


@pytest.mark.parametrize("count", [30, 2000])
def test_city_village_names_differ_even_without_accents_and_from_every_known_unit(count):
    villages = city_villages(count)
    keys = villages["village"].map(ascii_key)
    assert len(villages) == count and keys.is_unique
    units = reference.admin_units()
    unit_names = {ascii_key(n.split(" ", 1)[1]) for n in [*units["old_unit"], *units["new_unit"],
                                                            *units["old_district"]]}
    assert not set(keys) & unit_names
    assert not set(keys) & set(reference.villages()["village"].map(ascii_key))
    assert not villages["village"].str.contains(r"\d").any()  # a digit would read as a house number
    assert set(villages["old_unit"]) == {n.split(" ", 1)[1] for n in units["old_unit"]}


def test_a_city_reference_changes_only_the_villages_and_is_left_on_exit(tmp_path):
    directory = write_city_reference(tmp_path / "city", 40)
    before = reference.villages()["village"].tolist()
    with reference.using(directory):
        assert len(reference.villages()) == 40
        name = reference.villages()["village"].iloc[7]
        old_unit = reference.villages()["old_unit"].iloc[7]
        assert match_village(f"THON {ascii_key(name).upper()}") == name
        assert village_and_old_unit("", f"Số 3, Thôn {name}, xã {old_unit}, huyện Gia Lâm, Hà Nội") == (name, old_unit)
        assert len(reference.ethnic_groups()) > 50  # the other tables are the configured ones
    assert reference.villages()["village"].tolist() == before
    assert config.REFERENCE_DIR != directory
    assert match_village(name) is None


def test_a_generated_city_spreads_people_over_its_villages_and_the_import_finds_them(tmp_path, con):
    directory = write_city_reference(tmp_path / "city", 25)
    with reference.using(directory):
        made = generate(tmp_path / "files", residents=2500, seed=7, fmt="csv")
        import_files(con, made["files"]["population"], "population")
        import_files(con, made["files"]["hssk"], "hssk")
        names = set(reference.villages()["village"])
    persons = pd.read_csv(made["truth_dir"] / "persons.csv", dtype=str, keep_default_na=False)
    assert set(persons["village"]) == names
    assert persons["village"].value_counts().max() < 3 * 2500 / 25
    clean = con.execute("select kind, village from current_clean").df()
    register = clean[clean["kind"] == "population"]
    assert set(register["village"]) == names
    hssk = clean[clean["kind"] == "hssk"]
    assert hssk["village"].isin(names).mean() > 0.9  # blank or unreadable village cells and addresses aside
