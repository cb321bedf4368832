"""分组讨论意见: the opinions members raise on a report under review during the group discussions, recorded
by each discussion group's recorder against a paragraph of the current version, and the drafting group's
answers (采纳 with the version that takes it up, 部分采纳, 未采纳 with a reason, 已说明)."""
