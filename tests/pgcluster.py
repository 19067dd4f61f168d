"""A throwaway PostgreSQL cluster for the tests: Debian's server binaries, run as the `postgres` user
(initdb refuses root), on a free port on 127.0.0.1 only, in a temporary folder removed at the end."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

DATABASE = "practice_line_test"


def server_bin() -> Path | None:
    """The newest installed server's bin folder (Debian: /usr/lib/postgresql/<version>/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresCluster:
    """initdb + pg_ctl start in a temp folder; `url` is a fresh database's postgresql:// URL."""

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.base = Path(tempfile.mkdtemp(prefix="practice-line-pg-"))
        self.data = self.base / "data"
        self.sockets = self.base / "sockets"
        self.sockets.mkdir()
        self.port = 0
        # initdb will not run as root: run the server as Debian's `postgres` user then.
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_owner:
            for folder in (self.base, self.sockets):
                shutil.chown(folder, "postgres", "postgres")

    @property
    def url(self) -> str:
        """The test database's URL."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def start(self) -> None:
        """Create the cluster, start it on a free port and create the test database; raises with the log on failure."""
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--no-locale", "--no-sync")
        for attempt in range(3):  # another process may take the free port before the server does
            self.port = free_port()
            options = self._options()
            started = subprocess.run(
                [*self.as_owner, str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.base / "server.log"),
                 "-w", "-t", "60", "-o", options, "start"], cwd=self.base, capture_output=True, text=True, check=False)
            if started.returncode == 0:
                break
        else:
            raise RuntimeError(f"pg_ctl start failed:\n{started.stdout}{started.stderr}\n{self.log()}")
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", DATABASE)

    def stop_server(self) -> None:
        """Stop the server as an outage would (fast shutdown: connections are dropped); the data stays."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def start_server(self) -> None:
        """Start the stopped server again, on the same port."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.base / "server.log"), "-w", "-t", "60",
                  "-o", self._options(), "start")

    def _options(self) -> str:
        return (f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")

    def processes(self) -> list[int]:
        """The postmaster and every process it started."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        found, queue = [], [postmaster]
        while queue:
            pid = queue.pop()
            found.append(pid)
            try:
                queue += [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
            except OSError:
                pass
        return found

    def freeze(self) -> None:
        """SIGSTOP every server process: connections stay open and nothing answers (a stuck server)."""
        for pid in self.processes():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT every server process."""
        for pid in self.processes():
            os.kill(pid, signal.SIGCONT)

    def stop(self) -> None:
        """Stop the server (if it runs) and remove the folder."""
        if (self.data / "postmaster.pid").exists():
            subprocess.run([*self.as_owner, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                            "-w", "stop"], cwd=self.base, capture_output=True, check=False)
        shutil.rmtree(self.base, ignore_errors=True)

    def log(self) -> str:
        """The server's log so far."""
        path = self.base / "server.log"
        return path.read_text(errors="replace") if path.exists() else "(no server log)"

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run([*self.as_owner, str(self.bin / program), *args], cwd=self.base,
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
