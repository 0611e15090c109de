"""Typed device errors and device status.

Every error carries ``message``: a sentence a teller can act on, in Chinese (the
default UI language), and ``message_en`` for the English UI.  Drivers raise these;
the terminal never crashes on them and never shows a traceback to the teller.

>>> try:
...     raise PaperOut()
... except DeviceError as e:
...     print(e.message)
打印机缺纸，请装纸后重试
"""
from __future__ import annotations

import enum


class DeviceStatus(enum.Enum):
    """What the device panel shows for each device (设备状态)."""

    NOT_CONFIGURED = "not_configured"
    DISCONNECTED = "disconnected"
    READY = "ready"
    BUSY = "busy"
    NO_MEDIA = "no_media"
    MEDIA_PRESENT = "media_present"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    JAMMED = "jammed"
    ERROR = "error"


class DeviceError(Exception):
    """Base of every device fault. ``message`` is teller-facing (zh_CN)."""

    default_message = "设备故障"
    default_message_en = "Device fault"

    def __init__(self, message: str | None = None, *, message_en: str | None = None,
                 detail: str = "") -> None:
        self.message = message or self.default_message
        self.message_en = message_en or self.default_message_en
        self.detail = detail  # technical detail for the log; never a PIN or key
        super().__init__(self.message if not detail else f"{self.message} ({detail})")


class NoDevice(DeviceError):
    default_message = "未找到设备，请检查连接"
    default_message_en = "Device not found; check the cable and settings"


class NoMedia(DeviceError):
    default_message = "未放入介质，请插入存折或卡片"
    default_message_en = "No media; insert the passbook or card"


class MediaJam(DeviceError):
    default_message = "介质卡纸，请取出后重新放入"
    default_message_en = "Media jam; take it out and insert again"


class CoverOpen(DeviceError):
    default_message = "打印机盖未合上"
    default_message_en = "Printer cover is open"


class PaperOut(DeviceError):
    default_message = "打印机缺纸，请装纸后重试"
    default_message_en = "Printer is out of paper; load paper and retry"


class CardRemoved(DeviceError):
    default_message = "卡片已被拔出，请重新插卡"
    default_message_en = "The card was removed; insert it again"


class UnsupportedCard(DeviceError):
    default_message = "不支持的卡片类型"
    default_message_en = "This card is not supported"


class CardMute(DeviceError):
    default_message = "卡片无响应，请检查卡片方向或更换卡片"
    default_message_en = "The card does not respond; check its orientation"


class MalformedData(DeviceError):
    default_message = "设备返回数据格式错误"
    default_message_en = "The device returned malformed data"


class Timeout(DeviceError):
    default_message = "设备响应超时"
    default_message_en = "The device did not answer in time"


class Cancelled(DeviceError):
    default_message = "操作已取消"
    default_message_en = "Cancelled"


class DeviceBusy(DeviceError):
    default_message = "设备忙，请稍后重试"
    default_message_en = "The device is busy; try again shortly"


class PinEntryTimeout(Timeout):
    default_message = "客户输入密码超时，请重新输入"
    default_message_en = "The customer did not finish entering the PIN in time"


class PinEntryCancelled(Cancelled):
    default_message = "客户已取消密码输入"
    default_message_en = "The customer cancelled PIN entry"


class KeyCheckFailed(DeviceError):
    default_message = "密码键盘密钥校验失败，请联系管理员重新下载密钥"
    default_message_en = "The PIN pad rejected the key check value; reload the keys"


class KeyNotLoaded(DeviceError):
    default_message = "密码键盘未下载密钥，请先签到下载工作密钥"
    default_message_en = "The PIN pad has no working key; load the keys first"


class DeviceOffline(DeviceError):
    default_message = "设备处于脱机状态，请按联机键"
    default_message_en = "The device is offline; press its ONLINE key"


class StripeUnreadable(MalformedData):
    default_message = "磁条无法读取，请重新插入存折或更换存折"
    default_message_en = "The magnetic stripe cannot be read; insert the book again or replace it"


class StripeWriteFailed(DeviceError):
    default_message = "磁条写入失败，请重新插入存折后重试"
    default_message_en = "Writing the magnetic stripe failed; insert the book again and retry"


class WrongPage(NoMedia):
    default_message = "存折页码不符，请翻到正确的页后重新插入"
    default_message_en = "Wrong passbook page; turn to the right page and insert again"
