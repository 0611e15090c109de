"""Passbook printer device profile: geometry and status letters, loaded from JSON.

API::

    profile = load_profile("passbook_pr2")            # resources/profiles/passbook_pr2.json
    profile = load_profile("/etc/teller/my_pr2.json")  # or any path
    profile.absolute_line(line_no)   # in-page line (1-based) -> printer line (ESC L nnn)
    profile.line_of(absolute)        # inverse; None for the header area / fold gap
    profile.status_name(letter)      # "0" -> "no_media", unknown -> None
    profile.column(name)             # Column(name, start, width)

Geometry of one page, as the book lies open in the printer: ``first_line - 1``
header lines the printer must skip, then ``upper_half_lines`` printable lines,
then ``fold_gap`` lines over the spine, then the rest of ``lines_per_page``.
Every page of a book lies the same way, so geometry does not depend on the page
number; the page number matters only for page detection and for prompts.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROFILE_DIR = Path(__file__).resolve().parents[3] / "resources" / "profiles"

STATUS_NAMES = frozenset({"no_media", "media_present", "jammed", "cover_open", "offline",
                          "stripe_error", "busy"})


@dataclass(frozen=True)
class Column:
    name: str
    start: int  # 1-based character cell
    width: int  # in half-width cells; a Chinese character takes two


@dataclass(frozen=True)
class PassbookProfile:
    name: str
    status_letters: tuple[tuple[str, str], ...]
    lines_per_page: int = 24
    upper_half_lines: int = 12
    first_line: int = 6
    fold_gap: int = 4
    line_width: int = 90
    columns: tuple[Column, ...] = ()
    baudrate: int = 9600
    encoding: str = "gb18030"
    page_detect: bool = False
    stripe_separator: str = "="
    stripe_max_length: int = 69
    line_timeout: float = 5.0
    reply_timeout: float = 3.0
    media_timeout: float = 60.0
    poll_interval: float = 0.2

    def __post_init__(self) -> None:
        if not 0 < self.upper_half_lines <= self.lines_per_page:
            raise ValueError("upper_half_lines must be within lines_per_page")
        if self.first_line < 1 or self.fold_gap < 0:
            raise ValueError("first_line must be >= 1 and fold_gap >= 0")
        if self.absolute_line(self.lines_per_page) > 999:
            raise ValueError("ESC L takes 3 digits; the page is too long")
        unknown = {n for _, n in self.status_letters} - STATUS_NAMES
        if unknown:
            raise ValueError(f"unknown status names {sorted(unknown)}")

    def absolute_line(self, line_no: int) -> int:
        if not 1 <= line_no <= self.lines_per_page:
            raise ValueError(f"line {line_no} is outside 1..{self.lines_per_page}")
        gap = self.fold_gap if line_no > self.upper_half_lines else 0
        return self.first_line + line_no - 1 + gap

    def line_of(self, absolute: int) -> int | None:
        n = absolute - self.first_line + 1
        if n > self.upper_half_lines:
            if n <= self.upper_half_lines + self.fold_gap:
                return None
            n -= self.fold_gap
        return n if 1 <= n <= self.lines_per_page else None

    def status_name(self, letter: str) -> str | None:
        for key, name in self.status_letters:
            if key == letter:
                return name
        return None

    def status_letter(self, name: str) -> str:
        for key, n in self.status_letters:
            if n == name:
                return key
        raise KeyError(name)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def profile_from_dict(data: dict[str, Any]) -> PassbookProfile:
    fields = {k: v for k, v in data.items() if k in PassbookProfile.__dataclass_fields__}
    fields["status_letters"] = tuple(sorted((str(k), str(v))
                                            for k, v in data["status_letters"].items()))
    fields["columns"] = tuple(Column(str(c["name"]), int(c["start"]), int(c["width"]))
                              for c in data.get("columns", ()))
    return PassbookProfile(**fields)


def load_profile(name_or_path: str | Path = "passbook_pr2") -> PassbookProfile:
    p = Path(name_or_path)
    if p.suffix != ".json" and not p.is_absolute():
        p = PROFILE_DIR / f"{name_or_path}.json"
    with open(p, encoding="utf-8") as f:
        return profile_from_dict(json.load(f))
