"""The test helpers' own promises (mastertrade.testing). The root conftest's report hook
appends app_log_tails to a failed test's report: a drill that fails shows the traceback."""

import time

from mastertrade.testing import app_log, app_log_tails


def test_log_tails_are_those_written_since_the_test_began(tmp_path):
    log = app_log(tmp_path / "gunicorn.log")
    log.write_text("x" * 9000 + "Traceback: the reason")
    tails = dict(app_log_tails(since=time.time() - 60))
    assert tails[str(log)].endswith("Traceback: the reason") and len(tails[str(log)]) == 6000
    assert str(log) not in dict(app_log_tails(since=time.time() + 60))
