"""The menu entry and icon: installed by installer/install_desktop.sh into the XDG data folder."""

from __future__ import annotations

import configparser
import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"


def install(data_home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(REPO / "installer" / "install_desktop.sh"), *args], capture_output=True, text=True,
                          env={**os.environ, "XDG_DATA_HOME": str(data_home)}, timeout=60, check=False)


def test_installs_entry_and_icon_in_the_user_data_folder_idempotently(tmp_path):
    first = install(tmp_path, "--exec", "/opt/mcv/mcv")
    entry = tmp_path / "applications" / "mcv.desktop"
    icon = tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "mcv.svg"
    installed_once = (entry.read_bytes(), icon.read_bytes())
    second = install(tmp_path, "--exec", "/opt/mcv/mcv")

    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert (entry.read_bytes(), icon.read_bytes()) == installed_once
    desktop = configparser.ConfigParser(interpolation=None)
    desktop.optionxform = str
    desktop.read(entry, encoding="utf-8")
    main = desktop["Desktop Entry"]
    assert main["Type"] == "Application" and main["Icon"] == "mcv"
    execs = [section["Exec"] for section in desktop.values() if "Exec" in section]
    assert len(execs) == 4 and all(line.startswith("/opt/mcv/mcv console") for line in execs)


def test_refuses_an_mcv_path_the_exec_line_would_need_to_quote(tmp_path):
    result = install(tmp_path, "--exec", "/opt/my mcv/mcv")

    assert result.returncode == 1 and "plain path" in result.stderr
    assert not (tmp_path / "applications" / "mcv.desktop").exists()


def test_icon_is_a_square_svg():
    root = ET.parse(REPO / "resources" / "icons" / "mcv.svg").getroot()

    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 128 128"
