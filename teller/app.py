"""Composition root: settings -> Terminal (api) -> sign-on -> main window.

    teller            # or: teller gui [--url URL] [--lang en]
    python -m teller.app

On the embedded default (SQLite under the data directory) with no database
yet, the demo core is created first, so a fresh install opens straight into a
working branch (users T001/T002/S001/S002/ADM1, password demo123). A core that
cannot be reached (wrong URL, server down) is reported on the sign-on window
and in the status bar; the terminal still opens, and the settings dialog is
then reachable from the sign-on window, because no administrator can be
checked against a core that is not there.

Demo mode (the embedded default core, unless ``TELLER_DEMO_DEVICES=0``) starts the
shipped device emulators (``teller.devices.emulators.all.start_all``), a device
thread and a ``DeviceManager`` over them: the wizard's F2/F3/F4 read the virtual
card, the passbook stripe and the PIN pad through the real drivers, posted steps'
receipts print to the ESC/POS emulator, the main window gets the device panel and
an "emulator control" window opens beside it.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from teller import config
from teller.api import Terminal
from teller.forms.background import Background
from teller.forms.field_widgets import DeviceHooks
from teller.forms.i18n import install_language, pick
from teller.forms.main_window import MainWindow
from teller.forms.recovery import check_recovery
from teller.forms.settings_dialog import SettingsDialog
from teller.forms.settings_store import Settings, load_settings, save_settings
from teller.forms.signon import SignOnDialog

log = logging.getLogger(__name__)


def ensure_embedded_core(url: str) -> bool:
    """Create the demo core when ``url`` is the embedded default and has no file yet."""
    if url != config.default_core_url():
        return False
    path = Path(url.removeprefix("sqlite:///"))
    if path.exists():
        return False
    from teller.core import schema
    from teller.core.ledger.db import make_engine
    from teller.core.demo import create_demo
    path.parent.mkdir(parents=True, exist_ok=True)
    schema.upgrade(url)
    engine = make_engine(url)
    try:
        create_demo(engine, business_date=dt.date.today())
    finally:
        engine.dispose()
    return True


def open_terminal(settings: Settings, **kwargs: Any) -> tuple[Terminal | None, str]:
    """The terminal and '' — or None and the reason the core is unusable."""
    url = settings.effective_core_url()
    kwargs.setdefault("pin_verifier", settings.pin_verifier)
    try:
        ensure_embedded_core(url)
        terminal = Terminal.open(config.with_keyring_password(url),
                                 terminal_code=settings.terminal_id, **kwargs)
    except Exception as exc:  # noqa: BLE001 - any failure here means "offline", never a crash
        log.warning("core unavailable at %s: %s", config.redact_url(url), exc)
        return None, getattr(exc, "message", "") or f"{type(exc).__name__}: {exc}"
    return terminal, ""


def probe(terminal: Terminal, branch: str) -> tuple[str, Any]:
    """('', branch info) when the core answers, else (why not, None);
    runs on the background thread."""
    try:
        return "", terminal.core.branch(branch)
    except Exception as exc:  # noqa: BLE001
        return getattr(exc, "message", "") or f"{type(exc).__name__}: {exc}", None


class _OfflineAuth:
    """Stands in for the Terminal when the core could not even be opened."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def sign_on(self, user: str, password: str):
        from teller.api import SignOnOutcome
        return SignOnOutcome(False, message=f"核心系统不可用：{self.reason}",
                             message_en=f"Core unavailable: {self.reason}")

    def change_password(self, user: str, old: str, new: str) -> list:
        return []


def demo_pin_verifier():
    """Demo mode's software HSM: the emulated PIN pads' zone key and a demo-only secret,
    so passwords set at opening (10010) verify at later transactions."""
    from teller.api import make_pin_verifier
    return make_pin_verifier("builtin")


class DemoDevices:
    """The emulators, the device thread, the manager and the hook bridge of demo mode."""

    def __init__(self, pcscd: str | bool = "auto") -> None:
        from teller.devices.emulators.all import start_all
        from teller.devices.hooks import DeviceHookBridge
        from teller.devices.manager import DeviceManager
        from teller.devices.worker import DeviceWorker
        from teller.forms.device_panel import QtDispatcher
        self.emus = start_all(pcscd=pcscd)
        for note in self.emus.notes:
            log.info("demo devices: %s", note)
        self.dispatch = QtDispatcher()
        self.worker = DeviceWorker(dispatch=self.dispatch)
        self.worker.start()
        self.manager = DeviceManager(self.emus.device_config, self.worker)
        self.bridge = DeviceHookBridge(self.manager)
        self.manager.open_all()
        self.control: Any = None

    def hooks(self) -> DeviceHooks:
        b = self.bridge
        return DeviceHooks(read_card=b.read_card if self.emus.card is not None else None,
                           read_passbook=b.read_passbook, read_pin=b.read_pin)

    def panel(self):
        from teller.forms.device_panel import DevicePanel
        return DevicePanel(self.manager, self.bridge)

    def show_control(self) -> None:
        from teller.forms.emulator_control import EmulatorControl
        if self.control is None:
            self.control = EmulatorControl(self.emus)
        self.control.show()

    def stop(self) -> None:
        if self.control is not None:
            self.control.close()
            self.control.deleteLater()
            self.control = None
        self.manager.close_all()
        self.worker.stop()
        self.emus.stop()


class TellerApp:
    """Owns the windows of one counter position and moves between them."""

    def __init__(self, qapp: QApplication, settings: Settings, *,
                 settings_path: Path | None = None, hooks: DeviceHooks | None = None,
                 terminal_kwargs: dict | None = None,
                 demo_devices: "DemoDevices | bool" = False) -> None:
        self.qapp, self.settings, self.settings_path = qapp, settings, settings_path
        self.hooks = hooks or DeviceHooks()
        self.terminal_kwargs = dict(terminal_kwargs or {})
        self.devices: DemoDevices | None = None
        self._demo_devices = demo_devices
        self.ops = Background()
        self.terminal: Terminal | None = None
        self.offline_reason = ""
        self.bank_title = ""
        self.sign_on_dialog: SignOnDialog | None = None
        self.window: MainWindow | None = None
        self.settings_dialog: SettingsDialog | None = None
        install_language(qapp, settings.language)

    def start_devices(self) -> None:
        """Demo mode: emulators + device manager; real hooks, receipts to the emulator."""
        if self.devices is not None or not self._demo_devices:
            return
        self.devices = (self._demo_devices if isinstance(self._demo_devices, DemoDevices)
                        else DemoDevices())
        self.hooks = self.devices.hooks()
        self.terminal_kwargs.setdefault("devices", self.devices.manager)
        self.terminal_kwargs.setdefault("printer", self.devices.bridge.print_voucher)
        self.terminal_kwargs.setdefault("pin_verifier", demo_pin_verifier())
        self.devices.show_control()

    def start(self) -> None:
        self.start_devices()
        self.terminal, self.offline_reason = open_terminal(self.settings, **self.terminal_kwargs)
        self.show_sign_on()
        if self.terminal is not None:
            self.ops.run(probe, self.terminal, self.settings.branch, on_done=self._probed)

    def _probed(self, result: tuple[str, Any]) -> None:
        self.offline_reason, info = result
        if info is not None:
            self.bank_title = f"{info.bank_name} {info.name}"
        if self.sign_on_dialog is not None:
            if info is not None:
                self.sign_on_dialog.heading.setText(self.bank_title)
            self._show_offline(self.sign_on_dialog)

    def _show_offline(self, dialog: SignOnDialog) -> None:
        dialog.settings_button.setVisible(bool(self.offline_reason))
        if self.offline_reason:
            dialog.show_offline(self.offline_reason)

    def show_sign_on(self) -> None:
        auth = self.terminal or _OfflineAuth(self.offline_reason)
        dialog = SignOnDialog(auth, self.ops, bank_title=self.bank_title)
        dialog.settings_button.clicked.connect(self.open_settings)
        dialog.accepted.connect(lambda: self._signed_on(dialog.reply))
        dialog.rejected.connect(self._quit_if_no_window)
        self.sign_on_dialog = dialog
        self._show_offline(dialog)
        dialog.show()

    def _quit_if_no_window(self) -> None:
        if self.window is None and self.settings_dialog is None:
            self.qapp.quit()

    def _signed_on(self, reply: Any) -> None:
        self.sign_on_dialog = None
        session = reply.session
        win = MainWindow(session, self.ops, hooks=self.hooks,
                         is_admin=session.operator.role == "administrator")
        win.sign_off_requested.connect(self.sign_off)
        win.settings_requested.connect(self.open_settings)
        if self.offline_reason:
            win.set_core_status(False, self.offline_reason)
        if self.devices is not None:
            panel = self.devices.panel()
            panel.states_changed.connect(win.set_device_states)
            win.set_device_panel(panel)
            panel.refresh()
        self.window = win
        win.show()
        # In-doubt steps and interrupted runs are offered right after sign-on.
        check_recovery(session, self.ops, win, win.open_run)

    def sign_off(self) -> None:
        win = self.window
        if win is None:
            return
        if win.in_flow():
            return
        self.ops.run(win.session.sign_off, on_done=self._signed_off,
                     on_error=lambda _e: self._signed_off())

    def _signed_off(self, problems: Any = None) -> None:
        if self.window is not None:
            self.window.close()
            self.window.deleteLater()
            self.window = None
        self.show_sign_on()
        if problems and self.sign_on_dialog is not None:
            # The session ended but the teller day did not (e.g. the box is not balanced).
            self.sign_on_dialog.message.setText(
                "；".join(pick(p.message, p.message_en) for p in problems))

    def open_settings(self) -> None:
        parent = self.window or self.sign_on_dialog
        dialog = SettingsDialog(self.settings, store_password=config.store_keyring_password,
                                parent=parent)
        dialog.accepted.connect(lambda: self._settings_saved(dialog.result_settings))
        dialog.finished.connect(lambda _r: setattr(self, "settings_dialog", None))
        self.settings_dialog = dialog
        dialog.open()

    def _settings_saved(self, new: Settings | None) -> None:
        if new is None:
            return
        old, self.settings = self.settings, new
        save_settings(new, self.settings_path)
        if new.language != old.language:
            install_language(self.qapp, new.language)
        if (new.core_url, new.terminal_id) != (old.core_url, old.terminal_id) \
                and self.window is None:
            # Reconnect now; a signed-on teller keeps the session until sign-off.
            if self.terminal is not None:
                self.terminal.close()
            if self.sign_on_dialog is not None:
                self.sign_on_dialog.close()
                self.sign_on_dialog = None
            self.start()

    def shutdown(self) -> None:
        self.ops.wait_idle()
        if self.terminal is not None:
            self.terminal.close()
        if self.devices is not None:
            self.devices.stop()
            self.devices = None


def main(argv: list[str] | None = None, *, url: str | None = None,
         language: str | None = None) -> int:
    logging.basicConfig(level=logging.INFO)
    qapp = QApplication.instance() or QApplication(sys.argv[:1] + list(argv or []))
    qapp.setApplicationName("teller")
    settings = load_settings()
    if url:
        settings = Settings(**{**settings.__dict__, "core_url": url})
    if language:
        settings = Settings(**{**settings.__dict__, "language": language})
    demo = (settings.effective_core_url() == config.default_core_url()
             and os.environ.get("TELLER_DEMO_DEVICES", "1") != "0")
    app = TellerApp(qapp, settings, demo_devices=demo)
    app.start()
    try:
        return qapp.exec()
    finally:
        app.shutdown()


if __name__ == "__main__":
    sys.exit(main())
