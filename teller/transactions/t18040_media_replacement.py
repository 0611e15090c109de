"""18040 存款凭证维护 — replace a personal account's passbook or card (CBUS §4.4).

一般换发: a full or damaged passbook (book number + 1, the old book voided and
taken back), a damaged or expired card (new card number; the customer sets the
new card's password on the PIN pad). The customer's current password is
verified first when the account has one. The core step
(``teller.core.accounts.media.MediaService.replace``) is the one the loss follow-up
(18020 补发) reuses. Not a posting; not reversible.
"""
from __future__ import annotations

from teller.core.accounts.media import REASONS, VOUCHER_KINDS, MediaReplacement
from teller.core.accounts.rules import NewPin
from teller.core.vouchers.blank import MediumReturned, VoucherUse
from teller.transactions.counter_pages import checks
from teller.core.accounts.passbooks import stripe_book_no
from teller.core.ledger.records import PostingRefused
from teller.devices.errors import DeviceError
from teller.domain.identity import check_card_number
from teller.domain.problems import Problem
from teller.transactions.common import holder_summary, resolve
from teller.transactions.context import Services, StepContext
from teller.transactions.fields import (
    CARD, KEYBOARD, AccountField, ChoiceField, PinField, TextField,
)
from teller.transactions.flow import Commit, CommitResult, Flow, FlowState, Page
from teller.transactions.media_numbers import (
    NEW_CARD_FIELD, NEW_PASSBOOK_FIELD, box_problems, box_summary, new_medium_number,
    voucher_number_problems,
)
from teller.transactions.passbook_print import passbook_device, write_new_book_stripe

KINDS = (("passbook", "存折", "Passbook"), ("card", "银行卡", "Card"))
GENERAL_REASONS = tuple((code, zh, en) for code, (zh, en, _) in REASONS.items()
                        if code != "loss_reissue")


def is_passbook(state: FlowState) -> bool:
    return state["medium"] == "passbook"


def account_rules(state: FlowState, services: Services) -> list[Problem]:
    info = resolve(state, services, "account")
    if info is None:
        return [Problem("account", "账户不存在", "No such account")]
    if not info.kind.startswith("personal"):
        return [Problem("account", "只能为个人账户换发介质", "Only personal accounts")]
    if info.status in ("closed", "settled"):
        return [Problem("account", "账户已销户或结清", "The account is closed")]
    if any(k == "loss_report" for k, _ in info.controls):
        return [Problem("account", "账户已挂失，请通过挂失处理（18020）补发",
                        "The account is reported lost; reissue through 18020")]
    return []


def medium_rules(state: FlowState, services: Services) -> list[Problem]:
    kind, reason = state["medium"], state["reason"]
    if kind not in REASONS[reason][2]:
        return [Problem("reason", "该换发原因不适用于所选介质", "Reason does not fit the medium")]
    info = resolve(state, services, "account")
    number = new_medium_number(state, services, kind)
    if kind == "passbook":
        if info is not None and services.core.passbooks.active_book(info.number) is None:
            return [Problem("medium", "该账户没有在用存折", "The account has no passbook")]
        return (voucher_number_problems(NEW_PASSBOOK_FIELD, state[NEW_PASSBOOK_FIELD])
                or box_problems(state, services, "passbook", NEW_PASSBOOK_FIELD))
    if not number:
        return [Problem(NEW_CARD_FIELD, "请输入新卡号", "New card number needed")]
    problems = check_card_number(number, NEW_CARD_FIELD)
    if problems:
        return problems
    if services.core.account_by_medium(number) is not None:
        return [Problem(NEW_CARD_FIELD, "该卡号已被使用", "The card number is already in use")]
    if info is not None and info.needs_pin and state["new_pin"] is None:
        return [Problem("new_pin", "请客户在密码键盘设置新卡密码", "The customer sets the new PIN")]
    return box_problems(state, services, "card", NEW_CARD_FIELD)


def replace(state: FlowState, ctx: StepContext) -> CommitResult:
    info = resolve(state, ctx.services, "account")
    if info is None:
        raise PostingRefused("no_account", "账户不存在", "No such account")
    ctx.bind("account", info.number)
    kind = state["medium"]
    new = new_medium_number(state, ctx.services, kind) or ""
    # The new medium leaves the box in this step's entry (9001), the old one comes back.
    attach: tuple = (MediaReplacement(info.number, kind, new, state["reason"]),
                     MediumReturned(VOUCHER_KINDS[kind], account=info.number),
                     VoucherUse(VOUCHER_KINDS[kind], new if kind == "passbook" else None,
                                info.number))
    attach += checks(state, ((info.number, "pin"),))
    if state["new_pin"] is not None:
        attach += (NewPin(info.number, state["new_pin"], state["new_pin"]),)
    posted = ctx.post((), memo=f"换发{'存折' if kind == 'passbook' else '银行卡'}", attach=attach)
    values = [("old_number", posted.fact("old_number")), ("new_number", posted.fact("new_number"))]
    if kind == "passbook":
        values.append(("book_number", ctx.core.passbooks.active_book(info.number).book_number))
    return CommitResult((posted,), values=tuple(values))


def write_stripe(state: FlowState, ctx: StepContext) -> CommitResult:
    """磁条: the new book carries account number and book number."""
    device = passbook_device(ctx.services)
    info = resolve(state, ctx.services, "account")
    if device is None or info is None:
        return CommitResult(values=(("stripe_written", False),))
    try:
        write_new_book_stripe(device, info.number, stripe_book_no(int(state["book_number"])))
    except DeviceError as exc:
        raise PostingRefused("passbook_stripe_write_failed",
                             f"新存折已换发，但写磁条失败：{exc.message}",
                             f"New book issued; stripe not written: {exc.message_en}",
                             account=info.number) from exc
    return CommitResult(values=(("stripe_written", True),))


class MediaReplacementFlow(Flow):
    """存款凭证维护 — 一般换发 (CBUS 18040)."""

    code = "18040"
    title = "存款凭证维护"
    title_en = "Passbook / card replacement"
    category = "maintenance"
    pages = (
        Page("account", "账户", "Account",
             fields=(AccountField("account", "账号/卡号", "Account or card number"),
                     PinField("pin", "客户密码", "Customer PIN", required=False,
                              help="由客户在密码键盘输入", help_en="Entered on the PIN pad")),
             rules=account_rules, summary=holder_summary("account")),
        Page("medium", "换发", "Replacement",
             fields=(ChoiceField("medium", "介质", "Medium", choices=KINDS, default="passbook"),
                     ChoiceField("reason", "换发原因", "Reason", choices=GENERAL_REASONS))),
        Page("new_passbook", "新存折", "New passbook", rules=medium_rules,
             skip_if=lambda s: not is_passbook(s),
             summary=lambda s, services: box_summary(services, "passbook"),
             fields=(TextField(NEW_PASSBOOK_FIELD, "新存折凭证号（核对）",
                               "New passbook number (check)", required=False, max_len=32,
                               help="自动取尾箱中最小号码的存折，可留空",
                               help_en="The smallest passbook in your box; blank takes it"),)),
        # The new card's field sits with its PIN so the PIN pad binds the block to the
        # new card number (the wizard takes the page's account field for F4).
        Page("new_card", "新卡", "New card", rules=medium_rules,
             skip_if=lambda s: is_passbook(s),
             summary=lambda s, services: box_summary(services, "card"),
             fields=(AccountField(NEW_CARD_FIELD, "新卡号", "New card number", required=False,
                                  sources=(CARD, KEYBOARD)),
                     PinField("new_pin", "新卡密码", "New card PIN", required=False,
                              help="由客户在密码键盘设置", help_en="Set on the PIN pad"))),
        Commit("replace", "换发", "Replace", execute=replace, reversible=False),
        Commit("stripe", "写磁条", "Write the stripe", execute=write_stripe, reversible=False,
               skip_if=lambda s: not is_passbook(s)),
    )
