"""Terminal settings: one JSON file under the user's config directory (no Qt here;
it lives beside the forms because the layer rules let forms and app read it).

    s = load_settings()            # defaults when there is no file
    save_settings(s)               # refuses a URL that still carries a password
    s.core_url or config.default_core_url()

The core URL is stored without its password — the password lives in the
system keyring (``teller.config.store_keyring_password``) — so the file can be
copied between terminals and read by support staff without leaking it.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from teller import config

LANGUAGES = ("zh_CN", "en")
DEVICE_NAMES = ("card_reader", "passbook", "pinpad", "receipt")


@dataclass(frozen=True)
class Settings:
    terminal_id: str = "T01"          # a terminal the core knows (demo: T01-T03)
    branch: str = "0101"
    core_url: str = ""          # empty: the embedded SQLite default
    language: str = "zh_CN"
    devices: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (name, url)
    # customer PIN verifier: "" ($TELLER_PIN_VERIFIER, else builtin), builtin, none,
    # or module:factory — see teller.api.make_pin_verifier
    pin_verifier: str = ""

    def device_url(self, name: str) -> str:
        return dict(self.devices).get(name, "")

    def with_device(self, name: str, url: str) -> "Settings":
        ports = dict(self.devices)
        ports[name] = url
        return replace(self, devices=tuple(sorted((k, v) for k, v in ports.items() if v)))

    def effective_core_url(self) -> str:
        return self.core_url or config.default_core_url()


def settings_path() -> Path:
    return config.config_dir() / "settings.json"


def load_settings(path: Path | None = None) -> Settings:
    path = path or settings_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Settings()
    defaults = Settings()
    language = raw.get("language", defaults.language)
    return Settings(
        terminal_id=str(raw.get("terminal_id") or defaults.terminal_id),
        branch=str(raw.get("branch") or defaults.branch),
        core_url=str(raw.get("core_url") or ""),
        language=language if language in LANGUAGES else defaults.language,
        devices=tuple(sorted((str(k), str(v)) for k, v in (raw.get("devices") or {}).items()
                             if v)),
        pin_verifier=str(raw.get("pin_verifier") or ""),
    )


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    if settings.core_url and urlsplit(settings.core_url).password is not None:
        raise ValueError("core URL still carries a password; keep it in the keyring")
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = asdict(settings)
    data["devices"] = dict(settings.devices)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)  # a crash mid-write must not leave half a settings file
    return path
