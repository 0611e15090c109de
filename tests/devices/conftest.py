"""Shared fixtures for device tests: socat pty pairs and tiny TCP peers."""
from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest


@pytest.fixture
def pty_pair(tmp_path: Path):
    """Two linked pseudo-terminals made by socat: (path_a, path_b)."""
    if shutil.which("socat") is None:
        pytest.skip("socat is not installed (apt-get install socat)")
    a, b = tmp_path / "ttyA", tmp_path / "ttyB"
    proc = subprocess.Popen(
        ["socat", f"pty,raw,echo=0,link={a}", f"pty,raw,echo=0,link={b}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 5
    while not (a.exists() and b.exists()):
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail("socat did not create the pty pair")
        time.sleep(0.02)
    yield str(a), str(b)
    proc.terminate()
    proc.wait(5)


class TcpPeer:
    """A one-connection TCP peer the test scripts by hand."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.conn: socket.socket | None = None
        self._accepted = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        try:
            self.conn, _ = self.server.accept()
        except OSError:
            return
        self._accepted.set()

    def wait(self) -> socket.socket:
        assert self._accepted.wait(5), "client never connected"
        assert self.conn is not None
        return self.conn

    def recv_exactly(self, n: int) -> bytes:
        conn = self.wait()
        conn.settimeout(5)
        buf = b""
        while len(buf) < n:
            chunk = conn.recv(n - len(buf))
            if not chunk:
                break
            buf += chunk
        return buf

    def close(self) -> None:
        for s in (self.conn, self.server):
            if s is not None:
                try:
                    s.close()
                except OSError:
                    pass


@pytest.fixture
def tcp_peer():
    peer = TcpPeer()
    yield peer
    peer.close()
