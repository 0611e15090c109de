"""The ``teller`` command.

    teller db upgrade [--url URL]     bring the core schema to the newest revision
    teller db set-password --url URL  keep the core password in the system keyring
    teller demo [--url URL] [--business-date YYYY-MM-DD]   the demo branch, users, accounts
    teller check [--url URL]          verify the books and the journal chain (exit 1 on failure)
    teller report day-summary [--branch B] [--date D] [--out F.pdf]
                                      the branch's GL subject summary for a business date
                                      (default: the branch's current one); exit 1 unless it ties
    teller eod [--branch B] [--url URL]   day end (日终): accrual, settlement, dormant, next day
    teller vouchers [--branch B] [--url URL]  blank voucher stock report (重要空白凭证库存表)
    teller run CODE --user U --values FILE.json [--authorizer S] [--url URL] [--local PATH]
                                      run one transaction headless; prints the outcome as JSON,
                                      exit 1 when not ok. Passwords from TELLER_PASSWORD /
                                      TELLER_AUTHORIZER_PASSWORD or a prompt, never argv.
    teller codes [--json] [--fields] [--markdown]   the transaction catalogue (registry)
    teller [gui] [--url URL] [--lang zh_CN|en]      the teller shell (Qt); the default

Without ``--url`` the core is the embedded SQLite file under the user's data
directory; ``TELLER_CORE_URL`` overrides that default.
"""
from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys

from teller import config


def _url(args: argparse.Namespace) -> str:
    url = args.url or os.environ.get("TELLER_CORE_URL") or config.default_core_url()
    return config.with_keyring_password(url)


def cmd_db(args: argparse.Namespace) -> int:
    from teller.core import schema
    if args.action == "upgrade":
        schema.upgrade(_url(args))
        print(f"core schema at {schema.head_revision()}: {config.redact_url(_url(args))}")
        return 0
    if args.action == "downgrade":
        schema.downgrade(_url(args), args.revision)
        return 0
    if args.action == "set-password":
        if not args.url:
            print("--url is required", file=sys.stderr)
            return 2
        clean = config.store_keyring_password(args.url, getpass.getpass("core password: "))
        print(f"password stored in the keyring; use --url {clean}")
        return 0
    return 2


def cmd_demo(args: argparse.Namespace) -> int:
    from teller.core import schema
    from teller.core.ledger.db import make_engine
    from teller.core.demo import DEMO_PASSWORD, create_demo
    url = _url(args)
    schema.upgrade(url)
    engine = make_engine(url)
    try:
        summary = create_demo(engine, business_date=args.business_date or dt.date.today())
    except RuntimeError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"demo branch {summary.branch}, business date {summary.business_date}")
    print(f"users: {', '.join(summary.users)} — password for all: {DEMO_PASSWORD}")
    for number, title, medium in summary.accounts:
        print(f"  account {number} {title} card {medium}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from teller.core.ledger.db import make_engine
    from teller.core.rulebook import check_books
    engine = make_engine(_url(args))
    try:
        report = check_books(engine)
    finally:
        engine.dispose()
    print(report.summary())
    return 0 if report.ok else 1


BRANCH_REPORTS = {  # which: (core function, printer, file name stem)
    "cash-position": ("cash_position", "render_cash_position", "cash-position"),
    "voucher-stock": ("voucher_stock", "render_voucher_stock", "voucher-stock"),
    "over-short": ("over_short_register", "render_over_short", "over-short"),
}


def cmd_branch_report(args: argparse.Namespace) -> int:
    """现金头寸表 / 重要空白凭证库存表 / 长短款登记簿 as PDF; exit 1 when it does not tie."""
    import datetime as dt
    from pathlib import Path

    from teller.core.day import branch_reports
    from teller.core.ledger.db import make_engine
    from teller.printing import branch_reports_pdf
    data_fn, render_fn, stem = BRANCH_REPORTS[args.which]
    engine = make_engine(_url(args))
    try:
        data = getattr(branch_reports, data_fn)(engine, args.branch)
    except LookupError:
        print(f"branch {args.branch} does not exist", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    day = data.header.business_date
    out = Path(args.out or f"{stem}-{args.branch}-{day:%Y%m%d}.pdf")
    out.write_bytes(getattr(branch_reports_pdf, render_fn)(data, printed_at=dt.datetime.now()))
    for p in data.problems:
        print(p.message_en, file=sys.stderr)
    print(f"{args.branch} {day} {args.which}: {'ties' if data.ties else 'DOES NOT TIE'} -> {out}")
    return 0 if data.ties else 1


def cmd_report(args: argparse.Namespace) -> int:
    import datetime as dt
    from pathlib import Path
    if args.which in BRANCH_REPORTS:
        return cmd_branch_report(args)

    from teller.core.day.summary import branch_day_summary
    from teller.core.ledger.db import make_engine
    from teller.core.services import CoreServices
    from teller.printing.day_summary_pdf import render_day_summary
    engine = make_engine(_url(args))
    try:
        branch = CoreServices(engine).branch(args.branch)
        if branch is None:
            print(f"branch {args.branch} does not exist", file=sys.stderr)
            return 2
        try:
            day = dt.date.fromisoformat(args.date) if args.date else branch.business_date
        except ValueError:
            print(f"not a date: {args.date!r} (YYYY-MM-DD)", file=sys.stderr)
            return 2
        summary = branch_day_summary(engine, args.branch, day)
    finally:
        engine.dispose()
    out = Path(args.out or f"day-summary-{args.branch}-{day:%Y%m%d}.pdf")
    out.write_bytes(render_day_summary(summary, printed_at=dt.datetime.now()))
    for p in summary.problems:
        print(p.message_en, file=sys.stderr)
    print(f"{summary.branch} {day}: {len(summary.subjects)} subjects, {summary.entries} entries, "
          f"{'ties' if summary.ties else 'DOES NOT TIE'} -> {out}")
    return 0 if summary.ties else 1


def cmd_eod(args: argparse.Namespace) -> int:
    from teller.core.ledger.db import make_engine
    from teller.core.day.eod import DayEndRefused, run_day_end
    from teller.core.rulebook import ledger
    engine = make_engine(_url(args))
    try:
        result = run_day_end(engine, args.branch, post=ledger(engine).post)
    except DayEndRefused as exc:
        print("日终被拒绝 Day end refused:", file=sys.stderr)
        for p in exc.problems:
            print(f"  {p.message} ({p.message_en})", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"branch {result.branch}: {result.business_date} closed, "
          f"{result.next_business_date} open")
    print(f"  accrual: {result.accrued_accounts} accounts "
          f"({result.seconds.get('accrual', 0):.2f}s)")
    if result.interest_entries:
        print(f"  interest: {result.settled_accounts} accounts, "
              f"{result.interest_total / 100:,.2f} yuan in {result.interest_entries} entries "
              f"({result.seconds.get('settlement', 0):.2f}s)")
    print(f"  dormant: {result.dormant_marked} accounts marked")
    return 0


def cmd_vouchers(args: argparse.Namespace) -> int:
    from teller.core.ledger.db import make_engine
    from teller.core.services import CoreServices
    engine = make_engine(_url(args))
    try:
        print(CoreServices(engine).vouchers.stock_report(args.branch))
    finally:
        engine.dispose()
    return 0


def _secret(env: str, prompt: str) -> str:
    return os.environ.get(env) or getpass.getpass(prompt)


def cmd_run(args: argparse.Namespace) -> int:
    import json
    from teller.api import Terminal
    try:
        with open(args.values, encoding="utf-8") as fh:
            values = json.load(fh)
    except (OSError, ValueError) as exc:
        print(json.dumps({"ok": False, "problems": [
            {"field": "values", "message": f"无法读取取值文件：{exc}", "message_en": str(exc)}]},
            ensure_ascii=False))
        return 2
    terminal = Terminal.open(_url(args), args.local, terminal_code=args.terminal,
                             pin_verifier=args.pin_verifier or "")
    try:
        signed = terminal.sign_on(args.user, _secret("TELLER_PASSWORD", f"{args.user} 密码: "))
        if not signed.ok or signed.session is None:
            result = {"ok": False, "problems": [{"field": "user", "message": signed.message,
                                                 "message_en": signed.message_en}],
                      "must_change_password": signed.must_change_password,
                      "remaining_attempts": signed.remaining_attempts}
        else:
            authorizer = None
            if args.authorizer:
                authorizer = (args.authorizer, _secret("TELLER_AUTHORIZER_PASSWORD",
                                                       f"{args.authorizer} 授权密码: "))
            outcome = signed.session.run(args.code, values, authorizer)
            signed.session.sign_off()
            result = outcome.to_dict()
    finally:
        terminal.close()
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return 0 if result["ok"] else 1


def cmd_codes(args: argparse.Namespace) -> int:
    import json
    from teller.transactions.catalog import codes_data, codes_text, render_markdown
    from teller.transactions.registry import default_registry
    reg = default_registry()
    if args.markdown:
        sys.stdout.write(render_markdown(reg))
    elif args.json:
        print(json.dumps(codes_data(reg, fields=args.fields), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(codes_text(reg, fields=args.fields))
    return 0


def cmd_emulate(args: argparse.Namespace) -> int:
    import time
    from teller.devices.emulators.all import start_all
    emus = start_all(args.host, receipt_port=args.receipt_port,
                     pcscd="auto" if args.pcscd else False)
    try:
        for note in emus.notes:
            print(note, flush=True)
        print("Ctrl-C stops the emulators", flush=True)
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        emus.stop()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="teller", description="Bank teller terminal")
    sub = parser.add_subparsers(dest="command")
    db = sub.add_parser("db", help="core database schema")
    db.add_argument("action", choices=["upgrade", "downgrade", "set-password"])
    db.add_argument("revision", nargs="?", default="base")
    db.add_argument("--url")
    db.set_defaults(func=cmd_db)
    demo = sub.add_parser("demo", help="create the demo branch")
    demo.add_argument("--url")
    demo.add_argument("--business-date", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                      help="the branch's first business date (default: today)")
    demo.set_defaults(func=cmd_demo)
    check = sub.add_parser("check", help="verify books and journal")
    check.add_argument("--url")
    check.set_defaults(func=cmd_check)
    report = sub.add_parser("report", help="branch reports (PDF)")
    report.add_argument("which", choices=["day-summary", *BRANCH_REPORTS])
    report.add_argument("--branch", default="0101")
    report.add_argument("--date", help="business date YYYY-MM-DD (default: the branch's)")
    report.add_argument("--out", help="PDF file to write")
    report.add_argument("--url")
    report.set_defaults(func=cmd_report)
    eod = sub.add_parser("eod", help="day end of a branch (日终)")
    eod.add_argument("--branch", default="0101")
    eod.add_argument("--url")
    eod.set_defaults(func=cmd_eod)
    vouchers = sub.add_parser("vouchers", help="blank voucher stock report")
    vouchers.add_argument("--branch", default="0101")
    vouchers.add_argument("--url")
    vouchers.set_defaults(func=cmd_vouchers)
    run = sub.add_parser("run", help="run one transaction headless")
    run.add_argument("code")
    run.add_argument("--user", required=True)
    run.add_argument("--values", required=True, help="JSON file of field values")
    run.add_argument("--authorizer")
    run.add_argument("--url")
    run.add_argument("--local", help="terminal store file (default: data dir)")
    run.add_argument("--terminal", default=os.environ.get("TELLER_TERMINAL", "T01"))
    run.add_argument("--pin-verifier", default="",
                     help="customer PIN verifier: builtin, none or module:factory "
                          "(default: $TELLER_PIN_VERIFIER, else builtin)")
    run.set_defaults(func=cmd_run)
    codes = sub.add_parser("codes", help="list the transaction codes")
    codes.add_argument("--json", action="store_true")
    codes.add_argument("--fields", action="store_true")
    codes.add_argument("--markdown", action="store_true")
    codes.set_defaults(func=cmd_codes)
    emulate = sub.add_parser("emulate", help="run the device emulators until Ctrl-C")
    emulate.add_argument("which", choices=["all"])
    emulate.add_argument("--host", default="127.0.0.1")
    emulate.add_argument("--receipt-port", type=int, default=None,
                         help="ESC/POS port (default 9100, ephemeral when taken)")
    emulate.add_argument("--no-pcscd", dest="pcscd", action="store_false",
                         help="do not start pcscd for the virtual card")
    emulate.set_defaults(func=cmd_emulate)
    gui = sub.add_parser("gui", help="open the teller shell (default)")
    gui.add_argument("--url")
    gui.add_argument("--lang", choices=["zh_CN", "en"])
    gui.set_defaults(func=None)  # started by teller/__main__.py, above the Qt layer
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        # The shell lives above this layer; the `teller` command (teller/__main__.py)
        # opens it. Here we only say so, so headless use never needs Qt.
        print("the teller shell is opened by the `teller` command", file=sys.stderr)
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
