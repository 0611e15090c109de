"""Pages and attachments the counter flows share: the PIN page rule, the 18590
source/use-of-funds page, the PIN proofs and declaration a posting carries,
and the passbook line printed right after the posting.

The core decides (its posting rules: ``teller.core.accounts.rules``,
``teller.core.cash.large_cash``); these pages only say it early with a good message.
"""
from __future__ import annotations

from typing import Callable

from teller.core.accounts.rules import PinProof
from teller.core.cash.counts import cash_payout_need
from teller.core.cash.large_cash import (
    FUNDS_CATEGORIES, LARGE_CASH_FEN, FundsDeclaration, funds_problem,
)
from teller.core.controls.rules import debit_block
from teller.core.ledger.records import Attachment
from teller.domain.problems import Problem
from teller.transactions.common import is_cash, resolve
from teller.transactions.context import Services, StepContext
from teller.transactions.fields import PASSBOOK, ChoiceField, TextField
from teller.transactions.flow import AuthNeed, Commit, CommitResult, FlowState, Page
from teller.transactions.passbook_print import has_passbook_printer, print_up


def cash_payout_needs(amount_fen: int, services: Services) -> list[AuthNeed]:
    """The supervisor a cash payout of ``amount_fen`` needs under the branch's
    limits (授权限额) — the core's :func:`cash_payout_need`, said before the step."""
    limits = services.branch_info
    need = cash_payout_need(amount_fen, limits.cash_auth_limit_a, limits.cash_auth_limit_b)
    return [AuthNeed(*need)] if need else []


def is_large_cash(state: FlowState) -> bool:
    amount = state["amount"]
    return is_cash(state) and amount is not None and amount.fen >= LARGE_CASH_FEN


def funds_declaration(state: FlowState) -> FundsDeclaration | None:
    """What the 18590 funds page declared, if large cash."""
    if not is_large_cash(state) or state["funds_category"] is None:
        return None  # small cash, or a flow without the 18590 page (funds_declared)
    return FundsDeclaration(state["funds_category"], state.get("funds_detail") or "")


def funds_declared(state: FlowState) -> tuple[FundsDeclaration, ...]:
    """The source/use of funds typed as free text on a cash page (time deposits,
    closure), as the core's large-cash rule reads it (the register line of 18590)."""
    text = (state.get("funds_source") or "").strip()
    return (FundsDeclaration("other", text),) if text else ()


def funds_rules(state: FlowState, services: Services) -> list[Problem]:
    funds = funds_declaration(state)
    if funds is None:
        return []
    problem = funds_problem(funds)
    return [Problem("funds_detail", *problem)] if problem else []


def funds_page(use: bool) -> Page:
    """18590 数据采集 inside a cash flow: source (存入) or use (支取) of funds."""
    word, word_en = ("资金用途", "Use of funds") if use else ("资金来源", "Source of funds")
    return Page("funds", f"大额现金{word}（18590）", f"Large cash: {word_en.lower()}",
                skip_if=lambda s: not is_large_cash(s), rules=funds_rules,
                fields=(ChoiceField("funds_category", f"{word}类别", f"{word_en} category",
                                    choices=FUNDS_CATEGORIES, default="other"),
                        TextField("funds_detail", f"{word}说明", f"{word_en} details",
                                  required=False, max_len=120)))


def pin_rules(account_field: str, pin_field: str) -> Callable[[FlowState, Services], list[Problem]]:
    """Early word that the account is 凭密 and the customer must use the PIN pad —
    after the word that a debit of it is refused outright (挂失, 冻结 …)."""
    def rules(state: FlowState, services: Services) -> list[Problem]:
        info = resolve(state, services, account_field)
        if info is None or state[pin_field] is not None:
            return []
        if not info.needs_pin:
            return []
        # A reported-lost (sealed, frozen …) account is refused with its own
        # reason before anyone asks the customer for a PIN — the core's rules
        # check the same before the PIN (their order in teller.core.rulebook).
        block = debit_block(info.status, {k for k, _ in info.controls})
        if block is not None:
            return [Problem(account_field, f"{block[1]}：{info.number}", block[2])]
        return [Problem(pin_field, "该账户凭密支取，请客户在密码键盘输入密码（F4）",
                        "The account needs the customer's PIN (PIN pad, F4)")]
    return rules


def passbook_rules(state: FlowState, services: Services) -> list[Problem]:
    """A swiped passbook will get its line printed: say now if it cannot be."""
    if not uses_passbook(state):
        return []
    info = resolve(state, services, "account")
    if info is not None and services.core.passbooks.active_book(info.number) is None:
        return [Problem("account", "该账户没有在用存折", "The account has no passbook")]
    if not has_passbook_printer(services):
        return [Problem("account", "本柜台未配置存折打印机", "No passbook printer at this counter")]
    return []


def all_rules(*rules: Callable[[FlowState, Services], list[Problem]]
              ) -> Callable[[FlowState, Services], list[Problem]]:
    def run(state: FlowState, services: Services) -> list[Problem]:
        out: list[Problem] = []
        for rule in rules:
            out += rule(state, services)
            if out:
                break
        return out
    return run


def checks(state: FlowState, pins: tuple[tuple[str, str], ...] = ()) -> tuple[Attachment, ...]:
    """What a counter posting carries for the core's rules: the PIN proofs of
    ``pins`` — (account number, PIN field name) of the debited accounts — and the
    large-cash declaration."""
    out: list[Attachment] = [PinProof(number, state[name]) for number, name in pins
                             if state[name] is not None]
    funds = funds_declaration(state)
    return tuple(out) + ((funds,) if funds is not None else ())


def uses_passbook(state: FlowState) -> bool:
    ref = state["account"]
    return ref is not None and ref.source == PASSBOOK


def print_passbook_line(state: FlowState, ctx: StepContext) -> CommitResult:
    """联动打印: the line just posted (and any earlier unprinted ones) into the book."""
    number = state["account_number"]
    ctx.bind("account", number)
    result = print_up(ctx.services, number)
    return CommitResult(values=(("passbook_printed", result.printed),))


PASSBOOK_STEP = Commit("passbook", "打印存折", "Print the passbook", execute=print_passbook_line,
                       reversible=False, skip_if=lambda s: not uses_passbook(s))
