"""The posting engine (记账引擎): one balanced entry, one database transaction.

Worked example (see ``tests/core/test_posting.py`` for the runnable form)::

    engine = PostingEngine(make_engine("sqlite:///core.sqlite"))
    posted = engine.post(EntryRequest(
        key="T01-000001", branch="0101", teller="T001", terminal="T01",
        txn_code="10020", step="post",
        legs=(Leg(cash_box, "D", 10000), Leg(customer, "C", 10000))))
    posted.journal_number   # '20261123T001000001'
    engine.post(same_request).replayed   # True — nothing posted twice

Inside the transaction, in this order (the order is the deadlock-avoidance
rule: every transaction takes locks teller head → accounts by number):

1. the idempotency key is looked up; a hit returns the first result;
2. the teller's journal head is locked — it numbers the entry (流水号) and
   holds the previous hash of the teller's tamper-evident chain;
3. the accounts are locked in ascending number order, their active controls
   read, and every leg checked against status, controls and availability;
4. the entry, its postings, the new balances, the head and the
   authorization record are written.

Why the hash chain is per teller and not bank-wide: a single chain head would
serialise every posting of the bank on one row; a teller's postings are
serialised anyway by the journal number, so per-teller chains cost nothing
and still make any edited, inserted or deleted entry detectable.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from typing import Callable, TypeVar

from sqlalchemy import and_, case, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from teller.core.controls.models import AccountControl
from teller.core.operators.models import Authorization, User
from teller.core.ledger import models as m
from teller.core.controls.controls import (
    DEDUCTION_PURPOSES, HOLD_APPLICATION_EFFECT, apply_posting_effects, hold_application_effect,
)
from teller.core.cash.counts import post_counts
from teller.core.controls.limits import enforce_limits
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.ledger.records import (
    LEVELS, AuthGrant, EntryRequest, Leg, PostedEntry, PostedLeg, PostingRefused,
    format_journal_number,
)

GENESIS_HASH = "0" * 64
T = TypeVar("T")

#: Hooks another core module may hand to :meth:`PostingEngine.post`.
Guard = Callable[[Connection, EntryRequest, dict, dt.date], None]
Record = Callable[[Connection, PostedEntry], None]

accounts_t = m.Account.__table__
controls_t = AccountControl.__table__
entries_t = m.JournalEntry.__table__
postings_t = m.Posting.__table__
heads_t = m.TellerJournalHead.__table__
branches_t = m.Branch.__table__
subjects_t = m.GlSubject.__table__
users_t = User.__table__
auth_t = Authorization.__table__

# Controls that stop money going out, and the purposes that may pass them.
OUTFLOW_BLOCKS = {
    "sealed": ("账户已封存，不能支取", "The account is sealed; no debits", ()),
    "receive_only": ("账户只收不付，不能支取", "The account is receive-only", ()),
    "freeze_full": ("账户已被司法冻结（不收不付）", "The account is frozen (full)",
                    ("judicial_deduction",)),
    "freeze_one_way": ("账户已被司法冻结（只收不付）", "The account is frozen (one-way)",
                       ("judicial_deduction",)),
    "loss_report": ("账户已挂失，不能支取或转出", "The account is reported lost",
                    ("judicial_deduction", "loan_repayment")),
}
INFLOW_BLOCKS = {
    "pay_only": ("账户只付不收，不能存入", "The account is pay-only; no credits"),
    "freeze_full": ("账户已被司法冻结（不收不付），不能存入", "The account is frozen (full)"),
}
# Account kinds only some transactions may move (purpose 'normal'; reversals and
# judicial/hold purposes pass): a time deposit moves only by its own opening,
# withdrawal and rollover, so a plain transfer cannot skip its interest rules.
KIND_TXN_CODES = {
    "personal_time": (frozenset({"10110", "10130", "EODTD"}),
                      "定期账户只能通过整存整取开户（10110）、支取（10130）交易记账",
                      "A time deposit moves only by 10110 / 10130"),
}
# Steps that write rows beside their entry (a time account, a deposit slip, an
# accrual reset) post only through their core service (post_in): a bare resend of
# the stored request (in-doubt retry) would move the money without those rows.
SERVICE_TXN_CODES = frozenset({"10110", "10130", "18410"})
#: Balance ceilings by personal account class (fen): Ⅲ类户 at most 2,000.00 yuan.
CLASS_BALANCE_CEILINGS = {"III": 200_000}
STATUS_BLOCKS_ALL = {
    "closed": ("账户已销户", "The account is closed"),
    "settled": ("账户已结清", "The account is settled"),
    "off_book": ("账户已转营业外，不能交易", "The account is off-book"),
}


def debit_block(status: str, control_kinds, purpose: str = "normal") -> tuple[str, str, str] | None:
    """(code, zh, en) of the status or control that stops a debit for ``purpose``,
    or None — the same tables the posting checks, for callers that must refuse
    before asking for anything else (a reported-lost account is refused before
    the customer is asked for the PIN). Example: ``debit_block("normal",
    {"loss_report"})`` → ``("control_loss_report", "账户已挂失，不能支取或转出", ...)``."""
    if status in STATUS_BLOCKS_ALL:
        return (f"status_{status}", *STATUS_BLOCKS_ALL[status])
    for kind in sorted(set(control_kinds) & OUTFLOW_BLOCKS.keys()):
        zh, en, allowed = OUTFLOW_BLOCKS[kind]
        if purpose not in allowed:
            return f"control_{kind}", zh, en
    return None


def entry_digest(req: EntryRequest) -> str:
    """Fingerprint of what was asked, so a reused key with other content is caught."""
    body = {
        "branch": req.branch, "teller": req.teller, "terminal": req.terminal,
        "txn": req.txn_code, "step": req.step, "purpose": req.purpose,
        "reverses": req.reverses_entry_id,
        "legs": [[leg.account, leg.direction, leg.amount] for leg in req.legs],
    }
    if req.effect:  # only then, so the digests of plain entries stay what they were
        body["effect"] = [req.effect, req.effect_args]
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def entry_hash(prev_hash: str, entry: dict, legs: list[dict]) -> str:
    """SHA-256 over a canonical form of the entry and its legs, chained."""
    canon = {
        "prev": prev_hash,
        "key": entry["idempotency_key"], "digest": entry["request_digest"],
        "seq": entry["journal_sequence"], "branch": entry["branch_code"],
        "teller": entry["teller_code"], "terminal": entry["terminal_code"],
        "date": entry["business_date"].isoformat(),
        "at": entry["created_at"].isoformat(timespec="microseconds"),
        "txn": entry["txn_code"], "step": entry["step"], "purpose": entry["purpose"],
        "memo": entry["memo"], "reversible": bool(entry["reversible"]),
        "offline": bool(entry["offline"]), "reverses": entry["reverses_entry_id"],
        "legs": [[p["leg"], p["account_number"], p["subject_code"], p["direction"],
                  int(p["amount"]), int(p["balance_after"]), p["memo"]] for p in legs],
    }
    data = json.dumps(canon, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


#: Core actions a request may carry (``EntryRequest.effect``): name -> apply.
#: ``apply(conn, req, args, business_date)`` runs inside the posting transaction
#: after the teller's journal head is locked and before the legs' accounts are
#: (so it may create an account a leg then credits); it raises PostingRefused to
#: refuse, and may return ``finish(entry_id)``, called once the entry exists.
EFFECTS: dict[str, Callable] = {}
#: ``hook(conn, original_entry_id, business_date)`` run inside every reversal's
#: transaction after its legs are applied — undoes what an effect did (or raises
#: PostingRefused when it can no longer be undone).
REVERSAL_HOOKS: list[Callable] = []


def register_effect(name: str, apply: Callable) -> None:
    EFFECTS[name] = apply


def register_reversal_hook(hook: Callable) -> None:
    if hook not in REVERSAL_HOOKS:
        REVERSAL_HOOKS.append(hook)


register_effect(HOLD_APPLICATION_EFFECT, hold_application_effect)  # 18091


def _validate_shape(req: EntryRequest) -> None:
    if not req.key or len(req.key) > 64:
        raise PostingRefused("bad_key", "交易幂等键无效", "Invalid idempotency key")
    if not req.legs and req.reverses_entry_id is None and not req.effect:
        raise PostingRefused("empty", "分录没有借贷记录", "The entry has no legs")
    for leg in req.legs:
        if leg.direction not in ("D", "C"):
            raise PostingRefused("bad_direction", "借贷方向无效", "Invalid direction")
        if not isinstance(leg.amount, int) or isinstance(leg.amount, bool) or leg.amount <= 0:
            raise PostingRefused("bad_amount", "金额必须为正数", "Amount must be positive",
                                 account=leg.account)
    if req.required_level and req.authorization is None:
        raise PostingRefused("needs_authorization", "该交易需要主管授权",
                             "This transaction needs a supervisor's authorization")


class PostingEngine:
    """Posts entries to the core database. Thread-safe; share one per engine."""

    def __init__(self, engine: Engine, *, clock: Callable[[], dt.datetime] = dt.datetime.now,
                 server_side: bool = True):
        # The modules that register core actions and reversal hooks must be loaded
        # wherever an engine posts, or a reversal could miss an undo.
        import teller.core.accounts.personal  # noqa: F401  (registers account.* / customer.*)
        self.engine = engine
        self.clock = clock
        self._subjects: dict[str, tuple[str, bool]] | None = None
        # On PostgreSQL the same transaction runs as one server-side function
        # call (posting_pg.py); this module stays the reference and SQLite's path.
        self._post_step = self._post_in
        if server_side and engine.dialect.name == "postgresql":
            from teller.core.ledger.posting_pg import PgPoster
            self._post_step = PgPoster(self).post_in

    # -- public -----------------------------------------------------------
    def post(self, req: EntryRequest, *, guard: Guard | None = None,
             record: Record | None = None,
             within: Callable[[Connection, PostedEntry], None] | None = None) -> PostedEntry:
        """Post ``req`` once. Raises :class:`PostingRefused` when a rule says no.

        ``guard(conn, req, accounts, business_date)`` runs inside the transaction
        once the accounts are locked (rules of other core modules: class II/III
        limits, large-cash data capture …) and may raise ``PostingRefused``;
        ``record(conn, posted)`` and ``within(conn, posted)`` write rows that belong
        to the new entry in the same transaction (e.g. the cash box's denomination
        counts, teller.core.cash.counts). None of them runs when the key was already
        posted; if one raises, nothing is posted."""
        _validate_shape(req)
        digest = entry_digest(req)

        def work(c: Connection) -> PostedEntry:
            # Work that must share the entry's transaction keeps to the Python
            # path; a plain posting may be one server-side call (posting_pg).
            # Which requests the function may post is decided in one place,
            # posting_pg.python_only_reason (cash, reversals, effects …).
            if within is None and guard is None and record is None:
                posted = self._post_step(c, req, digest)
            else:
                posted = self._post_in(c, req, digest, guard, record)
            if within is not None and not posted.replayed:
                within(c, posted)
            return posted
        return self.transaction(work)

    def find_in(self, conn: Connection, key: str) -> PostedEntry | None:
        """Like :meth:`find`, inside the caller's transaction."""
        row = conn.execute(select(entries_t).where(entries_t.c.idempotency_key == key)).first()
        return self._result(conn, row, replayed=True) if row else None

    def reverse(self, entry_id: int, *, key: str, teller: str, terminal: str,
                authorization: AuthGrant | None, required_level: str | None = "A",
                txn_code: str = "08210", memo: str = "",
                within: Callable[[Connection, PostedEntry], None] | None = None) -> PostedEntry:
        """Post the compensating entry (冲正) of ``entry_id``: same legs, sides swapped."""
        with reader(self.engine) as conn:
            original = conn.execute(select(entries_t).where(entries_t.c.id == entry_id)).first()
            if original is None:
                raise PostingRefused("no_entry", "原交易不存在", "No such entry")
            legs = conn.execute(select(postings_t).where(postings_t.c.entry_id == entry_id)
                                .order_by(postings_t.c.leg)).all()
        swapped = tuple(Leg(p.account_number, "C" if p.direction == "D" else "D", int(p.amount),
                            "冲正") for p in legs)
        return self.post(EntryRequest(
            key=key, branch=original.branch_code, teller=teller, terminal=terminal,
            txn_code=txn_code, step=f"reverse:{original.step}"[:32], legs=swapped,
            memo=memo or "冲正 " + format_journal_number(
                original.business_date, original.teller_code, original.journal_sequence),
            reversible=False, required_level=required_level, authorization=authorization,
            reverses_entry_id=entry_id), within=within)

    def post_in(self, conn: Connection, req: EntryRequest) -> PostedEntry:
        """Post ``req`` inside the caller's transaction ``conn``.

        For a step that writes its own rows beside the entry (a time deposit
        opening, a new deposit slip, an accrual reset, a blank voucher used by the
        posting that issues it), so that both commit or
        neither. Run the caller's work through :meth:`transaction`, which retries
        a lost key race the way :meth:`post` does."""
        _validate_shape(req)
        return self._post_in(conn, req, entry_digest(req), via_service=True)

    def transaction(self, work: Callable[[Connection], T]) -> T:
        """``work(conn)`` in one database transaction, retried after a lost race
        on an idempotency key or a reversal: a concurrent attempt with the same
        key won, and the next round finds its result."""
        for _ in range(5):
            try:
                return run_in_transaction(self.engine, work)
            except IntegrityError as exc:
                if not self._is_race(exc):
                    raise
                last = exc
        raise last

    def find(self, key: str) -> PostedEntry | None:
        """The result for ``key`` if it was posted (used to settle in-doubt steps)."""
        with reader(self.engine) as conn:
            row = conn.execute(select(entries_t).where(entries_t.c.idempotency_key == key)).first()
            return self._result(conn, row, replayed=True) if row else None

    # -- inside the transaction ------------------------------------------
    def _post_in(self, conn: Connection, req: EntryRequest, digest: str,
                 guard: Guard | None = None, record: Record | None = None, *,
                 via_service: bool = False) -> PostedEntry:
        # One round trip answers both "was this key posted?" and "is the branch
        # open, on which business date?" — the common case is a new key.
        existing_id = (select(entries_t.c.id).where(entries_t.c.idempotency_key == req.key)
                       .scalar_subquery())
        branch = conn.execute(select(branches_t.c.business_date, branches_t.c.status,
                                     existing_id.label("existing_id"))
                              .where(branches_t.c.code == req.branch)).first()
        if branch is not None and branch.existing_id is not None:
            existing = conn.execute(select(entries_t).where(
                entries_t.c.id == branch.existing_id)).one()
            if existing.request_digest != digest:
                raise PostingRefused("key_reused", "同一交易编号已用于另一笔交易",
                                     "This idempotency key was used for a different request")
            return self._result(conn, existing, replayed=True)

        if req.txn_code in SERVICE_TXN_CODES and not via_service \
                and req.reverses_entry_id is None:
            raise PostingRefused("needs_service", "该交易须经其核心服务记账，请重新办理该交易",
                                 "This transaction posts only through its core service; "
                                 "run it again")
        subjects = self._subject_map(conn)
        if branch is None:
            raise PostingRefused("no_branch", "网点不存在", "No such branch")
        if branch.status != "open":
            raise PostingRefused("branch_closed", "网点已日终或未开门，不能记账",
                                 "The branch is not open for business")
        bdate = branch.business_date
        if req.reverses_entry_id is not None:
            self._check_reversal(conn, req, bdate)
        if req.authorization is not None:
            self._check_authorization(conn, req)

        head = self._lock_head(conn, req.teller, bdate)
        finish = None
        if req.effect:
            apply = EFFECTS.get(req.effect)
            if apply is None:
                raise PostingRefused("unknown_effect", f"核心不支持的操作：{req.effect}",
                                     f"Unknown core action {req.effect}")
            finish = apply(conn, req, json.loads(req.effect_args or "{}"), bdate)
        accounts, controls = self._lock_accounts(conn, req, bdate)

        self._check_balanced(req, accounts, subjects)
        if guard is not None:
            guard(conn, req, accounts, bdate)
        balances = {n: int(a.balance) for n, a in accounts.items()}
        leg_rows = []
        for i, leg in enumerate(req.legs, start=1):
            acct = accounts[leg.account]
            side = subjects[acct.subject_code][0]
            inflow = leg.direction == side
            self._check_leg(req, acct, inflow, leg.amount, balances[leg.account],
                            controls.get(leg.account, ()))
            balances[leg.account] += leg.amount if inflow else -leg.amount
            leg_rows.append({"leg": i, "account_number": leg.account,
                             "subject_code": acct.subject_code, "direction": leg.direction,
                             "amount": leg.amount, "balance_after": balances[leg.account],
                             "memo": leg.memo[:120]})
        # --- account-controls hook (18101): transaction limits, teller.core.controls.limits ---
        warnings = enforce_limits(conn, req, bdate, accounts, subjects, controls,
                                  self.clock().replace(tzinfo=None))
        # --- end hook ---

        seq = head["last_sequence"] + 1 if head["business_date"] == bdate else 1
        entry = {
            "idempotency_key": req.key, "request_digest": digest, "journal_sequence": seq,
            "branch_code": req.branch, "teller_code": req.teller,
            "terminal_code": req.terminal, "business_date": bdate,
            "created_at": self.clock().replace(tzinfo=None), "txn_code": req.txn_code,
            "step": req.step, "purpose": req.purpose, "memo": req.memo[:200],
            "reversible": req.reversible, "offline": req.offline,
            "reverses_entry_id": req.reverses_entry_id, "prev_hash": head["last_hash"],
        }
        entry["entry_hash"] = entry_hash(head["last_hash"], entry, leg_rows)
        entry_id = conn.execute(insert(entries_t).values(**entry)
                                .returning(entries_t.c.id)).scalar_one()
        if leg_rows:  # an entry that is only a core action has none
            conn.execute(insert(postings_t), [dict(r, entry_id=entry_id) for r in leg_rows])
        # --- account-controls hook (18090/18091): deductions use up the freeze or
        # hold named in the step, reversals give it back, teller.core.controls.controls ---
        if req.purpose in DEDUCTION_PURPOSES or req.reverses_entry_id is not None:
            apply_posting_effects(conn, req, entry_id, bdate, accounts, subjects,
                                  entry["created_at"])
        # --- end hook ---
        changed = {n: b for n, b in balances.items() if b != int(accounts[n].balance)}
        if changed:  # one statement for all legs' accounts (already locked above)
            conn.execute(update(accounts_t).where(accounts_t.c.number.in_(sorted(changed)))
                         .values(balance=case(changed, value=accounts_t.c.number)))
        if finish is not None:
            finish(entry_id)
        if req.reverses_entry_id is not None:
            for hook in REVERSAL_HOOKS:
                hook(conn, req.reverses_entry_id, bdate)
        conn.execute(update(heads_t).where(heads_t.c.teller_code == req.teller).values(
            business_date=bdate, last_sequence=seq, last_entry_id=entry_id,
            last_hash=entry["entry_hash"]))
        if req.authorization is not None:
            grant = req.authorization
            conn.execute(insert(auth_t).values(
                entry_id=entry_id, supervisor_code=grant.supervisor, teller_code=req.teller,
                level=grant.level, reasons=json.dumps(list(grant.reasons), ensure_ascii=False),
                outcome="granted", remark=grant.remark[:200], txn_code=req.txn_code,
                created_at=entry["created_at"]))
        posted = PostedEntry(
            entry_id=entry_id, key=req.key, teller=req.teller, business_date=bdate,
            journal_sequence=seq, created_at=entry["created_at"], txn_code=req.txn_code,
            step=req.step, reverses_entry_id=req.reverses_entry_id,
            legs=tuple(PostedLeg(r["account_number"], r["direction"], r["amount"],
                                 r["balance_after"]) for r in leg_rows),
            warnings=warnings)
        # --- cash-box hook (issue 7): notes by denomination move with every entry
        # on a teller box / the vault, reversals move them back, teller.core.cash.counts ---
        post_counts(conn, req, posted, {n: a.kind for n, a in accounts.items()},
                    entry["created_at"])
        # --- end hook ---
        if record is not None:
            record(conn, posted)
        return posted

    def _subject_map(self, conn: Connection) -> dict[str, tuple[str, bool]]:
        if self._subjects is None:
            rows = conn.execute(select(subjects_t.c.code, subjects_t.c.side,
                                       subjects_t.c.on_balance_sheet)).all()
            self._subjects = {r.code: (r.side, bool(r.on_balance_sheet)) for r in rows}
        return self._subjects

    def _lock_head(self, conn: Connection, teller: str, bdate: dt.date) -> dict:
        row = conn.execute(select(heads_t).where(heads_t.c.teller_code == teller)
                           .with_for_update()).first()
        if row is None:
            exists = conn.execute(select(users_t.c.code).where(users_t.c.code == teller)).first()
            if exists is None:
                raise PostingRefused("no_teller", "柜员不存在", "No such teller")
            # Two first postings of a new teller race on this insert; the loser
            # gets an IntegrityError and goes round again (see post()).
            conn.execute(insert(heads_t).values(teller_code=teller, business_date=bdate,
                                                last_sequence=0, last_hash=GENESIS_HASH))
            return {"business_date": bdate, "last_sequence": 0, "last_hash": GENESIS_HASH}
        return dict(row._mapping)

    def _lock_accounts(self, conn: Connection, req: EntryRequest,
                       bdate: dt.date) -> tuple[dict, dict[str, tuple]]:
        """Lock the entry's accounts (ascending number) and read their active
        controls in the same statement: most accounts have none, and a second
        query per posting would be a wasted round trip."""
        numbers = sorted({leg.account for leg in req.legs})
        if not numbers:  # an entry that is only a core action (EntryRequest.effect)
            return {}, {}
        active = and_(controls_t.c.account_number == accounts_t.c.number,
                      controls_t.c.status == "active", controls_t.c.starts_on <= bdate,
                      or_(controls_t.c.expires_on.is_(None), controls_t.c.expires_on >= bdate))
        rows = conn.execute(
            select(accounts_t, controls_t.c.kind.label("control_kind"),
                   controls_t.c.amount.label("control_amount"))
            .outerjoin(controls_t, active).where(accounts_t.c.number.in_(numbers))
            .order_by(accounts_t.c.number).with_for_update(of=accounts_t)).all()
        found: dict = {}
        controls: dict[str, list] = defaultdict(list)
        for r in rows:
            found[r.number] = r
            if r.control_kind is not None:
                controls[r.number].append((r.control_kind, int(r.control_amount)))
        for n in numbers:
            if n not in found:
                raise PostingRefused("no_account", f"账户 {n} 不存在",
                                     f"Account {n} does not exist", account=n)
        return found, {k: tuple(v) for k, v in controls.items()}

    @staticmethod
    def _check_balanced(req: EntryRequest, accounts: dict, subjects: dict) -> None:
        debit = credit = 0
        for leg in req.legs:
            if not subjects[accounts[leg.account].subject_code][1]:
                continue  # off-balance counts (9001) are single-entry by nature
            if leg.direction == "D":
                debit += leg.amount
            else:
                credit += leg.amount
        if debit != credit:
            raise PostingRefused(
                "unbalanced", f"借贷不平衡：借方 {debit / 100:.2f}，贷方 {credit / 100:.2f}",
                f"Unbalanced entry: debits {debit / 100:.2f}, credits {credit / 100:.2f}")

    @staticmethod
    def _check_leg(req: EntryRequest, acct, inflow: bool, amount: int, balance: int,
                   controls: tuple) -> None:
        n = acct.number
        if acct.status in STATUS_BLOCKS_ALL:
            zh, en = STATUS_BLOCKS_ALL[acct.status]
            raise PostingRefused(f"status_{acct.status}", f"{zh}：{n}", en, account=n)
        only = KIND_TXN_CODES.get(acct.kind)
        if only is not None and req.txn_code not in only[0] and req.purpose == "normal" \
                and req.reverses_entry_id is None:
            raise PostingRefused("kind_txn", f"{only[1]}：{n}", only[2], account=n)
        kinds = {k for k, _ in controls}
        if inflow:
            # A reversal (冲正) puts money back where it came from — e.g. a reversed
            # judicial deduction into a fully frozen account (account-controls).
            blocks = () if req.reverses_entry_id is not None else kinds & INFLOW_BLOCKS.keys()
            for kind in sorted(blocks):
                zh, en = INFLOW_BLOCKS[kind]
                raise PostingRefused(f"control_{kind}", f"{zh}：{n}", en, account=n)
            ceiling = CLASS_BALANCE_CEILINGS.get(getattr(acct, "account_class", None) or "")
            if ceiling is not None and balance + amount > ceiling:
                raise PostingRefused(
                    "class_ceiling", f"Ⅲ类户余额不能超过 {ceiling / 100:,.2f} 元：{n}",
                    f"A class III account may hold at most {ceiling / 100:,.2f}", account=n)
            return
        if acct.status == "dormant":
            raise PostingRefused("status_dormant", f"账户为睡眠户，请先办理激活：{n}",
                                 "The account is dormant; reactivate it first", account=n)
        for kind in sorted(kinds & OUTFLOW_BLOCKS.keys()):
            zh, en, allowed = OUTFLOW_BLOCKS[kind]
            if req.purpose not in allowed:
                raise PostingRefused(f"control_{kind}", f"{zh}：{n}", en, account=n)
        held = sum(a for k, a in controls if k == "hold") if req.purpose != "hold_deduction" else 0
        frozen = (sum(a for k, a in controls if k == "freeze_partial")
                  if req.purpose != "judicial_deduction" else 0)
        if acct.overdraft_limit is None:
            return
        available = balance - held - frozen + int(acct.overdraft_limit)
        if amount > available:
            raise PostingRefused(
                "insufficient", f"可用余额不足：{n} 可用 {max(available, 0) / 100:,.2f} 元",
                f"Insufficient available balance on {n}", account=n)

    def _check_reversal(self, conn: Connection, req: EntryRequest, bdate: dt.date) -> None:
        orig = conn.execute(select(entries_t).where(
            entries_t.c.id == req.reverses_entry_id)).first()
        if orig is None:
            raise PostingRefused("no_entry", "原交易不存在", "No such entry")
        if orig.reverses_entry_id is not None:
            raise PostingRefused("reverse_reversal", "冲正交易不能再冲正",
                                 "A reversal cannot itself be reversed")
        if not orig.reversible:
            raise PostingRefused("irreversible", "该交易不允许冲正",
                                 "This step cannot be reversed")
        if orig.business_date != bdate:
            raise PostingRefused("not_same_day", "只能冲正当日交易",
                                 "Only today's entries can be reversed")
        done = conn.execute(select(entries_t.c.id).where(
            entries_t.c.reverses_entry_id == orig.id)).first()
        if done is not None:
            raise PostingRefused("already_reversed", "该交易已冲正", "Already reversed")

    @staticmethod
    def _check_authorization(conn: Connection, req: EntryRequest) -> None:
        grant = req.authorization
        assert grant is not None
        problem = authorization_problem(conn, grant.supervisor, req.teller,
                                        req.required_level or grant.level)
        if problem:
            raise PostingRefused(problem[0], problem[1], problem[2])

    @staticmethod
    def _is_race(exc: IntegrityError) -> bool:
        text = str(exc.orig).lower()
        return any(s in text for s in ("idempotency_key", "teller_journal_heads",
                                       "reverses_entry_id"))

    @staticmethod
    def _result(conn: Connection, row, *, replayed: bool) -> PostedEntry:
        legs = conn.execute(select(postings_t).where(postings_t.c.entry_id == row.id)
                            .order_by(postings_t.c.leg)).all()
        return PostedEntry(
            entry_id=row.id, key=row.idempotency_key, teller=row.teller_code,
            business_date=row.business_date, journal_sequence=row.journal_sequence,
            created_at=row.created_at, txn_code=row.txn_code, step=row.step,
            replayed=replayed, reverses_entry_id=row.reverses_entry_id,
            legs=tuple(PostedLeg(p.account_number, p.direction, int(p.amount),
                                 int(p.balance_after)) for p in legs))


def authorization_problem(conn: Connection, supervisor: str, teller: str,
                          level: str | None) -> tuple[str, str, str] | None:
    """Why ``supervisor`` may not authorize ``teller`` at ``level``, or None."""
    if supervisor == teller:
        return ("self_authorization", "不能为本人的交易授权",
                "Nobody may authorize their own transaction")
    row = conn.execute(select(users_t.c.role, users_t.c.auth_level, users_t.c.status)
                       .where(users_t.c.code == supervisor)).first()
    if row is None or row.role != "supervisor" or row.status != "active":
        return ("not_supervisor", f"{supervisor} 不是授权主管", f"{supervisor} is not a supervisor")
    if LEVELS.get(row.auth_level or "", 0) < LEVELS.get(level or "A", 1):
        return ("level_too_low", f"授权级别不足：需要{level}级授权",
                f"Authorization level {level} required")
    return None
