"""Planning views of the task plan (施工图): templates, .xlsx import, calendar, timeline, iCal feed."""
