"""Critical path to the opening, computed over deadlines (CPM on the finish-to-start hand-offs).

The method, in the words shown on the page (METHOD):
* The network is every unfinished task due by the opening, plus every unfinished task they wait on.
* Remaining work of a task = its planned duration (deadline − start date, or one day when no start
  date is set) × (1 − progress); a task waiting for acceptance has none left.
* Forward pass: earliest finish = max(now, earliest finish of every unfinished predecessor) + remaining work.
* Backward pass: latest finish = min(own deadline, opening, each successor's latest finish − that
  successor's remaining work).
* Slack = latest finish − earliest finish. Slack ≤ 0 means the task (and its chain) cannot finish in
  time unless something changes.
* A chain runs back from each end task (no unfinished successor in the network) through the
  predecessor that drives its earliest start; chains are ranked by their least slack.
Tasks caught in a hand-off cycle (which the tasks domain refuses) are left out, not looped on.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, field

from meetingprep.tasks.states import TaskStatus

METHOD = ("关键路径按时间节点倒排：对开幕前须完成的未完成任务及其前序任务，"
          "最早完成时间 = 现在（或前序任务最早完成时间）加剩余工期，"
          "最晚完成时间 = 本任务时间节点、开幕时间、后续任务最晚完成时间减其剩余工期三者中最早者，"
          "二者之差为余量，余量不大于零即标红。")
DEFAULT_DURATION = dt.timedelta(days=1)


@dataclass(frozen=True)
class Node:
    id: int
    group_id: int
    due_at: dt.datetime
    remaining: dt.timedelta


@dataclass(frozen=True)
class Chain:
    task_ids: tuple[int, ...]  # from the first task to the end task
    slack: dt.timedelta  # the least slack along the chain


@dataclass
class Schedule:
    earliest_finish: dict[int, dt.datetime] = field(default_factory=dict)
    latest_finish: dict[int, dt.datetime] = field(default_factory=dict)
    slack: dict[int, dt.timedelta] = field(default_factory=dict)
    chains: list[Chain] = field(default_factory=list)


def remaining_work(status: TaskStatus, progress: int, planned_start: dt.datetime | None,
                   due_at: dt.datetime) -> dt.timedelta:
    if status == TaskStatus.SUBMITTED:
        return dt.timedelta(0)
    planned = due_at - planned_start if planned_start is not None else DEFAULT_DURATION
    planned = max(planned, dt.timedelta(0))
    return planned * (100 - min(max(progress, 0), 100)) / 100


def _adjacency(edges, members) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    preds: dict[int, list[int]] = {node: [] for node in members}
    succs: dict[int, list[int]] = {node: [] for node in members}
    for before, after in edges:
        if before in members and after in members:
            preds[after].append(before)
            succs[before].append(after)
    return preds, succs


def _network(nodes: dict[int, Node], edges, opening: dt.datetime) -> set[int]:
    """Tasks due by the opening, with everything they (transitively) wait on."""
    preds_of, _ = _adjacency(edges, nodes)
    members = {node.id for node in nodes.values() if node.due_at <= opening}
    queue = deque(members)
    while queue:
        for before in preds_of[queue.popleft()]:
            if before not in members:
                members.add(before)
                queue.append(before)
    return members


def _topological(members: set[int], preds, succs) -> list[int]:
    waiting = {node: len(preds[node]) for node in members}
    queue = deque(sorted(node for node, count in waiting.items() if count == 0))
    order = []
    while queue:
        node = queue.popleft()
        order.append(node)
        for after in succs[node]:
            waiting[after] -= 1
            if waiting[after] == 0:
                queue.append(after)
    return order  # nodes on a cycle never reach zero and are left out


def schedule(nodes: dict[int, Node], edges: list[tuple[int, int]], *, moment: dt.datetime,
             opening: dt.datetime) -> Schedule:
    members = _network(nodes, edges, opening)
    preds, succs = _adjacency(edges, members)
    order = _topological(members, preds, succs)
    result = Schedule()
    driver: dict[int, int | None] = {}
    for node_id in order:
        start, driver[node_id] = moment, None
        for before in preds[node_id]:
            if result.earliest_finish[before] > start:
                start, driver[node_id] = result.earliest_finish[before], before
        result.earliest_finish[node_id] = start + nodes[node_id].remaining
    for node_id in reversed(order):
        latest = min(nodes[node_id].due_at, opening)
        for after in succs[node_id]:
            if after in result.latest_finish:
                latest = min(latest, result.latest_finish[after] - nodes[after].remaining)
        result.latest_finish[node_id] = latest
        result.slack[node_id] = latest - result.earliest_finish[node_id]
    for end in (node for node in order if not any(after in result.slack for after in succs[node])):
        path = [end]
        while driver[path[-1]] is not None:
            path.append(driver[path[-1]])
        path.reverse()
        result.chains.append(Chain(tuple(path), min(result.slack[node] for node in path)))
    result.chains.sort(key=lambda chain: (chain.slack, -len(chain.task_ids), chain.task_ids))
    return result


def waiting_counts(task_ids, edges: list[tuple[int, int]]) -> dict[int, int]:
    """For each task, how many unfinished tasks wait on it, directly or through others (transitive)."""
    succs: dict[int, list[int]] = {}
    for before, after in edges:
        succs.setdefault(before, []).append(after)
    counts = {}
    for task_id in task_ids:
        seen: set[int] = set()
        stack = list(succs.get(task_id, ()))
        while stack:
            node = stack.pop()
            if node not in seen and node != task_id:
                seen.add(node)
                stack.extend(succs.get(node, ()))
        counts[task_id] = len(seen)
    return counts
