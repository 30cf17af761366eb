"""Pure Vietnamese standardisation functions: one value in, one value out, never raising on garbage.

Blank input (None, NaN, empty or whitespace) gives None. They are the definition of every clean value: the import
standardises whole columns with hssk.ingest.columns (Arrow), which gives the same result and calls these functions
only for small vocabularies (words, codes, dates) and rare cells. Lookups built from data/reference are cached and
cleared by `hssk.reference.reload()`.
"""

from hssk.normalize.address import (
                                   Address,
                                   match_village,
                                   parse_address,
                                   village_and_old_unit,
                                   village_fields,
                                   village_key,
)
from hssk.normalize.codes import (
                                   normalize_ethnicity,
                                   normalize_event_kind,
                                   normalize_nationality,
                                   normalize_religion,
                                   normalize_sex,
                                   normalize_status,
)
from hssk.normalize.dates import PartialDate, parse_date
from hssk.normalize.ids import (
                                   normalize_insurance,
                                   normalize_old_id,
                                   normalize_personal_id,
                                   normalize_phone,
                                   personal_id_issues,
)
from hssk.normalize.legacy import (
                                   decode_tcvn3,
                                   decode_vni,
                                   detect_legacy,
                                   encode_tcvn3,
                                   encode_vni,
                                   repair_legacy,
)
from hssk.normalize.names import split_name
from hssk.normalize.text import ascii_key, fix_text, is_blank, strip_accents, title_case, tone_key

__all__ = [
    "Address",
    "PartialDate",
    "ascii_key",
    "decode_tcvn3",
    "decode_vni",
    "detect_legacy",
    "encode_tcvn3",
    "encode_vni",
    "fix_text",
    "is_blank",
    "match_village",
    "normalize_ethnicity",
    "normalize_event_kind",
    "normalize_insurance",
    "normalize_nationality",
    "normalize_old_id",
    "normalize_personal_id",
    "normalize_phone",
    "normalize_religion",
    "normalize_sex",
    "normalize_status",
    "parse_address",
    "parse_date",
    "personal_id_issues",
    "repair_legacy",
    "split_name",
    "strip_accents",
    "title_case",
    "tone_key",
    "village_and_old_unit",
    "village_fields",
    "village_key",
]
