"""The test helpers' own promises (mastertrade.testing). The root conftest's report hook
appends app_log_tails to a failed test's report: a drill that fails shows the traceback."""

import time

from mastertrade.testing import app_log, app_log_tails


def test_log_tails_are_those_written_since_the_test_began(tmp_path):
    log = app_log(tmp_path / "gunicorn.log")
    log.write_text("x" * 9000 + "Traceback: the reason")
    tails = dict(app_log_tails(since=time.time() - 60))
    assert tails[str(log)].endswith("x" * 5979 + "Traceback: the reason")
    assert str(log) not in dict(app_log_tails(since=time.time() + 60))


def test_a_traceback_pushed_out_of_the_tail_is_still_reported(tmp_path):
    """A busy drill logs thousands of warnings after the 500 it failed on: the report
    keeps that 500's traceback (once, however often it recurred) before the tail."""
    traceback = (
        "Traceback (most recent call last):\n"
        '  File "trades/services.py", line 118, in trade_record\n'
        "    with transaction.atomic():\n"
        "django.db.utils.InternalError: received 2 results from command 'COMMIT'\n"
    )
    noise = "2026-12-03 11:45:15,619 WARNING mastertrade.api service unavailable\n" * 500
    record = "2026-12-03 11:45:15,437 ERROR django.request Internal Server Error: /api/v1/trades/\n"
    log = app_log(tmp_path / "gunicorn.log")
    log.write_text((record + traceback + noise) * 2)
    report = dict(app_log_tails(since=time.time() - 60))[str(log)]
    assert report.count(traceback) == 1 and report.index(traceback) < report.index("--- tail ---")
    assert "received 2 results" not in report[report.index("--- tail ---") :]
