"""Receipt printer (凭条打印机): ESC/POS over python-escpos connections."""
from teller.devices.receipt.printer import ReceiptPrinter, encode_lines, make_escpos_printer

__all__ = ["ReceiptPrinter", "encode_lines", "make_escpos_printer"]
