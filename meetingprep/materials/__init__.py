"""会议材料发放 (paperless materials) and 会议简报 (daily briefings).

The secretariat publishes final documents (a 定稿 of the review pipeline, or an uploaded PDF) to a sitting's
expected attendees or to a named scope of the roster; members read them in the browser under a watermark
naming them, and every reading is recorded once per (material, member). A newer 定稿 replaces the published
version (已更新) and the earlier ones stay in the record. A 会议简报 is a document of its own type with a
running number per meeting; it goes through the pipeline and is published to its chosen scope on 定稿.
"""
