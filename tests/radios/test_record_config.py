"""``record = true|false`` on ``[[streams]]``: default off, read as a boolean, anything else refused."""

from pathlib import Path

import pytest

from radios.config import ConfigError, load_config

STREAM = '[[streams]]\nid = "cam"\nname = "Cam"\nkind = "mast"\nurl = "rtsp://h/x"\n'


def write(folder: Path, text: str) -> Path:
    path = folder / "mcv.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_record_is_off_unless_asked(tmp_path):
    assert load_config(write(tmp_path, STREAM)).streams[0].record is False


@pytest.mark.parametrize("value", [True, False])
def test_record_reads_a_boolean(tmp_path, value):
    loaded = load_config(write(tmp_path, STREAM + f"record = {str(value).lower()}\n"))
    assert loaded.streams[0].record is value


@pytest.mark.parametrize("value", ['"yes"', "1", "[true]"])
def test_record_refuses_anything_but_a_boolean(tmp_path, value):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, STREAM + f"record = {value}\n"))
    assert "streams[0].record" in str(caught.value)
    assert "true or false" in str(caught.value)
