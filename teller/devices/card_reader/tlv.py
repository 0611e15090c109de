"""BER-TLV as used by EMV / PBOC 3.0 (JR/T 0025), and Data Object Lists (DOL).

Tags are kept as integers of their raw bytes (``0x9F38``), which is how the
specifications print them and how callers look them up.

>>> [t.tag for t in parse(bytes.fromhex("6F0484023132"))]
[111]
>>> parse_dol(bytes.fromhex("9F6604 9F0206"))
(DolEntry(tag=40806, length=4), DolEntry(tag=40706, length=6))
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from teller.devices.errors import MalformedData

# EMV allows 00 (and on some cards FF) between data objects in records; they
# are padding, not tags.
_PADDING = (0x00, 0xFF)


@dataclass(frozen=True)
class Tlv:
    tag: int
    value: bytes
    children: tuple[Tlv, ...] = ()

    @property
    def constructed(self) -> bool:
        return is_constructed(self.tag)

    def find(self, tag: int) -> Tlv | None:
        """First descendant (depth-first, self excluded) with ``tag``."""
        return find(self.children, tag)


def is_constructed(tag: int) -> bool:
    first = tag
    while first > 0xFF:
        first >>= 8
    return bool(first & 0x20)


def _malformed(detail: str) -> MalformedData:
    return MalformedData("卡片数据格式错误，请重新插卡", message_en="The card returned malformed data; insert it again",
                         detail=detail)


def _read_tag(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise _malformed(f"tag truncated at {pos}")
    first = data[pos]
    tag = first
    pos += 1
    if first & 0x1F == 0x1F:
        while True:
            if pos >= len(data):
                raise _malformed("multi-byte tag truncated")
            b = data[pos]
            tag = (tag << 8) | b
            pos += 1
            if not b & 0x80:
                break
            if tag > 0xFFFFFFFF:
                raise _malformed("tag longer than 4 bytes")
    return tag, pos


def _read_length(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise _malformed("length missing")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    count = first & 0x7F
    # 0x80 is BER's indefinite form, which EMV forbids; more than 4 length
    # bytes cannot describe anything a card can hold.
    if count == 0 or count > 4:
        raise _malformed(f"bad length byte {first:02X}")
    if pos + count > len(data):
        raise _malformed("length bytes truncated")
    return int.from_bytes(data[pos:pos + count], "big"), pos + count


def _iter_parse(data: bytes, depth: int) -> Iterator[Tlv]:
    if depth > 16:
        raise _malformed("templates nested too deep")
    pos = 0
    while pos < len(data):
        if data[pos] in _PADDING:
            pos += 1
            continue
        tag, pos = _read_tag(data, pos)
        length, pos = _read_length(data, pos)
        end = pos + length
        if end > len(data):
            raise _malformed(f"tag {tag:X} needs {length} bytes, {len(data) - pos} left")
        value = bytes(data[pos:end])
        children = tuple(_iter_parse(value, depth + 1)) if is_constructed(tag) else ()
        yield Tlv(tag, value, children)
        pos = end


def parse(data: bytes) -> tuple[Tlv, ...]:
    """Parse a sequence of BER-TLV objects; constructed ones are parsed recursively.

    Raises :class:`MalformedData` on truncated or invalid encodings.
    """
    return tuple(_iter_parse(bytes(data), 0))


def find(objects: Iterable[Tlv], tag: int) -> Tlv | None:
    for obj in objects:
        if obj.tag == tag:
            return obj
        hit = find(obj.children, tag)
        if hit is not None:
            return hit
    return None


def flatten(objects: Iterable[Tlv]) -> Iterator[Tlv]:
    """Every object, depth-first, templates and their contents alike."""
    for obj in objects:
        yield obj
        yield from flatten(obj.children)


def encode_tag(tag: int) -> bytes:
    return tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")


def encode_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def encode(tag: int, value: bytes | Iterable[bytes]) -> bytes:
    """Encode one object; ``value`` may be a list of already encoded children."""
    body = value if isinstance(value, (bytes, bytearray)) else b"".join(value)
    return encode_tag(tag) + encode_length(len(body)) + bytes(body)


# ---------------------------------------------------------------- DOL ----

@dataclass(frozen=True)
class DolEntry:
    tag: int
    length: int


def parse_dol(data: bytes) -> tuple[DolEntry, ...]:
    """A DOL (PDOL 9F38, CDOL1 8C …) is tag + length pairs with no values."""
    entries = []
    pos = 0
    data = bytes(data)
    while pos < len(data):
        tag, pos = _read_tag(data, pos)
        length, pos = _read_length(data, pos)
        entries.append(DolEntry(tag, length))
    return tuple(entries)


# Format 'n' (numeric BCD) objects are right-aligned with leading zeros when
# fitted to a DOL length (EMV Book 3 §5.4); everything else is left-aligned.
NUMERIC_TAGS = frozenset({0x9F02, 0x9F03, 0x9F1A, 0x5F2A, 0x9A, 0x9C, 0x9F21, 0x5F36,
                          0x9F41, 0x9F15, 0x9F3C})


def fit(tag: int, value: bytes, length: int) -> bytes:
    if len(value) == length:
        return value
    if tag in NUMERIC_TAGS:
        if len(value) > length:
            return value[-length:]
        return bytes(length - len(value)) + value
    if len(value) > length:
        return value[:length]
    return value + bytes(length - len(value))


def fill_dol(dol: Iterable[DolEntry], values: Mapping[int, bytes]) -> bytes:
    """Concatenate the values the card asked for; unknown tags are zero-filled."""
    out = bytearray()
    for entry in dol:
        out += fit(entry.tag, values.get(entry.tag, b""), entry.length)
    return bytes(out)
