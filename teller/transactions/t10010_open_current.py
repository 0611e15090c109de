"""10010 个人活期开户 — personal current account opening, as a page flow.

customer (same page as 00010: an existing customer is found by the document, a
new one is created) → account (product, class Ⅰ/Ⅱ/Ⅲ, 支取方式, 通存通兑) →
binding (Ⅱ/Ⅲ only: the customer's own class-Ⅰ account) → medium (IC card read
from the card reader, or a passbook) → [number: a passbook account reserves its
account number here, because the PIN pad binds the password to it] → password
keyed twice on the PIN pad → SMS signing (≤ 5 mobiles) → verification record
(核实方式, default 电话核实) → opening deposit (optional, cash or transfer) →
open → vouchers printed.

Atomicity (the choice, and why): ONE commit step, ``open``, carries everything
that makes the account exist — customer, account, password, SMS signings,
verification record and the opening deposit's legs — as the core action
``account.open`` inside the deposit entry's own database transaction. A teller
who leaves at any page before it leaves no account (a reserved passbook-account
number is merely skipped); a retry under the step's key cannot open twice; and
08210 reverses the opening as one step (deposit back, account closed) as long as
nothing else has touched the account.
"""
from __future__ import annotations

from teller.core.accounts.opening import (
    ACCOUNT_CLASSES, CLASS_III_BALANCE_LIMIT_FEN, MAX_SMS_MOBILES, MEDIUM_KINDS, SCOPES,
    VERIFY_METHODS, WITHDRAWAL_METHODS,
)
from teller.core.accounts.opening import AccountOpening, Verification
from teller.core.customers.service import CustomerDetails
from teller.core.vouchers.blank import VoucherUse
from teller.core.ledger.records import Leg, PostingRefused
from teller.domain.money import Money
from teller.domain.problems import Problem
from teller.transactions.common import (
    MODE_CHOICES, amount_field, cash_box, cash_counts, cash_notes_rules, cash_summary,
    holder_summary, is_transfer, require, resolve, transfer_page_rules,
)
from teller.transactions.context import Services, StepContext
from teller.transactions.fields import (
    CARD, KEYBOARD, AccountField, AmountField, ChoiceField, DenominationCountField, PinField,
    TextField,
)
from teller.transactions.flow import Commit, CommitResult, Flow, FlowState, Page
from teller.transactions.personal_pages import (
    CLASS_TEXT, CUSTOMER_PAGE_FIELDS, MEDIUM_TEXT, PASSBOOK_NUMBER_FIELD, customer_data,
    customer_rules, customer_summary, medium_voucher, passbook_number_problems,
    voucher_problems, voucher_summary,
)
from teller.transactions.voucher import make_voucher

#: The PIN pad binds the new password to the card number, or for a passbook account
#: to its reserved account number (what CustomerPinService salts and checks with).
PIN_BINDING = ("card_number", "account_number")
PRODUCTS = (("P-CUR", "个人活期储蓄", "Personal current savings"),)


OPENING_AMOUNT = amount_field("opening_amount")


def is_cash_deposit(state: FlowState) -> bool:
    return state["opening_amount"] is not None and not is_transfer(state)


def is_card(state: FlowState) -> bool:
    return state["medium_kind"] == "card"


def account_rules(state: FlowState, services: Services) -> list[Problem]:
    product = services.core.personal.product(state["product"])
    if product is None or product.kind != "personal_current":
        return [Problem("product", "该产品不是个人活期产品", "Not a personal current product")]
    return []


def binding_rules(state: FlowState, services: Services) -> list[Problem]:
    info = resolve(state, services, "bound_account")
    if info is None:
        return [Problem("bound_account", "绑定账户不存在", "The bound account does not exist")]
    data = customer_data(state)
    problem = services.core.personal.bound_account_problem(info.number, data["id_type"],
                                                           data["id_number"])
    return [Problem("bound_account", *problem)] if problem else []


def medium_rules(state: FlowState, services: Services) -> list[Problem]:
    if state["medium_kind"] == "passbook" and state["account_class"] != "I":
        return [Problem("medium_kind", "Ⅱ、Ⅲ类户不能开立存折",
                        "Class II/III accounts get no passbook")]
    return []


def card_rules(state: FlowState, services: Services) -> list[Problem]:
    ref = state["card_number"]
    if ref.medium != "card":
        return [Problem("card_number", "请读取银行卡，该号码不是卡号", "Read a bank card")]
    holder = services.core.personal.medium_holder("card", ref.number)
    if holder:
        return [Problem("card_number", f"该卡已用于账户 {holder}", "This card is already in use")]
    return voucher_problems(state, services, "card_number")


def pin_pan(state: FlowState) -> str:
    """The number the PIN pad binds the password to: the card number for a card
    account, the (reserved) account number otherwise — as CustomerPinService does."""
    return state["card_number"].number if is_card(state) else (state["account_number"] or "")


def password_rules(state: FlowState, services: Services) -> list[Problem]:
    _, problem = services.core.personal.password_value(pin_pan(state), state["pin"],
                                                       state["pin_again"])
    return [problem] if problem else []


def sms_mobiles(state: FlowState) -> list[str]:
    text = (state["sms_mobiles"] or "").replace("，", ",").replace("、", ",")
    return [x for x in (p.strip() for p in text.replace(" ", ",").split(",")) if x]


def sms_rules(state: FlowState, services: Services) -> list[Problem]:
    mobiles = sms_mobiles(state)
    if len(mobiles) > MAX_SMS_MOBILES:
        return [Problem("sms_mobiles", f"短信签约最多{MAX_SMS_MOBILES}个手机号",
                        f"At most {MAX_SMS_MOBILES} mobiles")]
    bad = [x for x in mobiles if not (len(x) == 11 and x.isascii() and x.isdigit()
                                      and x[0] == "1" and x[1] in "3456789")]
    if bad:
        return [Problem("sms_mobiles", f"手机号格式不正确：{bad[0][:20]}",
                        "Not an 11-digit mobile number")]
    if len(set(mobiles)) != len(mobiles):
        return [Problem("sms_mobiles", "手机号重复", "A mobile is listed twice")]
    return []


def deposit_rules(state: FlowState, services: Services) -> list[Problem]:
    amount = state["opening_amount"]
    if amount is not None and state["account_class"] == "III" \
            and amount.fen > CLASS_III_BALANCE_LIMIT_FEN:
        return [Problem("opening_amount",
                        f"Ⅲ类户余额不能超过 {Money(CLASS_III_BALANCE_LIMIT_FEN).format()}",
                        "A class III account has a balance ceiling")]
    return []


def reserve_number(state: FlowState, ctx: StepContext) -> CommitResult:
    return CommitResult(values=(("account_number",
                                 ctx.core.personal.reserve_account_number(ctx.services.branch)),))


def open_account(state: FlowState, ctx: StepContext) -> CommitResult:
    personal = ctx.core.personal
    number = state["account_number"] or personal.reserve_account_number(ctx.services.branch)
    pan = state["card_number"].number if is_card(state) else number
    pin_value, problem = personal.password_value(pan, state["pin"], state["pin_again"])
    if problem:
        raise PostingRefused("password", problem.message, problem.message_en)
    voucher_kind, voucher_number = medium_voucher(state, ctx.services)
    medium = pan if is_card(state) else voucher_number
    bound = resolve(state, ctx.services, "bound_account") if state["account_class"] != "I" \
        else None
    customer = customer_data(state)
    opening = AccountOpening(
        number=number, customer=CustomerDetails(**customer), product=state["product"],
        account_class=state["account_class"], withdrawal_method=state["withdrawal_method"],
        scope=state["scope"], medium_kind=state["medium_kind"], medium_number=medium,
        pin_value=pin_value or "",
        verification=Verification(state["verify_method"], state.get("verifier_name", ""),
                                  state.get("verify_note", "")),
        sms_mobiles=tuple(sms_mobiles(state)), bound_account=bound.number if bound else None)
    amount = state["opening_amount"].fen if state["opening_amount"] is not None else 0
    legs: tuple[Leg, ...] = ()
    counter = ""
    cash = ()
    if amount:
        if is_transfer(state):
            counter = require(state, ctx, "from_account").number
        source = counter or cash_box(ctx)
        legs = (Leg(source, "D", amount, "开户存入"), Leg(number, "C", amount, "开户存入"))
        if not counter:
            cash = cash_counts(state, ctx, source, "in", amount_fen=amount)
    ctx.bind("opening_amount", number)
    # The medium leaves the teller's box in this entry (9001, one voucher); a
    # passbook's book 1 is issued with it.
    posted = ctx.post(legs, memo=f"开户 {number}",
                      attach=(opening, VoucherUse(voucher_kind, voucher_number, number)) + cash)
    name = customer["name"] or personal.customer(customer["id_type"],
                                                 customer["id_number"]).name
    vouchers = (
        make_voucher(ctx, posted, title=OpenCurrent.title, title_en=OpenCurrent.title_en,
                     account=number, account_name=name, amount_fen=amount,
                     mode=state["mode"] if amount else "", counter_account=counter,
                     memo=f"{CLASS_TEXT[state['account_class']]}户 开户"),
        make_voucher(ctx, posted, title="存折扉页" if not is_card(state) else "开卡函",
                     title_en="Passbook first page" if not is_card(state) else "Card letter",
                     account=number, account_name=name, amount_fen=amount,
                     memo=f"{MEDIUM_TEXT[state['medium_kind']]} {medium}"),
    )
    return CommitResult((posted,), vouchers, (("account_number", number),
                                              ("medium_number", medium)))


class OpenCurrent(Flow):
    """个人活期开户 (CBUS 10010)."""

    code = "10010"
    title = "个人活期开户"
    title_en = "Personal current account opening"
    category = "personal"
    pages = (
        Page("customer", "客户识别", "Customer", fields=CUSTOMER_PAGE_FIELDS,
             rules=customer_rules(opening=True), summary=customer_summary),
        Page("account", "账户信息", "Account", rules=account_rules, fields=(
            ChoiceField("product", "产品", "Product", choices=PRODUCTS, default="P-CUR"),
            ChoiceField("account_class", "账户分类", "Account class", choices=ACCOUNT_CLASSES,
                        default="I"),
            ChoiceField("withdrawal_method", "支取方式", "Withdrawal method",
                        choices=WITHDRAWAL_METHODS, default="password"),
            ChoiceField("scope", "通存通兑", "Scope", choices=SCOPES, default="all_branches"))),
        Page("binding", "绑定Ⅰ类账户", "Bound class-I account",
             skip_if=lambda s: s["account_class"] in (None, "I"), rules=binding_rules,
             summary=holder_summary("bound_account"),
             fields=(AccountField("bound_account", "绑定Ⅰ类账号/卡号",
                                  "Own class-I account or card"),)),
        Page("medium", "介质", "Medium", rules=medium_rules, fields=(
            ChoiceField("medium_kind", "介质类型", "Medium", choices=MEDIUM_KINDS,
                        default="card"),)),
        Page("card", "读卡", "Card", skip_if=lambda s: not is_card(s), rules=card_rules,
             summary=voucher_summary,
             fields=(AccountField("card_number", "卡号", "Card number", sources=(CARD,),
                                  help="按 F2 从读卡器读取", help_en="F2 reads the card"),)),
        Page("passbook", "存折", "Passbook", skip_if=is_card, rules=passbook_number_problems,
             summary=voucher_summary,
             fields=(PASSBOOK_NUMBER_FIELD,)),
        Commit("number", "取账号", "Reserve account number", execute=reserve_number,
               reversible=False, skip_if=lambda s: is_card(s) or bool(s["account_number"])),
        Page("password", "设置密码", "Password", rules=password_rules, fields=(
            PinField("pin", "交易密码", "Password", help="客户在密码键盘输入（F4）",
                     help_en="Keyed by the customer on the PIN pad (F4)", bind_to=PIN_BINDING),
            PinField("pin_again", "再次输入密码", "Password again", bind_to=PIN_BINDING,
                     help="客户再次输入（F4）", help_en="Keyed again (F4)"))),
        Page("sms", "短信签约", "SMS notification", rules=sms_rules, fields=(
            TextField("sms_mobiles", "签约手机号", "Mobiles", required=False, max_len=80,
                      help="最多5个，逗号分隔；留空不签约",
                      help_en="Up to 5, comma separated; blank = none"),)),
        Page("verification", "业务核实登记", "Verification", fields=(
            ChoiceField("verify_method", "核实方式", "Verified by", choices=VERIFY_METHODS,
                        default="phone"),
            TextField("verifier_name", "核实人", "Verifier", required=False, max_len=40),
            TextField("verify_note", "核实说明", "Note", required=False, max_len=100))),
        Page("deposit", "开户存入", "Opening deposit", rules=deposit_rules, fields=(
            AmountField("opening_amount", "存入金额", "Amount", required=False,
                        help="可不存入", help_en="Optional"),
            ChoiceField("mode", "交易方式", "Mode", choices=MODE_CHOICES, default="cash"))),
        Page("cash", "现金", "Cash", skip_if=lambda s: not is_cash_deposit(s),
             rules=cash_notes_rules(OPENING_AMOUNT),
             summary=cash_summary("in", OPENING_AMOUNT), preview=True,
             fields=(DenominationCountField("notes", "券别明细", "Notes by denomination",
                                            required=False, help="留空按系统配款",
                                            help_en="Blank: the proposed make-up"),
                     DenominationCountField("change", "找零券别", "Change given",
                                            required=False))),
        Page("transfer", "转出账户", "Paying account",
             skip_if=lambda s: s["opening_amount"] is None or not is_transfer(s),
             rules=transfer_page_rules("card_number", "from_account"),
             summary=holder_summary("from_account"),
             fields=(AccountField("from_account", "转出账号/卡号", "Paying account or card",
                                  sources=(CARD, KEYBOARD)),)),
        Commit("open", "开户", "Open", execute=open_account, reversible=True),
    )
