"""The account's own posting rules (账户规则): status, the customer's PIN, and
the class II/III ceilings and limits (Ⅱ/Ⅲ类户).

- :class:`AccountStatusRule` — closed, settled and off-book accounts take
  nothing; a dormant one takes money in but pays nothing out until reactivated;
- :class:`CustomerPinRule` — every debit of an account that withdraws by
  password (:func:`needs_pin`, the one definition) carries the customer's PIN
  block (:class:`PinProof`), verified under the 3-strikes rule with the account
  row locked; a wrong PIN refuses the posting and is still counted (the
  refusal's aftermath), a right one resets the count with the posting;
- :class:`ClassCeilingRule` — a class III account holds at most 2,000.00;
- :class:`ClassLimitsRule` — class II/III daily and annual amounts in and out
  (银发〔2018〕16号); money to or from the bound class-I account is exempt.

Court and bank deductions, reversals and actions that prove the customer
otherwise (:func:`waive_pin`) need no PIN.

>>> class Row:
...     kind, withdrawal_method, pin_verification_value = "personal_current", "password", "x"
>>> needs_pin(Row())
True
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy import and_, func, select, update
from sqlalchemy.engine import Connection

from teller.core.accounts.pin_verifier import (
    PinAttemptDecision, PinAttemptPolicy, PinAttemptState, PinKeyMismatch, PinVerifier,
    check_pin,
)
from teller.core.ledger.models import Account, JournalEntry, Posting as PostingRow
from teller.core.ledger.records import Attachment, BadAttachment, PostingRefused
from teller.core.ledger.rules import Posting, PostingRule
from teller.domain.money import Money
from teller.domain.pin import PinBlock, PinFormatError

accounts_t = Account.__table__
entries_t = JournalEntry.__table__
postings_t = PostingRow.__table__

PASSWORD_METHODS = frozenset({"password", "certificate_password"})
STATUS_BLOCKS_ALL = {
    "closed": ("账户已销户", "The account is closed"),
    "settled": ("账户已结清", "The account is settled"),
    "off_book": ("账户已转营业外，不能交易", "The account is off-book"),
}
#: Balance ceilings by personal account class (fen): Ⅲ类户 at most 2,000.00 yuan.
CLASS_BALANCE_CEILINGS = {"III": 200_000}


def needs_pin(account) -> bool:
    """Whether a debit of ``account`` (an accounts row or :class:`AccountInfo`-like
    record) needs the customer's PIN: a personal account that withdraws by
    password (凭密 / 凭证密) and has one set."""
    return (str(account.kind).startswith("personal")
            and account.withdrawal_method in PASSWORD_METHODS
            and account.pin_verification_value is not None)


def pan_of(row) -> str:
    """The number a PIN block for this account is bound to (ISO 9564 format 0):
    the card number for card accounts, the account number otherwise."""
    return row.medium_number if row.medium_kind == "card" and row.medium_number else row.number


def status_problem(status: str, outflow: bool) -> tuple[str, str, str] | None:
    """(code, zh, en) of the status that stops a movement, or None."""
    if status in STATUS_BLOCKS_ALL:
        return (f"status_{status}", *STATUS_BLOCKS_ALL[status])
    if outflow and status == "dormant":
        return ("status_dormant", "账户为睡眠户，请先办理激活",
                "The account is dormant; reactivate it first")
    return None


class AccountStatusRule(PostingRule):
    """账户状态: 销户/结清/营业外 take nothing; 睡眠 pays nothing out."""

    name = "accounts.status"

    def check(self, p: Posting) -> None:
        for mv in p.moves:
            problem = status_problem(mv.account.status, not mv.inflow)
            if problem:
                code, zh, en = problem
                raise PostingRefused(code, f"{zh}：{mv.leg.account}", en, account=mv.leg.account)


@dataclass(frozen=True)
class PinProof(Attachment, wire_name="accounts.pin_proof", secret=True):
    """The customer's PIN block for a debited account, from the PIN pad (验密)."""

    account: str
    block: PinBlock

    def to_wire(self) -> dict:
        return {"kind": self.wire_name, "account": self.account,
                "block": _block_wire(self.block)}

    @classmethod
    def decode(cls, data: dict) -> "PinProof":
        return cls(str(data.get("account")), _block_of(data.get("block")))


def waive_pin(p: Posting, account: str) -> None:
    """For a rule that has proved the customer another way (a loss follow-up
    with the loss certificate): ``account`` is debited without the PIN."""
    p.notes.setdefault(CustomerPinRule.name, set()).add(account)


def record_pin_attempt(conn: Connection, account: str, block: PinBlock,
                       verifier: PinVerifier, policy: PinAttemptPolicy) -> PinAttemptDecision:
    """Verify ``block`` against ``account``'s stored value under the attempt
    policy, with the row locked, and store the new attempt state."""
    row = conn.execute(select(accounts_t).where(accounts_t.c.number == account)
                       .with_for_update()).one()
    return _decide(conn, row, block, verifier, policy)


def _decide(conn: Connection, row, block: PinBlock, verifier: PinVerifier,
            policy: PinAttemptPolicy) -> PinAttemptDecision:
    state = PinAttemptState(int(row.pin_failures), bool(row.pin_locked))
    decision = check_pin(verifier, policy, state, pan_of(row), block, row.pin_verification_value)
    if decision.state != state:
        conn.execute(update(accounts_t).where(accounts_t.c.number == row.number).values(
            pin_failures=decision.state.consecutive_failures, pin_locked=decision.state.locked))
    return decision


def verify_proof(p: Posting, row, proof: "PinProof | None", verifier: PinVerifier | None,
                 policy: PinAttemptPolicy) -> None:
    """Refuse unless ``proof`` holds ``row``'s right PIN (the account row is locked
    by the caller); a wrong one is refused and still counted. The one place a
    customer's PIN is checked against the 3-strikes rule."""
    number = row.number
    if proof is None:
        raise PostingRefused("pin_required", f"账户 {number} 凭密支取，须客户在密码键盘输入密码",
                             "The customer must enter the PIN on the PIN pad", account=number)
    if verifier is None:
        raise PostingRefused("pin_service_unavailable", "密码校验服务未配置，不能验密",
                             "No PIN verifier is configured", account=number)
    try:
        decision = _decide(p.conn, row, proof.block, verifier, policy)
    except PinKeyMismatch as exc:
        raise PostingRefused("pin_key_mismatch", exc.message, exc.message_en,
                             account=number) from None
    if not decision.accepted:
        block = proof.block
        raise PostingRefused(
            f"pin_{decision.result.value}", decision.message, decision.message_en,
            account=number,
            aftermath=lambda conn: record_pin_attempt(conn, number, block, verifier, policy))


def proof_for(p: Posting, account: str) -> "PinProof | None":
    return next((a for a in p.request.all(PinProof) if a.account == account), None)


class AccountScopeRule(PostingRule):
    """通存通兑范围: an account kept to its own branch (仅本网点, ``scope``
    'this_branch') is moved — in or out — only by that branch's counters."""

    name = "accounts.scope"

    def check(self, p: Posting) -> None:
        for mv in p.moves:
            acct = mv.account
            if acct.scope == "this_branch" and acct.branch_code != p.request.branch:
                raise PostingRefused(
                    "scope_this_branch",
                    f"该账户仅限开户网点 {acct.branch_code} 办理（未开通通存通兑）：{acct.number}",
                    "The account is kept to its own branch", account=acct.number)


class CustomerPinRule(PostingRule):
    """验密: a debit of a password account needs its PIN block, and the right one."""

    name = "accounts.customer_pin"

    def __init__(self, verifier: Callable[[], PinVerifier | None],
                 policy: PinAttemptPolicy = PinAttemptPolicy()) -> None:
        self.verifier = verifier
        self.policy = policy

    def check(self, p: Posting) -> None:
        if p.is_reversal or p.request.purpose != "normal":
            return  # 冲正 and court/bank deductions are not the customer's withdrawals
        waived = p.notes.get(self.name, set())
        seen: set[str] = set()
        for mv in p.moves:
            number = mv.leg.account
            if mv.inflow or number in seen or number in waived or not needs_pin(mv.account):
                continue
            seen.add(number)
            verify_proof(p, mv.account, proof_for(p, number), self.verifier(), self.policy)


@dataclass(frozen=True)
class NewPin(Attachment, wire_name="accounts.new_pin", secret=True):
    """A new password keyed twice on the PIN pad for ``account`` (设密/重置/补设):
    stored as the verifier's value, bound to the account's medium as it stands
    once the step's other changes are made (a reissued card's new number)."""

    account: str
    block: PinBlock
    again: PinBlock

    def to_wire(self) -> dict:
        return {"kind": self.wire_name, "account": self.account,
                "block": _block_wire(self.block), "again": _block_wire(self.again)}

    @classmethod
    def decode(cls, data: dict) -> "NewPin":
        return cls(str(data.get("account")), _block_of(data.get("block")),
                   _block_of(data.get("again")))


def _block_wire(block: PinBlock) -> list:
    return [block.ciphertext_hex(), block.key_id, block.format]


def _block_of(data) -> PinBlock:
    try:
        hex_, key_id, fmt = data
        return PinBlock.from_ciphertext(bytes.fromhex(hex_), str(key_id), int(fmt))
    except (TypeError, ValueError, PinFormatError):
        raise BadAttachment("not a PIN block") from None


def pin_value(verifier: PinVerifier | None, pan: str, first: PinBlock, again: PinBlock,
              account: str | None = None) -> str:
    """The verification value of a new password keyed twice, or a refusal (the
    two entries differ, no verifier, a key mismatch, not a PIN)."""
    if verifier is None:
        raise PostingRefused("pin_service_unavailable", "本系统未配置密码验证服务，不能设置密码",
                             "No PIN verifier is configured", account=account)
    try:
        value = verifier.make_verification_value(pan, first)
        same = verifier.verify(pan, again, value)
    except PinKeyMismatch as exc:
        raise PostingRefused("pin_key_mismatch", exc.message, exc.message_en,
                             account=account) from None
    except PinFormatError:
        raise PostingRefused("pin_format", "密码须为6位数字", "The password must be 6 digits",
                             account=account) from None
    if not same:
        raise PostingRefused("pin_mismatch", "两次输入的密码不一致，请重新输入",
                             "The two entries differ; key the password again", account=account)
    return value


class NewPinRule(PostingRule):
    """设置新密码: last of the write phase, so the PIN is bound to the medium the
    step leaves (a reissued card's number); failures and the lock are cleared."""

    name = "accounts.new_pin"

    def __init__(self, verifier: Callable[[], PinVerifier | None]) -> None:
        self.verifier = verifier

    def applies(self, request) -> bool:
        return request.one(NewPin) is not None

    def write(self, p: Posting) -> None:
        for a in p.request.all(NewPin):
            row = p.conn.execute(select(accounts_t).where(accounts_t.c.number == a.account)
                                 .with_for_update()).first()
            if row is None:
                raise PostingRefused("no_account", f"账户 {a.account} 不存在",
                                     f"Account {a.account} does not exist", account=a.account)
            value = pin_value(self.verifier(), pan_of(row), a.block, a.again, a.account)
            p.conn.execute(update(accounts_t).where(accounts_t.c.number == a.account).values(
                pin_verification_value=value, pin_failures=0, pin_locked=False))


class ClassCeilingRule(PostingRule):
    """Ⅲ类户 balance ceiling: absolute, whoever posts and from wherever."""

    name = "accounts.class_ceiling"

    def check(self, p: Posting) -> None:
        for mv in p.moves:
            ceiling = CLASS_BALANCE_CEILINGS.get(mv.account.account_class or "")
            if ceiling is not None and mv.inflow and mv.balance_after > ceiling:
                raise PostingRefused(
                    "class_ceiling",
                    f"Ⅲ类户余额不能超过 {ceiling / 100:,.2f} 元：{mv.leg.account}",
                    f"A class III account may hold at most {ceiling / 100:,.2f}",
                    account=mv.leg.account)


@dataclass(frozen=True)
class ClassLimits:
    """Ⅱ/Ⅲ类户 limits in fen. Class II: money in from / out to anything but the
    bound account, 10,000.00 a day and 200,000.00 a year each way. Class III:
    out 2,000.00 a day, 50,000.00 a year (its balance cap is
    :data:`CLASS_BALANCE_CEILINGS`)."""

    ii_daily_in: int = 1_000_000
    ii_annual_in: int = 20_000_000
    ii_daily_out: int = 1_000_000
    ii_annual_out: int = 20_000_000
    iii_daily_out: int = 200_000
    iii_annual_out: int = 5_000_000


class ClassLimitsRule(PostingRule):
    """Ⅱ/Ⅲ类户 daily and annual limits, checked with the account row locked so two
    terminals cannot both spend the last of a day's limit."""

    name = "accounts.class_limits"

    def __init__(self, limits: ClassLimits = ClassLimits()) -> None:
        self.limits = limits

    def check(self, p: Posting) -> None:
        if p.is_reversal or p.request.purpose != "normal":
            return
        others = {leg.account for leg in p.request.legs}
        done: set[tuple[str, bool]] = set()
        for mv in p.moves:
            acct = mv.account
            if acct.account_class not in ("II", "III") or (mv.leg.account, mv.inflow) in done:
                continue
            done.add((mv.leg.account, mv.inflow))
            if acct.bound_account and acct.bound_account in others - {mv.leg.account}:
                continue  # to or from the bound class-I account: not limited
            amount = sum(m.leg.amount for m in p.moves_of(mv.leg.account)
                         if m.inflow == mv.inflow)
            self._check(p, acct, mv.inflow, amount)

    def _check(self, p: Posting, acct, inflow: bool, amount: int) -> None:
        lim, n, bdate = self.limits, acct.number, p.business_date
        if acct.account_class == "II":
            daily, annual = (lim.ii_daily_in, lim.ii_annual_in) if inflow else \
                (lim.ii_daily_out, lim.ii_annual_out)
        elif not inflow:
            daily, annual = lim.iii_daily_out, lim.iii_annual_out
        else:
            return
        word, word_en = ("转入/存入", "in") if inflow else ("转出/支取", "out")
        side = p.subject_of(acct).side
        direction = side if inflow else ("D" if side == "C" else "C")
        for period, start, cap in (("daily", bdate, daily),
                                   ("annual", bdate.replace(month=1, day=1), annual)):
            used = _used(p.conn, acct, direction, start, bdate)
            if used + amount > cap:
                zh_period, en_period = ("日", "daily") if period == "daily" else ("年", "annual")
                today = "今日" if period == "daily" else "本年"
                raise PostingRefused(
                    f"class_{acct.account_class.lower()}_{period}_limit",
                    f"{acct.account_class}类户非绑定账户{word}{zh_period}累计限额 "
                    f"{Money(cap).format()}，{today}已用 {Money(used).format()}：{n}",
                    f"Class {acct.account_class} {en_period} limit ({word_en}) of "
                    f"{Money(cap).format()} exceeded", account=n)


def _used(conn: Connection, acct, direction: str, start, end) -> int:
    """What went ``direction`` on ``acct`` from ``start`` to ``end``, leaving out
    reversed entries, reversals and money to or from the bound account."""
    rev = entries_t.alias("rev")
    bound = postings_t.alias("bound")
    q = (select(func.coalesce(func.sum(postings_t.c.amount), 0))
         .select_from(postings_t.join(entries_t, entries_t.c.id == postings_t.c.entry_id))
         .where(postings_t.c.account_number == acct.number,
                postings_t.c.direction == direction,
                entries_t.c.business_date >= start, entries_t.c.business_date <= end,
                entries_t.c.reverses_entry_id.is_(None),
                ~select(rev.c.id).where(rev.c.reverses_entry_id == entries_t.c.id).exists()))
    if acct.bound_account:
        q = q.where(~select(bound.c.id).where(and_(
            bound.c.entry_id == entries_t.c.id,
            bound.c.account_number == acct.bound_account)).exists())
    return int(conn.execute(q).scalar_one())


__all__ = ["AccountStatusRule", "CustomerPinRule", "ClassCeilingRule", "ClassLimitsRule",
           "NewPinRule", "ClassLimits", "PinProof", "NewPin", "needs_pin", "pan_of",
           "status_problem", "waive_pin", "verify_proof", "pin_value", "record_pin_attempt",
           "CLASS_BALANCE_CEILINGS", "PASSWORD_METHODS"]
