"""A CoT link to a TAK server over TLS, against ``openssl s_server`` on 127.0.0.1 wanting a client certificate.

The CA, the server certificate (for IP 127.0.0.1), a client certificate with a key under a
passphrase, and a CA nobody uses are made by openssl in the test. ``s_server`` writes what
its stdin gets to the client and what the client sends to its stdout, so it plays a TAK
server's two directions: SA to us, our SA to it. A small relaying TLS server (Python's ssl)
carries a pytak client's SA over TLS to the link as well.
"""

import asyncio
import configparser
import re
import socket
import ssl
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import pytest
from support import reap, wait_until

sys.path.insert(0, str(Path(__file__).parent))  # tak_peer.py sits beside this file
from tak_peer import ATAK_SA, LOOPBACK, free_port, pytak  # noqa: E402
from tls_certs import make_ca, make_certificate  # noqa: E402

from radios.config import ConfigError, LinkConfig, load_config  # noqa: E402
from radios.cot import build_unit  # noqa: E402
from radios.cot_link import CotLink, parse_cot_url  # noqa: E402
from radios.cot_tls import TlsSetupError, client_context  # noqa: E402

PASSPHRASE = "k3y-pass phrase"


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tak-certs")
    for ca in ("ca", "other-ca"):
        make_ca(folder, ca)
    make_certificate(folder, "server", "ca", ip=LOOPBACK)
    make_certificate(folder, "client", "ca", passphrase=PASSPHRASE)
    make_certificate(folder, "stranger", "other-ca")
    (folder / "passphrase").write_text(PASSPHRASE + "\n")
    (folder / "passphrase").chmod(0o600)
    return folder


class TlsTakServer:
    """``openssl s_server`` on a free loopback port, asking for a client certificate signed by ``ca.crt``."""

    def __init__(self, certs: Path) -> None:
        self.port = free_port(socket.SOCK_STREAM)
        self.url = f"tls://{LOOPBACK}:{self.port}"
        self.process = subprocess.Popen(
            ["openssl", "s_server", "-accept", f"{LOOPBACK}:{self.port}", "-cert", "server.crt", "-key", "server.key",
             "-CAfile", "ca.crt", "-Verify", "1", "-verify_return_error", "-quiet"],
            cwd=certs, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert wait_until(self._listening, 10), "openssl s_server did not start listening"

    def _listening(self) -> bool:
        with socket.socket() as probe:
            try:
                probe.bind((LOOPBACK, self.port))
            except OSError:
                return True   # taken: s_server holds it
            return False

    def say(self, data: bytes) -> None:
        """Bytes from the server to the connected client."""
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def stop(self) -> str:
        """Stop the server; everything it printed (what the client sent, and its errors)."""
        self.process.terminate()
        try:
            output, _ = self.process.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            output = b""
        reap(self.process)
        return output.decode("utf-8", "replace")


@pytest.fixture
def tak_server(certs):
    server = TlsTakServer(certs)
    yield server
    if server.process.poll() is None:
        server.stop()


class Seen:
    def __init__(self) -> None:
        self.uids: list[str] = []
        self._lock = threading.Lock()

    def on_event(self, link_id, event) -> None:
        """Reader thread of the link."""
        with self._lock:
            self.uids.append(event.uid)


def tls_link(certs: Path, url: str, seen: Seen | None = None, outgoing=None, **files) -> CotLink:
    settings = {"ca_file": certs / "ca.crt", "cert_file": certs / "client.crt", "key_file": certs / "client.key",
                "key_password": PASSPHRASE, **files}
    config = LinkConfig(id="takserver", type="cot", url=url, **settings)
    return CotLink(config, on_event=(seen or Seen()).on_event, outgoing=outgoing)


def test_tls_both_ways_with_a_client_certificate_and_an_encrypted_key(certs, tak_server):
    seen = Seen()
    ours = build_unit("mcv-cv1-drone-1", "Drone 1", 30.28, 120.16)
    link = tls_link(certs, tak_server.url + "?send_every=0.2", seen, outgoing=lambda: [ours])
    link.start()
    try:
        assert wait_until(lambda: link.is_open, 10), link.status().detail
        assert "TLSv1.3" in link.status().detail or "TLSv1.2" in link.status().detail
        tak_server.say(ATAK_SA.replace(b"\n", b" ") + b"\n")
        assert wait_until(lambda: "ANDROID-359975090666199" in seen.uids, 10), link.status().detail
        assert wait_until(lambda: link.status().state == "up", 5)
        assert wait_until(lambda: link.status().messages_out >= 2, 5)
        printed = tak_server.stop()   # the server goes away: the link notices and keeps retrying
        assert wait_until(lambda: not link.is_open and "TAK server" in link.status().detail, 10), \
            link.status().detail
    finally:
        link.stop()
    assert 'uid="mcv-cv1-drone-1"' in printed   # our SA arrived decrypted at the server


def test_a_server_signed_by_another_ca_is_an_error_that_names_ca_file(certs, tak_server):
    link = tls_link(certs, tak_server.url, ca_file=certs / "other-ca.crt")
    link.start()
    try:
        assert wait_until(lambda: "not trusted" in link.status().detail, 10), link.status().detail
        status = link.status()
        assert status.state == "down" and "ca_file" in status.detail and not link.is_open
        assert link._thread.is_alive()   # it keeps retrying
    finally:
        link.stop()


@pytest.mark.parametrize("files, words", [
    ({"cert_file": None, "key_file": None}, "refused our client certificate"),
    ({"cert_file": "stranger.crt", "key_file": "stranger.key", "key_password": None}, "refused our client certificate"),
])
def test_a_refused_client_certificate_says_which_files_to_check(certs, tak_server, files, words):
    files = {name: certs / value if isinstance(value, str) else value for name, value in files.items()}
    link = tls_link(certs, tak_server.url, **files)
    link.start()
    try:
        assert wait_until(lambda: words in link.status().detail, 10), link.status().detail
        assert "cert_file" in link.status().detail
    finally:
        link.stop()
    assert "CoT" not in tak_server.stop()


@pytest.mark.parametrize("files, words", [
    ({"key_password": None}, "add key_password_file"),
    ({"key_password": "wrong"}, "passphrase does not open the key"),
    ({"ca_file": "client.key"}, "is not a PEM CA certificate"),
    ({"cert_file": "ca.srl"}, "cannot be loaded"),
    ({"cert_file": None}, "no cert_file"),
])
def test_unusable_tls_files_are_named_before_any_connection(certs, files, words):
    files = {name: certs / value if isinstance(value, str) and name != "key_password" else value
             for name, value in files.items()}
    settings = {"ca_file": certs / "ca.crt", "cert_file": certs / "client.crt", "key_file": certs / "client.key",
                "key_password": PASSPHRASE, **files}
    with pytest.raises(TlsSetupError, match=re.escape(words)) as raised:
        client_context(LinkConfig(id="takserver", type="cot", url="tls://127.0.0.1:8089", **settings))
    assert PASSPHRASE not in str(raised.value) and "wrong" not in str(raised.value)
    port = free_port(socket.SOCK_STREAM)
    link = CotLink(LinkConfig(id="takserver", type="cot", url=f"tls://{LOOPBACK}:{port}", **settings),
                   on_event=Seen().on_event)
    link.start()
    try:
        assert wait_until(lambda: words in link.status().detail, 10), link.status().detail
        assert link.status().state == "down"
    finally:
        link.stop()


def test_tls_urls_and_the_config_keys(tmp_path, certs):
    assert parse_cot_url("tls://takserver:8089").tls and parse_cot_url("tls://takserver:8089").transport == "tcp"
    assert not parse_cot_url("tcp://takserver:8087").tls
    config = tmp_path / "mcv.toml"
    link = (f'[[links]]\nid = "takserver"\ntype = "cot"\nurl = "tls://10.0.0.9:8089"\n'
            f'ca_file = "{certs}/ca.crt"\ncert_file = "{certs}/client.crt"\nkey_file = "{certs}/client.key"\n')
    config.write_text(link + f'key_password_file = "{certs}/passphrase"\n')
    loaded = load_config(config).links[0]
    assert loaded.key_password == PASSPHRASE and PASSPHRASE not in repr(loaded)
    client_context(loaded)   # the files and passphrase as loaded open the key
    for extra, words in ((f'key_password_file = "{tmp_path}/none"\n', "links[0].key_password_file"),
                         ('key_password_file = "empty"\n', "is empty"),
                         ('key_password_file = "passphrase"\nca_file = "missing.crt"\n', "links[0].ca_file")):
        (tmp_path / "empty").write_text("")
        (tmp_path / "passphrase").write_text(PASSPHRASE)
        (tmp_path / "empty").chmod(0o600)
        (tmp_path / "passphrase").chmod(0o600)
        config.write_text(link.replace(f'ca_file = "{certs}/ca.crt"\n', "") + extra)
        with pytest.raises(ConfigError, match=re.escape(words)):
            load_config(config)


class TlsRelay:
    """A TAK server's TLS port as far as clients can tell: wants a client certificate from ``ca.crt`` and relays
    each client's bytes to the others. One accepting thread and one per client, all joined on exit."""

    def __init__(self, certs: Path) -> None:
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(str(certs / "server.crt"), str(certs / "server.key"))
        self._context.load_verify_locations(str(certs / "ca.crt"))
        self._context.verify_mode = ssl.CERT_REQUIRED
        self._listener = socket.create_server((LOOPBACK, 0))
        self._listener.settimeout(0.1)
        self.url = f"tls://{LOOPBACK}:{self._listener.getsockname()[1]}"
        self.clients: list[ssl.SSLSocket] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads = [threading.Thread(target=self._accept, name="tls-relay", daemon=True)]

    def __enter__(self) -> "TlsRelay":
        self._threads[0].start()
        return self

    def __exit__(self, *exc) -> None:
        self._stopping.set()
        for thread in list(self._threads):
            thread.join(5)
        with self._lock:
            for client in self.clients:
                client.close()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                raw, _ = self._listener.accept()
            except TimeoutError:
                continue
            raw.settimeout(5)
            try:
                client = self._context.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError):
                raw.close()
                continue
            client.settimeout(0.1)
            with self._lock:
                self.clients.append(client)
            thread = threading.Thread(target=self._relay, args=(client,), name="tls-relay-client", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _relay(self, client: ssl.SSLSocket) -> None:
        while not self._stopping.is_set():
            try:
                data = client.recv(65536)
            except TimeoutError:
                continue
            except (ssl.SSLError, OSError):
                data = b""
            if not data:
                with self._lock:
                    self.clients.remove(client)
                client.close()
                return
            with self._lock:
                others = [other for other in self.clients if other is not client]
            for other in others:
                try:
                    other.sendall(data)
                except (ssl.SSLError, OSError):
                    pass


def pytak_tls_send(url: str, certs: Path, events: list[bytes]) -> None:
    """Send CoT as a pytak client over TLS, with the client certificate and its encrypted key."""
    parser = configparser.ConfigParser(interpolation=None)
    parser["tak"] = {"COT_URL": url, "PYTAK_NO_HELLO": "1", "PYTAK_TLS_CLIENT_CERT": str(certs / "client.crt"),
                     "PYTAK_TLS_CLIENT_KEY": str(certs / "client.key"), "PYTAK_TLS_CLIENT_PASSWORD": PASSPHRASE,
                     "PYTAK_TLS_CLIENT_CAFILE": str(certs / "ca.crt")}
    config = parser["tak"]

    async def run() -> None:
        with warnings.catch_warnings():   # pytak sets ssl.OP_NO_TLSv1*, which Python 3.11 deprecates
            warnings.simplefilter("ignore", DeprecationWarning)
            reader, writer = await pytak.protocol_factory(config)
        for event in events:
            writer.write(event)
        await writer.drain()
        await asyncio.sleep(0.05)   # let the last bytes leave before the close
        writer.close()
        await writer.wait_closed()

    asyncio.run(run())


def test_a_pytak_client_over_tls_reaches_the_link_through_a_tls_tak_server(certs):
    seen = Seen()
    with TlsRelay(certs) as relay:
        link = tls_link(certs, relay.url, seen)
        link.start()
        try:
            assert wait_until(lambda: link.is_open and len(relay.clients) == 1, 10), link.status().detail
            pytak_tls_send(relay.url, certs, [ATAK_SA])
            assert wait_until(lambda: "ANDROID-359975090666199" in seen.uids, 10), link.status().detail
        finally:
            link.stop()
