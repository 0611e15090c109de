"""18050 存折补登 — passbook print-up (CBUS §4.5).

Non-financial: no posting. The stripe is read (account + book number); every
line not yet in the book is printed from the last printed one, turning pages
(承前页 at the top of each new page) and, when the book is full, issuing book
+ 1 (18040 一般换发) and carrying on there. Only lines the printer acknowledged
count as printed (see :mod:`teller.transactions.passbook_print`).
"""
from __future__ import annotations

from teller.core.accounts.media import MediaReplacement
from teller.core.vouchers.blank import MediumReturned, VoucherUse

from teller.domain.problems import Problem
from teller.transactions.common import holder_summary, resolve
from teller.transactions.context import Services, StepContext
from teller.transactions.fields import KEYBOARD, PASSBOOK, AccountField, TextField
from teller.transactions.flow import Commit, CommitResult, Flow, FlowState, Page
from teller.transactions.media_numbers import (
    NEW_PASSBOOK_FIELD, box_problems, box_summary, new_medium_number, voucher_number_problems,
)
from teller.transactions.passbook_print import has_passbook_printer, print_up


def account_rules(state: FlowState, services: Services) -> list[Problem]:
    info = resolve(state, services, "account")
    if info is None:
        return [Problem("account", "账户不存在", "No such account")]
    if not info.kind.startswith("personal"):
        return [Problem("account", "只有个人存款账户可以补登存折",
                        "Only personal deposit accounts have passbooks")]
    book = services.core.passbooks.active_book(info.number)
    if book is None:
        return [Problem("account", "该账户没有在用存折", "The account has no passbook")]
    if not has_passbook_printer(services):
        return [Problem("account", "本柜台未配置存折打印机", "No passbook printer at this counter")]
    problems = voucher_number_problems(NEW_PASSBOOK_FIELD, state[NEW_PASSBOOK_FIELD])
    plan = services.core.passbooks.plan(info.number)
    if plan.left_over and not problems:
        # The new book is the smallest passbook of the teller's box.
        problems = box_problems(state, services, "passbook", NEW_PASSBOOK_FIELD)
    return problems


def pending_summary(state: FlowState, services: Services) -> tuple[tuple[str, str, str], ...]:
    info = resolve(state, services, "account")
    if info is None:
        return ()
    book = services.core.passbooks.active_book(info.number)
    if book is None:
        return holder_summary("account")(state, services)
    plan = services.core.passbooks.plan(info.number)
    entries = sum(1 for ln in plan.lines if ln.kind == "entry") + plan.left_over
    return holder_summary("account")(state, services) + (
        ("存折册号", "Book number", str(book.book_number)),
        ("已登至", "Printed up to", f"第{book.last_page}页第{book.last_line}行"),
        ("待补登笔数", "Lines to print", str(entries)),
    ) + (box_summary(services, "passbook") if plan.left_over else ())


def print_passbook(state: FlowState, ctx: StepContext) -> CommitResult:
    info = resolve(state, ctx.services, "account")
    assert info is not None
    ctx.bind("account", info.number)

    def replace(voucher: str):
        # A new book, when one is needed, leaves the box in this step's entry (9001).
        return ctx.post((), memo="存折补登换折",
                        attach=(MediaReplacement(info.number, "passbook", voucher, "full"),
                                MediumReturned("passbook", account=info.number),
                                VoucherUse("passbook", voucher, info.number)))
    result = print_up(ctx.services, info.number, replace=replace,
                      new_voucher=new_medium_number(state, ctx.services, "passbook"))
    posted = result.posted
    return CommitResult((posted,) if posted else (),
                        values=(("printed", result.printed), ("book_number", result.book_number),
                                ("new_books", list(result.new_books))))


class PassbookPrintUp(Flow):
    """存折补登 (CBUS 18050)."""

    code = "18050"
    title = "存折补登"
    title_en = "Passbook print-up"
    category = "maintenance"
    pages = (
        Page("account", "存折账户", "Passbook account",
             fields=(AccountField("account", "账号（刷折）", "Account (swipe the passbook)",
                                  sources=(PASSBOOK, KEYBOARD)),
                     TextField(NEW_PASSBOOK_FIELD, "新存折凭证号（满页换折时）",
                               "New passbook voucher number (when the book fills)",
                               required=False, max_len=32)),
             rules=account_rules, summary=pending_summary),
        Commit("print", "补登打印", "Print", execute=print_passbook, reversible=False),
    )
