"""Reading a PBOC 3.0 / EMV debit application (JR/T 0025, EMV Book 1 & 3).

The protocol only needs something that moves one command APDU to the card and
returns the response (data + SW1 SW2): an :class:`ApduChannel`. Over PC/SC that
is :class:`teller.devices.transports.pcsc.PcscChannel`; in tests it is the
virtual card itself. T=0 behaviour (61xx / 6Cxx) is handled here because
PC/SC passes it through untouched.

Only what a teller needs to identify the account is read: no offline data
authentication and no cryptogram — the core authorises every transaction.
"""
from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from teller.devices.card_reader import tlv
from teller.devices.errors import CardMute, MalformedData, UnsupportedCard

PSE = b"1PAY.SYS.DDF01"   # contact payment system environment
PPSE = b"2PAY.SYS.DDF01"  # contactless (proximity) PSE

AID_DEBIT = bytes.fromhex("A000000333010101")
AID_CREDIT = bytes.fromhex("A000000333010102")
AID_QUASI_CREDIT = bytes.fromhex("A000000333010103")
AID_ECASH = bytes.fromhex("A000000333010106")
# Candidate order when the card has no PSE: a teller terminal opens the debit
# application first because that is the deposit account.
UNIONPAY_AIDS = (AID_DEBIT, AID_QUASI_CREDIT, AID_CREDIT, AID_ECASH)
UNIONPAY_RID = bytes.fromhex("A000000333")

SW_OK = 0x9000
SW_FILE_NOT_FOUND = 0x6A82
SW_RECORD_NOT_FOUND = 0x6A83

_MAX_CHAINED = 32  # more GET RESPONSE rounds than any real card needs


class ApduChannel(Protocol):
    def transmit(self, apdu: bytes) -> bytes:
        """Send one command APDU, return response data + SW1 SW2."""
        ...


@dataclass(frozen=True)
class CardData:
    """What the terminal learned from the card (卡片信息)."""

    pan: str                         # 主账号, digits only
    track2_equivalent: str           # tag 57 as hex digits, 'D' separator, no F padding
    expiry: _dt.date                 # last valid day (5F24 YYMMDD)
    pan_sequence: str | None         # 5F34, two digits ("01")
    cardholder_name: str | None      # 5F20 when personalised
    aid: str                         # hex of the application that was read
    application_label: str           # tag 50, e.g. "PBOC DEBIT"

    @property
    def expiry_yymm(self) -> str:
        return self.expiry.strftime("%y%m")

    @property
    def masked_pan(self) -> str:
        """For screens and logs: 6217 **** **** 1234 style."""
        return self.pan[:6] + "*" * (len(self.pan) - 10) + self.pan[-4:]


@dataclass(frozen=True)
class Response:
    data: bytes
    sw: int

    @property
    def ok(self) -> bool:
        return self.sw == SW_OK


@dataclass(frozen=True)
class Application:
    aid: bytes
    label: str
    priority: int  # 1 is highest; 0 means "no priority given" and sorts last


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def luhn_complete(body: str) -> str:
    """Append the check digit: ``luhn_complete('621700000000000000')``."""
    for check in "0123456789":
        if luhn_valid(body + check):
            return body + check
    raise ValueError(body)


def bcd_date(day: _dt.date) -> bytes:
    return bytes.fromhex(day.strftime("%y%m%d"))


def default_terminal_data(today: _dt.date | None = None, *, contactless: bool = False) -> dict[int, bytes]:
    """Terminal values a card may ask for in its PDOL; a balance-style inquiry."""
    return {
        # TTQ: qPBOC + contact chip supported, online capable, no offline PIN
        0x9F66: bytes.fromhex("36000080" if contactless else "26000000"),
        0x9F02: bytes(6),                      # amount authorised: 0.00
        0x9F03: bytes(6),                      # amount other
        0x9F1A: bytes.fromhex("0156"),         # terminal country: China
        0x5F2A: bytes.fromhex("0156"),         # transaction currency: CNY
        0x9A: bcd_date(today or _dt.date.today()),
        0x9C: b"\x31",                         # transaction type: inquiry
        0x9F37: os.urandom(4),                 # unpredictable number
        0x95: bytes(5),                        # TVR
        0x9F35: b"\x14",                       # attended, online with offline capability
        0x9F33: bytes.fromhex("E0E1C8"),
        0x9F40: bytes.fromhex("6000F0A001"),
        0x9F4E: b"TELLER",
        0x9F7A: b"\x00",                       # e-cash not requested
        0xDF60: b"\x00",
    }


def _sw_text(sw: int) -> str:
    return f"{sw:04X}"


def _unsupported(detail: str) -> UnsupportedCard:
    return UnsupportedCard("不支持的卡片：未找到银联借记卡应用", message_en="Unsupported card: no UnionPay debit application",
                           detail=detail)


def _malformed(detail: str) -> MalformedData:
    return MalformedData("卡片数据格式错误，请重新插卡", message_en="The card returned malformed data; insert it again",
                         detail=detail)


class PbocReader:
    """The PBOC application read as a protocol over an :class:`ApduChannel`."""

    def __init__(self, channel: ApduChannel, *, terminal_data: Mapping[int, bytes] | None = None,
                 contactless: bool = False) -> None:
        self._channel = channel
        self._contactless = contactless
        self._terminal = default_terminal_data(contactless=contactless)
        if terminal_data:
            self._terminal.update(terminal_data)

    # -------------------------------------------------------- APDU level --

    def exchange(self, apdu: bytes) -> Response:
        """Send ``apdu``, following T=0 61xx (GET RESPONSE) and 6Cxx (wrong Le)."""
        raw = self._transmit(apdu)
        data = bytearray()
        for _ in range(_MAX_CHAINED):
            body, sw1, sw2 = raw[:-2], raw[-2], raw[-1]
            if sw1 == 0x6C:
                # Wrong Le: the card tells the exact length; resend with it.
                raw = self._transmit(_with_le(apdu, sw2))
                continue
            data += body
            if sw1 == 0x61:
                raw = self._transmit(bytes([0x00, 0xC0, 0x00, 0x00, sw2]))
                continue
            return Response(bytes(data), (sw1 << 8) | sw2)
        raise _malformed("endless 61xx/6Cxx chain")

    def _transmit(self, apdu: bytes) -> bytes:
        raw = self._channel.transmit(apdu)
        if len(raw) < 2:
            raise CardMute(detail=f"response of {len(raw)} bytes to {apdu[:4].hex()}")
        return bytes(raw)

    def select(self, name: bytes, first: bool = True) -> Response:
        p2 = 0x00 if first else 0x02
        return self.exchange(bytes([0x00, 0xA4, 0x04, p2, len(name)]) + name + b"\x00")

    def read_record(self, sfi: int, record: int) -> Response:
        return self.exchange(bytes([0x00, 0xB2, record, (sfi << 3) | 0x04, 0x00]))

    # -------------------------------------------------------- the flow ----

    def read(self) -> CardData:
        """SELECT PSE → directory → SELECT AID → GPO → READ RECORD per AFL."""
        apps = self.list_applications()
        aid, fci = self.select_application(apps)
        pdol = self._pdol(fci)
        aip, afl = self.get_processing_options(pdol)
        objects = self.read_afl(afl)
        label_obj = tlv.find(fci, 0x50)
        label = label_obj.value.decode("ascii", "replace").strip() if label_obj else ""
        if not label:
            label = next((a.label for a in apps if a.aid == aid), "")
        return build_card_data(objects, aid=aid, label=label)

    def list_applications(self) -> list[Application]:
        """Applications from the PSE/PPSE directory; empty when the card has none."""
        resp = self.select(PPSE if self._contactless else PSE)
        if not resp.ok:
            return []
        fci = tlv.parse(resp.data)
        apps: list[Application] = []
        bf0c = tlv.find(fci, 0xBF0C)
        if bf0c is not None:  # PPSE carries its directory inline
            apps += _apps_from(bf0c.children)
        sfi_obj = tlv.find(fci, 0x88)
        if sfi_obj is not None:
            if len(sfi_obj.value) != 1 or not 1 <= sfi_obj.value[0] <= 30:
                raise _malformed(f"PSE SFI {sfi_obj.value.hex()}")
            sfi = sfi_obj.value[0]
            for record in range(1, 255):
                rec = self.read_record(sfi, record)
                if rec.sw == SW_RECORD_NOT_FOUND:
                    break
                if not rec.ok:
                    break
                objs = tlv.parse(rec.data)
                if not objs or objs[0].tag != 0x70:
                    raise _malformed(f"PSE record {record} is not a 70 template")
                apps += _apps_from(objs[0].children)
        return apps

    def select_application(self, apps: list[Application]) -> tuple[bytes, tuple[tlv.Tlv, ...]]:
        listed = [a for a in apps if a.aid.startswith(UNIONPAY_RID)]
        if apps and not listed:
            raise _unsupported("PSE lists " + ",".join(a.aid.hex().upper() for a in apps))
        if listed:
            listed.sort(key=lambda a: (a.aid != AID_DEBIT, a.priority or 16))
            candidates = [a.aid for a in listed]
        else:
            candidates = list(UNIONPAY_AIDS)
        for aid in candidates:
            resp = self.select(aid)
            if resp.ok:
                fci = tlv.parse(resp.data)
                if not fci or fci[0].tag != 0x6F:
                    raise _malformed("application FCI is not a 6F template")
                return aid, fci
        raise _unsupported("no UnionPay AID answered SELECT")

    @staticmethod
    def _pdol(fci: tuple[tlv.Tlv, ...]) -> tuple[tlv.DolEntry, ...]:
        obj = tlv.find(fci, 0x9F38)
        return tlv.parse_dol(obj.value) if obj is not None else ()

    def get_processing_options(self, pdol: tuple[tlv.DolEntry, ...]) -> tuple[bytes, bytes]:
        """GPO with the PDOL filled; returns (AIP, AFL)."""
        data = tlv.encode(0x83, tlv.fill_dol(pdol, self._terminal))
        resp = self.exchange(bytes([0x80, 0xA8, 0x00, 0x00, len(data)]) + data + b"\x00")
        if resp.sw == 0x6985:
            raise UnsupportedCard("卡片拒绝处理（条件不满足），请换卡或改用接触式读卡",
                                  message_en="The card refused processing; try another card or the contact slot",
                                  detail="GPO 6985")
        if not resp.ok:
            raise _malformed(f"GPO SW {_sw_text(resp.sw)}")
        objs = tlv.parse(resp.data)
        if not objs:
            raise _malformed("empty GPO response")
        if objs[0].tag == 0x80:  # format 1: AIP(2) || AFL
            body = objs[0].value
            if len(body) < 2:
                raise _malformed("GPO format 1 too short")
            aip, afl = body[:2], body[2:]
        elif objs[0].tag == 0x77:
            aip_obj, afl_obj = tlv.find(objs, 0x82), tlv.find(objs, 0x94)
            if aip_obj is None or afl_obj is None:
                raise _malformed("GPO format 2 without 82/94")
            aip, afl = aip_obj.value, afl_obj.value
        else:
            raise _malformed(f"GPO template {objs[0].tag:X}")
        return aip, afl

    def read_afl(self, afl: bytes) -> dict[int, bytes]:
        """READ RECORD every record the AFL names; first occurrence of a tag wins."""
        if len(afl) % 4:
            raise _malformed(f"AFL length {len(afl)}")
        objects: dict[int, bytes] = {}
        for i in range(0, len(afl), 4):
            sfi, first, last = afl[i] >> 3, afl[i + 1], afl[i + 2]
            if not 1 <= sfi <= 30 or first == 0 or last < first:
                raise _malformed(f"AFL entry {afl[i:i + 4].hex()}")
            for record in range(first, last + 1):
                resp = self.read_record(sfi, record)
                if not resp.ok:
                    raise _malformed(f"READ RECORD {sfi}/{record} SW {_sw_text(resp.sw)}")
                objs = tlv.parse(resp.data)
                if len(objs) != 1 or objs[0].tag != 0x70:
                    raise _malformed(f"record {sfi}/{record} is not a 70 template")
                for obj in tlv.flatten(objs[0].children):
                    objects.setdefault(obj.tag, obj.value)
        return objects


def _apps_from(entries: tuple[tlv.Tlv, ...]) -> list[Application]:
    apps = []
    for entry in entries:
        if entry.tag != 0x61:
            continue
        aid = entry.find(0x4F)
        if aid is None or not 5 <= len(aid.value) <= 16:
            raise _malformed("directory entry without a valid 4F")
        label = entry.find(0x50)
        prio = entry.find(0x87)
        apps.append(Application(
            aid.value,
            label.value.decode("ascii", "replace").strip() if label else "",
            (prio.value[0] & 0x0F) if prio and prio.value else 0,
        ))
    return apps


def _with_le(apdu: bytes, le: int) -> bytes:
    """``apdu`` with its Le replaced (or added) — used after a 6Cxx."""
    if len(apdu) == 4:
        return apdu + bytes([le])
    if len(apdu) == 5:
        return apdu[:4] + bytes([le])
    lc = apdu[4]
    return apdu[:5 + lc] + bytes([le])


def _digits(value: bytes) -> str:
    return value.hex().upper().rstrip("F")


def build_card_data(objects: Mapping[int, bytes], *, aid: bytes, label: str) -> CardData:
    """Assemble :class:`CardData` from the record objects; validates what a teller relies on."""
    track2 = _digits(objects[0x57]) if 0x57 in objects else ""
    if track2 and (track2.count("D") != 1 or not track2.replace("D", "").isdigit()):
        raise _malformed("track 2 equivalent is not digits with one separator")
    if 0x5A in objects:
        pan = _digits(objects[0x5A])
    elif track2:
        pan = track2.split("D", 1)[0]
    else:
        raise _malformed("card has neither 5A nor 57")
    # A PAN that fails Luhn is a misread, and posting to it would hit the wrong
    # account, so it is refused rather than shown.
    if not 12 <= len(pan) <= 19 or not luhn_valid(pan):
        raise _malformed(f"PAN of {len(pan)} digits fails the Luhn check")
    if track2 and not track2.startswith(pan + "D"):
        raise _malformed("PAN in 5A and 57 differ")

    expiry = _expiry(objects.get(0x5F24), track2)
    seq = objects.get(0x5F34)
    pan_sequence = seq.hex()[-2:] if seq else None
    name_raw = objects.get(0x5F20)
    name = name_raw.decode("ascii", "replace").strip() if name_raw else ""
    return CardData(
        pan=pan,
        track2_equivalent=track2,
        expiry=expiry,
        pan_sequence=pan_sequence,
        cardholder_name=name or None,
        aid=aid.hex().upper(),
        application_label=label,
    )


def _expiry(raw: bytes | None, track2: str) -> _dt.date:
    try:
        if raw is not None:
            if len(raw) != 3:
                raise ValueError(raw.hex())
            text = raw.hex()
            return _dt.date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]))
        if track2:
            yymm = track2.split("D", 1)[1][:4]
            year, month = 2000 + int(yymm[:2]), int(yymm[2:])
            nxt = _dt.date(year + month // 12, month % 12 + 1, 1)
            return nxt - _dt.timedelta(days=1)
    except (ValueError, IndexError) as exc:
        raise _malformed(f"expiry date: {exc}") from None
    raise _malformed("card has no expiry date")
