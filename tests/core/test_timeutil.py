"""timeutil: stored UTC, shown in the configured zone, in the Chinese formats the pages use."""

import datetime as dt

from meetingprep import timeutil
from meetingprep.tasks.models import Task

MOMENT = dt.datetime(2026, 1, 9, 23, 5, tzinfo=dt.UTC)  # 07:05 on 10 January in Beijing


def test_formats_in_the_configured_zone(app):
    assert timeutil.format_short(MOMENT) == "1月10日 07:05"
    assert timeutil.format_datetime(MOMENT) == "2026年1月10日 周六 07:05"
    app.config["TIMEZONE"] = "Europe/Berlin"
    try:
        assert timeutil.format_short(MOMENT) == "1月10日 00:05"
    finally:
        app.config["TIMEZONE"] = "Asia/Shanghai"


def test_outside_an_app_the_default_zone():
    assert timeutil.zone().key == "Asia/Shanghai"


def test_relative_deadline_labels():
    def label(days, clock=None):
        return Task(due_offset_days=days, due_offset_time=clock).relative_due_label

    assert label(-7, dt.time(17, 0)) == "开幕前 7 天 17:00"
    assert label(0, dt.time(9, 0)) == "开幕当天 09:00"
    assert label(2) == "开幕后 2 天"
    assert Task(due_offset_days=None).relative_due_label == ""
