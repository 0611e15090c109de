"""A transport from the URL in a device's configuration.

    transport_for_url("tcp://10.0.0.5:9100")        # raw TCP (ESC/POS on 9100)
    transport_for_url("socket://127.0.0.1:9101")    # pyserial's URL handlers
    transport_for_url("/dev/ttyS0", baudrate=19200)
"""
from __future__ import annotations

from typing import Any

from teller.devices.transports.serial import SerialTransport
from teller.devices.transports.tcp import TcpTransport


def transport_for_url(url: str, baudrate: int = 9600, **kwargs: Any):
    """``tcp://host:port`` is raw TCP; anything else goes to pyserial's URL handlers."""
    if url.startswith("tcp://"):
        host, _, port = url[len("tcp://"):].rpartition(":")
        return TcpTransport(host, int(port), **kwargs)
    return SerialTransport(url, baudrate=baudrate, **kwargs)
