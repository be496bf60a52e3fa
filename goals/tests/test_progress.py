import datetime as dt
from decimal import Decimal as D

import pytest

from goals import progress

START = dt.date(2026, 1, 1)
DEADLINE = dt.date(2026, 1, 31)


def test_progress_pct_two_decimals():
    assert progress.progress_pct(D("2"), D("5")) == D("40.00")
    assert progress.progress_pct(D("1"), D("3")) == D("33.33")


@pytest.mark.parametrize(
    ("calendar", "today", "expected"),
    [
        ("24/7", dt.date(2025, 12, 1), D("0.00")),
        ("24/7", START, D("0.00")),
        ("24/7", dt.date(2026, 1, 16), D("48.39")),  # 15 of 31 days (the deadline day counts)
        ("24/7", DEADLINE, D("96.77")),  # the deadline day is still open
        ("24/7", dt.date(2026, 2, 1), D("100.00")),
        ("weekdays", dt.date(2026, 1, 5), D("8.70")),  # Thu 1 and Fri 2 of 22 weekdays + Sat 31, the deadline
        ("weekdays", DEADLINE, D("95.65")),  # a Saturday deadline still counts, as the last day
        ("weekdays", dt.date(2026, 3, 1), D("100.00")),
        ("XNYS", dt.date(2026, 1, 5), D("4.76")),  # 1 January is a holiday: Fri 2 of 21
        ("XNYS", dt.date(2026, 1, 20), D("52.38")),  # 11 of 21: Martin Luther King day (19) is a holiday too
    ],
)
def test_expected_pct_counts_the_goals_trading_days(calendar, today, expected):
    assert progress.expected_pct(START, DEADLINE, today, calendar=calendar) == expected


def test_no_deadline_no_pace():
    assert progress.expected_pct(START, None, DEADLINE, calendar="24/7") is None
    assert progress.status_for(D("1"), None, False) == "on_track"


@pytest.mark.parametrize(
    ("pct", "expected", "passed", "status"),
    [
        (D("100"), D("50"), False, "achieved"),
        (D("100"), D("100"), True, "achieved"),
        (D("99.99"), D("100"), True, "missed"),
        (D("45"), D("50"), False, "on_track"),
        (D("30"), D("50"), False, "at_risk"),
        (D("20"), D("50"), False, "behind"),
    ],
)
def test_status_against_pace(pct, expected, passed, status):
    assert progress.status_for(pct, expected, passed) == status


@pytest.mark.parametrize(
    ("pct", "expected", "band"),
    [
        (D("0"), D("0"), "behind"),
        (D("25"), D("0"), "behind"),
        (D("40"), D("0"), "on_track"),
        (D("50"), D("0"), "on_track"),
        (D("50"), D("90"), "behind"),
        (D("80"), D("0"), "near_goal"),
        (D("95"), D("0"), "near_goal"),
        (D("100"), D("0"), "achieved"),
    ],
)
def test_band(pct, expected, band):
    assert progress.band_for(pct, expected) == band
