"""A real IMAP server for the tests: Dovecot (Debian's dovecot-imapd) in a folder of its
own, TLS with a throw-away CA, one user, started and stopped by process id."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import trustme

from tests.support.prefect_server import stop
from tests.support.smtp_servers import free_port

DOVECOT = shutil.which("dovecot") or (
    "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
)
USER, PASSWORD = "reader", "imap-s3cret"

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = required
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
auth_mechanisms = plain
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
"""


@dataclass
class ImapServer:
    port: int
    maildir: Path  # the user's INBOX, to deliver into
    client_context: ssl.SSLContext
    ca_file: Path  # the throw-away CA that signed the server's certificate, as PEM
    log: Path  # Dovecot's log: logins and refused connections

    def deliver(self, name: str, raw: bytes) -> None:
        path = self.maildir / "new" / name
        path.write_bytes(raw)
        shutil.chown(path, "dovecot", "dovecot")


@contextmanager
def imap_server(names: tuple[str, ...] = ("127.0.0.1", "localhost")) -> Iterator[ImapServer]:
    """Dovecot until the block ends, its certificate for `names`."""
    assert DOVECOT, "dovecot is not installed"
    root = Path(tempfile.mkdtemp(prefix="dovecot-"))
    root.chmod(0o755)  # the mail processes run as the dovecot user
    ca = trustme.CA()
    cert = ca.issue_cert(*names)
    cert.private_key_pem.write_to_path(str(root / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(root / "cert.pem"))
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n", encoding="utf-8")
    maildir = root / "mail" / USER
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for sub in ("run", "state"):
        (root / sub).mkdir()
    shutil.chown(root / "mail", "dovecot", "dovecot")
    for path in [maildir, *maildir.iterdir()]:
        shutil.chown(path, "dovecot", "dovecot")
    port = free_port()
    (root / "dovecot.conf").write_text(CONFIG.format(root=root, port=port), encoding="utf-8")
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        _wait_for(port, process, root)
        context = ssl.create_default_context()
        ca.configure_trust(context)
        ca.cert_pem.write_to_path(str(root / "ca.pem"))
        yield ImapServer(port, maildir, context, root / "ca.pem", root / "dovecot.log")
    finally:
        stop(process)
        shutil.rmtree(root, ignore_errors=True)


def _wait_for(port: int, process: subprocess.Popen, root: Path) -> None:
    import socket

    for _ in range(100):
        if process.poll() is not None:
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            raise RuntimeError(f"dovecot exited: {log[-2000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("dovecot did not start listening")


def can_run() -> str | None:
    """None when Dovecot can run here, else why not."""
    if DOVECOT is None:
        return "dovecot is not installed (apt-get install dovecot-imapd)"
    if os.geteuid() != 0:
        return "dovecot's test instance needs root to drop to its own users"
    return None
