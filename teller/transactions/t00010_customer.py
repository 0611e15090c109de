"""00010 个人客户信息维护 — create or maintain a personal customer.

Found by ID type + number (a resident ID is fully checked): a new document
creates the customer, a known one is maintained (fields left blank keep their
values; the confirmation shows before → after). One commit step carrying
``CustomerSave`` (no money, so no legs); not reversible — a wrong change is
corrected by maintaining again.
"""
from __future__ import annotations

from teller.core.customers.service import CustomerDetails, CustomerSave
from teller.transactions.context import StepContext
from teller.transactions.flow import Commit, CommitResult, Flow, FlowState, Page
from teller.transactions.personal_pages import (
    CUSTOMER_PAGE_FIELDS, customer_data, customer_rules, customer_summary,
)
from teller.transactions.voucher import make_voucher


def save(state: FlowState, ctx: StepContext) -> CommitResult:
    data = customer_data(state)
    existing = ctx.core.personal.customer(data["id_type"], data["id_number"])
    memo = "客户信息维护" if existing else "新建客户"
    posted = ctx.post((), memo=memo, attach=(CustomerSave(CustomerDetails(**data)),))
    saved = ctx.core.personal.customer(data["id_type"], data["id_number"])
    voucher = make_voucher(ctx, posted, title=CustomerMaintenance.title,
                           title_en=CustomerMaintenance.title_en, account="",
                           account_name=saved.name if saved else data["name"], amount_fen=0,
                           memo=memo)
    return CommitResult((posted,), (voucher,),
                        (("customer_id", saved.id if saved else None),))


class CustomerMaintenance(Flow):
    """个人客户信息维护 (CBUS 00010)."""

    code = "00010"
    title = "个人客户信息维护"
    title_en = "Personal customer information"
    category = "personal"
    pages = (
        Page("customer", "客户信息", "Customer", fields=CUSTOMER_PAGE_FIELDS,
             rules=customer_rules(opening=False), summary=customer_summary),
        Commit("save", "保存", "Save", execute=save, reversible=False),
    )
