"""Numbers written the Vietnamese way (1.234.567; 95,3%)."""


def vn_int(n: int | float) -> str:
    return f"{int(n):,}".replace(",", ".")


def vn_pct(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{x * 100:.{digits}f}%".replace(".", ",")
