"""Per-village data quality: villages must differ (a clean one, a messy one, one typed in legacy fonts …)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np


@dataclass(frozen=True)
class Quality:
    profile: str
    coverage: float  # share of alive residents holding at least one HSSK record
    duplicate_rate: float  # share of record holders with 2–3 records
    error_scale: float  # multiplies the base error rates of corrupt.BASE_RATES
    legacy_rate: float  # share of records whose text cells are TCVN3/VNI mojibake
    health_fill: float  # chance that a health category is filled on a (newest) record
    blank_village: float  # village column empty, village only in the address (cosmetic)
    old_address: float  # pre-2025 three-level address (cosmetic)

    def as_row(self, village: str) -> dict:
        return {"village": village, **asdict(self)}


CLEAN = Quality("clean", 0.99, 0.01, 0.2, 0.0, 0.97, 0.01, 0.10)
MESSY = Quality("messy", 0.88, 0.08, 2.5, 0.05, 0.60, 0.30, 0.60)
LEGACY = Quality("legacy_fonts", 0.95, 0.03, 1.0, 0.30, 0.85, 0.05, 0.70)
LOW_COVERAGE = Quality("low_coverage", 0.78, 0.02, 0.8, 0.02, 0.75, 0.05, 0.30)
AVERAGE = Quality("average", 0.95, 0.03, 1.0, 0.03, 0.85, 0.08, 0.35)

_FIRST = [CLEAN, MESSY, LEGACY, LOW_COVERAGE]


def village_qualities(rng: np.random.Generator, n_villages: int) -> list[Quality]:
    """The first four villages get the named profiles; the rest are 'average' with a little seeded jitter."""
    out = []
    for i in range(n_villages):
        if i < len(_FIRST):
            out.append(_FIRST[i])
            continue
        j = rng.uniform(-1, 1, size=4)
        out.append(replace(
            AVERAGE,
            coverage=round(AVERAGE.coverage + 0.03 * j[0], 3),
            error_scale=round(AVERAGE.error_scale * (1 + 0.3 * j[1]), 3),
            health_fill=round(AVERAGE.health_fill + 0.08 * j[2], 3),
            duplicate_rate=round(AVERAGE.duplicate_rate * (1 + 0.4 * j[3]), 4),
        ))
    return out


def per_record(qualities: list[Quality], attr: str, village_idx: np.ndarray) -> np.ndarray:
    """The village's value of `attr` for every row."""
    return np.array([getattr(q, attr) for q in qualities], dtype=float)[village_idx]
