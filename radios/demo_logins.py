"""The logins a demo run carries over from the config it was started with.

``mcv demo --config F`` writes a fresh config for its run; when F names a broker that
answers, an HQ login or a video dispatch target, the run logs in the same way. Only the
user name and the *path* of each password file are written into the run's config, never
a password: the secret stays in its private file (docs/security.md).
"""

from __future__ import annotations

import json

from radios.config import BrokerConfig, Config, DispatchConfig, UplinkConfig


def server_login_lines(server: BrokerConfig | UplinkConfig) -> str:
    """TOML lines for a server table: the user name, the password file and the CA file, as set."""
    lines = ""
    if server.username is not None:
        lines += f"username = {json.dumps(server.username)}\n"
    if server.password_file is not None:
        lines += f"password_file = {json.dumps(str(server.password_file))}\n"
    if server.ca_file is not None:
        lines += f"ca_file = {json.dumps(str(server.ca_file))}\n"
    return lines


def dispatch_section(dispatch: DispatchConfig) -> str:
    """A whole ``[dispatch]`` table copied from the base config, or nothing when it has no url."""
    if dispatch.url is None:
        return ""
    text = f"\n[dispatch]\nurl = {json.dumps(dispatch.url)}\n"
    if dispatch.password_file is not None:
        text += f"password_file = {json.dumps(str(dispatch.password_file))}\n"
    return text + f"stream_kbps = {dispatch.stream_kbps}\ntotal_kbps = {dispatch.total_kbps}\n"


def carried_broker_login(base: Config, uses_configured_broker: bool) -> str:
    """The ``[broker]`` login lines for the run: the base config's, when its broker is the one used."""
    return server_login_lines(base.broker) if uses_configured_broker else ""
