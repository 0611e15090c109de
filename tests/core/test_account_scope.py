"""通存通兑范围 (AccountScopeRule) and the operator's branch (OperatorRule): an
account kept to its own branch is moved only there, and no teller posts for a
branch not their own — whatever the terminal sends."""
from __future__ import annotations

import pytest

from tests.conftest import FAST_SCRYPT
from teller.core.ledger.accounts import create_branch, open_account
from teller.core.ledger.db import run_in_transaction
from teller.core.ledger.records import EntryRequest, Leg, PostingRefused
from teller.core.operators.service import OperatorService
from teller.core.rulebook import check_books, ledger

pytestmark = pytest.mark.postgres


@pytest.fixture
def two_branches(core):
    """GIVEN branch 0102 with teller T201, and two accounts of 0101 with money:
    one open to every branch (通存通兑), one kept to 0101 (仅本网点)."""
    ops = OperatorService(core.engine, scrypt_n=FAST_SCRYPT)
    bdate = core.demo.business_date

    def work(conn):
        create_branch(conn, "0102", "演示二支行", "演示农村商业银行", bdate)
        ops.create_user(conn, code="T201", name="二支行柜员", role="teller", branch="0102",
                        password="demo123", must_change_password=False)
        return open_account(conn, branch="0101", subject="2017", title="仅本网点",
                            kind="personal_current", opened_on=bdate, product="P-CUR",
                            scope="this_branch", withdrawal_method="seal")
    kept = run_in_transaction(core.engine, work)
    everywhere = core.demo.accounts[0][0]
    post = ledger(core.engine).post
    post(EntryRequest(key="fund-kept", branch="0101", teller="T001", terminal="T01",
                      txn_code="10020", step="post",
                      legs=(Leg(everywhere, "D", 5_000), Leg(kept, "C", 5_000))))
    return post, kept, everywhere


def transfer(post, key, branch, teller, debit, credit, amount=100):
    return post(EntryRequest(key=key, branch=branch, teller=teller, terminal="T21",
                             txn_code="20010", step="post",
                             legs=(Leg(debit, "D", amount), Leg(credit, "C", amount))))


def test_an_account_kept_to_its_branch_moves_only_there(core, two_branches):
    post, kept, everywhere = two_branches
    before = (core.balance(kept), core.balance(everywhere))
    # WHEN 0102's teller moves money out of it, or into it THEN refused, nothing moves
    for key, debit, credit in (("out", kept, everywhere), ("in", everywhere, kept)):
        with pytest.raises(PostingRefused) as exc:
            transfer(post, key, "0102", "T201", debit, credit)
        assert exc.value.code == "scope_this_branch" and exc.value.account == kept
        assert "仅限开户网点 0101" in exc.value.message
    assert (core.balance(kept), core.balance(everywhere)) == before
    # WHEN 0101's own teller does the same THEN it posts
    transfer(post, "home", "0101", "T001", kept, everywhere)
    assert core.balance(kept) == before[0] - 100
    assert check_books(core.engine).ok


def test_no_teller_posts_for_another_branch(core, two_branches):
    post, kept, everywhere = two_branches
    other = core.demo.accounts[1][0]
    # WHEN 0102's teller claims to post for 0101, on accounts open to every branch
    with pytest.raises(PostingRefused) as exc:
        transfer(post, "claim", "0101", "T201", everywhere, other)
    # THEN refused: a terminal cannot post for a branch its operator is not of
    assert exc.value.code == "operator_branch"
    # AND 0102's teller posting for 0102 moves accounts open to every branch
    transfer(post, "ok", "0102", "T201", everywhere, other)
    assert check_books(core.engine).ok
