"""Cash by denomination (券别) — pure arithmetic on counts.

A count is a mapping {denomination in fen: pieces}. Worked example: a customer
hands over three 100-yuan notes for a 250-yuan deposit and gets one 50-yuan
note back (找零)::

    >>> received, change = {10000: 3}, {5000: 1}
    >>> total(received) - total(change)
    25000
    >>> propose(25000, (10000, 5000, 2000, 1000))
    {10000: 2, 5000: 1}
    >>> propose(25000, (10000, 5000), available={10000: 1, 5000: 2})
    {10000: 1, 5000: 2}
    >>> propose(25000, (10000, 5000), available={10000: 9}) is None
    True
    >>> shortfall({10000: 1}, {10000: 3, 5000: 1})
    {10000: 2, 5000: 1}
    >>> difference({10000: 2, 1000: 3}, {10000: 3})
    ({1000: 3}, {10000: 1})
"""
from __future__ import annotations

from typing import Iterable, Mapping

Counts = Mapping[int, int]


def total(counts: Counts | Iterable[tuple[int, int]]) -> int:
    """The value of a count in fen."""
    items = counts.items() if isinstance(counts, Mapping) else counts
    return sum(int(d) * int(n) for d, n in items)


def clean(counts: Counts | Iterable[tuple[int, int]]) -> dict[int, int]:
    """Sum duplicates and drop zero counts; denominations largest first."""
    items = counts.items() if isinstance(counts, Mapping) else counts
    out: dict[int, int] = {}
    for d, n in items:
        out[int(d)] = out.get(int(d), 0) + int(n)
    return {d: out[d] for d in sorted(out, reverse=True) if out[d]}


def pairs(counts: Counts) -> tuple[tuple[int, int], ...]:
    return tuple(clean(counts).items())


def propose(amount: int, denominations: Iterable[int],
            available: Counts | None = None) -> dict[int, int] | None:
    """配款建议: ``amount`` in the largest pieces first, within ``available`` if
    given; None when it cannot be made up exactly. Greedy with back-off, so a
    box short of a note still pays from smaller ones."""
    denoms = sorted(set(int(d) for d in denominations), reverse=True)

    def go(i: int, rest: int) -> dict[int, int] | None:
        if rest == 0:
            return {}
        if i == len(denoms):
            return None
        d = denoms[i]
        most = rest // d
        if available is not None:
            most = min(most, int(available.get(d, 0)))
        # Trying the few largest counts is enough for RMB's 1-2-5 series.
        for n in range(most, max(most - 3, -1), -1):
            found = go(i + 1, rest - n * d)
            if found is not None:
                return ({d: n} if n else {}) | found
        return None
    return go(0, amount)


def shortfall(held: Counts, wanted: Counts) -> dict[int, int]:
    """What ``wanted`` takes beyond what is ``held``, per denomination."""
    return {d: n - int(held.get(d, 0)) for d, n in clean(wanted).items()
            if n > int(held.get(d, 0))}


def difference(counted: Counts, system: Counts) -> tuple[dict[int, int], dict[int, int]]:
    """(more counted than the system holds, fewer counted) per denomination."""
    keys = sorted(set(counted) | set(system), reverse=True)
    over = {d: int(counted.get(d, 0)) - int(system.get(d, 0)) for d in keys
            if int(counted.get(d, 0)) > int(system.get(d, 0))}
    under = {d: int(system.get(d, 0)) - int(counted.get(d, 0)) for d in keys
             if int(counted.get(d, 0)) < int(system.get(d, 0))}
    return over, under
