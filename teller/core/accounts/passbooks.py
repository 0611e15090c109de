"""Passbook lines (存折登折): which postings are not yet in the customer's book,
where they go, and the 已登折 pointer that moves only for confirmed lines
(DOMAIN.md §6, CBUS §4.4.2, §4.5).

The print-up (补登, 18050) asks :meth:`PassbookService.plan` for the next lines
— each posting of the account after the pointer, placed on (page, line) of the
active book, with a 承前页 carry line at the top of every page after the first
and of page 1 of a replacement book — prints a page, and hands the lines the
printer *acknowledged* to :meth:`PassbookService.confirm`. A jam or a pulled
book therefore leaves the rest for the next print-up and nothing prints twice.

Worked example (24 lines a page, book 1, 23 lines printed on page 1)::

    svc = PassbookService(engine)
    plan = svc.plan("01012017000000011")
    [(p.page, p.line_no, p.kind) for p in plan.lines]
    # [(1, 24, 'entry'), (2, 1, 'carry'), (2, 2, 'entry')]
    svc.confirm("01012017000000011", 1, plan.lines[:1])   # what the printer acked

Geometry (lines per page, pages per book) is :class:`PassbookGeometry`; each
book keeps the geometry it was issued with.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from teller.core.ledger import models as m
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.accounts.models import MediaChange, Passbook
from teller.core.ledger.records import PostingRefused

accounts_t = m.Account.__table__
entries_t = m.JournalEntry.__table__
postings_t = m.Posting.__table__
subjects_t = m.GlSubject.__table__
branches_t = m.Branch.__table__
books_t = Passbook.__table__
changes_t = MediaChange.__table__


@dataclass(frozen=True)
class PassbookGeometry:
    """存折版式: 24 printable lines a page (the PR2 profile's page), 20 pages."""

    lines_per_page: int = 24
    pages: int = 20

    def __post_init__(self) -> None:
        if self.lines_per_page < 2 or self.pages < 1:
            raise ValueError("a page needs room for the carry line and one entry")


DEFAULT_GEOMETRY = PassbookGeometry()


@dataclass(frozen=True)
class BookInfo:
    account: str
    book_number: int
    voucher_number: str
    status: str
    lines_per_page: int
    pages: int
    last_page: int
    last_line: int
    last_posting_id: int

    @property
    def stripe_book_no(self) -> str:
        return stripe_book_no(self.book_number)

    @property
    def full(self) -> bool:
        return self.last_page >= self.pages and self.last_line >= self.lines_per_page


@dataclass(frozen=True)
class PassbookEntry:
    """One unprinted posting of the account, as a passbook line shows it."""

    posting_id: int
    business_date: dt.date
    txn_code: str
    inflow: bool
    amount: int
    balance_after: int
    teller: str
    memo: str

    @property
    def balance_before(self) -> int:
        return self.balance_after - (self.amount if self.inflow else -self.amount)


@dataclass(frozen=True)
class PlannedLine:
    """A line to print: an entry, or the 承前页 carry line (``posting_id`` 0)."""

    page: int
    line_no: int
    kind: str  # 'entry' | 'carry'
    posting_id: int
    balance: int
    entry: PassbookEntry | None = None


@dataclass(frozen=True)
class PrintPlan:
    book: BookInfo
    lines: tuple[PlannedLine, ...]
    left_over: int  # entries that do not fit: the book is full, a new one is needed

    @property
    def pages(self) -> tuple[int, ...]:
        return tuple(sorted({ln.page for ln in self.lines}))

    def on_page(self, page: int) -> tuple[PlannedLine, ...]:
        return tuple(ln for ln in self.lines if ln.page == page)


def stripe_book_no(book_number: int) -> str:
    return f"{book_number:04d}"


def plan_lines(book: BookInfo, entries: Sequence[PassbookEntry]) -> PrintPlan:
    """Place ``entries`` after the book's last confirmed line (pure)."""
    page, line = book.last_page, book.last_line
    out: list[PlannedLine] = []
    placed = 0
    for e in entries:
        line += 1
        if line > book.lines_per_page:
            page, line = page + 1, 1
        if page > book.pages:
            break
        if line == 1 and (page > 1 or book.book_number > 1):
            out.append(PlannedLine(page, 1, "carry", 0, e.balance_before))
            line = 2
        out.append(PlannedLine(page, line, "entry", e.posting_id, e.balance_after, e))
        placed += 1
    return PrintPlan(book, tuple(out), len(entries) - placed)


def _book(row) -> BookInfo:
    return BookInfo(row.account_number, int(row.book_number), row.voucher_number, row.status,
                    int(row.lines_per_page), int(row.pages), int(row.last_page),
                    int(row.last_line), int(row.last_posting_id))


class PassbookService:
    def __init__(self, engine: Engine, geometry: PassbookGeometry = DEFAULT_GEOMETRY) -> None:
        self.engine = engine
        self.geometry = geometry

    # -- reading ---------------------------------------------------------------
    def active_book(self, account: str) -> BookInfo | None:
        with reader(self.engine) as conn:
            return self._active(conn, account)

    def book(self, account: str, book_number: int) -> BookInfo | None:
        with reader(self.engine) as conn:
            r = conn.execute(select(books_t).where(books_t.c.account_number == account,
                                                   books_t.c.book_number == book_number)).first()
        return _book(r) if r is not None else None

    def unprinted(self, account: str, after_posting_id: int | None = None,
                  limit: int = 2000) -> tuple[PassbookEntry, ...]:
        """Postings of ``account`` after the pointer, oldest first."""
        with reader(self.engine) as conn:
            if after_posting_id is None:
                book = self._active(conn, account)
                after_posting_id = book.last_posting_id if book else 0
            side = conn.execute(select(subjects_t.c.side).join(
                accounts_t, accounts_t.c.subject_code == subjects_t.c.code).where(
                accounts_t.c.number == account)).scalar_one_or_none()
            rows = conn.execute(
                select(postings_t.c.id, postings_t.c.direction, postings_t.c.amount,
                       postings_t.c.balance_after, postings_t.c.memo, entries_t.c.business_date,
                       entries_t.c.txn_code, entries_t.c.teller_code, entries_t.c.memo.label("em"))
                .join(entries_t, entries_t.c.id == postings_t.c.entry_id)
                .where(postings_t.c.account_number == account, postings_t.c.id > after_posting_id)
                .order_by(postings_t.c.id).limit(limit)).all()
        return tuple(PassbookEntry(int(r.id), r.business_date, r.txn_code, r.direction == side,
                                   int(r.amount), int(r.balance_after), r.teller_code,
                                   r.memo or r.em) for r in rows)

    def plan(self, account: str) -> PrintPlan:
        book = self.active_book(account)
        if book is None:
            raise PostingRefused("no_passbook", "该账户没有在用存折", "The account has no passbook",
                                 account=account)
        return plan_lines(book, self.unprinted(account, book.last_posting_id))

    @staticmethod
    def _active(conn: Connection, account: str) -> BookInfo | None:
        r = conn.execute(select(books_t).where(books_t.c.account_number == account,
                                               books_t.c.status == "active")).first()
        return _book(r) if r is not None else None

    # -- the pointer -----------------------------------------------------------
    def confirm(self, account: str, book_number: int,
                printed: Sequence[PlannedLine]) -> BookInfo:
        """Move the pointer over lines the printer acknowledged. They must follow the
        book's last confirmed line without a gap, or nothing moves (a second
        print-up of the same book ran in between)."""
        printed = sorted(printed, key=lambda ln: (ln.page, ln.line_no))

        def work(conn: Connection) -> BookInfo:
            r = conn.execute(select(books_t).where(
                books_t.c.account_number == account, books_t.c.book_number == book_number,
                books_t.c.status == "active").with_for_update()).first()
            if r is None:
                raise PostingRefused("no_passbook", "存折不是该账户在用存折",
                                     "Not the account's passbook in use", account=account)
            book = _book(r)
            if not printed:
                return book
            page, line, pointer = book.last_page, book.last_line, book.last_posting_id
            for ln in printed:
                nxt = (page, line + 1) if line < book.lines_per_page else (page + 1, 1)
                stale = ln.kind == "entry" and ln.posting_id <= pointer
                if (ln.page, ln.line_no) != nxt or stale:
                    raise PostingRefused("passbook_out_of_step",
                                         "存折登折位置已变化，请重新补登",
                                         "The passbook moved on meanwhile; print up again",
                                         account=account)
                page, line = nxt
                if ln.kind == "entry":
                    pointer = ln.posting_id
            conn.execute(update(books_t).where(books_t.c.id == r.id).values(
                last_page=page, last_line=line, last_posting_id=pointer))
            return BookInfo(**{**book.__dict__, "last_page": page, "last_line": line,
                               "last_posting_id": pointer})
        return run_in_transaction(self.engine, work)

    # -- issuing ---------------------------------------------------------------
    def issue_first(self, account: str, voucher_number: str, *, teller: str) -> BookInfo:
        """开户发折: book 1 of an account; its first line is the account's first posting
        not yet shown anywhere (all of them for a new account)."""
        def work(conn: Connection) -> BookInfo:
            acct = _lock_account(conn, account)
            if conn.execute(select(books_t.c.id).where(
                    books_t.c.account_number == account)).first() is not None:
                raise PostingRefused("passbook_exists", "该账户已发过存折，请用18040换发",
                                     "The account already has a passbook", account=account)
            bdate = _business_date(conn, acct.branch_code)
            self._insert_book(conn, account, 1, voucher_number, 0, teller, bdate)
            conn.execute(update(accounts_t).where(accounts_t.c.number == account).values(
                medium_kind="passbook", medium_number=voucher_number))
            return self._active(conn, account)
        return run_in_transaction(self.engine, work)

    def _insert_book(self, conn: Connection, account: str, number: int, voucher: str,
                     pointer: int, teller: str, bdate: dt.date) -> None:
        insert_book(conn, account, number, voucher, pointer, teller, bdate, self.geometry)


def replace_book(conn: Connection, acct, voucher_number: str, reason: str, *, teller: str,
                 bdate: dt.date, geometry: PassbookGeometry) -> None:
    """一般换发: void the active book, issue book number + 1 carrying the pointer
    (the new book starts with 承前页)."""
    old = conn.execute(select(books_t).where(books_t.c.account_number == acct.number,
                                             books_t.c.status == "active")
                       .with_for_update()).first()
    if old is None:
        raise PostingRefused("no_passbook", "该账户没有在用存折", "The account has no passbook",
                             account=acct.number)
    conn.execute(update(books_t).where(books_t.c.id == old.id).values(
        status="voided", voided_on=bdate, void_reason=reason))
    insert_book(conn, acct.number, int(old.book_number) + 1, voucher_number,
                int(old.last_posting_id), teller, bdate, geometry)


def insert_book(conn: Connection, account: str, number: int, voucher: str, pointer: int,
                teller: str, bdate: dt.date, geometry: PassbookGeometry) -> None:
    """Book ``number`` of ``account``, printing from posting ``pointer`` on."""
    if not voucher.isdigit() or not 6 <= len(voucher) <= 32:
        raise PostingRefused("bad_voucher_number", "存折凭证号须为6至32位数字",
                             "The passbook voucher number must be 6-32 digits")
    conn.execute(insert(books_t).values(
        account_number=account, book_number=number, voucher_number=voucher, status="active",
        lines_per_page=geometry.lines_per_page, pages=geometry.pages, last_page=1,
        last_line=0, last_posting_id=pointer, issued_on=bdate, issued_by=teller,
        voided_on=None, void_reason=""))


def _lock_account(conn: Connection, account: str):
    row = conn.execute(select(accounts_t).where(accounts_t.c.number == account)
                       .with_for_update()).first()
    if row is None:
        raise PostingRefused("no_account", f"账户 {account} 不存在",
                             f"Account {account} does not exist", account=account)
    return row


def _business_date(conn: Connection, branch: str) -> dt.date:
    return conn.execute(select(branches_t.c.business_date).where(
        branches_t.c.code == branch)).scalar_one()


def record_change(conn: Connection, *, account: str, kind: str, old: str, new: str,
                  reason: str, bdate: dt.date, teller: str, at: dt.datetime) -> None:
    conn.execute(insert(changes_t).values(
        account_number=account, medium_kind=kind, old_number=old or "", new_number=new,
        reason=reason, business_date=bdate, teller_code=teller, created_at=at))
