"""IC card reader (IC卡读卡器): PBOC 3.0 debit application read over PC/SC."""
from __future__ import annotations

from teller.devices.card_reader.pboc import ApduChannel, CardData, PbocReader
from teller.devices.card_reader.reader import CardMonitor, PcscCardReader

__all__ = ["ApduChannel", "CardData", "CardMonitor", "PbocReader", "PcscCardReader"]
