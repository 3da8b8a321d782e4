"""A private PostgreSQL cluster for a test that stops and restarts its server: Debian's
binaries, initdb'd into a temporary folder owned by ``postgres``, on a free port with its
socket in that folder. Never the server the suite itself runs on."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.mail.servers import free_port


def _binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("Debian's PostgreSQL server binaries are not installed")
    return Path(found[-1]).parent


class PrivateCluster:
    def __init__(self) -> None:
        self.bin = _binaries()
        self.port = free_port()
        # Not under pytest's tmp_path, whose parents are mode 0700: the server runs as
        # `postgres` and must reach its files.
        self.root = Path(tempfile.mkdtemp(prefix="helpwire-pg-"))
        self.data, self.log = self.root / "data", self.root / "server.log"
        self.restarts = 0

    def url(self, dbname: str = "helpwire") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def _as_postgres(self, *args: str, timeout: float = 60) -> None:
        out = subprocess.run(["runuser", "-u", "postgres", "--", *args], capture_output=True,
                             text=True, timeout=timeout)
        assert out.returncode == 0, f"{args[0]}: {out.stdout[-2000:]}{out.stderr[-2000:]}"

    def start(self) -> None:
        """initdb the first time; then start the server and wait until it takes queries."""
        if not self.data.exists():
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-U",
                              "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8",
                              "--no-sync")
        else:
            self.restarts += 1
        self._pg_ctl("-l", str(self.log), "-o", f"-p {self.port} -k {self.root} "
                                                "-c listen_addresses=127.0.0.1", "start")

    def _pg_ctl(self, *args: str) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", *args)

    def restart(self, mode: str = "fast") -> None:
        """``fast``: clients are disconnected, a clean shutdown; ``immediate``: the server
        is killed and recovers from its WAL at start (a crash)."""
        self._pg_ctl("-l", str(self.log), "-m", mode, "restart")
        self.restarts += 1

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("-m", mode, "stop")

    def load(self, source_url: str, dbname: str = "helpwire") -> None:
        """A copy of a database of the suite's server (schema and rows) as ``dbname``."""
        subprocess.run([str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                        "-U", "postgres", dbname], check=True, timeout=60)
        dump = subprocess.run([str(self.bin / "pg_dump"), "--no-owner", "--no-privileges",
                               source_url], capture_output=True, check=True, timeout=120)
        subprocess.run([str(self.bin / "psql"), "-q", "-v", "ON_ERROR_STOP=1",
                        self.url(dbname)], input=dump.stdout, capture_output=True, check=True,
                       timeout=120)

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(["runuser", "-u", "postgres", "--", str(self.bin / "pg_ctl"), "-D",
                            str(self.data), "-m", "immediate", "-w", "stop"],
                           capture_output=True, timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)
