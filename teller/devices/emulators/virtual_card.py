"""The shipped virtual PBOC debit card, and a client that plugs it into vpcd.

``VirtualPbocCard`` answers APDUs the way a personalised UnionPay debit card
does (PSE, application FCI with a PDOL, GPO format 2, records split over two
SFIs). ``VpcdCardClient`` connects it to the vsmartcard ``vpcd`` driver inside
pcscd, so the real PC/SC stack — and the real driver — see a card inserted.

vpcd wire format, both directions: 2-byte big-endian length, then payload.
From vpcd, a 1-byte payload is a control code (00 off, 01 on, 02 reset,
04 "send your ATR"); anything longer is a command APDU, answered with the
response APDU. Connecting is "insert", disconnecting is "remove".

Try it by hand (pcscd running with vsmartcard-vpcd installed)::

    python -m teller.devices.emulators.virtual_card --pan 6217000000000000004 --name "ZHANG/SAN" --t0
"""
from __future__ import annotations

import argparse
import logging
import socket
import struct
import threading
import time
from collections.abc import Mapping

from teller.devices.card_reader import tlv
from teller.devices.card_reader.pboc import AID_DEBIT, PPSE, PSE, luhn_complete, luhn_valid

log = logging.getLogger(__name__)

VPCD_PORT = 35963
# pcscd polls vpcd about every 0.4 s and powers an idle slot down shortly after
# a removal; a card re-seated inside that window gets the power-down meant for
# the old one and pcscd then reports the slot empty. No hand swaps cards that
# fast, so insert() waits this long after the previous removal on the port.
REINSERT_SETTLE_S = 1.0
_last_removed: dict[tuple[str, int], float] = {}
_settle_lock = threading.Lock()
CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0x00, 0x01, 0x02, 0x04


def _atr(t1: bool) -> bytes:
    historical = b"PBOC3.0DBT"
    if not t1:
        # TS, T0 = TB1+TC1 present with K historical bytes, TB1=00 (no Vpp),
        # TC1=00 (no extra guard time). T=0 only, so no TCK (ISO 7816-3 §8.2.5).
        return bytes([0x3B, 0x60 | len(historical), 0x00, 0x00]) + historical
    # T0 says TD1 follows; TD1 offers T=1, which makes TCK mandatory.
    body = bytes([0x80 | len(historical), 0x01]) + historical
    tck = 0
    for b in body:
        tck ^= b
    return bytes([0x3B]) + body + bytes([tck])


ATR_T0 = _atr(False)
ATR_T1 = _atr(True)


def _bcd(digits: str) -> bytes:
    if len(digits) % 2:
        digits += "F"
    return bytes.fromhex(digits)


class VirtualPbocCard:
    """A personalised PBOC 3.0 debit card, answering APDUs in-process.

    ``transmit`` makes it an :class:`~teller.devices.card_reader.pboc.ApduChannel`
    so the reading protocol can be tested without any reader at all.
    ``record_overrides`` replaces the raw bytes of records ``{(sfi, rec): bytes}``
    to model badly personalised cards.
    """

    def __init__(self, pan: str, name: str = "", expiry: str = "2912", pan_sequence: str = "01",
                 protocol: str = "T=1", mute: bool = False, with_pse: bool = True, *,
                 aid: str = AID_DEBIT.hex().upper(), label: str = "PBOC DEBIT",
                 record_overrides: Mapping[tuple[int, int], bytes] | None = None) -> None:
        if not luhn_valid(pan):
            raise ValueError(f"PAN {pan} fails the Luhn check")
        if protocol not in ("T=0", "T=1"):
            raise ValueError(protocol)
        if len(expiry) != 4 or not expiry.isdigit():
            raise ValueError("expiry is YYMM")
        self.pan = pan
        self.name = name
        self.expiry = expiry
        self.pan_sequence = pan_sequence
        self.protocol = protocol
        self.mute = mute
        self.with_pse = with_pse
        self.aid = bytes.fromhex(aid)
        self.label = label
        self.atr = ATR_T0 if protocol == "T=0" else ATR_T1
        self._files = self._personalise()
        self._files.update(record_overrides or {})
        self.apdu_log: list[bytes] = []
        self.reset()

    # ------------------------------------------------------ personalisation --

    def _personalise(self) -> dict[tuple[int, int], bytes]:
        enc = tlv.encode
        yymm = self.expiry
        self._pse_fci = enc(0x6F, [enc(0x84, PSE), enc(0xA5, [enc(0x88, b"\x01"), enc(0x5F2D, b"zhen")])])
        entry = enc(0x61, [enc(0x4F, self.aid), enc(0x50, self.label.encode()), enc(0x87, b"\x01")])
        self._ppse_fci = enc(0x6F, [enc(0x84, PPSE), enc(0xA5, [enc(0xBF0C, entry)])])
        self._pdol = bytes.fromhex("9F6604" "9F0206" "9F3704" "5F2A02")
        self._aid_fci = enc(0x6F, [
            enc(0x84, self.aid),
            enc(0xA5, [enc(0x50, self.label.encode()), enc(0x87, b"\x01"), enc(0x9F38, self._pdol),
                       enc(0x5F2D, b"zhen"), enc(0x9F11, b"\x01"),
                       enc(0xBF0C, enc(0x9F4D, b"\x0B\x0A"))]),
        ])
        # AFL: SFI 1 record 1 (track 2, name); SFI 2 records 1-2 (PAN, dates, CVM),
        # one record of SFI 2 taking part in offline data authentication.
        self._afl = bytes.fromhex("08010100" "10010201")
        self._aip = bytes.fromhex("7C00")
        track2 = f"{self.pan}D{yymm}2201000000000000"
        sfi1 = [enc(0x57, _bcd(track2)), enc(0x9F1F, b"0000000000")]
        if self.name:
            sfi1.insert(1, enc(0x5F20, self.name.encode("ascii")))
        # The PSE directory lives in the PSE's own SFI namespace, reached after SELECT PSE.
        self._pse_records = {(1, 1): enc(0x70, entry)}
        return {
            (1, 1): enc(0x70, sfi1),
            (2, 1): enc(0x70, [
                enc(0x5A, _bcd(self.pan)),
                enc(0x5F24, bytes.fromhex(yymm + _last_day(yymm))),
                enc(0x5F25, bytes.fromhex("190101")),
                enc(0x5F34, bytes.fromhex(self.pan_sequence)),
                enc(0x9F07, b"\xFF\x00"),
                enc(0x8C, bytes.fromhex("9F02069F03069F1A0295055F2A029A039C019F3704")),
                enc(0x8D, bytes.fromhex("8A029F02069F03069F1A0295055F2A029A039C019F3704")),
            ]),
            (2, 2): enc(0x70, [
                enc(0x8E, bytes.fromhex("000000000000000042031E031F00")),
                enc(0x5F28, b"\x01\x56"), enc(0x9F0D, bytes(5)), enc(0x9F0E, bytes(5)),
                enc(0x9F0F, bytes(5)),
            ]),
        }

    # ------------------------------------------------------------ card OS --

    def reset(self) -> None:
        """Power-on/reset: nothing selected, nothing pending."""
        self._selected: str | None = None
        self._pending = b""

    def transmit(self, apdu: bytes) -> bytes:
        self.apdu_log.append(bytes(apdu))
        if self.mute:
            return b""
        return self.process(apdu)

    def process(self, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return b"\x67\x00"
        cla, ins, p1, p2 = apdu[:4]
        data, le = _split(apdu)
        if data is None:
            return b"\x67\x00"
        if ins == 0xC0 and cla == 0x00:
            return self._get_response(le)
        self._pending = b""
        if cla not in (0x00, 0x80):
            return b"\x6E\x00"
        if ins == 0xA4 and cla == 0x00:
            return self._select(p1, p2, data)
        if ins == 0xB2 and cla == 0x00:
            return self._read_record(p1, p2, le)
        if ins == 0xA8 and cla == 0x80:
            return self._gpo(p1, p2, data)
        return b"\x6D\x00"

    def _reply(self, body: bytes, case4: bool, le: int | None) -> bytes:
        if self.protocol == "T=0":
            if case4:
                # T=0 cannot return data to a command that carried data: the
                # terminal must fetch it with GET RESPONSE.
                self._pending = body
                return bytes([0x61, len(body) & 0xFF])
            want = 256 if le in (None, 0) else le
            if want != len(body):
                return bytes([0x6C, len(body) & 0xFF])
        return body + b"\x90\x00"

    def _get_response(self, le: int | None) -> bytes:
        if not self._pending or self.protocol != "T=0":
            return b"\x69\x85"
        want = 256 if le in (None, 0) else le
        if want > len(self._pending):
            return bytes([0x6C, len(self._pending) & 0xFF])
        out, self._pending = self._pending[:want], self._pending[want:]
        if self._pending:
            return out + bytes([0x61, len(self._pending) & 0xFF])
        return out + b"\x90\x00"

    def _select(self, p1: int, p2: int, name: bytes) -> bytes:
        if p1 != 0x04 or p2 not in (0x00, 0x02):
            return b"\x6A\x86"
        if name == PSE and self.with_pse:
            self._selected = "pse"
            return self._reply(self._pse_fci, True, None)
        if name == PPSE and self.with_pse:
            self._selected = "ppse"
            return self._reply(self._ppse_fci, True, None)
        if name and self.aid.startswith(name) and p2 == 0x00:
            self._selected = "app"
            return self._reply(self._aid_fci, True, None)
        self._selected = None
        return b"\x6A\x82"

    def _read_record(self, p1: int, p2: int, le: int | None) -> bytes:
        if p1 == 0 or p2 & 0x07 != 0x04:
            return b"\x6A\x86"
        sfi = p2 >> 3
        if self._selected == "pse":
            record = self._pse_records.get((sfi, p1))
        elif self._selected == "app":
            record = self._files.get((sfi, p1))
        else:
            return b"\x69\x85"
        if record is None:
            return b"\x6A\x83"
        return self._reply(record, False, le)

    def _gpo(self, p1: int, p2: int, data: bytes) -> bytes:
        if p1 or p2:
            return b"\x6A\x86"
        if self._selected != "app":
            return b"\x69\x85"
        pdol_len = sum(e.length for e in tlv.parse_dol(self._pdol))
        if data[:1] != b"\x83" or len(data) != 2 + pdol_len or data[1] != pdol_len:
            return b"\x67\x00"
        body = tlv.encode(0x77, [tlv.encode(0x82, self._aip), tlv.encode(0x94, self._afl)])
        return self._reply(body, True, None)


def _split(apdu: bytes) -> tuple[bytes | None, int | None]:
    """(command data, Le) of a short APDU; data None when the lengths disagree."""
    body = apdu[4:]
    if not body:
        return b"", None
    if len(body) == 1:
        return b"", body[0]
    lc = body[0]
    if len(body) == 1 + lc:
        return body[1:], None
    if len(body) == 2 + lc:
        return body[1:1 + lc], body[-1]
    return None, None


def _last_day(yymm: str) -> str:
    year, month = 2000 + int(yymm[:2]), int(yymm[2:])
    if month == 2:
        return "29" if year % 4 == 0 and (year % 100 or year % 400 == 0) else "28"
    return "30" if month in (4, 6, 9, 11) else "31"


class VpcdCardClient:
    """Serves a :class:`VirtualPbocCard` to pcscd's vpcd driver from a background thread.

    ``remove_after`` pulls the card out instead of answering APDU number
    ``remove_after + 1`` (the reader sees the card vanish mid-read).
    """

    def __init__(self, card: VirtualPbocCard, host: str = "127.0.0.1", port: int = VPCD_PORT, *,
                 remove_after: int | None = None) -> None:
        self.card = card
        self.host = host
        self.port = port
        self.remove_after = remove_after
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.apdus_answered = 0

    @property
    def inserted(self) -> bool:
        return self._sock is not None

    def insert(self, timeout: float = 5.0) -> None:
        """Connect to vpcd, which pcscd reports as a card insertion."""
        with self._lock:
            if self._sock is not None:
                return
            with _settle_lock:
                since = _last_removed.get((self.host, self.port))
            if since is not None:
                time.sleep(max(0.0, since + REINSERT_SETTLE_S - time.monotonic()))
            deadline = time.monotonic() + timeout
            while True:
                try:
                    sock = socket.create_connection((self.host, self.port), timeout=1.0)
                    break
                except OSError as exc:
                    # pcscd may still be bringing the vpcd listener up.
                    if time.monotonic() >= deadline:
                        raise ConnectionError(f"vpcd not reachable on {self.host}:{self.port}: {exc}") from exc
                    time.sleep(0.1)
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sock = sock
            self.apdus_answered = 0
            self.card.reset()
            self._thread = threading.Thread(target=self._serve, args=(sock,), name="vpcd-card", daemon=True)
            self._thread.start()

    def remove(self) -> None:
        """Disconnect: pcscd reports the card removed."""
        with self._lock:
            sock, thread = self._sock, self._thread
            self._sock = self._thread = None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
            with _settle_lock:
                _last_removed[(self.host, self.port)] = time.monotonic()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2.0)

    def replace_card(self, card: VirtualPbocCard) -> None:
        was_inserted = self.inserted
        self.remove()
        self.card = card
        if was_inserted:
            self.insert()

    def close(self) -> None:
        self.remove()

    def __enter__(self) -> VpcdCardClient:
        self.insert()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -------------------------------------------------------------- wire --

    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                header = _recv_exact(sock, 2)
                if header is None:
                    return
                (size,) = struct.unpack(">H", header)
                payload = _recv_exact(sock, size) if size else b""
                if payload is None:
                    return
                if size == 1:
                    self._control(sock, payload[0])
                    continue
                if self.card.mute:
                    continue  # powered and present, never answers: the reader must time out
                if self.remove_after is not None and self.apdus_answered >= self.remove_after:
                    log.info("virtual card pulled out after %d APDUs", self.apdus_answered)
                    threading.Thread(target=self.remove, daemon=True).start()
                    return
                rapdu = self.card.transmit(payload)
                self.apdus_answered += 1
                sock.sendall(struct.pack(">H", len(rapdu)) + rapdu)
        except OSError:
            return  # removed while talking: that is what a real pull-out looks like

    def _control(self, sock: socket.socket, code: int) -> None:
        if code in (CTRL_ON, CTRL_RESET):
            self.card.reset()
        elif code == CTRL_ATR:
            sock.sendall(struct.pack(">H", len(self.card.atr)) + self.card.atr)


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < size:
        chunk = sock.recv(size - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m teller.devices.emulators.virtual_card",
                                     description="Insert a virtual PBOC debit card into pcscd's vpcd reader.")
    parser.add_argument("--pan", default="6217000000000000004", help="Luhn-valid PAN (62… for UnionPay)")
    parser.add_argument("--name", default="", help='cardholder name as embossed, e.g. "ZHANG/SAN"')
    parser.add_argument("--expiry", default="2912", help="YYMM")
    parser.add_argument("--seq", default="01", help="PAN sequence number")
    parser.add_argument("--t0", action="store_true", help="speak T=0 (61xx/6Cxx) instead of T=1")
    parser.add_argument("--mute", action="store_true", help="present but never answer APDUs")
    parser.add_argument("--no-pse", action="store_true", help="card without 1PAY.SYS.DDF01")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=VPCD_PORT, help="35963 = 'Virtual PCD 00 00'")
    parser.add_argument("--seconds", type=float, default=0, help="remove after this long (0 = until Ctrl-C)")
    args = parser.parse_args(argv)
    try:
        card = VirtualPbocCard(args.pan, args.name, args.expiry, args.seq, "T=0" if args.t0 else "T=1",
                               mute=args.mute, with_pse=not args.no_pse)
    except ValueError as exc:
        hint = ""
        if args.pan.isdigit() and len(args.pan) > 12:
            hint = f" (with a valid check digit: {luhn_complete(args.pan[:-1])})"
        parser.error(f"{exc}{hint}")
    client = VpcdCardClient(card, args.host, args.port)
    try:
        client.insert()
    except ConnectionError as exc:
        print(f"无法连接虚拟读卡器 vpcd: {exc}\nIs pcscd running with vsmartcard-vpcd installed?")
        return 2
    print(f"virtual card {args.pan} ({card.protocol}) inserted at {args.host}:{args.port}; Ctrl-C to remove")
    try:
        if args.seconds:
            time.sleep(args.seconds)
        else:
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        client.close()
    print("card removed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
