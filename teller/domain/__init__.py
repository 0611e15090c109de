"""Pure values and rules: no SQL, no Qt, no I/O, no wall clock.

Modules: ``problems`` (Problem), ``money`` (Money, 大写金额), ``identity``
(resident ID, card, account number, credit code checks), ``calendar``
(business calendar, settlement days, 算头不算尾 day counts), ``interest``
(Rate, 积数, time deposits).  The most used names are re-exported here.
"""

from teller.domain.money import Money, MoneyFormatError, parse_amount, to_chinese_capital
from teller.domain.problems import Problem

__all__ = ["Money", "MoneyFormatError", "Problem", "parse_amount", "to_chinese_capital"]
