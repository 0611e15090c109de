"""The ``teller`` command.

    teller db upgrade [--url URL]     bring the core schema to the newest revision
    teller db set-password --url URL  keep the core password in the system keyring
    teller demo [--url URL]           create the demo branch, users and accounts
    teller check [--url URL]          verify the books and the journal chain (exit 1 on failure)

Without ``--url`` the core is the embedded SQLite file under the user's data
directory; ``TELLER_CORE_URL`` overrides that default.
"""
from __future__ import annotations

import argparse
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
    from teller.core.db import make_engine
    from teller.core.demo import DEMO_PASSWORD, create_demo
    url = _url(args)
    schema.upgrade(url)
    engine = make_engine(url)
    try:
        summary = create_demo(engine)
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
    from teller.core.db import make_engine
    from teller.core.integrity import check_books
    engine = make_engine(_url(args))
    try:
        report = check_books(engine)
    finally:
        engine.dispose()
    print(report.summary())
    return 0 if report.ok else 1


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
    demo.set_defaults(func=cmd_demo)
    check = sub.add_parser("check", help="verify books and journal")
    check.add_argument("--url")
    check.set_defaults(func=cmd_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
