"""The Splink model: comparisons, blocking rules and settings for Vietnamese person records.

The SQL is DuckDB's. Spark runs the same saved model through one path: hssk.link.spark translates the saved
model's SQL with sqlglot (hamming(), jaro_winkler_similarity(), list_sort() … rewritten), keeping every trained
m/u value.

Input: the table built by `queries/link_input.sql` (one row per record_key; `role` is H for
HSSK, P for the population register, A for deaths/insurance/care records).
"""

from __future__ import annotations

import re

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator

# Bump when the columns of link_input or the comparisons change: a saved model of another
# version no longer fits the prepared table and must be re-estimated (`hssk link --retrain`).
FEATURES_VERSION = 5

# Pairs worth scoring: HSSK with anything, and any two different roles (HSSK–register,
# deaths/insurance/care–HSSK or –register). Never register–register (duplicate-free) and
# never two attaching records (deaths–care and the like).
ELIGIBLE_PAIR_SQL = "(l.role <> r.role or l.role = 'H')"

# Deterministic rules, in order; each is also a blocking rule for predictions.
_ID_RULES = [
    "l.personal_id = r.personal_id",
    "l.old_id = r.old_id",
    "l.bhxh_no = r.bhxh_no",
]

# Fuzzy blocking: a record with a mistyped or missing ID is still compared when its name and
# birth data agree partly. Every rule is a conjunction of equalities, and each joins on enough
# columns that a block stays small even with a third of people called Nguyễn and a few hundred
# given names: at a million records the rules below give about three comparisons per record.
# Splink joins on one precomputed 64-bit key per rule side instead of the columns (blocking_keys).
_NAME = "l.given_ascii = r.given_ascii and l.family_ascii = r.family_ascii"
# The broad ones: Splink re-checks every earlier rule for each pair a rule finds, so the rules that
# find most pairs run first (each gives 4–6 million candidate pairs at a million residents).
_BROAD_RULES = [
    # a typo in the day (the middle name narrows the block)
    f"{_NAME} and l.birth_ym = r.birth_ym and l.middle_ascii = r.middle_ascii",
    # a typo in the given name: first letter kept, or two letters swapped (same letters); or in
    # the family name
    "l.birth_date = r.birth_date and l.family_ascii = r.family_ascii and l.given_initial = r.given_initial"
    " and l.sex = r.sex",
    "l.birth_date = r.birth_date and l.given_ascii = r.given_ascii and l.family_initial = r.family_initial",
    "l.birth_date = r.birth_date and l.family_ascii = r.family_ascii and l.given_letters = r.given_letters",
]
_FUZZY_RULES = [
    # a typo in the day or in the year (HSSK against the register: both carry the village)
    f"{_NAME} and l.birth_month = r.birth_month and l.birth_day = r.birth_day and l.village = r.village",
    f"{_NAME} and l.birth_ym = r.birth_ym and l.village = r.village",
    # no usable birth date or ID: the household or the phone finds the other record
    "l.given_ascii = r.given_ascii and l.household_code = r.household_code",
    # a date known to the year only, or to the month only (the *_only keys are set only then), either side
    f"{_NAME} and l.birth_year_only = r.birth_year",
    f"{_NAME} and l.birth_year = r.birth_year_only",
    # day and month swapped
    f"{_NAME} and l.birth_year = r.birth_year and l.birth_month = r.birth_day and l.birth_day = r.birth_month",
    f"{_NAME} and l.birth_ym_only = r.birth_ym",
    f"{_NAME} and l.birth_ym = r.birth_ym_only",
    "l.given_ascii = r.given_ascii and l.phone = r.phone",
    # neither an ID nor a date of birth (a record holding the name only): the full name within the village
    f"{_NAME} and l.middle_ascii = r.middle_ascii and l.village = r.village",
    # a typo in the given name of a record without a date of birth: the household (a few people) finds it
    "l.household_code = r.household_code and l.given_initial = r.given_initial",
    # … or the house: the same house number in the same village (a name typo, no date of birth, no household)
    ("l.address_detail = r.address_detail and l.village = r.village and l.family_initial = r.family_initial"
     " and l.given_initial = r.given_initial"),
]
_PREDICTION_RULES = _BROAD_RULES + _ID_RULES + _FUZZY_RULES

# EM runs on these blocked subsets; a comparison is estimated on every subset that does not
# block on its column, so together they train all of them.
_TRAINING_RULES = [
    "l.personal_id = r.personal_id",
    "l.birth_date = r.birth_date and l.given_ascii = r.given_ascii",
    "l.given_ascii = r.given_ascii and l.family_ascii = r.family_ascii and l.birth_year = r.birth_year",
]


# Levels rare enough that unsupervised training may see no true match in them (a commune's data
# has few day/month swaps or mistyped IDs). Their m is then this documented prior instead of
# Splink's positional default; a u never observed in the random sample is set to U_UNOBSERVED.
PRIOR_M = {
    "họ: gần giống (Jaro-Winkler ≥ 0.9)": 0.005,
    "tên: gần giống (Jaro-Winkler ≥ 0.9)": 0.005,
    "tên đệm: bên này chứa bên kia": 0.005,
    "tên đệm: gần giống": 0.005,
    "ngày sinh: đảo ngày và tháng": 0.003,
    "ngày sinh: trùng tháng, không rõ ngày": 0.004,
    "ngày sinh: khác một chữ số": 0.005,
    "ngày sinh: trùng năm, không rõ tháng": 0.008,
    "ngày sinh: chỉ trùng năm": 0.003,
    "số định danh: khác một chữ số": 0.005,
    "số định danh: đảo hai chữ số": 0.004,
    "CMND: khác một chữ số": 0.005,
    "số BHXH: khác một chữ số": 0.005,
}
# A clear disagreement ("…: khác", the ELSE level) never seen among true matches.
PRIOR_M_ELSE = 0.001
U_UNOBSERVED = 1e-5


def _eligible(rule: str) -> str:
    return f"{rule} and {ELIGIBLE_PAIR_SQL}"


# --- Blocking keys
# A rule over text columns costs Splink a join on all of them and, for every pair a later rule
# finds, a re-check of the earlier rules to skip pairs already found: at a million records that
# was 39 s of a 61 s prediction. So each side of every rule gets one 64-bit key column, the hash
# of its columns (NULL when one is NULL, as the equality would then be), computed once when the
# input is prepared, and the rule joins on it. A hash collision only adds a pair to be scored:
# the comparisons, not the blocking, decide the score.


def _sides(rule: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """'l.a = r.b and l.c = r.d' -> (('a', 'c'), ('b', 'd'))."""
    pairs = [re.fullmatch(r"l\.(\w+) = r\.(\w+)", term.strip()) for term in rule.split(" and ")]
    if not all(pairs):
        raise ValueError(f"a blocking rule must be a conjunction of l.x = r.y: {rule}")
    return tuple(m[1] for m in pairs), tuple(m[2] for m in pairs)


def _key_name(columns: tuple[str, ...]) -> str:
    return "block_" + "__".join(columns)


def blocking_keys() -> dict[str, str]:
    """Key column -> DuckDB SQL over the prepared input, for every side of every prediction rule."""
    keys = {}
    for rule in _PREDICTION_RULES:
        for columns in _sides(rule):
            filled = " and ".join(f"{c} is not null" for c in columns)
            # Both sides of a rule have the same types (link_input's *_only columns are typed like the others; the
            # pair test in tests/test_link_pipeline.py would see a difference); >> 1 fits Spark's signed bigint.
            hashed = "hash(" + ", ".join(columns) + ")"
            keys[_key_name(columns)] = f"case when {filled} then ({hashed} >> 1)::bigint end"
    return keys


def _keyed(rule: str) -> str:
    """The rule as a join on its key columns."""
    left, right = _sides(rule)
    return f"l.{_key_name(left)} = r.{_key_name(right)}"


def prediction_blocking_rules(*, only_new: bool = False, keyed: bool = True) -> list[str]:
    """only_new: keep pairs with at least one record flagged is_new (an incremental run).
    keyed=False: the rules over the original columns (what the keys stand for; used by the tests)."""
    rules = [_eligible(_keyed(rule) if keyed else rule) for rule in _PREDICTION_RULES]
    return [f"{rule} and (l.is_new or r.is_new)" for rule in rules] if only_new else rules


def training_blocking_rules() -> list[str]:
    return [_eligible(rule) for rule in _TRAINING_RULES]


def deterministic_rules() -> list[str]:
    """Rules that almost only hold for true matches: used to estimate the prior."""
    return [_eligible(_ID_RULES[0])]


def _within_edits_sql(col: str, edits: int) -> str:
    """Same-length strings differing in at most `edits` positions (DuckDB's hamming() is ~40x cheaper than
    Damerau-Levenshtein; hssk.link.spark rewrites it for Spark)."""
    return f"length({col}_l) = length({col}_r) and hamming({col}_l, {col}_r) <= {edits}"


# The input columns the names_differ guard reads: Splink carries them into its predictions (as x_l, x_r), so the
# guard needs no second join to the input.
GUARD_COLUMNS = ["given_ascii", "personal_id"]
RETAINED_COLUMNS = ["source", "role", *GUARD_COLUMNS]
# Term-frequency columns no comparison reads directly: Splink's waterfall chart shows them, so an explaining
# run retains them too.
TF_COLUMNS = ["family_tf", "middle_tf", "given_tf"]


def retained_columns(*, explain: bool = False) -> list[str]:
    return RETAINED_COLUMNS + TF_COLUMNS if explain else RETAINED_COLUMNS


def names_differ_sql(threshold: float = 0.9) -> str:
    """Guard: the given names clearly differ and the personal IDs are not the same.

    Splink adds up evidence as if fields were independent, but family members share the family
    name, village, household, phone — and twins the birth date, sometimes consecutive CCCD numbers.
    The given name is what tells them apart, so such a pair is never linked automatically (it goes
    to a reviewer instead). "Clearly" = not a likely typo: more than one edit apart (a swap of two
    letters counts as one) and not close by Jaro-Winkler. (Twins with near-identical names on the register are still kept apart by the
    register being duplicate-free.) Written over the input columns of both records (aliases l, r), in DuckDB's
    SQL (hssk.link.spark translates it). Only evaluated on scored pairs, so Damerau-Levenshtein (a swap is one
    edit) is affordable.
    """
    return (
        "(coalesce(l.personal_id = r.personal_id, false) = false"
        " and l.given_ascii is not null and r.given_ascii is not null"
        " and l.given_ascii <> r.given_ascii"
        " and damerau_levenshtein(l.given_ascii, r.given_ascii) > 1"
        f" and jaro_winkler_similarity(l.given_ascii, r.given_ascii) < {threshold})"
    )


def _transposed_sql(col: str) -> str:
    """Two digits swapped: exactly two positions differ and the multiset of digits is equal."""
    sort = "list_sort(string_split({c}, ''))"
    return f"{_within_edits_sql(col, 2)} and {sort.format(c=col + '_l')} = {sort.format(c=col + '_r')}"


# Labels of the levels are Vietnamese: they reach the reviewer's screen and the analyst's charts.
COLUMN_LABELS = {
    "family": "họ", "middle": "tên đệm", "given": "tên", "birth": "ngày sinh", "sex": "giới tính",
    "personal_id": "số định danh", "old_id": "CMND", "bhxh_no": "số BHXH", "village": "thôn",
    "household_code": "mã hộ", "phone": "điện thoại", "address_detail": "số nhà",
}


def _null(col: str, label: str):
    return cll.NullLevel(col).configure(label_for_charts=f"{label}: thiếu")


def _else(label: str):
    return cll.ElseLevel().configure(label_for_charts=f"{label}: khác")


def _tf_on_usual_form(level, part: str):
    """Adjust an exact name level by how common the name is, counting a name typed without accents as its
    usual written form (`<part>_tf` of link_input: "Nguyen" → "nguyễn").

    Counting the spelling would make an accent-free name look rare: "Nguyen" is a hundredth as frequent as
    "Nguyễn", so two "Nguyen Thi Hien" records (two of 4,600 Nguyễn Thị Hiền in a city) would agree like a rare
    name and be merged. The level keeps its own u as the base of the adjustment, as with the plain key.
    """
    return level.configure(tf_adjustment_column=f"{part}_tf", tf_adjustment_weight=1.0,
                           disable_tf_exact_match_detection=True)


def name_part_comparison(part: str, *, jw_threshold: float = 0.9) -> cl.CustomComparison:
    """Family or given name: tone-insensitive key, then accent-free key, then a close spelling.

    The exact level is term-frequency adjusted: agreeing on Nguyễn says far less than agreeing on a
    rare family name; a name typed without accents counts as its usual form (`_tf_on_usual_form`).
    """
    key, ascii_, label = f"{part}_key", f"{part}_ascii", COLUMN_LABELS[part]
    return cl.CustomComparison(
        output_column_name=part,
        comparison_levels=[
            _null(key, label),
            _tf_on_usual_form(cll.ExactMatchLevel(key), part).configure(
                label_for_charts=f"{label}: giống (không kể cách bỏ dấu thanh)"
            ),
            cll.ExactMatchLevel(ascii_).configure(label_for_charts=f"{label}: giống khi bỏ dấu"),
            cll.JaroWinklerLevel(ascii_, jw_threshold).configure(
                label_for_charts=f"{label}: gần giống (Jaro-Winkler ≥ {jw_threshold})"
            ),
            _else(label),
        ],
    )


def middle_name_comparison() -> cl.CustomComparison:
    """Middle names: 'Văn'/'Thị' are often dropped, so one missing is a weak disagreement."""
    label = COLUMN_LABELS["middle"]
    return cl.CustomComparison(
        output_column_name="middle",
        comparison_levels=[
            cll.CustomLevel("middle_key_l is null and middle_key_r is null").configure(
                is_null_level=True, label_for_charts=f"{label}: cả hai đều trống"
            ),
            _tf_on_usual_form(cll.ExactMatchLevel("middle_key"), "middle").configure(
                label_for_charts=f"{label}: giống (không kể cách bỏ dấu thanh)"
            ),
            cll.ExactMatchLevel("middle_ascii").configure(label_for_charts=f"{label}: giống khi bỏ dấu"),
            cll.CustomLevel("middle_key_l is null or middle_key_r is null").configure(
                label_for_charts=f"{label}: một bên trống"
            ),
            cll.CustomLevel(
                "instr(middle_ascii_l, middle_ascii_r) > 0 or instr(middle_ascii_r, middle_ascii_l) > 0"
            ).configure(label_for_charts=f"{label}: bên này chứa bên kia"),
            cll.JaroWinklerLevel("middle_ascii", 0.88).configure(label_for_charts=f"{label}: gần giống"),
            _else(label),
        ],
    )


def birth_comparison() -> cl.CustomComparison:
    """Date of birth with partial precision: 'YYYY' or 'YYYY-MM' agree as far as they go."""
    label = COLUMN_LABELS["birth"]
    both_days = "birth_day_l is not null and birth_day_r is not null"
    same_year = "birth_year_l = birth_year_r"
    return cl.CustomComparison(
        output_column_name="birth",
        comparison_levels=[
            cll.CustomLevel("birth_year_l is null or birth_year_r is null").configure(
                is_null_level=True, label_for_charts=f"{label}: thiếu"
            ),
            cll.CustomLevel(f"{both_days} and birth_text_l = birth_text_r").configure(
                label_for_charts=f"{label}: trùng ngày"
            ),
            cll.CustomLevel(
                f"{both_days} and {same_year} and birth_month_l = birth_day_r "
                "and birth_day_l = birth_month_r"
            ).configure(label_for_charts=f"{label}: đảo ngày và tháng"),
            cll.CustomLevel(
                f"{same_year} and birth_month_l = birth_month_r and not ({both_days})"
            ).configure(label_for_charts=f"{label}: trùng tháng, không rõ ngày"),
            cll.CustomLevel(
                f"{both_days} and {_within_edits_sql('birth_text', 1)}"
            ).configure(label_for_charts=f"{label}: khác một chữ số"),
            cll.CustomLevel(
                f"{same_year} and (birth_month_l is null or birth_month_r is null)"
            ).configure(label_for_charts=f"{label}: trùng năm, không rõ tháng"),
            cll.CustomLevel(same_year).configure(label_for_charts=f"{label}: chỉ trùng năm"),
            _else(label),
        ],
    )


def id_comparison(col: str, *, transposition: bool) -> cl.CustomComparison:
    """An identifier: exact, one digit off, (optionally) two digits swapped, different."""
    label = COLUMN_LABELS[col]
    levels = [
        _null(col, label),
        cll.ExactMatchLevel(col).configure(label_for_charts=f"{label}: giống"),
        cll.CustomLevel(_within_edits_sql(col, 1)).configure(
            label_for_charts=f"{label}: khác một chữ số"
        ),
    ]
    if transposition:
        levels.append(
            cll.CustomLevel(_transposed_sql(col)).configure(
                label_for_charts=f"{label}: đảo hai chữ số"
            )
        )
    levels.append(_else(label))
    return cl.CustomComparison(output_column_name=col, comparison_levels=levels)


def exact_comparison(col: str) -> cl.CustomComparison:
    label = COLUMN_LABELS[col]
    return cl.CustomComparison(
        output_column_name=col,
        comparison_levels=[
            _null(col, label),
            cll.ExactMatchLevel(col).configure(label_for_charts=f"{label}: giống"),
            _else(label),
        ],
    )


def comparisons() -> list[cl.CustomComparison]:
    return [
        name_part_comparison("family"),
        middle_name_comparison(),
        name_part_comparison("given"),
        birth_comparison(),
        exact_comparison("sex"),
        id_comparison("personal_id", transposition=True),
        id_comparison("old_id", transposition=False),
        id_comparison("bhxh_no", transposition=False),
        exact_comparison("village"),
        exact_comparison("household_code"),
        exact_comparison("phone"),
        exact_comparison("address_detail"),
    ]


def settings(*, explain: bool = False) -> SettingsCreator:
    """Untrained settings. `explain=True` keeps the columns Splink's waterfall and dashboards need."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=prediction_blocking_rules(),
        additional_columns_to_retain=retained_columns(explain=explain),
        retain_matching_columns=explain,
        retain_intermediate_calculation_columns=explain,
        probability_two_random_records_match=1e-4,
        em_convergence=1e-4,
        max_iterations=25,
    )
