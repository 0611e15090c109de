"""Print-up (存折补登) as the flows run it: 18050 on its own, and right after a
10020/10030 posting when the passbook is in use (CBUS §4.5.2: 联动打印).

    result = print_up(services, account_number, new_voucher="000123457")
    # reads the stripe (account + book number), prints every unprinted line page
    # by page (the driver prompts the teller to turn pages; 承前页 heads every new
    # page), moves the pointer only over lines the printer acknowledged, and —
    # when the book fills — issues book + 1 (18040 一般换发), writes its stripe
    # and carries on there.

A device fault (jam, book pulled, wrong page …) ends the print-up with a
``PostingRefused`` naming how many lines were printed and how many wait for the
next print-up; the confirmed ones are already recorded, so nothing prints twice.

The passbook printer is reached through ``services.devices``: a
:class:`~teller.devices.manager.DeviceManager` (its device thread does the I/O;
the device named ``passbook``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from teller.core.accounts.passbooks import PlannedLine, PrintPlan, stripe_book_no
from teller.core.ledger.records import PostingRefused
from teller.devices.errors import DeviceError
from teller.devices.passbook import columns_line
from teller.transactions.context import Services

PASSBOOK_DEVICE = "passbook"
NEW_BOOK_PROMPT = ("insert_new_passbook", "请放入新存折（换发）", "Insert the new passbook")


@dataclass(frozen=True)
class PrintUpResult:
    account: str
    book_number: int
    printed: int          # entry lines printed now (carry lines not counted)
    new_books: tuple[int, ...] = ()
    posted: Any = None    # the entry that took a new book from the teller's box, if any


class PassbookDevice:
    """The passbook printer behind a DeviceManager; every call runs on its device thread."""

    def __init__(self, manager: Any, name: str = PASSBOOK_DEVICE) -> None:
        self.manager = manager
        self.name = name

    def call(self, fn: Callable[[Any], Any], timeout: float | None = 300) -> Any:
        return self.manager.worker.call(lambda: fn(self.manager.driver(self.name)),
                                        timeout=timeout)


def write_new_book_stripe(device: "PassbookDevice", account: str, book_no: str) -> None:
    """Give the old book back, ask for the new one, write its stripe (read back)."""
    def swap(d) -> None:
        d.eject()
        if d.prompts is not None:
            d.prompts.show(NEW_BOOK_PROMPT[0], NEW_BOOK_PROMPT[1])
        d.write_stripe(account, book_no)
    device.call(swap)


def passbook_device(services: Services) -> PassbookDevice | None:
    devices = services.devices
    config = getattr(devices, "config", None)
    if devices is None or not hasattr(devices, "worker") or config is None \
            or PASSBOOK_DEVICE not in config:
        return None
    return PassbookDevice(devices)


def has_passbook_printer(services: Services) -> bool:
    return passbook_device(services) is not None


def _line_values(ln: PlannedLine) -> dict[str, str]:
    if ln.kind == "carry":
        return {"memo": "承前页", "balance": _plain(ln.balance)}
    e = ln.entry
    assert e is not None
    sign = "" if e.inflow else "-"
    return {"date": e.business_date.strftime("%Y%m%d"), "code": e.txn_code,
            "amount": sign + _plain(e.amount), "balance": _plain(e.balance_after),
            "teller": e.teller, "memo": e.memo}


def _plain(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


def render(profile, ln: PlannedLine):
    """The printer line of a planned line (the profile's columns)."""
    return columns_line(profile, ln.line_no, _line_values(ln))


def _interrupted(exc: DeviceError, printed: int, remaining: int) -> PostingRefused:
    return PostingRefused(
        "passbook_print_interrupted",
        f"存折打印中断：{exc.message}。本次已打印 {printed} 笔，"
        f"其余 {remaining} 笔未打印，将在下次补登（18050）时打印",
        f"Passbook printing stopped: {exc.message_en}. {printed} line(s) printed; "
        f"{remaining} left for the next print-up")


def print_up(services: Services, account: str, *, new_voucher: str | None = None,
             expect_account: bool = True,
             replace: Callable[[str], Any] | None = None) -> PrintUpResult:
    """Print the pending lines; a book that fills is exchanged for the passbook
    ``new_voucher`` by ``replace(new_voucher)`` — the step's own posting of the
    replacement (18040 一般换发, the new book from the teller's box)."""
    core = services.core
    device = passbook_device(services)
    if device is None:
        raise PostingRefused("no_passbook_printer", "本柜台未配置存折打印机",
                             "No passbook printer at this counter")
    book = core.passbooks.active_book(account)
    if book is None:
        raise PostingRefused("no_passbook", "该账户没有在用存折", "The account has no passbook",
                             account=account)
    try:
        stripe = device.call(lambda d: d.read_stripe())
    except DeviceError as exc:
        raise PostingRefused("stripe_unreadable", f"读存折磁条失败：{exc.message}",
                             f"Could not read the stripe: {exc.message_en}") from exc
    if expect_account and stripe.account != account:
        raise PostingRefused("passbook_other_account", "放入的存折不是该账户的存折",
                             "The passbook inserted belongs to another account", account=account)
    if not stripe.book_no.isdigit() or int(stripe.book_no) != book.book_number:
        voided = stripe.book_no.isdigit() and int(stripe.book_no) < book.book_number
        raise PostingRefused(
            "passbook_voided" if voided else "passbook_book_mismatch",
            "该存折已换发作废，请使用新存折" if voided else "存折册号与账户在用存折不符",
            "This passbook was replaced and is void" if voided
            else "The book number does not match the passbook in use", account=account)

    plan = core.passbooks.plan(account)
    if plan.left_over and not new_voucher:
        raise PostingRefused("passbook_full_needs_new_book",
                             "存折将满，请输入新存折凭证号以便换发后继续补登",
                             "The book will fill up; give the new passbook's voucher number",
                             account=account)
    total = len([ln for ln in plan.lines if ln.kind == "entry"]) + plan.left_over
    printed = 0
    new_books: list[int] = []
    posted = None
    while True:
        printed += _print_plan(device, core, account, plan, printed, total)
        if not plan.left_over:
            return PrintUpResult(account, plan.book.book_number, printed, tuple(new_books),
                                 posted)
        # The book is full: 一般换发 (book + 1), write the new stripe, carry on there.
        assert new_voucher is not None and replace is not None
        posted = replace(new_voucher)
        new_voucher = None
        new_book = core.passbooks.active_book(account)
        new_books.append(new_book.book_number)
        book_no = stripe_book_no(new_book.book_number)
        try:
            write_new_book_stripe(device, account, book_no)
        except DeviceError as exc:
            raise PostingRefused(
                "passbook_stripe_write_failed",
                f"新存折（第{int(book_no)}册）已换发，但写磁条失败：{exc.message}。"
                "请重建磁条后补登", f"New book issued but its stripe was not written: "
                f"{exc.message_en}") from exc
        plan = core.passbooks.plan(account)


def _print_plan(device: PassbookDevice, core: Any, account: str, plan: PrintPlan,
                printed_before: int, total: int) -> int:
    printed = 0
    for page in plan.pages:
        lines = plan.on_page(page)
        try:
            acked = device.call(lambda d: d.print_lines(page, [render(d.profile, ln)
                                                               for ln in lines]))
        except DeviceError as exc:
            acked_nos = set(getattr(exc, "confirmed", []) or [])
            done = [ln for ln in lines if ln.line_no in acked_nos]
            core.passbooks.confirm(account, plan.book.book_number, done)
            printed += sum(1 for ln in done if ln.kind == "entry")
            raise _interrupted(exc, printed_before + printed,
                               total - printed_before - printed) from exc
        done = [ln for ln in lines if ln.line_no in set(acked)]
        core.passbooks.confirm(account, plan.book.book_number, done)
        printed += sum(1 for ln in done if ln.kind == "entry")
    return printed
