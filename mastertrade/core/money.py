"""Decimal precision for every stored number, and the one rounding helper."""

from decimal import ROUND_HALF_UP, Decimal

# (max_digits, decimal_places) for each kind of stored number.
AMOUNT = (20, 4)  # money, goal values (a monthly_return goal stores percent here)
PERCENT = (12, 4)  # percentages and drawdowns
FACTOR = (8, 4)  # sizing factors, scores
QUANTITY = (28, 8)  # trade quantities, prices, position sizes


def quantize(value: Decimal, places: int) -> Decimal:
    """Round half up to `places` decimals."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def decimal_kwargs(kind: tuple[int, int]) -> dict:
    return {"max_digits": kind[0], "decimal_places": kind[1]}


def largest(kind: tuple[int, int]) -> Decimal:
    """The largest value a column of this precision holds (e.g. 99999999.9999 for PERCENT)."""
    return Decimal(10) ** (kind[0] - kind[1]) - Decimal(1).scaleb(-kind[1])
