"""Passbook printer with magnetic stripe (PR2-style). See driver.py for the API."""
from teller.devices.passbook.driver import (PassbookLine, PassbookPrinter, StripeData,
                                            columns_line)
from teller.devices.passbook.profile import Column, PassbookProfile, load_profile

__all__ = ["PassbookPrinter", "PassbookLine", "StripeData", "columns_line", "PassbookProfile",
           "Column", "load_profile"]
