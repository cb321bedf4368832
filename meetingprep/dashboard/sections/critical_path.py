"""关键路径: the chains of unfinished tasks that must finish before the opening, with their slack."""

from __future__ import annotations

from itertools import islice

from meetingprep import timeutil
from meetingprep.dashboard.core import DashboardContext, Section, task_url
from meetingprep.dashboard.cpm import METHOD

CHAINS = 5


def compute(ctx: DashboardContext) -> dict:
    graph, plan = ctx.open_graph, ctx.analysis.plan
    chains = list(islice((chain for chain in plan.chains
                          if any(ctx.in_scope(graph.nodes[task_id].group_id) for task_id in chain.task_ids)), CHAINS))
    details = graph.details
    flagged = sum(count for group_id, count in ctx.analysis.flagged_by_group.items() if ctx.in_scope(group_id))
    return {
        "method": METHOD,
        "flagged": flagged,
        "chains": [
            {"slack": chain.slack, "slack_label": _slack_label(chain.slack),
             "critical": chain.slack.total_seconds() <= 0,
             "tasks": [{**details[task_id], "url": task_url(task_id), "slack": plan.slack[task_id],
                        "slack_label": _slack_label(plan.slack[task_id]),
                        "critical": plan.slack[task_id].total_seconds() <= 0,
                        "latest_finish": plan.latest_finish[task_id]}
                       for task_id in chain.task_ids]}
            for chain in chains
        ],
    }


def _slack_label(slack) -> str:
    if abs(slack.total_seconds()) < 60:
        return "无余量"
    text = timeutil.humanize_delta(slack)
    return f"余量 {text}" if slack.total_seconds() > 0 else f"落后 {text}"


def sheets(figures: dict) -> list:
    header = ["路径", "路径余量（小时）", "任务", "责任组", "责任人", "时间节点", "任务余量（小时）", "余量不足"]
    rows = []
    for number, chain in enumerate(figures["chains"], start=1):
        for task in chain["tasks"]:
            rows.append([number, _hours(chain["slack"]), task["title"], task["group"], task["owner"],
                         task["due_at"], _hours(task["slack"]),
                         "是" if task["critical"] else ""])
    return [("关键路径", header, rows)]


def _hours(slack) -> float:
    return round(slack.total_seconds() / 3600, 1)


SECTION = Section(key="critical_path", title="关键路径（至开幕）", template="dashboard/_critical_path.html",
                  compute=compute, sheets=sheets, wide=True)
