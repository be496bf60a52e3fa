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
    ("today", "expected"),
    [
        (dt.date(2025, 12, 1), D("0.00")),
        (START, D("0.00")),
        (dt.date(2026, 1, 16), D("50.00")),
        (DEADLINE, D("100.00")),
        (dt.date(2026, 3, 1), D("100.00")),
    ],
)
def test_expected_pct_is_elapsed_fraction(today, expected):
    assert progress.expected_pct(START, DEADLINE, today) == expected


def test_no_deadline_no_pace():
    assert progress.expected_pct(START, None, DEADLINE) is None
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
