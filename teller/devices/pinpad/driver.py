"""PIN pad driver: the TPP protocol (see :mod:`.protocol`) over any transport.

The clear PIN never exists here: the pad encrypts the ISO 9564 format-0 block under
its working key and this driver only carries the ciphertext, wrapped in a redacted
:class:`~teller.domain.pin.PinBlock`. Frames are logged by command and status, never
with their data bytes.
"""
from __future__ import annotations

import logging
import threading
import time

from teller.devices.errors import (
    Cancelled,
    DeviceBusy,
    DeviceError,
    KeyCheckFailed,
    KeyNotLoaded,
    MalformedData,
    NoDevice,
    PinEntryCancelled,
    PinEntryTimeout,
    Timeout,
)
from teller.devices.pinpad.protocol import (
    Cmd,
    FrameDecoder,
    FrameError,
    PinResult,
    ReadPinParams,
    Response,
    Status,
    encode_request,
    load_key_request,
)
from teller.devices.prompts import Prompts, ask
from teller.devices.transports import Transport
from teller.domain.pin import PinBlock

log = logging.getLogger(__name__)

# How long a command the pad answers at once may take (a 9600 baud pad is slow to
# answer while it writes a key to flash).
COMMAND_TIMEOUT = 3.0
_POLL = 0.1


def _name(value: int, enum_cls) -> str:
    try:
        return enum_cls(value).name
    except ValueError:
        return f"0x{value:02X}"


_STATUS_ERRORS: dict[int, type[DeviceError]] = {
    Status.NO_MASTER_KEY: KeyNotLoaded,
    Status.NO_WORKING_KEY: KeyNotLoaded,
    Status.KCV_MISMATCH: KeyCheckFailed,
    Status.BUSY: DeviceBusy,
    Status.CUSTOMER_CANCEL: PinEntryCancelled,
    Status.ENTRY_TIMEOUT: PinEntryTimeout,
    Status.HOST_CANCEL: Cancelled,
}


class PinPad:
    """Driver for a TPP PIN pad. Call every method on the device thread.

    ``open()``/``close()`` open the transport; nothing here opens it implicitly.
    """

    def __init__(self, transport: Transport, prompts: Prompts | None = None, *,
                 command_timeout: float = COMMAND_TIMEOUT) -> None:
        self._transport = transport
        self._command_timeout = command_timeout
        self._prompts = prompts
        self._decoder = FrameDecoder()

    def __repr__(self) -> str:
        return f"PinPad({self._transport!r})"

    # --- lifecycle ---------------------------------------------------------------

    def open(self) -> None:
        self._transport.open()
        self._decoder = FrameDecoder()

    def close(self) -> None:
        self._transport.close()

    @property
    def is_open(self) -> bool:
        return self._transport.is_open

    # --- commands ----------------------------------------------------------------

    def status(self) -> str:
        """Firmware version string; raises if the pad does not answer."""
        resp = self._command(Cmd.STATUS, encode_request(Cmd.STATUS))
        # DATA: STATE(1) KEYMAP(2) VERSION(ASCII)
        if len(resp.data) < 3:
            raise MalformedData(detail="STATUS data shorter than 3 bytes")
        return resp.data[3:].decode("ascii", "replace")

    def beep(self, times: int = 1) -> None:
        self._command(Cmd.BEEP, encode_request(Cmd.BEEP, bytes([max(1, min(9, times))])))

    def cancel(self) -> None:
        """Return the pad to idle (e.g. after the teller abandons a transaction)."""
        self._raw(encode_request(Cmd.CANCEL))
        self._await(Cmd.CANCEL, time.monotonic() + self._command_timeout, None)

    def load_working_key(self, master_index: int, encrypted_key: bytes, kcv: str) -> None:
        """Load a working (PIN) key encrypted under master key ``master_index``.

        The pad decrypts it and refuses it (:class:`KeyCheckFailed`) unless its
        check value equals ``kcv`` (6 hex digits).
        """
        try:
            kcv_bytes = bytes.fromhex(kcv)
            frame = load_key_request(master_index, bytes(encrypted_key), kcv_bytes)
        except ValueError as e:
            raise KeyCheckFailed(detail=f"bad key or KCV argument: {e}") from None
        self._command(Cmd.LOAD_WORKING_KEY, frame)

    def read_pin(self, pan: str, *, min_len: int = 6, max_len: int = 6, timeout: int = 60,
                 cancel: threading.Event | None = None, master_index: int = 0) -> PinBlock:
        """Ask the customer for the PIN; return the encrypted format-0 block.

        ``pan`` is the card or account number the block is bound to. Raises
        :class:`PinEntryCancelled` (customer pressed 取消), :class:`PinEntryTimeout`,
        :class:`Cancelled` (``cancel`` was set), :class:`KeyNotLoaded`, or
        :class:`Timeout` if the pad stops answering.
        """
        try:
            params = ReadPinParams(master_index, min_len, max_len, int(timeout), pan)
        except ValueError as e:
            raise DeviceError("密码键盘参数错误", message_en="Bad PIN pad parameters",
                              detail=str(e)) from None
        ask(self._prompts, "pin_entry")
        try:
            self._raw(params.encode())
            # The pad times out the entry itself; we allow one more command time
            # for its answer before deciding the pad is gone.
            deadline = time.monotonic() + params.timeout_s + self._command_timeout
            resp = self._await(Cmd.READ_PIN, deadline, cancel)
        finally:
            if self._prompts is not None:
                self._prompts.clear()
        try:
            result = PinResult.decode(resp.data)
        except FrameError as e:
            raise MalformedData(detail=str(e)) from None
        if result.master_index != master_index or result.format != 0:
            raise MalformedData(detail="READ_PIN answered for another key or format")
        return PinBlock(result.block, result.key_id(), result.format)

    # --- plumbing ----------------------------------------------------------------

    def _raw(self, frame: bytes) -> None:
        """The one write seam: every byte to the pad goes through here."""
        if not self._transport.is_open:
            raise NoDevice(detail="PIN pad transport is not open")
        log.debug("pinpad > %s (%d bytes)", _name(frame[3], Cmd), len(frame))
        try:
            self._transport.write(frame)
        except DeviceError:
            raise
        except Exception as e:  # a transport bug must not crash the terminal
            raise NoDevice(detail=f"PIN pad write failed: {type(e).__name__}") from e

    def _command(self, cmd: Cmd, frame: bytes) -> Response:
        self._raw(frame)
        return self._await(cmd, time.monotonic() + self._command_timeout, None)

    def _next_frame(self, wait: float) -> Response | None:
        while True:
            try:
                body = self._decoder.next_body()
            except FrameError as e:
                raise MalformedData(detail=f"PIN pad frame: {e}") from None
            if body is not None:
                try:
                    return Response.parse(body)
                except FrameError as e:
                    raise MalformedData(detail=str(e)) from None
            try:
                chunk = self._transport.read(256, timeout=wait)
            except DeviceError:
                raise
            except Exception as e:
                raise NoDevice(detail=f"PIN pad read failed: {type(e).__name__}") from e
            if not chunk:
                return None
            self._decoder.feed(chunk)

    def _await(self, cmd: Cmd, deadline: float, cancel: threading.Event | None) -> Response:
        """Read frames until the answer to ``cmd``; key events update the prompt."""
        cancelled = ack_seen = False
        while True:
            if cancel is not None and cancel.is_set() and not cancelled:
                cancelled = True
                log.debug("pinpad: host cancel requested")
                self._raw(encode_request(Cmd.CANCEL))
                deadline = min(deadline, time.monotonic() + self._command_timeout)
            left = deadline - time.monotonic()
            if left <= 0:
                if cmd is Cmd.READ_PIN and not cancelled:
                    self._abandon_entry()
                raise Timeout(detail=f"PIN pad did not answer {cmd.name}")
            resp = self._next_frame(min(_POLL, left))
            if resp is None:
                continue
            log.debug("pinpad < %s %s", _name(resp.cmd, Cmd), _name(resp.status, Status))
            if resp.cmd == Cmd.KEY_EVENT:
                if self._prompts is not None and resp.data:
                    self._prompts.show("pin_entry", "请客户在密码键盘上输入密码  " + "*" * resp.data[0])
                continue
            if resp.cmd == Cmd.CANCEL and cmd is not Cmd.CANCEL:
                ack_seen = True  # our own cancel's ack may overtake the entry's end
                continue
            if resp.cmd == Cmd.BAD_FRAME:
                raise MalformedData(detail="PIN pad could not parse our frame")
            if resp.cmd != cmd:
                log.debug("pinpad: ignoring stray %s", _name(resp.cmd, Cmd))
                continue
            if cancelled:
                if not ack_seen:
                    self._drain_cancel_ack()
                if resp.status == Status.OK:
                    # The customer pressed Enter just as we cancelled; the teller
                    # asked to stop, so the block is dropped.
                    raise Cancelled()
            if resp.status != Status.OK:
                raise _STATUS_ERRORS.get(resp.status, DeviceError)(
                    detail=f"{cmd.name} -> {_name(resp.status, Status)}")
            return resp

    def _drain_cancel_ack(self) -> None:
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            resp = self._next_frame(min(_POLL, max(0.0, deadline - time.monotonic())))
            if resp is not None and resp.cmd == Cmd.CANCEL:
                return

    def _abandon_entry(self) -> None:
        # The pad went silent mid-entry; leave it idle so the next customer does
        # not type into a stale prompt. Failing here changes nothing for the teller.
        try:
            self._raw(encode_request(Cmd.CANCEL))
        except DeviceError:
            pass
