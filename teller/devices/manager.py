"""Device manager: builds drivers from configuration and runs their upkeep on the device thread.

API::

    manager = DeviceManager(config, worker, prompts=None, factories=None)
        # config: {"passbook": {"kind": "passbook", "url": "socket://127.0.0.1:9101",
        #                        "profile": "passbook_pr2"}, ...}
    register_factory(kind, factory)       # module-wide; factories= overrides per manager
        # factory(name: str, cfg: Mapping, prompts: Prompts | None) -> driver
        # a driver has open(), close(), status() -> DeviceStatus (may raise DeviceError)
    manager.names -> tuple[str, ...]
    manager.driver(name) -> driver        # built on first use; never opened here
    manager.open_all(on_done=None) -> Job            # on_done(tuple[DeviceReport, ...])
    manager.refresh(on_done=None) -> Job             # status of every device
    manager.reconnect(name, on_done=None, on_error=None) -> Job  # close + open -> DeviceReport
    manager.reports(timeout=10) -> tuple[DeviceReport, ...]      # blocking, for headless code
    manager.close_all(timeout=5)

A ``DeviceReport`` never raises: a device that cannot be reached reports
DISCONNECTED with the error's teller message, an unknown kind NOT_CONFIGURED.

The kinds "passbook", "pinpad", "receipt" and "card_reader" come from
:mod:`teller.devices.factories` (or pass ``factories=``).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from teller.devices.errors import (DeviceError, DeviceStatus, MalformedData, NoDevice,
                                   Timeout)
from teller.devices.factories import DEFAULT_FACTORIES, Factory
from teller.devices.prompts import Prompts
from teller.devices.worker import DeviceWorker, Job

log = logging.getLogger(__name__)

# Module-wide, so an installation can add a kind; ``factories=`` overrides per manager.
FACTORIES: dict[str, Factory] = dict(DEFAULT_FACTORIES)


def register_factory(kind: str, factory: Factory) -> None:
    FACTORIES[kind] = factory


@dataclass(frozen=True)
class DeviceReport:
    name: str
    kind: str
    status: DeviceStatus
    message: str = ""      # zh_CN, for the device panel; empty when all is well
    message_en: str = ""


class DeviceManager:
    def __init__(self, config: Mapping[str, Mapping[str, Any]], worker: DeviceWorker,
                 prompts: Prompts | None = None,
                 factories: Mapping[str, Factory] | None = None) -> None:
        self.config = {name: dict(cfg) for name, cfg in config.items()}
        self.worker = worker
        self.prompts = prompts
        self._factories = dict(factories) if factories is not None else None
        self._drivers: dict[str, Any] = {}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.config)

    def _factory(self, kind: str) -> Factory | None:
        table = self._factories if self._factories is not None else FACTORIES
        return table.get(kind)

    def driver(self, name: str):
        if name not in self._drivers:
            cfg = self.config[name]
            factory = self._factory(cfg.get("kind", ""))
            if factory is None:
                raise NoDevice(detail=f"{name}: no driver for kind {cfg.get('kind')!r}")
            self._drivers[name] = factory(name, cfg, self.prompts)
        return self._drivers[name]

    # --- work that runs on the device thread ---------------------------------------

    def _report(self, name: str, opening: bool = False) -> DeviceReport:
        kind = str(self.config[name].get("kind", ""))
        if self._factory(kind) is None:
            return DeviceReport(name, kind, DeviceStatus.NOT_CONFIGURED,
                                "设备未配置", "Device not configured")
        try:
            drv = self.driver(name)
            if opening:
                drv.open()
            status = drv.status()
        except (NoDevice, Timeout) as e:
            return DeviceReport(name, kind, DeviceStatus.DISCONNECTED, e.message, e.message_en)
        except DeviceError as e:
            return DeviceReport(name, kind, DeviceStatus.ERROR, e.message, e.message_en)
        except Exception as e:  # a factory or driver bug must not hide the other devices
            log.exception("device %s failed", name)
            err = MalformedData(detail=repr(e))
            return DeviceReport(name, kind, DeviceStatus.ERROR, err.message, err.message_en)
        return DeviceReport(name, kind, status)

    def _open_all(self) -> tuple[DeviceReport, ...]:
        return tuple(self._report(n, opening=True) for n in self.names)

    def _refresh(self) -> tuple[DeviceReport, ...]:
        return tuple(self._report(n) for n in self.names)

    def _reconnect(self, name: str) -> DeviceReport:
        drv = self._drivers.get(name)
        if drv is not None:
            try:
                drv.close()
            except Exception:  # closing a vanished device may fail; we reopen anyway
                log.debug("closing %s failed", name, exc_info=True)
        return self._report(name, opening=True)

    def _close_all(self) -> None:
        for name, drv in list(self._drivers.items()):
            try:
                drv.close()
            except Exception:
                log.debug("closing %s failed", name, exc_info=True)

    # --- public, asynchronous ------------------------------------------------------------

    def open_all(self, on_done: Callable[[tuple[DeviceReport, ...]], None] | None = None) -> Job:
        return self.worker.submit(self._open_all, on_done=on_done)

    def refresh(self, on_done: Callable[[tuple[DeviceReport, ...]], None] | None = None) -> Job:
        return self.worker.submit(self._refresh, on_done=on_done)

    def reconnect(self, name: str, on_done: Callable[[DeviceReport], None] | None = None,
                  on_error: Callable[[DeviceError], None] | None = None) -> Job:
        if name not in self.config:
            raise KeyError(name)
        return self.worker.submit(self._reconnect, name, on_done=on_done, on_error=on_error)

    def reports(self, timeout: float | None = 10) -> tuple[DeviceReport, ...]:
        return self.worker.call(self._refresh, timeout=timeout)

    def close_all(self, timeout: float | None = 5) -> None:
        if self.worker.running:
            self.worker.call(self._close_all, timeout=timeout)
        else:
            self._close_all()

