"""Beat's schedule (mastertrade/celery.py): the heartbeat every minute and, on the local
stack, a full backup daily and an incremental one hourly at the configured times."""

from celery.schedules import crontab

from mastertrade.celery import app


def test_beat_sends_the_heartbeat_and_the_backups():
    app.finalize(auto=True)  # runs on_after_finalize, which fills the schedule
    schedule = app.conf.beat_schedule
    assert schedule["heartbeat (beat and workers alive)"]["task"] == "observability.heartbeat"
    assert schedule["heartbeat (beat and workers alive)"]["schedule"] == 60.0
    full, incr = schedule["full backup (daily)"], schedule["incremental backup (hourly)"]
    assert (full["task"], full["args"]) == ("observability.backup", ("full",))
    assert (incr["task"], incr["args"]) == ("observability.backup", ("incr",))
    assert full["schedule"] == crontab(hour=2, minute=30)
    assert incr["schedule"] == crontab(minute=0)


def test_beat_purges_expired_tokens_hourly():
    app.finalize(auto=True)
    entry = app.conf.beat_schedule["purge expired API tokens (hourly)"]
    assert entry["task"] == "tokens.purge_expired"
    assert entry["schedule"] == crontab(minute=17)
