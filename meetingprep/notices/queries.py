"""Read side of notices: lists, a notice's receipts, a person's notices — each page a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Select, and_, bindparam, case, func, select
from sqlalchemy.orm import aliased, joinedload, raiseload, selectinload

from meetingprep import timeutil
from meetingprep.attendance.models import DiscussionGroup, MemberProfile, Sitting
from meetingprep.auth.models import User
from meetingprep.extensions import db
from meetingprep.groups.models import WorkingGroup
from meetingprep.notices.models import Notice, NoticeRecipient, NoticeStatus, unreachable
from meetingprep.notifications.models import Channel, Delivery, DeliveryStatus
from meetingprep.versioned_cache import cached_value

#: The receipts list's tabs: ?show=… → the rows shown.
SHOWS = {"all": "全部", "unread": "未读", "read": "已读", "unreachable": "无可用渠道"}
HOME_ROWS = 5


@dataclass
class Page:
    """One page of rows (tuples, where Flask-SQLAlchemy's pagination gives only the first entity), with what
    the pager macro reads."""

    items: list
    total: int
    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def iter_pages(self, left_edge=1, left_current=2, right_current=3, right_edge=1):
        last = 0
        for number in range(1, self.pages + 1):
            if number <= left_edge or self.page - left_current <= number <= self.page + right_current \
                    or number > self.pages - right_edge:
                if last + 1 != number:
                    yield None
                yield number
                last = number


def page_of(statement, count_statement, page: int, per_page: int) -> Page:
    """Two queries: the count, then the page's rows; a page past the end is the last one."""
    total = db.session.scalar(count_statement) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    rows = [tuple(row) for row in db.session.execute(statement.limit(per_page).offset((page - 1) * per_page))]
    return Page(rows, total, page, pages)


# ── the secretariat's pages ────────────────────────────────────────────────────────────────────
def _read_count():
    return (select(func.count(NoticeRecipient.id))
            .where(NoticeRecipient.notice_id == Notice.id, NoticeRecipient.read_at.is_not(None))
            .correlate(Notice).scalar_subquery())


def manage_page(meeting_id: int, page: int, per_page: int) -> Page:
    """The meeting's notices, newest first, each with its read count (one correlated count, no per-row query)."""
    statement = (select(Notice, _read_count().label("read_count")).where(Notice.meeting_id == meeting_id)
                 .options(joinedload(Notice.created_by), raiseload("*"))
                 .order_by(Notice.send_at.desc(), Notice.id.desc()))
    return page_of(statement, select(func.count(Notice.id)).where(Notice.meeting_id == meeting_id), page, per_page)


def notice_for_page(notice_id: int) -> Notice | None:
    return db.session.scalars(select(Notice).where(Notice.id == notice_id)
                              .options(joinedload(Notice.created_by), selectinload(Notice.scopes),
                                       raiseload("*"))).first()


@dataclass
class ChannelCounts:
    sent: int = 0
    waiting: int = 0  # pending, sending, failed and being retried
    dead: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.waiting + self.dead


@dataclass
class ReceiptCounts:
    total: int = 0
    read: int = 0
    unreachable: int = 0
    channels: dict[Channel, ChannelCounts] = field(default_factory=dict)

    @property
    def unread(self) -> int:
        return self.total - self.read


def receipt_counts(notice_id: int) -> ReceiptCounts:
    """The receipts and the deliveries per channel and status, held until the data changes
    (``versioned_cache``): each counts every recipient, and the page is viewed more often than they change.
    Shared between requests: never mutate the value."""
    return cached_value("notices.receipt_counts", notice_id, lambda: _count_receipts(notice_id))


def _count_receipts(notice_id: int) -> ReceiptCounts:
    """Two aggregate queries: the receipts, and the deliveries per channel and status."""
    user = aliased(User)
    row = db.session.execute(
        select(func.count(NoticeRecipient.id),
               func.coalesce(func.sum(case((NoticeRecipient.read_at.is_not(None), 1), else_=0)), 0),
               func.coalesce(func.sum(case((unreachable(NoticeRecipient, user), 1), else_=0)), 0))
        .outerjoin(user, user.id == NoticeRecipient.user_id)
        .where(NoticeRecipient.notice_id == notice_id)).one()
    counts = ReceiptCounts(total=row[0], read=row[1], unreachable=row[2])
    for channel, status, count in db.session.execute(
            select(Delivery.channel, Delivery.status, func.count(Delivery.id))
            .join(NoticeRecipient, NoticeRecipient.notification_id == Delivery.notification_id)
            .where(NoticeRecipient.notice_id == notice_id).group_by(Delivery.channel, Delivery.status)):
        per = counts.channels.setdefault(channel, ChannelCounts())
        if status == DeliveryStatus.SENT:
            per.sent += count
        elif status == DeliveryStatus.DEAD:
            per.dead += count
        else:
            per.waiting += count
    return counts


@dataclass(frozen=True)
class ReceiptRow:
    """One line of the receipts list, as drawn (read-only: a row, not an entity)."""

    id: int
    name: str
    is_member: bool
    affiliation: str
    has_account: bool
    last_login_at: dt.datetime | None
    contact_phone: str
    read_at: dt.datetime | None
    reminded_at: dt.datetime | None
    sms_target: str
    sms_status: DeliveryStatus | None
    sms_error: str
    email_target: str
    email_status: DeliveryStatus | None
    email_error: str

    @property
    def is_unreachable(self) -> bool:
        """The Python twin of models.unreachable (the list's tab filters with that one)."""
        return self.read_at is None and not self.sms_target and not self.email_target and (
            not self.has_account or self.last_login_at is None)


def receipts_page(notice_id: int, show: str, page: int, per_page: int):
    """One page of the receipts (unread first, then by name), filtered by tab; each row's SMS and e-mail
    delivery joined in, so the page costs the same at any size."""
    user = aliased(User)
    sms, email = aliased(Delivery), aliased(Delivery)
    statement = (
        select(NoticeRecipient.id, NoticeRecipient.name, NoticeRecipient.is_member, NoticeRecipient.affiliation,
               NoticeRecipient.user_id.is_not(None).label("has_account"), user.last_login_at,
               NoticeRecipient.contact_phone, NoticeRecipient.read_at, NoticeRecipient.reminded_at,
               NoticeRecipient.phone, sms.status, sms.last_error, NoticeRecipient.email, email.status,
               email.last_error)
        .outerjoin(user, user.id == NoticeRecipient.user_id)
        .outerjoin(sms, and_(sms.notification_id == NoticeRecipient.notification_id, sms.channel == Channel.SMS))
        .outerjoin(email, and_(email.notification_id == NoticeRecipient.notification_id,
                               email.channel == Channel.EMAIL))
        .where(NoticeRecipient.notice_id == notice_id))
    if show == "unread":
        statement = statement.where(NoticeRecipient.read_at.is_(None))
    elif show == "read":
        statement = statement.where(NoticeRecipient.read_at.is_not(None))
    elif show == "unreachable":
        statement = statement.where(unreachable(NoticeRecipient, user))
    statement = statement.order_by(NoticeRecipient.read_at.is_not(None), NoticeRecipient.is_member.desc(),
                                   NoticeRecipient.id)
    result = page_of(statement, select(func.count()).select_from(statement.order_by(None).subquery()), page,
                     per_page)
    result.items = [ReceiptRow(*row) for row in result.items]
    return result




# ── a person's notices ─────────────────────────────────────────────────────────────────────────
def receipt_of(notice_id: int, user_id: int) -> NoticeRecipient | None:
    return db.session.scalars(select(NoticeRecipient).where(
        NoticeRecipient.notice_id == notice_id, NoticeRecipient.user_id == user_id)).first()


def my_notices_page(user_id: int, *, unread_only: bool, page: int, per_page: int) -> Page:
    """The notices sent to the user (sent ones only: a receipt exists once a notice went out), newest first."""
    conditions = [NoticeRecipient.user_id == user_id, Notice.status == NoticeStatus.SENT]
    if unread_only:
        conditions.append(NoticeRecipient.read_at.is_(None))
    statement = (select(Notice, NoticeRecipient.read_at).join(NoticeRecipient, NoticeRecipient.notice_id == Notice.id)
                 .where(*conditions).options(raiseload("*")).order_by(Notice.sent_at.desc(), Notice.id.desc()))
    total = (select(func.count(NoticeRecipient.id)).join(Notice, Notice.id == NoticeRecipient.notice_id)
             .where(*conditions))
    return page_of(statement, total, page, per_page)


@dataclass
class HomeNotices:
    rows: list = field(default_factory=list)  # (Notice, read_at)
    unread: int = 0


@cache
def _home_notices_statements() -> tuple[Select, Select]:
    """Built once per process (user and meeting bound): building them cost more than running them."""
    user_id, meeting_id = bindparam("user_id"), bindparam("meeting_id")
    mine = (NoticeRecipient.user_id == user_id, Notice.meeting_id == meeting_id, Notice.status == NoticeStatus.SENT)
    rows = (select(Notice, NoticeRecipient.read_at).join(NoticeRecipient, NoticeRecipient.notice_id == Notice.id)
            .where(*mine).options(raiseload("*"))
            .order_by(NoticeRecipient.read_at.is_not(None), Notice.sent_at.desc(), Notice.id.desc()).limit(HOME_ROWS))
    unread = (select(func.count(NoticeRecipient.id)).join(Notice, Notice.id == NoticeRecipient.notice_id)
              .where(*mine, NoticeRecipient.read_at.is_(None)))
    return rows, unread


def home_notices(user_id: int, meeting_id: int) -> HomeNotices:
    """工作台: the latest few of the current meeting, unread ones first, and how many are unread."""
    rows_statement, unread_statement = _home_notices_statements()
    params = {"user_id": user_id, "meeting_id": meeting_id}
    rows = db.session.execute(rows_statement, params).all()
    unread = db.session.scalar(unread_statement, params) or 0
    return HomeNotices(rows=[tuple(row) for row in rows], unread=unread)


# ── the form's choices ─────────────────────────────────────────────────────────────────────────
@dataclass
class ScopeChoices:
    sectors: list[tuple[str, str]]
    discussion_groups: list[tuple[int, str]]
    sittings: list[tuple[int, str]]
    working_groups: list[tuple[int, str]]


def scope_choices(meeting_id: int) -> ScopeChoices:
    sectors = db.session.scalars(select(MemberProfile.sector).distinct().where(
        MemberProfile.meeting_id == meeting_id, MemberProfile.sector != "").order_by(MemberProfile.sector))
    groups = db.session.execute(select(DiscussionGroup.id, DiscussionGroup.name).where(
        DiscussionGroup.meeting_id == meeting_id).order_by(DiscussionGroup.sort_order, DiscussionGroup.id))
    sittings = db.session.execute(select(Sitting.id, Sitting.name, Sitting.starts_at).where(
        Sitting.meeting_id == meeting_id, Sitting.closed_at.is_(None)).order_by(Sitting.starts_at, Sitting.id))
    working = db.session.execute(select(WorkingGroup.id, WorkingGroup.name).where(
        WorkingGroup.meeting_id == meeting_id).order_by(WorkingGroup.sort_order, WorkingGroup.id))
    return ScopeChoices(sectors=[(name, name) for name in sectors], discussion_groups=[tuple(r) for r in groups],
                        sittings=[(r.id, f"{r.name}（{timeutil.format_short(r.starts_at)}）") for r in sittings],
                        working_groups=[tuple(r) for r in working])
