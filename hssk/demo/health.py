"""Health facts of each true person (what a complete record would say) and the care events that show them.

The five campaign categories (domain.md §1.3): chronic disease, vaccination, medical history, reproductive
health (women 15–49) and infectious disease. "Không" is a real answer and counts as filled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hssk.demo.frames import frame

CATEGORIES = ("chronic_disease", "vaccination", "medical_history", "reproductive_health", "infectious_disease")

CHRONIC = [("Tăng huyết áp", "I10"), ("Đái tháo đường type 2", "E11"), ("Tăng huyết áp; Đái tháo đường", "I10"),
           ("Bệnh phổi tắc nghẽn mạn tính", "J44"), ("Hen phế quản", "J45"), ("Bệnh tim thiếu máu cục bộ", "I25"),
           ("Viêm khớp dạng thấp", "M06")]
HISTORY = ["Mổ ruột thừa", "Gãy xương cẳng tay", "Sỏi thận", "Viêm phổi", "Dị ứng penicillin", "Viêm dạ dày",
           "Mổ đẻ", "Sốt xuất huyết"]
INFECTIOUS = [("Viêm gan B", "B18.1"), ("Lao phổi (đã điều trị)", "A15.0"), ("Sốt xuất huyết Dengue (2023)", "A97.0"),
              ("Thủy đậu", "B01.9")]
REPRODUCTIVE = ["Đặt vòng tránh thai", "Sinh 2 con, đẻ thường", "Đang mang thai", "Chưa có thai lần nào",
                "Dùng thuốc tránh thai", "Sinh 1 con, đẻ mổ"]
CHILD_VACCINES = ["Đủ mũi TCMR", "Tiêm chủng đầy đủ theo tuổi", "Thiếu mũi sởi - rubella",
                  "Đủ mũi TCMR, đã tiêm vắc xin dịch vụ"]
ADULT_VACCINES = ["COVID-19: 3 mũi", "COVID-19: 2 mũi", "Uốn ván 2 mũi", "Cúm mùa 2025", "Không"]

VACCINE_CODES = [("BCG", "Vắc xin phòng lao BCG"), ("VGB", "Viêm gan B sơ sinh"),
                 ("DPT-VGB-Hib", "Vắc xin 5 trong 1 (ComBE Five)"), ("OPV", "Bại liệt uống"), ("IPV", "Bại liệt tiêm"),
                 ("MR", "Sởi - Rubella"), ("VNNB", "Viêm não Nhật Bản"), ("COVID-19", "Vắc xin COVID-19"),
                 ("CUM", "Cúm mùa"), ("UV", "Uốn ván")]
EXAM_CODES = [("J06.9", "Viêm đường hô hấp trên cấp"), ("K29.7", "Viêm dạ dày"), ("M54.5", "Đau thắt lưng"),
              ("J20.9", "Viêm phế quản cấp"), ("A09", "Tiêu chảy, viêm dạ dày ruột"), ("H10.9", "Viêm kết mạc"),
              ("R51", "Đau đầu"), ("L30.9", "Viêm da")]
LAB_CODES = [("Z13.1", "Xét nghiệm đường máu"), ("Z01.7", "Xét nghiệm công thức máu"),
             ("Z11.1", "Sàng lọc lao"), ("Z11.5", "Xét nghiệm viêm gan B (HBsAg)")]
REPRO_CODES = [("Z34.9", "Khám thai định kỳ"), ("Z30.1", "Đặt dụng cụ tử cung"), ("Z01.4", "Khám phụ khoa")]


def reproductive_applies(sex: np.ndarray, age: np.ndarray) -> np.ndarray:
    return (sex == "F") & (age >= 15) & (age <= 49)


def person_health(rng: np.random.Generator, sex: np.ndarray, age: np.ndarray) -> pd.DataFrame:
    """The true answer per category for each person ('' where the category does not apply)."""
    n = len(sex)

    def pick(values, k):
        return np.array(values, dtype=object)[rng.integers(len(values), size=k)]

    chronic_idx = rng.integers(len(CHRONIC), size=n)
    has_chronic = rng.random(n) < np.clip((age - 30) / 80, 0.01, 0.55)
    chronic = np.where(has_chronic, np.array([c for c, _ in CHRONIC], dtype=object)[chronic_idx], "Không")
    chronic_code = np.where(has_chronic, np.array([c for _, c in CHRONIC], dtype=object)[chronic_idx], "")
    vacc = np.where(age < 16, pick(CHILD_VACCINES, n), pick(ADULT_VACCINES, n))
    history = np.where(rng.random(n) < 0.3, pick(HISTORY, n), "Không")
    repro = np.where(reproductive_applies(sex, age), np.where(rng.random(n) < 0.2, "Không", pick(REPRODUCTIVE, n)), "")
    inf_idx = rng.integers(len(INFECTIOUS), size=n)
    has_inf = rng.random(n) < 0.08
    infectious = np.where(has_inf, np.array([c for c, _ in INFECTIOUS], dtype=object)[inf_idx], "Không")
    inf_code = np.where(has_inf, np.array([c for _, c in INFECTIOUS], dtype=object)[inf_idx], "")
    return frame({
        "chronic_disease": chronic, "vaccination": vacc, "medical_history": history,
        "reproductive_health": repro, "infectious_disease": infectious,
        "chronic_code": chronic_code, "infectious_code": inf_code,
    })
