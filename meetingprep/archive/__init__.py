"""会后: the meeting's summary (会议总结), its one-click archive (归档包) and the next meeting started from it.

``models`` — the archive jobs (state in our own table: any web worker shows the progress the scheduler's
builder writes); ``services`` — close and reopen a meeting, queue, claim and run the builds;
``bundle`` — what goes into the .zip and its manifest; ``summary`` — the figures and the .docx draft;
``carry_over`` — the next meeting with this one's groups, members and plan. Read-only-ness itself is
``meetings/closure.py``.
"""
