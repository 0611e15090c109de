"""PIN pad (密码键盘): TPP frame protocol and driver. See docs/devices-pinpad.md."""
from teller.devices.pinpad.driver import PinPad

__all__ = ["PinPad"]
