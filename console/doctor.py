"""``mcv doctor``: checks this machine and the config, and says how to fix each problem."""

from __future__ import annotations

import glob
import shutil
from dataclasses import dataclass
from pathlib import Path

from radios.broker import broker_answers
from radios.config import Config, ConfigError, load_config

OK, WARN, FAIL = "ok", "warn", "FAIL"


@dataclass(frozen=True)
class Check:
    """One line of the doctor's table."""

    name: str
    status: str
    detail: str
    fix: str = ""


def check_libvlc() -> list[Check]:
    try:
        import vlc

        version = vlc.libvlc_get_version().decode()
    except (ImportError, OSError, AttributeError, NameError) as exc:
        return [Check("libvlc", FAIL, f"not usable: {exc}", "apt-get install libvlc5 vlc-plugin-base")]
    live555 = glob.glob("/usr/lib/*/vlc/plugins/access/liblive555_plugin.so")
    return [
        Check("libvlc", OK, f"version {version}"),
        Check("libvlc RTSP", OK if live555 else WARN,
              "can play rtsp:// itself" if live555 else "built without live555: cannot open rtsp://",
              "" if live555 else "nothing to do: mcv pulls RTSP through PyAV/FFmpeg"),
    ]


def check_pyav() -> Check:
    try:
        import av

        return Check("PyAV / FFmpeg", OK, f"PyAV {av.__version__}, FFmpeg {av.ffmpeg_version_info}")
    except ImportError as exc:
        return Check("PyAV / FFmpeg", FAIL, str(exc), "pip install av")


def check_qt() -> Check:
    try:
        import PySide6

        return Check("Qt (PySide6)", OK, f"PySide6 {PySide6.__version__}")
    except ImportError as exc:
        return Check("Qt (PySide6)", FAIL, str(exc), "pip install 'PySide6-Essentials>=6.11,<6.12'")


def check_broker(config: Config | None) -> Check:
    mosquitto = shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin")
    if config is None or config.broker.url is None:
        if mosquitto:
            return Check("broker", OK, "none configured; mcv demo starts mosquitto itself")
        return Check("broker", FAIL, "none configured and mosquitto is not installed",
                     "apt-get install mosquitto, or set [broker] url")
    where = f"{config.broker.host}:{config.broker.port}"
    if broker_answers(config.broker.host, config.broker.port, 1.0):
        return Check("broker", OK, f"answers at {where}")
    return Check("broker", FAIL, f"nothing answers at {where}",
                 "start the vehicle broker (systemctl start mosquitto) or correct [broker] url")


def check_serial() -> Check:
    from serial.tools import list_ports

    ports = [p.device for p in list_ports.comports()]
    if ports:
        return Check("serial ports", OK, ", ".join(ports))
    return Check("serial ports", WARN, "none found", "plug in the radio or GPS; check dmesg and the dialout group")


def check_maps(config: Config | None) -> Check:
    sources = config.map.sources if config else ()
    if not sources:
        return Check("map cache", WARN, "no map source configured", "add a [[map.sources]] entry with an MBTiles file")
    missing = [s.id for s in sources if s.path is not None and not Path(s.path).exists()]
    if missing:
        return Check("map cache", FAIL, f"missing files for sources: {', '.join(missing)}",
                     "seed the tiles for the operating area before deployment, or correct the path")
    return Check("map cache", OK, f"{len(sources)} source(s) found")


def run_checks(config_path: Path | None) -> list[Check]:
    try:
        config = load_config(config_path, must_exist=config_path is not None)
        shown = config.path or "none (defaults)"
        config_check = Check("config", OK, f"{shown}")
    except ConfigError as exc:
        config, config_check = None, Check("config", FAIL, exc.problem, exc.fix)
    return [*check_libvlc(), check_pyav(), check_qt(), config_check, check_broker(config), check_serial(),
            check_maps(config)]


def format_table(checks: list[Check]) -> str:
    rows = [("check", "status", "detail", "fix"), *((c.name, c.status, c.detail, c.fix) for c in checks)]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(
        f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}".rstrip() for row in rows
    )


def run_doctor(config_path: Path | None) -> int:
    checks = run_checks(config_path)
    print(format_table(checks))
    return 1 if any(c.status == FAIL for c in checks) else 0
