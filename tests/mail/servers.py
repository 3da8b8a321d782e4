"""Real mail servers on loopback for the email channel's tests: Debian's Dovecot (IMAP, IMAPS,
STARTTLS) and an aiosmtpd server that captures what we send. No system service is involved:
each has its own config, directories and free ports; tests/mail/conftest.py starts them."""

from __future__ import annotations

import contextlib
import imaplib
import itertools
import os
import pwd
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, Literal, NamedTuple

HOST = "127.0.0.1"


class Address(NamedTuple):
    host: str
    port: int


def free_port() -> int:
    """A port nobody listens on right now (the kernel picks it; the tiny race is accepted)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def require_dovecot() -> str:
    """The dovecot binary. Like tests/e2e/harness.py's require_chromium(): in CI a missing
    Dovecot fails the run; elsewhere the tests that need it are skipped with the reason."""
    import pytest

    # Debian installs it in /usr/sbin, which a non-root PATH usually lacks.
    if binary := shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin"):
        return binary
    reason = "Debian's Dovecot is not installed (apt-get install dovecot-imapd)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)


@dataclass(frozen=True)
class TlsCert:
    """A self-signed certificate for 127.0.0.1 and localhost, shared by IMAP and SMTP (made
    by the tls_cert fixture)."""

    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert, self.key)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        """Trusts exactly this certificate, with full verification (hostname 127.0.0.1)."""
        return ssl.create_default_context(cafile=str(self.cert))


def unverified_context() -> ssl.SSLContext:
    """What a client set to "don't verify the certificate" uses."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


# --- Dovecot --------------------------------------------------------------------------------
class MailUser(NamedTuple):
    login: str
    password: str


def mailbox_name(folder: str) -> str:
    """A folder name as IMAP wants it: modified UTF-7 ("Входящие"), quoted ("Sent Items")."""
    from imap_tools.imap_utf7 import utf7_encode

    encoded = utf7_encode(folder).decode("ascii")
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


CONFIG = """\
# Written by tests/mail/servers.py for one test session; nothing from /etc/dovecot is used.
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
auth_verbose = yes
protocols = imap
listen = {host}
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
# The channel's "no TLS" setting logs in in plain text on the plain port; allow it.
disable_plaintext_auth = no
auth_mechanisms = plain login
# A wrong password would cost ~2 s, and every later login from 127.0.0.1 would be slowed by
# the auth penalty (4 s and up); an unusable anvil-auth-penalty socket switches that off.
auth_failure_delay = 0
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
# One passwd-file per user: Dovecot re-reads a changed passwd-file at most once a second, so a
# user appended to a shared file can stay "unknown" for a second; a new file is read at once.
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd.d/%u
}}
# Every user's mail belongs to one unprivileged uid (see DovecotServer.start).
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
first_valid_uid = {uid}
last_valid_uid = {uid}
mail_location = maildir:~/Maildir
mail_fsync = never
# Tests may hold many connections for one user from 127.0.0.1 (the default allows 10).
mail_max_userip_connections = 200
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = {ssl_port}
    ssl = yes
  }}
}}
# A subclass's additions (tests/mail/oauth_servers.py); what it sets again wins over the above.
!include_try {root}/extra.conf
"""


class DovecotServer:
    """`dovecot -F` with its own config, directories, users and free loopback ports:
    `port` (IMAP, STARTTLS offered) and `ssl_port` (IMAPS)."""

    def __init__(self, binary: str, cert: TlsCert) -> None:
        self.binary, self.host, self.cert = binary, HOST, cert
        self.port, self.ssl_port = free_port(), free_port()
        # Not under pytest's tmp_path, whose parents are mode 0700: Dovecot's auth process
        # (user `dovecot`) and mail processes (`nobody`) must reach the files in here.
        self.root = Path(tempfile.mkdtemp(prefix="helpwire-dovecot-"))
        self.root.chmod(0o711)
        self.log = self.root / "dovecot.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.startup_seconds = 0.0
        self._passwords: dict[str, str] = {}
        self._seq = itertools.count(1)

    def start(self, timeout: float = 15.0) -> None:
        # Run as root (CI is). Dovecot refuses uid 0 for mail ("userdb returned 0 as uid", even
        # with first_valid_uid = 0), so all mail is `nobody`'s. (Not root would need default_
        # internal_user/_group, default_login_user = you; "chroot =" for imap-login/anvil/ipc.)
        nobody = pwd.getpwnam("nobody")
        (self.root / "passwd.d").mkdir(mode=0o755)
        (self.root / "mail").mkdir()
        os.chown(self.root / "mail", nobody.pw_uid, nobody.pw_gid)
        (self.root / "dovecot.conf").write_text(CONFIG.format(
            root=self.root, host=HOST, port=self.port, ssl_port=self.ssl_port,
            uid=nobody.pw_uid, gid=nobody.pw_gid, cert=self.cert.cert, key=self.cert.key))
        began = time.monotonic()
        # Fatal configuration errors go to stderr, before the log file is opened.
        with open(self.root / "dovecot.stderr", "wb") as out:
            self.process = subprocess.Popen(
                [self.binary, "-F", "-c", str(self.root / "dovecot.conf")],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        while not self._greets():
            if self.process.poll() is not None or time.monotonic() - began > timeout:
                self.stop(remove=False)
                raise RuntimeError(f"Dovecot did not start on {HOST}:{self.port} within "
                                   f"{timeout} s (exit code {self.process.returncode}, files "
                                   f"in {self.root}):\n{self.log_tail()}")
            time.sleep(0.05)
        self.startup_seconds = time.monotonic() - began

    def _greets(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), 1) as s:
            return s.recv(100).startswith(b"* OK")
        return False

    def stop(self, remove: bool = True) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # the master takes its children down (takes ~1 s)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if remove:
            shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 30) -> str:
        tails = []
        for path in (self.root / "dovecot.stderr", self.log):
            if path.exists():
                tails += [f"--- {path.name}",
                          *path.read_text(errors="replace").splitlines()[-lines:]]
        return "\n".join(tails)

    def add_user(self, login: str, password: str) -> None:
        """The user can log in at once, also after start. Dovecot lowercases logins."""
        if re.search(r"[/:\s]", login) or re.search(r"[:\n]", password):
            raise ValueError(f"login/password unusable in a passwd-file: {login!r}")
        login = login.lower()
        path = self.root / "passwd.d" / login
        path.write_text(f"{login}:{{PLAIN}}{password}\n")
        path.chmod(0o644)  # read by the auth process, which runs as `dovecot`
        self._passwords[login] = password

    def new_user(self, prefix: str = "support") -> MailUser:
        """A user no other test has seen, so tests never see each other's messages."""
        n = next(self._seq)
        user = MailUser(f"{prefix}-{n}@helpwire.test", f"pw-{prefix}-{n}")
        self.add_user(*user)
        return user

    # The test's own look at the mailboxes: imaplib on the plain port.

    @contextlib.contextmanager
    def connect(self, login: str, folder: str | None = None,
                readonly: bool = False) -> Iterator[imaplib.IMAP4]:
        """A logged-in imaplib connection, with `folder` selected if given."""
        conn = imaplib.IMAP4(HOST, self.port, timeout=10)
        try:
            conn.login(login, self._passwords[login.lower()])
            if folder is not None:
                _ok(conn.select(mailbox_name(folder), readonly=readonly), "SELECT", folder)
            yield conn
        finally:
            with contextlib.suppress(Exception):
                conn.logout()

    def append(self, login: str, raw: bytes, folder: str = "INBOX",
               flags: Iterable[str] = ()) -> int:
        """Store a message as-is; its UID."""
        with self.connect(login) as conn:
            data = _ok(conn.append(mailbox_name(folder), " ".join(flags) or None, None, raw),
                       "APPEND", folder)
        return int(_find(rb"APPENDUID \d+ (\d+)", data))

    def uids(self, login: str, folder: str = "INBOX", criteria: str = "ALL") -> list[int]:
        with self.connect(login, folder, readonly=True) as conn:
            data = _ok(conn.uid("SEARCH", criteria), "SEARCH", criteria)
        return [int(uid) for uid in (data[0] or b"").split()]

    def flags(self, login: str, uid: int, folder: str = "INBOX") -> set[str]:
        """The stored flags; \\Recent is left out (it belongs to a session, not the message)."""
        with self.connect(login, folder, readonly=True) as conn:
            data = _ok(conn.uid("FETCH", str(uid), "(FLAGS)"), "FETCH", uid)
        if data == [None]:
            raise LookupError(f"no message with UID {uid} in {folder} of {login}")
        return set(_find(rb"FLAGS \(([^)]*)\)", data).split()) - {"\\Recent"}

    def uidvalidity(self, login: str, folder: str = "INBOX") -> int:
        with self.connect(login) as conn:
            data = _ok(conn.status(mailbox_name(folder), "(UIDVALIDITY)"), "STATUS", folder)
        return int(_find(rb"UIDVALIDITY (\d+)", data))

    def create_folder(self, login: str, name: str) -> None:
        """Created and subscribed, as a mail client does. The hierarchy separator is "."."""
        with self.connect(login) as conn:
            _ok(conn.create(mailbox_name(name)), "CREATE", name)
            _ok(conn.subscribe(mailbox_name(name)), "SUBSCRIBE", name)


def _ok(response: tuple[str, list[Any]], command: str, what: object) -> list[Any]:
    typ, data = response
    if typ != "OK":
        raise RuntimeError(f"IMAP {command} {what!r} failed: {typ} {data!r}")
    return data


def _find(pattern: bytes, data: list[Any]) -> str:
    for item in data:
        if isinstance(item, bytes) and (match := re.search(pattern, item)):
            return match.group(1).decode()
    raise RuntimeError(f"{pattern!r} not in the IMAP response {data!r}")


# --- SMTP -----------------------------------------------------------------------------------
@dataclass
class Captured:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    message: EmailMessage  # parsed with email.policy.default
    login: str | None = None  # the AUTH user, if the client authenticated


class SmtpCapture:
    """aiosmtpd on a free loopback port; every accepted message lands in `messages`.

    With `user`/`password`, AUTH PLAIN/LOGIN is required (at RCPT: 530; without TLS, like a
    relay on localhost) and only that pair is accepted. tls="starttls" requires STARTTLS first;
    tls="implicit" speaks TLS from the first byte (port 465 style)."""

    def __init__(self, *, user: str | None = None, password: str | None = None,
                 tls: Literal["starttls", "implicit"] | None = None,
                 cert: TlsCert | None = None) -> None:
        from aiosmtpd.controller import Controller

        self.host, self.port = HOST, free_port()
        self.user, self.password, self.cert = user, password, cert
        self.messages: list[Captured] = []
        self.refused: list[tuple[str, str]] = []  # (stage, reply) of each failure served
        self._failures: list[tuple[str, str]] = []
        self._cond = threading.Condition()
        kwargs: dict[str, Any] = {"enable_SMTPUTF8": True}
        if user is not None:  # AUTH offered without TLS; enforced in handle_RCPT
            kwargs.update(authenticator=self._authenticate, auth_require_tls=False)
        if tls and cert is None:
            raise ValueError("tls needs a cert (smtp_capture_factory passes the session's)")
        if tls == "starttls":
            kwargs.update(tls_context=cert.server_context(), require_starttls=True)
        elif tls == "implicit":
            kwargs.update(ssl_context=cert.server_context())
        self._controller = Controller(self, hostname=HOST, port=self.port, **kwargs)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def fail_next(self, count: int, reply: str, at: Literal["RCPT", "DATA"] = "DATA") -> None:
        """Answer the next `count` DATA (or RCPT) commands with `reply`, e.g. "451 4.3.0 Try
        again later". At DATA one failure = one message not delivered (smtplib raises
        SMTPDataError); at RCPT each recipient uses one up (SMTPRecipientsRefused)."""
        with self._cond:
            self._failures.extend([(at, reply)] * count)

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[Captured]:
        """All messages, once at least `count` have arrived (else AssertionError)."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"expected {count} message(s) on {HOST}:{self.port} "
                                     f"within {timeout} s, got {len(self.messages)}")
            return list(self.messages)

    # aiosmtpd's authenticator and handler hooks (they run in the controller's thread)

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult

        ok = (getattr(auth_data, "login", None) == (self.user or "").encode()
              and getattr(auth_data, "password", None) == (self.password or "").encode())
        # handled=False makes aiosmtpd answer 535 itself (True means "already answered").
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def _failure(self, stage: str) -> str | None:
        with self._cond:
            if self._failures and self._failures[0][0] == stage:
                self.refused.append(self._failures.pop(0))
                return self.refused[-1][1]
        return None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if self.user is not None and not session.authenticated:
            # Not aiosmtpd's auth_required: that warns on every connection without TLS.
            return "530 5.7.0 Authentication required"
        if reply := self._failure("RCPT"):
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if reply := self._failure("DATA"):
            return reply
        data = envelope.original_content or b""
        auth = getattr(session, "auth_data", None)
        captured = Captured(
            mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos), data=data,
            message=BytesParser(policy=policy.default).parsebytes(data),  # type: ignore[arg-type]
            login=auth.login.decode() if auth is not None else None)
        with self._cond:
            self.messages.append(captured)
            self._cond.notify_all()
        return "250 OK"

