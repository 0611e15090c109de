"""Transports against real peers: TCP sockets, pyserial socket:// and socat ptys."""
from __future__ import annotations

import os
import time

import pytest
import serial

from teller.devices.errors import MalformedData, NoDevice, Timeout
from teller.devices.transports import Transport
from teller.devices.transports.recording import RecordingTransport
from teller.devices.transports.serial import SerialTransport
from teller.devices.transports.tcp import TcpTransport

from devsupport import fd_read_exactly, free_port


# --- SerialTransport over socket:// --------------------------------------------------

def test_serial_socket_url_round_trip(tcp_peer):
    # GIVEN a serial transport on a socket:// URL connected to a peer
    t = SerialTransport(f"socket://127.0.0.1:{tcp_peer.port}", baudrate=9600)
    t.open()
    try:
        # WHEN it writes and the peer answers with two frames in one packet
        t.write(b"\x1bj")
        assert tcp_peer.recv_exactly(2) == b"\x1bj"
        tcp_peer.conn.sendall(b"\x1br0\r\nrest")
        # THEN read_until returns exactly the first frame and keeps the rest
        assert t.read_until(b"\r\n", timeout=2) == b"\x1br0\r\n"
        assert t.read(10, timeout=1) == b"rest"
        # AND a read with nothing to read returns b"" after the timeout
        t0 = time.monotonic()
        assert t.read(4, timeout=0.1) == b""
        assert 0.05 < time.monotonic() - t0 < 1.0
    finally:
        t.close()
    assert not t.is_open


def test_serial_open_refused_is_nodevice():
    # GIVEN a socket:// URL nobody listens on
    t = SerialTransport(f"socket://127.0.0.1:{free_port()}")
    # WHEN it is opened THEN NoDevice with a teller-facing message
    with pytest.raises(NoDevice) as info:
        t.open()
    assert info.value.message == "未找到设备，请检查连接"
    assert not t.is_open


def test_serial_missing_device_path_is_nodevice():
    with pytest.raises(NoDevice):
        SerialTransport("/dev/ttyDOES_NOT_EXIST").open()
    with pytest.raises(NoDevice):  # a Windows name on Linux simply does not exist
        SerialTransport("COM3").open()


def test_serial_peer_gone_is_nodevice_and_port_closes(tcp_peer):
    # GIVEN an open transport
    t = SerialTransport(f"socket://127.0.0.1:{tcp_peer.port}")
    t.open()
    tcp_peer.wait()
    # WHEN the device goes away
    tcp_peer.close()
    # THEN the next read says NoDevice and the transport is closed, ready for reconnect
    with pytest.raises(NoDevice):
        t.read(1, timeout=2)
    assert not t.is_open


def test_serial_read_until_timeout_keeps_partial_frame(tcp_peer):
    t = SerialTransport(f"socket://127.0.0.1:{tcp_peer.port}")
    t.open()
    try:
        tcp_peer.wait().sendall(b"\x1bs123")
        # WHEN the terminator never comes
        with pytest.raises(Timeout):
            t.read_until(b"\x1c", timeout=0.2)
        # THEN the partial frame is not lost: once the rest arrives the frame completes
        tcp_peer.conn.sendall(b"45\x1c")
        assert t.read_until(b"\x1c", timeout=2) == b"\x1bs12345\x1c"
    finally:
        t.close()


def test_serial_read_until_too_long_is_malformed(tcp_peer):
    t = SerialTransport(f"socket://127.0.0.1:{tcp_peer.port}")
    t.open()
    try:
        tcp_peer.wait().sendall(b"x" * 100)
        with pytest.raises(MalformedData):
            t.read_until(b"\r\n", timeout=2, max_size=32)
    finally:
        t.close()


def test_write_when_not_open_is_nodevice():
    with pytest.raises(NoDevice):
        SerialTransport("socket://127.0.0.1:1").write(b"x")
    with pytest.raises(NoDevice):
        TcpTransport("127.0.0.1", 1).write(b"x")


# --- SerialTransport over a socat pty pair --------------------------------------------

def test_serial_over_pty_pair_both_ways(pty_pair):
    # GIVEN two serial transports on the two ends of a socat pty pair
    a_path, b_path = pty_pair
    a = SerialTransport(a_path, baudrate=9600)
    b = SerialTransport(b_path, baudrate=9600)
    a.open()
    b.open()
    try:
        # WHEN one end writes Chinese text in GB18030 and a terminator
        payload = "存款 ¥1,234.56".encode("gb18030") + b"\r\n"
        a.write(payload)
        # THEN the other end receives it byte for byte
        assert b.read_until(b"\r\n", timeout=2) == payload
        b.write(b"\x06")
        assert a.read(1, timeout=2) == b"\x06"
        assert a.read(1, timeout=0.05) == b""
    finally:
        a.close()
        b.close()


def test_serial_pty_raw_fd_peer(tmp_path):
    # GIVEN a pty this test owns (as the emulator does with os.openpty)
    master, slave = os.openpty()
    t = SerialTransport(os.ttyname(slave), baudrate=19200)
    try:
        import tty
        tty.setraw(slave)
        t.open()
        # WHEN the "device" side answers a command
        t.write(b"\x1bj")
        assert fd_read_exactly(master, 2) == b"\x1bj"
        os.write(master, b"\x1br1")
        # THEN the driver side reads it
        assert t.read_until(b"1", timeout=2) == b"\x1br1"
    finally:
        t.close()
        os.close(master)
        os.close(slave)


# --- TcpTransport ---------------------------------------------------------------------

def test_tcp_round_trip_and_close(tcp_peer):
    t = TcpTransport("127.0.0.1", tcp_peer.port, connect_timeout=2)
    assert not t.is_open  # constructing never connects
    t.open()
    try:
        t.write(b"\x1b@hello")
        assert tcp_peer.recv_exactly(7) == b"\x1b@hello"
        tcp_peer.conn.sendall(b"\x10\x04\x12")
        assert t.read(3, timeout=2) == b"\x10\x04\x12"
        assert t.read(1, timeout=0.05) == b""
        tcp_peer.conn.close()
        # WHEN the peer closes THEN NoDevice, not an endless b""
        with pytest.raises(NoDevice):
            t.read(1, timeout=2)
        assert not t.is_open
    finally:
        t.close()


def test_tcp_refused_is_nodevice():
    with pytest.raises(NoDevice):
        TcpTransport("127.0.0.1", free_port(), connect_timeout=1).open()


def test_transports_satisfy_the_protocol():
    for t in (SerialTransport("socket://127.0.0.1:1"), TcpTransport("127.0.0.1", 1),
              RecordingTransport()):
        assert isinstance(t, Transport)


# --- RecordingTransport ---------------------------------------------------------------

def test_recording_transport_replays_one_reply_per_write():
    # GIVEN a script: a status reply, a silent command, an error, an echo
    t = RecordingTransport([b"\x1br0", b"", NoDevice(detail="unplugged"), lambda w: w[::-1]])
    t.open()
    # WHEN commands are written THEN replies come in order and writes are recorded exactly
    t.write(b"\x1bj")
    assert t.read_until(b"0", timeout=0.1) == b"\x1br0"
    t.write(b"\x1bL010")
    assert t.read(1, timeout=0.01) == b""
    t.write(b"x")
    with pytest.raises(NoDevice):
        t.read(1, timeout=0.01)
    t.write(b"abc")
    assert t.read(3, timeout=0.01) == b"cba"
    assert t.writes == [b"\x1bj", b"\x1bL010", b"x", b"abc"]
    assert t.written == b"\x1bj\x1bL010xabc"
    assert t.unused_replies == 0


def test_recording_transport_not_open_raises():
    t = RecordingTransport([b"x"])
    with pytest.raises(NoDevice):
        t.write(b"a")
    assert t.writes == []


def test_pyserial_loop_url_is_accepted():
    # loop:// is pyserial's in-process echo; proves URLs pass straight to serial_for_url
    t = SerialTransport("loop://")
    t.open()
    try:
        t.write(b"ping\n")
        assert t.read_until(b"\n", timeout=1) == b"ping\n"
    finally:
        t.close()
    assert serial.__version__ >= "3.5"
