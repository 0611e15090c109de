"""Electronic voucher archive (电子凭证库): one PDF per posted step on disk.

    archive = VoucherArchive(data_dir / "vouchers")
    path = archive.store(voucher)          # <root>/2026-11-23/20261123T001000001.pdf
    archive.find("20261123T001000001")     # that path, or None

Files are written to a temporary name and renamed, so a crash never leaves a
half-written voucher under the real name; storing the same voucher twice is a
no-op (a resumed run or a re-opened voucher must not fork the record). The core
keeps the facts — a voucher missing here (another terminal posted it) is
rebuilt from them by ``Session.voucher_pdf``.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from teller.printing.voucher_pdf import render_voucher

_NUMBER = re.compile(r"^[0-9A-Za-z]{1,40}$")


class VoucherArchive:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path_for(self, voucher: Any) -> Path:
        number = voucher.journal_number
        if not _NUMBER.match(number):
            # A journal number is digits and the teller code; anything else must
            # never become part of a path.
            raise ValueError(f"not a journal number: {number!r}")
        return self.root / f"{voucher.business_date:%Y-%m-%d}" / f"{number}.pdf"

    def store(self, voucher: Any) -> Path:
        path = self.path_for(voucher)
        if path.exists():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(render_voucher(voucher))
        os.replace(tmp, path)
        return path

    def find(self, journal_number: str) -> Path | None:
        if not _NUMBER.match(journal_number or "") or not self.root.is_dir():
            return None
        # The business date leads the journal number; look there first.
        day = journal_number[:8]
        if day.isdigit():
            guess = self.root / f"{day[:4]}-{day[4:6]}-{day[6:]}" / f"{journal_number}.pdf"
            if guess.exists():
                return guess
        for path in self.root.glob(f"*/{journal_number}.pdf"):
            return path
        return None
