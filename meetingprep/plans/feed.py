"""The personal deadline feed (iCalendar) that phones and desktop calendars subscribe to."""

from __future__ import annotations

import datetime as dt

from icalendar import Alarm, Calendar, Event

from meetingprep.tasks.links import task_url
from meetingprep.timeutil import now


def deadline_calendar(user, tasks) -> bytes:
    """One event per open task at its deadline, with a reminder the day before."""
    cal = Calendar()
    cal.add("prodid", "-//MeetingPrep//大会筹备工作平台//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"大会筹备 · {user.display_name}的任务节点")
    cal.add("x-wr-timezone", "Asia/Shanghai")
    cal.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    stamp = now()
    for task in tasks:
        link = task_url(task.id, external=True)
        role = "责任人" if task.owner_id == user.id else "协办"
        event = Event()
        event.add("uid", f"task-{task.id}@meetingprep")
        event.add("dtstamp", stamp)
        event.add("dtstart", task.due_at)
        event.add("duration", dt.timedelta(minutes=30))
        event.add("summary", f"【截止】{task.title}")
        event.add("description", f"{task.meeting.display_name} · {task.group.name} · {role} · "
                                 f"{task.status.label}\n{link}")
        event.add("url", link)
        event.add("categories", [task.group.name])
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"明天截止：{task.title}")
        alarm.add("trigger", dt.timedelta(days=-1))
        event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()
