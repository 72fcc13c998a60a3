"""A real PostgreSQL server for the test session, from the machine's own binaries.

``initdb`` and ``pg_ctl`` in a temporary folder, listening on a free loopback port (and a
socket in that folder), as pytest-postgresql does. PostgreSQL refuses to run as root:
as root, the server is run as the ``postgres`` user (or ``nobody``), which owns the folder.
Each test that asks for ``postgres_url`` gets a database of its own on the one server.
Without the binaries (``.ci/run`` installs them) those tests are skipped, not failed,
unless ``CI`` is set.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio


def binaries() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres, newest version first."""
    found = shutil.which("pg_ctl")
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    if found:
        candidates.insert(0, str(Path(os.path.realpath(found)).parent))
    for folder in candidates:
        if all((Path(folder) / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _runner() -> dict[str, object]:
    """How to run the server's tools: as ourselves, or (as root) as an unprivileged user."""
    if os.geteuid() != 0:
        return {}
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    raise RuntimeError("running as root and no unprivileged user to run PostgreSQL as")


class Server:
    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="perfbot-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.run_as = _runner()
        if self.run_as:
            os.chown(self.root, int(str(self.run_as["user"])), int(str(self.run_as["group"])))

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    def _tool(self, *args: str) -> None:
        subprocess.run([str(self.bin / args[0]), *args[1:]], check=True, cwd=self.root,
                       capture_output=True, **self.run_as)  # type: ignore[call-overload]

    def start(self) -> None:
        self._tool("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                   "-E", "UTF8", "--no-sync", "--locale=C")
        # -F: no fsync (a test server need not survive a power cut); a socket of its own.
        options = f"-F -h 127.0.0.1 -p {self.port} -k {self.root} -c max_connections=200"
        self._tool("pg_ctl", "-D", str(self.data), "-o", options,
                   "-l", str(self.root / "server.log"), "-w", "-t", "60", "start")

    def stop(self) -> None:
        try:
            self._tool("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Server]:
    bin_dir = binaries()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries missing: .ci/run should have installed them")
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not installed")
    server = Server(bin_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest_asyncio.fixture
async def postgres_url(postgres_server: Server) -> AsyncIterator[str]:
    """A new, empty database on the session's server."""
    import asyncpg

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(f"{postgres_server.url}/postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield f"{postgres_server.url}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store the App supports: the embedded SQLite file, then PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'perfbot.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))
