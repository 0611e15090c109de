"""08210 冲正 — reverse one of the teller's own entries of today.

Rules (DOMAIN.md §4, CBUS §3.7.3):
- only the signed-on teller's own entries, only of the current business date;
- never a reversal, never an entry already reversed, never a step marked
  irreversible;
- a flow with several commit steps is reversed step by step from the last
  (从后向前依次冲正): an earlier step is refused while a later step of the same
  run still stands — the steps of one run share the key prefix
  ``<terminal>-<run_id>`` (see ``flow.step_key``);
- always with a supervisor's (level A) authorization.
The compensating entry swaps the original legs and is itself irreversible.
"""
from __future__ import annotations

from teller.core.views import JournalLine
from teller.domain.money import Money
from teller.domain.problems import Problem
from teller.transactions.context import Services, StepContext
from teller.transactions.fields import TextField
from teller.transactions.flow import (
    AuthNeed, Commit, CommitResult, Flow, FlowState, Page, parse_step_key,
)
from teller.transactions.voucher import make_voucher

F = "journal_number"


def later_steps_standing(line: JournalLine, today: tuple[JournalLine, ...]) -> list[JournalLine]:
    """Steps of the same run committed after ``line`` and not yet reversed."""
    me = parse_step_key(line.key)
    if me is None:
        return []
    out = []
    for other in today:
        k = parse_step_key(other.key)
        if k and k[:2] == me[:2] and k[2] > me[2] and other.status == "posted":
            out.append(other)
    return sorted(out, key=lambda x: parse_step_key(x.key)[2], reverse=True)  # type: ignore[index]


def original_problems(state: FlowState, ctx: Services) -> list[Problem]:
    jn = state[F]
    line = ctx.core.journal_line(jn) if jn else None
    if line is None:
        return [Problem(F, f"原流水号 {jn} 不存在", "No entry with this journal number")]
    if line.teller != ctx.teller:
        return [Problem(F, "只能冲正本柜员的交易", "Only your own entries can be reversed")]
    if line.business_date != ctx.business_date:
        return [Problem(F, "只能冲正当日交易", "Only today's entries can be reversed")]
    if line.status == "reversal":
        return [Problem(F, "冲正交易不能再冲正", "A reversal cannot itself be reversed")]
    if line.status == "reversed":
        return [Problem(F, f"该交易已冲正（冲正流水号 {line.reversed_by_journal_number}）",
                        "Already reversed")]
    if not line.reversible:
        return [Problem(F, "该交易不允许冲正", "This step cannot be reversed")]
    later = later_steps_standing(line, ctx.core.journal_today(ctx.teller, ctx.branch))
    if later:
        blocking = [x for x in later if not x.reversible]
        if blocking:
            return [Problem(F, f"该交易的后续步骤 {blocking[0].journal_number} 不可冲正，"
                               "本步骤不能冲正",
                            "A later step of this transaction cannot be reversed")]
        return [Problem(F, f"请从后向前依次冲正：先冲正流水号 {later[0].journal_number}",
                        f"Reverse the later step {later[0].journal_number} first")]
    return []


def undo_summary(state: FlowState, ctx: Services) -> tuple[tuple[str, str, str], ...]:
    line = ctx.core.journal_line(state[F])
    if line is None:
        return ()
    return (("原交易码", "Original code", line.txn_code),
            ("原步骤", "Step", line.step),
            ("原流水号", "Journal number", line.journal_number),
            ("账号", "Account", line.account),
            ("金额", "Amount", Money(line.amount).format()),
            ("时间", "Time", f"{line.created_at:%H:%M:%S}"),
            ("冲正后", "Effect", "原分录借贷方向对调记账，余额恢复"))


def post_reversal(state: FlowState, ctx: StepContext) -> CommitResult:
    line = ctx.core.journal_line(state[F])
    assert line is not None  # the page rules ran just before
    ctx.bind(F, line.account)
    posted = ctx.reverse(line.entry_id, memo=f"冲正 {line.journal_number}")
    voucher = make_voucher(ctx, posted, title=Reversal.title, title_en=Reversal.title_en,
                           account=line.account, account_name="", amount_fen=line.amount,
                           memo=f"冲正原流水 {line.journal_number}")
    return CommitResult((posted,), (voucher,), (("reversed_journal_number", line.journal_number),))


class Reversal(Flow):
    """冲正 (CBUS 08210)."""

    code = "08210"
    title = "冲正"
    title_en = "Reversal"
    category = "general"
    pages = (
        Page("original", "原交易", "Original entry",
             fields=(TextField(F, "原流水号", "Journal number", max_len=30),),
             rules=original_problems, summary=undo_summary),
        Commit("reverse", "冲正", "Reverse", execute=post_reversal, reversible=False),
    )

    def authorization(self, state: FlowState, ctx: Services) -> list[AuthNeed]:
        return [AuthNeed("A", "冲正交易须主管授权", "A reversal needs a supervisor's authorization")]
