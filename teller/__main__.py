"""The ``teller`` console script: the shell by default, otherwise the CLI.

This module sits above every layer (it is the program's entry point): it parses
the command line with :mod:`teller.cli` and opens the Qt shell
(:mod:`teller.app`) for ``teller`` and ``teller gui``, so the CLI itself never
imports Qt and keeps working on a headless server.
"""
from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    from teller import cli
    args = cli.build_parser().parse_args(argv)
    if getattr(args, "func", None) is not None:
        return args.func(args)
    from teller import app
    return app.main(url=getattr(args, "url", None) or os.environ.get("TELLER_CORE_URL"),
                    language=getattr(args, "lang", None))


if __name__ == "__main__":
    sys.exit(main())
