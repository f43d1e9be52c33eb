"""The desktop bundle: built by installer/build_bundle.sh, then started as a user would start it.

The bundle is built once per session into a temporary folder (about 35 s on two cores);
with MCV_BUNDLE_DIR set to a folder holding an already built ``mcv/`` (for example
``dist``) that bundle is tested instead.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from importlib import metadata
from pathlib import Path

import pytest

from support import wait_until, write_config

REPO = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT_S = 480
CONSOLE_READY_TIMEOUT_S = 30

pytestmark = [pytest.mark.bundle, pytest.mark.timeout(BUILD_TIMEOUT_S + 120)]


@pytest.fixture(scope="session")
def bundle(tmp_path_factory) -> Path:
    """The built ``mcv`` executable inside its bundle folder."""
    given = os.environ.get("MCV_BUNDLE_DIR")
    if given:
        executable = Path(given).resolve() / "mcv" / "mcv"
        assert executable.is_file(), f"MCV_BUNDLE_DIR={given} holds no mcv/mcv; build it with installer/build_bundle.sh"
        return executable
    out = tmp_path_factory.mktemp("bundle")
    result = subprocess.run(
        [str(REPO / "installer" / "build_bundle.sh"), "--dist", str(out / "dist"), "--work", str(out / "work")],
        capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, check=False,
    )
    assert result.returncode == 0, f"build_bundle.sh failed:\n{result.stdout}\n{result.stderr}"
    return out / "dist" / "mcv" / "mcv"


def run_bundle(bundle: Path, *args: str, timeout_s: float = 60) -> subprocess.CompletedProcess:
    """Run the bundled ``mcv`` offscreen from a folder outside the checkout, so nothing comes from it."""
    return subprocess.run([str(bundle), *args], capture_output=True, text=True, timeout=timeout_s, check=False,
                          cwd=bundle.parent.parent, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})


def test_bundle_prints_the_installed_version(bundle):
    result = run_bundle(bundle, "--version")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"mcv {metadata.version('mcv-console')}"


def test_bundled_demo_runs_headless_and_renders_its_map(bundle, isolated_dirs):
    result = run_bundle(bundle, "demo", "--headless", "--duration", "5", timeout_s=120)

    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    # The tile renderer is a project script that the bundle runs in place of a Python.
    assert list(isolated_dirs.rglob("*.mbtiles")), f"the demo rendered no map tiles:\n{result.stdout}"


def test_bundled_console_quits_cleanly_on_sigterm(bundle, broker, tmp_path):
    config = write_config(tmp_path, broker)
    log_path = tmp_path / "console.log"
    with open(log_path, "wb") as log:
        console = subprocess.Popen([str(bundle), "console", "--config", str(config)], stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=subprocess.STDOUT,
                                   env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    try:
        assert wait_until(lambda: "local bus up" in log_path.read_text() or console.poll() is not None,
                          CONSOLE_READY_TIMEOUT_S), f"the console did not reach the bus:\n{log_path.read_text()}"
        assert console.poll() is None, f"the console exited early:\n{log_path.read_text()}"
        console.send_signal(signal.SIGTERM)
        assert console.wait(20) == 0, log_path.read_text()
    finally:
        if console.poll() is None:
            console.kill()
            console.wait(5)


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb is not installed (not a Debian system)")
def test_debian_package_installs_the_bundle_under_opt(bundle, tmp_path):
    result = subprocess.run([str(REPO / "installer" / "build_deb.sh"), "--bundle", str(bundle.parent.parent),
                             "--out", str(tmp_path)], capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    (package,) = tmp_path.glob("mcv_*.deb")

    contents = subprocess.run(["dpkg-deb", "--contents", str(package)], capture_output=True, text=True,
                              check=True, timeout=60).stdout
    for path in ("./opt/mcv/mcv", "./usr/bin/mcv -> /opt/mcv/mcv", "./lib/systemd/system/mcv-gateway.service",
                 "./lib/systemd/system/mcv-broker.service", "./etc/mcv/mosquitto/mcv-vehicle.conf",
                 "./usr/share/applications/mcv.desktop", "./usr/share/icons/hicolor/scalable/apps/mcv.svg"):
        assert path in contents, f"{path} is not in {package.name}"
    unpacked = tmp_path / "root"
    subprocess.run(["dpkg-deb", "-x", str(package), str(unpacked)], check=True, timeout=120)
    assert run_bundle(unpacked / "opt" / "mcv" / "mcv", "--version").returncode == 0
