"""Villages for a city-sized demo: the commune's own list holds a few thousand residents per village; a
million residents put into those same 12 villages would give 80,000 per village and far more same-name,
same-birthday neighbours than any real place has. A city-sized benchmark instead spreads its residents over
synthetic villages of realistic size (a real thôn or tổ dân phố has roughly 1,000–8,000 people), written into
a copy of the reference directory that both the generator and the importer then read (`reference.using`).

Names are unique stand-ins for "village X of commune Y": two Vietnamese place-name syllables (three when more
than ~1,500 villages are needed), never equal, even without accents, to another village, a station village or a
known unit.
"""

from __future__ import annotations

import itertools
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from hssk import config, reference
from hssk.normalize import ascii_key

RESIDENTS_PER_VILLAGE = 5000

# Common in Vietnamese place names; their accent-free forms are all different.
SYLLABLES = ("Đông", "Tây", "Nam", "Bắc", "Thượng", "Hạ", "Trung", "Phú", "An", "Bình", "Hòa", "Thịnh", "Lạc",
             "Yên", "Xuân", "Thanh", "Phúc", "Lộc", "Vĩnh", "Hưng", "Long", "Quang", "Minh", "Đức", "Kim", "Ngọc",
             "Văn", "Tân", "Mỹ", "Cao", "Sơn", "Thủy", "Lâm", "Hải", "Phong", "Tiến", "Thắng", "Lợi", "Hồng",
             "Châu")


def villages_needed(residents: int) -> int:
    """How many villages of realistic size `residents` people fill (at least the station's own list)."""
    return max(len(reference.villages()), math.ceil(residents / RESIDENTS_PER_VILLAGE))


def city_villages(count: int, seed: int = 2026) -> pd.DataFrame:
    """`count` villages as rows of villages.csv, spread over the old communes of admin_units_bat_trang.csv
    (which keeps addresses parseable); about one in five is an urban tổ dân phố."""
    units = reference.admin_units()
    taken = {ascii_key(n.split(" ", 1)[1]) for n in [*units["old_unit"], *units["new_unit"], *units["old_district"]]}
    taken |= {ascii_key(n) for n in reference.villages()["village"]}  # the station's own names stay its own
    rng = np.random.default_rng(seed)
    names: list[str] = []
    for length in (2, 3):
        combos = [" ".join(c) for c in itertools.permutations(SYLLABLES, length)]
        for i in rng.permutation(len(combos)):
            if len(names) == count:
                break
            if ascii_key(combos[i]) not in taken:
                names.append(combos[i])
    if len(names) < count:
        raise ValueError(f"Không tạo được {count:,} tên thôn khác nhau.")
    old_units = [u.split(" ", 1)[1] for u in units["old_unit"]]  # "Xã Đa Tốn" → "Đa Tốn"
    urban = rng.random(count) < 0.2
    return pd.DataFrame({
        "village": names,
        "aliases": [f"{'Tổ dân phố' if u else 'Thôn'} {n}" for n, u in zip(names, urban)],
        "old_unit": [old_units[i % len(old_units)] for i in range(count)],
        "note": "synthetic (benchmark)",
    })


def write_city_reference(directory: Path, count: int, seed: int = 2026) -> Path:
    """A copy of the configured reference directory whose villages.csv lists `count` synthetic villages."""
    directory = Path(directory)
    villages = city_villages(count, seed)
    if directory.exists():
        shutil.rmtree(directory)
    shutil.copytree(config.REFERENCE_DIR, directory)
    villages.to_csv(directory / "villages.csv", index=False, encoding="utf-8")
    return directory
