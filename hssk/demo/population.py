"""The true population: households, people, identifiers and life status (numpy, one row per person).

Register people live in households spread over the villages; a few extra households are people who moved away
long ago and are no longer on the register but still hold HSSK records ("off-register"). Hard cases that a
linker must get right are planted on purpose: twins, namesakes born the same year in one village, and
namesakes sharing a full birth date in different villages.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from hssk.demo import names as nm
from hssk.demo.codes import duplicated, unique_codes
from hssk.demo.corrupt import tone_eligible
from hssk.demo.frames import frame, objectify, setcol
from hssk.demo.sources import Village

HOUSEHOLD_SIZES = np.arange(1, 8)
HOUSEHOLD_SIZE_P = np.array([0.10, 0.20, 0.22, 0.25, 0.13, 0.07, 0.03])
NEIGHBOUR_PROVINCES = ["030", "033", "034", "035", "036", "037", "027", "024", "026", "022", "038", "040",
                       "025", "019", "031", "079"]
OTHER_ETHNICITIES = ["02", "03", "04", "06", "07", "09", "08", "18"]  # Tày Thái Hoa Mường Nùng Dao H'Mông Sán Dìu
MOBILE_PREFIXES = ["032", "033", "034", "035", "036", "037", "038", "039", "086", "096", "097", "098",
                   "081", "082", "083", "084", "085", "088", "091", "094", "070", "076", "077", "078", "079",
                   "089", "090", "093", "056", "058", "059"]
WORK = np.array(["Làm gốm", "Kinh doanh", "Công nhân", "Nông dân", "Cán bộ, công chức", "Lao động tự do",
                 "Nội trợ", "Giáo viên"], dtype=object)
WORK_P = np.array([0.24, 0.18, 0.16, 0.12, 0.08, 0.12, 0.06, 0.04])

NEW_TONE_STYLE = 0.2  # share of tone-ambiguous names registered with the new placement (Hoà, Thuỷ)

ROLE_HEAD, ROLE_SPOUSE, ROLE_CHILD, ROLE_GRANDCHILD, ROLE_PARENT = range(5)


def _days(d: date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def age_at(birth: np.ndarray, today: date) -> np.ndarray:
    """Completed years at `today` for datetime64[D] birth dates."""
    b = pd.DatetimeIndex(birth)
    years = today.year - b.year.to_numpy()
    before = (b.month.to_numpy() > today.month) | ((b.month.to_numpy() == today.month) & (b.day.to_numpy() > today.day))
    return years - before.astype(int)


def _households(rng, n_people: int, n_villages: int, village_p: np.ndarray, size_cap: int | None = None):
    """Household sizes (summing to exactly n_people) and their villages."""
    mean = float((HOUSEHOLD_SIZES * HOUSEHOLD_SIZE_P).sum()) if size_cap is None else 1.6
    n = int(n_people / mean * 1.15) + 10
    if size_cap is None:
        sizes = rng.choice(HOUSEHOLD_SIZES, size=n, p=HOUSEHOLD_SIZE_P)
    else:
        sizes = rng.integers(1, size_cap + 1, size=n)
    cum = np.cumsum(sizes)
    k = int(np.searchsorted(cum, n_people)) + 1
    sizes = sizes[:k].copy()
    sizes[-1] -= int(cum[k - 1] - n_people)
    sizes = sizes[sizes > 0]
    villages = rng.choice(n_villages, size=len(sizes), p=village_p)
    return sizes, villages


def _sample(rng, entries, n):
    values, p = nm.pool(entries)
    return values[rng.choice(len(values), size=n, p=p)]


def _middle_names(rng, sex: np.ndarray, birth_year: np.ndarray) -> np.ndarray:
    n = len(sex)
    out = np.empty(n, dtype=object)
    male = sex == "M"
    p_van = np.where(birth_year < 1975, 0.6, np.where(birth_year < 1995, 0.35, 0.15))
    p_thi = np.where(birth_year < 1975, 0.85, np.where(birth_year < 1995, 0.6, 0.3))
    u = rng.random(n)
    other_m = _sample(rng, nm.MIDDLE_MALE[1:], n)
    other_f = _sample(rng, nm.MIDDLE_FEMALE[1:], n)
    out[:] = np.where(male, np.where(u < p_van, "Văn", other_m), np.where(u < p_thi, "Thị", other_f))
    return out


GIVEN_ALL = np.array([g for g, _ in nm.GIVEN_MALE + nm.GIVEN_FEMALE], dtype=object)


def _given_index(rng, sex: np.ndarray) -> np.ndarray:
    """Indices into GIVEN_ALL (male pool first, then female)."""
    n = len(sex)
    _, pm = nm.pool(nm.GIVEN_MALE)
    _, pf = nm.pool(nm.GIVEN_FEMALE)
    male = rng.choice(len(pm), size=n, p=pm)
    female = len(pm) + rng.choice(len(pf), size=n, p=pf)
    return np.where(sex == "M", male, female)


def _given_names(rng, sex: np.ndarray) -> np.ndarray:
    return GIVEN_ALL[_given_index(rng, sex)]


def _people(rng, sizes, hh_villages, today: date, hh_offset: int) -> pd.DataFrame:
    """Members of the given households with role, sex, birth date and names."""
    H = len(sizes)
    total = int(sizes.sum())
    hh = np.repeat(np.arange(H), sizes)
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    pos = np.arange(total) - starts

    head_age = np.rint(rng.triangular(22, 45, 90, size=H)).astype(int)
    head_male = rng.random(H) < 0.78
    has_spouse = (sizes >= 2) & (rng.random(H) < 0.85)

    role = np.full(total, ROLE_CHILD)
    role[pos == 0] = ROLE_HEAD
    role[(pos == 1) & has_spouse[hh]] = ROLE_SPOUSE
    old_head = head_age[hh] >= 58
    role[(role == ROLE_CHILD) & old_head & (pos >= 3) & (rng.random(total) < 0.6)] = ROLE_GRANDCHILD
    young_big = (head_age[hh] <= 45) & (sizes[hh] >= 5) & (pos == sizes[hh] - 1)
    role[young_big & (role == ROLE_CHILD)] = ROLE_PARENT

    ha = head_age[hh].astype(float)
    age = np.select(
        [role == ROLE_HEAD, role == ROLE_SPOUSE, role == ROLE_CHILD, role == ROLE_GRANDCHILD],
        [ha, ha + np.where(head_male[hh], -2.0, 2.0) + rng.normal(0, 3, total),
         ha - rng.uniform(20, 38, total), ha - rng.uniform(45, 62, total)],
        default=ha + rng.uniform(22, 34, total),
    )
    young = age < 0
    age[young] = rng.uniform(0, 6, young.sum())
    age[role == ROLE_SPOUSE] = np.maximum(age[role == ROLE_SPOUSE], 18)
    age = np.clip(age, 0, 95.0)
    today_days = _days(today)
    days_old = np.floor(np.floor(age) * 365.2425 + rng.uniform(1, 364, total)).astype(np.int64)
    days_old = np.minimum(days_old, int(95.9 * 365.2425))
    birth = (today_days - days_old).astype("datetime64[D]")

    male = np.select(
        [role == ROLE_HEAD, role == ROLE_SPOUSE],
        [head_male[hh], ~head_male[hh]],
        default=rng.random(total) < 0.51,
    )
    sex = np.where(male, "M", "F").astype(object)

    head_family = _sample(rng, nm.FAMILY_NAMES, H)
    spouse_family = _sample(rng, nm.FAMILY_NAMES, H)
    own_family = _sample(rng, nm.FAMILY_NAMES, total)
    child_family = np.where(head_male | ~has_spouse, head_family, spouse_family)
    family = np.select(
        [role == ROLE_HEAD, role == ROLE_SPOUSE, (role == ROLE_CHILD) | (role == ROLE_GRANDCHILD)],
        [head_family[hh], spouse_family[hh], child_family[hh]],
        default=np.where(male, head_family[hh], own_family),
    ).astype(object)

    birth_year = pd.DatetimeIndex(birth).year.to_numpy()
    middle = _middle_names(rng, sex, birth_year)
    given_idx = _given_index(rng, sex)
    # no two members of one household share a given name
    for _ in range(30):
        dup = duplicated(hh.astype(np.int64) * 1000 + given_idx)
        if not dup.any():
            break
        given_idx[dup] = _given_index(rng, sex[dup])
    given = GIVEN_ALL[given_idx]

    relation = np.select(
        [role == ROLE_HEAD, role == ROLE_SPOUSE, role == ROLE_CHILD, role == ROLE_GRANDCHILD],
        [np.full(total, "Chủ hộ", dtype=object), np.where(male, "Chồng", "Vợ").astype(object),
         np.full(total, "Con", dtype=object), np.full(total, "Cháu", dtype=object)],
        default=np.where(male, "Bố", "Mẹ").astype(object),
    )
    return frame({
        "household": hh + hh_offset, "role": role, "relation": relation, "village_idx": hh_villages[hh],
        "sex": sex, "birth_date": birth, "family": family, "middle": middle, "given": given,
    })


def _household_attributes(rng, df: pd.DataFrame, villages: list[Village]) -> None:
    H = int(df["household"].max()) + 1
    hh = df["household"].to_numpy()
    ethnic = np.where(rng.random(H) < 0.975, "01", rng.choice(OTHER_ETHNICITIES, size=H)).astype(object)
    religion = rng.choice(np.array(["Không", "Phật giáo", "Công giáo"], dtype=object), size=H, p=[0.86, 0.10, 0.04])
    u = rng.random(H)
    number = rng.integers(1, 250, size=H)
    hamlet = rng.integers(1, 9, size=H)
    detail = np.where(u < 0.55, np.char.add("Số ", number.astype(str)),
                      np.where(u < 0.75, np.char.add("Xóm ", hamlet.astype(str)), "")).astype(object)
    setcol(df, "ethnicity", ethnic[hh])
    setcol(df, "religion", religion[hh])
    setcol(df, "address_detail", detail[hh])
    setcol(df, "household_code", unique_codes(rng, H, 7, 7, 0, literal="0158")[hh])


def _occupation(rng, age: np.ndarray) -> np.ndarray:
    n = len(age)
    work = WORK[rng.choice(len(WORK), size=n, p=WORK_P)]
    old = np.where(rng.random(n) < 0.5, "Hưu trí", work)
    student = np.where(rng.random(n) < 0.4, "Sinh viên", work)
    return np.select([age < 6, age < 18, age < 23, age < 60], ["", "Học sinh", student, work],
                     default=old).astype(object)


def personal_ids(rng, birth: np.ndarray, sex: np.ndarray, province: np.ndarray) -> np.ndarray:
    """CCCD/số định danh per domain.md §2.2: province (3) + century/sex (1) + year (2) + 6 random digits."""
    year = pd.DatetimeIndex(birth).year.to_numpy()
    century = (year // 100 - 19) * 2 + (sex == "F").astype(int)
    prefix = np.asarray(province, dtype=np.int64) * 1000 + century * 100 + year % 100
    return unique_codes(rng, len(birth), 6, 12, prefix)


def _identifiers(rng, df: pd.DataFrame, today: date) -> None:
    n = len(df)
    role = df["role"].to_numpy()
    local_p = np.select([role == ROLE_SPOUSE, role == ROLE_PARENT], [0.7, 0.6], default=0.92)
    neighbours = np.array([int(p) for p in NEIGHBOUR_PROVINCES], dtype=np.int64)
    province = np.where(rng.random(n) < local_p, 1, rng.choice(neighbours, size=n))
    setcol(df, "personal_id", personal_ids(rng, df["birth_date"].to_numpy(), df["sex"].to_numpy(), province))
    age = df["age"].to_numpy()
    has_cmnd = (age >= 20) & (rng.random(n) < 0.5)
    cmnd = unique_codes(rng, n, 7, 7, 0, literal="01")
    setcol(df, "old_id", np.where(has_cmnd, cmnd, "").astype(object))
    # mã số BHXH: 2-digit province + 8 digits; the 15-char card adds group, benefit level and "01"
    bhxh = unique_codes(rng, n, 8, 10, province % 100)
    setcol(df, "social_insurance_no", bhxh)
    u = rng.random(n)
    group = np.select(
        [age < 6, age < 18, (age < 23) & (u < 0.4), (age >= 75) & (u < 0.5), (age >= 60) & (u < 0.6),
         u < 0.04, u < 0.08],
        ["TE1", "HS4", "SV4", "LH2", "HT3", "HN2", "CN2"],
        default=np.where(u < 0.45, "DN4", np.where(u < 0.6, "HC4", "GD4")),
    ).astype(object)
    setcol(df, "insurance_card", group + "01" + bhxh)
    has_phone = (age >= 16) & (rng.random(n) < 0.85)
    mobile = np.array([int(p) for p in MOBILE_PREFIXES], dtype=np.int64)
    phone = unique_codes(rng, n, 7, 10, rng.choice(mobile, size=n))
    setcol(df, "phone", np.where(has_phone, phone, "").astype(object))


def _pick(rng, candidates: np.ndarray, k: int) -> np.ndarray:
    k = min(k, len(candidates))
    return rng.choice(candidates, size=k, replace=False) if k else np.array([], dtype=int)


def _pairs(a: np.ndarray, b: np.ndarray, ok: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    return a[ok][:k], b[ok][:k]


def _plant_hard_cases(rng, df: pd.DataFrame, n_register: int, today: date) -> None:
    """Twins, same name + birth year in one village, same name + birth date in two villages (vectorised)."""
    n = len(df)
    hard_case = np.full(n, "", dtype=object)
    hard_group = np.full(n, -1, dtype=np.int64)
    reg = np.arange(n) < n_register
    household = df["household"].to_numpy()
    sex = df["sex"].to_numpy()
    village = df["village_idx"].to_numpy()
    age = df["age"].to_numpy()
    birth = df["birth_date"].to_numpy().astype("datetime64[D]")
    family, middle, given = (df[c].to_numpy().copy() for c in ("family", "middle", "given"))
    group = 0

    # twins: the first two children of a household share a birth date and differ in given name
    child = np.flatnonzero(reg & (df["role"].to_numpy() == ROLE_CHILD) & (age < 40))
    first_of_hh = np.r_[True, household[child][1:] != household[child][:-1]]
    pair_start = np.flatnonzero(first_of_hh[:-1] & ~first_of_hh[1:])  # households with >= 2 children
    chosen = _pick(rng, pair_start, max(3, n_register // 400))
    a, b = child[chosen], child[chosen + 1]
    birth[b] = birth[a]
    same_middle = (sex[a] == sex[b]) & (rng.random(len(a)) < 0.8)
    middle[b[same_middle]] = middle[a[same_middle]]
    for i, j in zip(a, b):
        pool_ = nm.GIVEN_MALE if sex[j] == "M" else nm.GIVEN_FEMALE
        while given[j] == given[i]:
            given[j] = _sample(rng, pool_, 1)[0]
    ids = group + np.arange(len(a))
    hard_case[a] = hard_case[b] = "twin"
    hard_group[a] = hard_group[b] = ids
    group += len(a)
    used = hard_case != ""

    adults = np.flatnonzero(reg & ~used & (age >= 25) & (age <= 70))
    k1, k2 = max(3, n_register // 500), max(3, n_register // 1000)
    cand = rng.permutation(adults)[: 8 * (k1 + k2) + 40]
    half = len(cand) // 2
    pool_a, pool_b = cand[:half], cand[half:]

    # same full name and birth year, same village, different people in different households
    order = np.lexsort((sex[pool_a], village[pool_a]))
    sa = pool_a[order]
    left, right = sa[:-1], sa[1:]
    ok = (village[left] == village[right]) & (sex[left] == sex[right]) & (household[left] != household[right])
    ok &= np.r_[True, ~ok[:-1]] if len(ok) else ok  # no person in two pairs
    ok_idx = np.flatnonzero(ok)
    ok_idx = ok_idx[np.r_[True, np.diff(ok_idx) > 1]] if len(ok_idx) else ok_idx
    a, b = sa[ok_idx][:k1], sa[ok_idx + 1][:k1]
    years = pd.DatetimeIndex(birth[a]).year.to_numpy()
    months = pd.DatetimeIndex(birth[a]).month.to_numpy()
    new_month = (months - 1 + rng.integers(1, 12, len(a))) % 12 + 1  # another month of the same year
    new_birth = pd.to_datetime(pd.DataFrame({"year": years, "month": new_month, "day": rng.integers(1, 29, len(a))}))
    birth[b] = new_birth.to_numpy().astype("datetime64[D]")
    for col in (family, middle, given):
        col[b] = col[a]
    hard_case[a] = hard_case[b] = "same_name_year_village"
    hard_group[a] = hard_group[b] = group + np.arange(len(a))
    group += len(a)

    # same full name and birth date, two different villages
    pa, pb = pool_b[0::2], pool_b[1::2]
    m = min(len(pa), len(pb))
    pa, pb = pa[:m], pb[:m]
    a, b = _pairs(pa, pb, (village[pa] != village[pb]) & (sex[pa] == sex[pb]), k2)
    birth[b] = birth[a]
    for col in (family, middle, given):
        col[b] = col[a]
    hard_case[a] = hard_case[b] = "same_name_dob_other_village"
    hard_group[a] = hard_group[b] = group + np.arange(len(a))

    setcol(df, "birth_date", birth)
    for name, col in (("family", family), ("middle", middle), ("given", given)):
        setcol(df, name, col)
    setcol(df, "hard_case", hard_case)
    setcol(df, "hard_group", hard_group)


def _life_status(rng, df: pd.DataFrame, n_register: int, today: date) -> None:
    """Register status (what the register says) and the true status; who appears in the deaths file."""
    n = len(df)
    reg = np.arange(n) < n_register
    age = df["age"].to_numpy().astype(float)
    eligible = reg & (df["hard_case"].to_numpy() == "")
    today_days = _days(today)
    birth_days = df["birth_date"].to_numpy().astype("datetime64[D]").astype(np.int64)

    def draw(mask, k, weight):
        idx = np.flatnonzero(mask)
        k = min(k, len(idx))
        if not k:
            return np.array([], dtype=int)
        w = weight[idx] / weight[idx].sum()
        return rng.choice(idx, size=k, replace=False, p=w)

    death_w = np.exp((age - 70) / 8) + 0.002
    dead_reg = draw(eligible, max(2, round(0.01 * n_register)), death_w)
    eligible[dead_reg] = False
    moved_w = np.where((age >= 18) & (age <= 40), 4.0, 1.0)
    moved = draw(eligible, max(2, round(0.01 * n_register)), moved_w)
    eligible[moved] = False
    dead_unrecorded = draw(eligible, max(3, round(0.0025 * n_register)), death_w)

    register_status = np.where(reg, "alive", "").astype(object)
    register_status[dead_reg] = "dead"
    register_status[moved] = "moved"
    status = np.where(reg, "alive", "moved").astype(object)
    status[dead_reg] = "dead"
    status[moved] = "moved"
    status[dead_unrecorded] = "dead"

    death_days = np.full(n, -1, dtype=np.int64)
    death_days[dead_reg] = today_days - rng.integers(20, 3 * 365, size=len(dead_reg))
    death_days[dead_unrecorded] = today_days - rng.integers(5, 240, size=len(dead_unrecorded))
    dead = death_days >= 0
    death_days[dead] = np.maximum(death_days[dead], birth_days[dead] + 1)
    in_deaths = np.zeros(n, dtype=bool)
    in_deaths[dead_reg[rng.random(len(dead_reg)) < 0.9]] = True
    in_deaths[dead_unrecorded] = True

    setcol(df, "on_register", reg)
    setcol(df, "register_status", register_status)
    setcol(df, "status", status)
    setcol(df, "death_date", np.where(dead, death_days, np.iinfo(np.int64).min).astype("datetime64[D]"))
    setcol(df, "in_deaths_file", in_deaths)


def build_population(rng: np.random.Generator, residents: int, off_register: int, villages: list[Village],
                     village_weights: np.ndarray, today: date) -> pd.DataFrame:
    """One row per true person; the first `residents` rows are on the register (household by household)."""
    nv = len(villages)
    p = village_weights / village_weights.sum()
    sizes, hv = _households(rng, residents, nv, p)
    people = _people(rng, sizes, hv, today, 0)
    if off_register:
        o_sizes, o_hv = _households(rng, off_register, nv, np.full(nv, 1 / nv), size_cap=3)
        off = _people(rng, o_sizes, o_hv, today, len(sizes))
        people = pd.concat([people, off], ignore_index=True)
    df = objectify(people)
    setcol(df, "age", age_at(df["birth_date"].to_numpy(), today))
    _household_attributes(rng, df, villages)
    _plant_hard_cases(rng, df, residents, today)
    setcol(df, "age", age_at(df["birth_date"].to_numpy(), today))
    setcol(df, "occupation", _occupation(rng, df["age"].to_numpy()))
    _identifiers(rng, df, today)
    _life_status(rng, df, residents, today)
    setcol(df, "village", np.array([v.name for v in villages], dtype=object)[df["village_idx"].to_numpy()])
    full = np.array([f"{a} {b} {c}" for a, b, c in
                     zip(df["family"].tolist(), df["middle"].tolist(), df["given"].tolist())], dtype=object)
    # the register itself mixes tone styles: some names are registered as "Hoà", "Thuỷ" (new placement)
    new_style = np.flatnonzero((rng.random(len(full)) < NEW_TONE_STYLE) & tone_eligible(full))
    full[new_style] = [nm.tone_variant(v) for v in full[new_style].tolist()]
    setcol(df, "full_name", full)
    df.insert(0, "person_uid", pd.Series([f"U{i + 1:07d}" for i in range(len(df))], dtype=object))
    return objectify(df)
