"""Generator profiles: worlds unlike the shipped one, to measure the linkage on data it was not tuned on.

`shipped` is the commune the project was built with (the station's villages, ordinary noise). The others change
what a linker could have learnt by heart:
- `villages`: other thôn names (synthetic villages of about 1,000 residents, written into a copy of the reference
  directory that the import then reads, `reference.using`);
- `families`: those villages plus larger, multi-generation households, a southern family-name distribution and
  fewer distinct given names in common use (more namesakes);
- `noisy`: those villages plus noisy exports: many more missing IDs and dates of birth, typos, accent-free
  names, partial dates, records holding only the name and the address, more legacy-font text.

A profile changes the generator's tables only while `applied(profile)` is active (module-level rates, household
sizes, name pools: the generator is single-threaded) and restores them afterwards, so `shipped` gives the same
bytes as before profiles existed.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import numpy as np

from hssk.demo import corrupt as C
from hssk.demo import names as nm
from hssk.demo import population
from hssk.demo.quality import Quality


@dataclass(frozen=True)
class Profile:
    name: str
    title: str  # Vietnamese, for the CLI and reports
    residents_per_village: int | None = None  # None: the station's own villages; else synthetic ones this big
    rate_factors: dict = field(default_factory=dict)  # corrupt.BASE_RATES key -> multiplier
    name_only: float = 0.0  # share of HSSK records holding only the name and the address (+ village)
    legacy_extra: float = 0.0  # added to every village's share of legacy-font records
    household_sizes: tuple[tuple[int, ...], tuple[float, ...]] | None = None
    family_names: tuple[tuple[str, float], ...] | None = None
    given_concentration: float = 1.0  # given-name weights are raised to this power (> 1: more namesakes)


# A southern-leaning distribution (Huỳnh, Võ, Trương … common), unlike the northern commune's.
SOUTHERN_FAMILY_NAMES = (
    ("Nguyễn", 31.0), ("Trần", 10.0), ("Lê", 9.0), ("Huỳnh", 6.0), ("Phạm", 5.5), ("Võ", 5.0), ("Phan", 4.0),
    ("Trương", 3.0), ("Bùi", 2.0), ("Đặng", 2.0), ("Đỗ", 1.5), ("Ngô", 1.5), ("Hồ", 2.0), ("Dương", 1.2),
    ("Lâm", 1.5), ("Thái", 0.8), ("Châu", 0.8), ("Lý", 1.0), ("Tô", 0.5), ("Mai", 0.8), ("Đinh", 0.6),
    ("Quách", 0.4), ("La", 0.3), ("Tăng", 0.4), ("Hứa", 0.3), ("Kha", 0.2), ("Diệp", 0.2), ("Lưu", 0.4),
)

PROFILES = {
    "shipped": Profile("shipped", "cấu hình gốc (thôn của trạm, nhiễu thường)"),
    "villages": Profile("villages", "thôn khác danh sách của trạm", residents_per_village=1000),
    "families": Profile(
        "families", "thôn khác, hộ nhiều thế hệ, phân bố họ tên khác", residents_per_village=1000,
        household_sizes=(tuple(range(1, 11)), (0.04, 0.08, 0.12, 0.16, 0.18, 0.15, 0.11, 0.08, 0.05, 0.03)),
        family_names=SOUTHERN_FAMILY_NAMES, given_concentration=1.6,
    ),
    "noisy": Profile(
        "noisy", "thôn khác, tệp xuất nhiều lỗi (thiếu số định danh, ngày sinh; gõ sai; chỉ có tên)",
        residents_per_village=1000,
        rate_factors={"id_missing": 5.0, "birth_missing": 15.0, "year_only": 3.0, "month_year": 2.5,
                      "swapped_day_month": 2.0, "typo": 3.0, "no_diacritics": 3.0, "missing_middle": 2.0,
                      "id_one_digit_off": 2.0, "id_transposed": 2.0, "wrong_village": 2.0, "sex_missing": 5.0},
        name_only=0.02, legacy_extra=0.05,
    ),
}


def get(name: str | Profile | None) -> Profile:
    if isinstance(name, Profile):
        return name
    try:
        return PROFILES[name or "shipped"]
    except KeyError:
        raise ValueError(f"Không có cấu hình dữ liệu mẫu '{name}'; chọn một trong: {', '.join(PROFILES)}.") from None


def village_count(profile: Profile, residents: int) -> int | None:
    """Synthetic villages the profile puts `residents` in (None: the station's own list)."""
    if profile.residents_per_village is None:
        return None
    return max(4, round(residents / profile.residents_per_village))


def qualities(profile: Profile, base: list[Quality]) -> list[Quality]:
    if not profile.legacy_extra:
        return base
    return [replace(q, legacy_rate=min(0.6, q.legacy_rate + profile.legacy_extra)) for q in base]


def _reweighted(entries, power: float):
    return [(n, w ** power) for n, w in entries] if power != 1.0 else entries


@contextmanager
def applied(profile: Profile):
    """The generator's module-level tables as the profile wants them, restored on exit."""
    saved_rates = dict(C.BASE_RATES)
    saved = (population.HOUSEHOLD_SIZES, population.HOUSEHOLD_SIZE_P, nm.FAMILY_NAMES, nm.GIVEN_MALE,
             nm.GIVEN_FEMALE)
    try:
        for key, factor in profile.rate_factors.items():
            C.BASE_RATES[key] = C.BASE_RATES[key] * factor
        if profile.household_sizes:
            sizes, p = profile.household_sizes
            population.HOUSEHOLD_SIZES = np.array(sizes)
            population.HOUSEHOLD_SIZE_P = np.array(p) / np.sum(p)
        if profile.family_names:
            nm.FAMILY_NAMES = list(profile.family_names)
        # the same names in the same order (population.GIVEN_ALL indexes them), other weights
        nm.GIVEN_MALE = _reweighted(saved[3], profile.given_concentration)
        nm.GIVEN_FEMALE = _reweighted(saved[4], profile.given_concentration)
        yield profile
    finally:
        C.BASE_RATES.clear()
        C.BASE_RATES.update(saved_rates)
        (population.HOUSEHOLD_SIZES, population.HOUSEHOLD_SIZE_P, nm.FAMILY_NAMES, nm.GIVEN_MALE,
         nm.GIVEN_FEMALE) = saved


NAME_ONLY_FIELDS = ("personal_id", "old_id", "birth_date", "insurance_no", "phone", "household_code",
                    "mother_name", "father_name")


def blank_all_but_name(cells: C.Cells, rng, share: float) -> None:
    """A share of records keep only the name and the address/village (a real loss, logged per field)."""
    if share <= 0:
        return
    rows = np.flatnonzero(rng.random(cells.n) < share)
    for name in NAME_ONLY_FIELDS:
        if name in cells.cols:
            cells.put(name, rows, np.full(len(rows), "", dtype=object), C.REAL, "name_only")
