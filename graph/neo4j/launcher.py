"""Run the real Neo4j 5.26 Community server locally from Maven Central jars, without Docker.

Why: the multi-user deployment is Neo4j, and developers, tests and CI need the same server on a
machine with only Java 17 and Maven. The jars are fetched once per machine (`mvn
dependency:copy-dependencies` over `neo4j_local/pom.xml`) into a cache shared by every checkout;
each server home (`./data/neo4j` by default) gets a `conf/neo4j.conf` written here, so what the
server listens on and how much memory it takes is decided in one place.

Example:
    server = LocalNeo4j(Path("data/neo4j"))
    uri, user, password = server.start()
    ...
    server.stop()
"""

from __future__ import annotations

import atexit
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable

from graph.errors import Neo4jLauncherError
from graph.lifetime import die_with_parent

NEO4J_VERSION = "5.26.31"
POM = Path(__file__).resolve().parents[2] / "neo4j_local" / "pom.xml"
USER = "neo4j"
MIN_PASSWORD = 8
#: Java 17 closes these packages; Neo4j's page cache and Netty need them opened (DESIGN.md).
JVM_FLAGS: tuple[str, ...] = (
    *(
        f"--add-opens=java.base/{pkg}=ALL-UNNAMED"
        for pkg in ("java.nio", "java.io", "sun.nio.ch", "java.lang", "java.util",
                    "java.util.concurrent")
    ),
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dfile.encoding=UTF-8",
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
)
SERVER_MAIN = "org.neo4j.server.CommunityEntryPoint"
ADMIN_MAIN = "org.neo4j.cli.AdminTool"


def default_jar_dir() -> Path:
    """Where the jars live: `LINEAGE_NEO4J_JARS`, else a per-machine cache outside any checkout."""
    if env := os.environ.get("LINEAGE_NEO4J_JARS"):
        return Path(env).expanduser()
    return Path.home() / ".cache" / "lineage" / f"neo4j-{NEO4J_VERSION}" / "jars"


def ensure_jars(jar_dir: Path | None = None) -> Path:
    """Return a directory holding the server jars, fetching them with Maven on first use.

    The fetch goes to a sibling `.partial` directory and is renamed when complete, so an
    interrupted fetch is never mistaken for a good cache.

    Raises:
        Neo4jLauncherError: `java` or `mvn` is missing, or Maven fails.
    """
    jars = jar_dir or default_jar_dir()
    _require_java()
    if (jars / f"neo4j-{NEO4J_VERSION}.jar").is_file():
        return jars
    if shutil.which("mvn") is None:
        raise Neo4jLauncherError(
            f"Maven ('mvn') is not on PATH; it fetches the Neo4j jars once into {jars} "
            "(install it, e.g. `apt-get install maven`, or set LINEAGE_NEO4J_JARS to a jar folder)"
        )
    partial = jars.with_name(jars.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        ["mvn", "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
         f"-DoutputDirectory={partial}"],
        capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0 or not (partial / f"neo4j-{NEO4J_VERSION}.jar").is_file():
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-1:] or ["no output"]
        raise Neo4jLauncherError(
            f"fetching the Neo4j {NEO4J_VERSION} jars with Maven failed ({tail[0][:200]}); "
            f"run `mvn -B -f {POM} dependency:copy-dependencies -DoutputDirectory={jars}` to see why"
        )
    shutil.rmtree(jars, ignore_errors=True)
    partial.rename(jars)
    return jars


def _require_java() -> None:
    java = shutil.which("java")
    if java is None:
        raise Neo4jLauncherError(
            "Java is not on PATH; Neo4j 5.26 needs Java 17 or 21 "
            "(e.g. `apt-get install openjdk-17-jre-headless`)"
        )
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False).stderr
    match = re.search(r'version "(\d+)', out)
    if match is None or int(match.group(1)) < 17:
        raise Neo4jLauncherError(f"Neo4j 5.26 needs Java 17 or 21; `java -version` says: {out.strip()[:120]}")


def port_is_free(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:port (a bind test, as the server will do)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the server does: sockets of a just-stopped server in TIME_WAIT must not count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    """Distinct ports the OS reports free right now (tests run servers side by side)."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in socks]
    finally:
        for sock in socks:
            sock.close()


@dataclass(frozen=True)
class Neo4jStatus:
    """What `lineage neo4j status` reports."""

    running: bool
    pid: int | None
    uri: str
    log: Path
    home: Path


class LocalNeo4j:
    """One local Neo4j server living in `home` (conf/, data/, logs/, run/ and `password`).

    Args:
        home: the server home; created on first start.
        bolt_port, http_port: 127.0.0.1 ports to listen on.
        password: the `neo4j` user's password; None takes `NEO4J_PASSWORD`, else the one stored
            in `home/password`, else (first start only) a random one stored there with mode 0600.
        heap, pagecache: JVM heap maximum and page cache size; small defaults because the
            machine is shared.
        jar_dir: jar folder; default `default_jar_dir()`.
        tls_dir: a folder holding `private.key` and `public.crt` (PEM): Bolt then takes TLS only
            (`server.bolt.tls_level=REQUIRED`) and `uri` is `bolt+ssc://` (self-signed: encrypted,
            not verified). None (the default): plain Bolt, on 127.0.0.1 only.
    """

    def __init__(
        self,
        home: Path,
        bolt_port: int = 7687,
        http_port: int = 7474,
        password: str | None = None,
        *,
        heap: str = "1g",
        pagecache: str = "512m",
        jar_dir: Path | None = None,
        tls_dir: Path | None = None,
    ) -> None:
        self.home = home.resolve()
        self.tls_dir = tls_dir.resolve() if tls_dir else None
        self.bolt_port = bolt_port
        self.http_port = http_port
        self.heap = heap
        self.pagecache = pagecache
        self._password = password
        self._jar_dir = jar_dir

    # --------------------------------------------------------------------- paths
    @property
    def uri(self) -> str:
        return f"{'bolt+ssc' if self.tls_dir else 'bolt'}://127.0.0.1:{self.bolt_port}"

    @property
    def log_path(self) -> Path:
        """The server's own log (startup, shutdown, errors)."""
        return self.home / "logs" / "neo4j.log"

    @property
    def console_path(self) -> Path:
        """The JVM's stdout/stderr: where a crash before logging starts shows up."""
        return self.home / "logs" / "console.log"

    @property
    def _state_path(self) -> Path:
        return self.home / "run" / "neo4j.json"

    @property
    def _password_path(self) -> Path:
        return self.home / "password"

    # ----------------------------------------------------------------- lifecycle
    def start(self, timeout: float = 180.0, *, die_with_caller: bool = False) -> tuple[str, str, str]:
        """Start the server (or find it running from this home) and wait until Bolt answers.

        `die_with_caller` ties a server this call starts to the calling process: the kernel stops
        it when the caller dies, even by SIGKILL (a test run killed on a timeout used to leave
        its 1 GB server running). `lineage neo4j start` leaves it off: that server outlives it.

        Returns:
            (uri, user, password) to connect with.

        Raises:
            Neo4jLauncherError: Java/Maven missing, a port in use, or the server did not come up
                within `timeout` seconds (the message names the log to read).
        """
        state = self._read_state()
        if state is not None:
            self.bolt_port, self.http_port = state["bolt_port"], state["http_port"]
            password = self._resolve_password(first_start=False)
            self._wait_for_bolt(password, state["pid"], timeout)
            return self.uri, USER, password
        jars = ensure_jars(self._jar_dir)
        for name, port in (("bolt", self.bolt_port), ("http", self.http_port)):
            if not port_is_free(port):
                raise Neo4jLauncherError(
                    f"port {port} ({name}) on 127.0.0.1 is already in use; stop what listens there "
                    f"or choose another with --{name}-port / LINEAGE_NEO4J_{name.upper()}_PORT"
                )
        first_start = not (self.home / "data" / "databases" / "system").exists()
        password = self._resolve_password(first_start=first_start)
        if first_start and len(password) < MIN_PASSWORD:
            raise Neo4jLauncherError(
                f"NEO4J_PASSWORD must have at least {MIN_PASSWORD} characters (Neo4j's minimum)"
            )
        self._write_conf()
        if first_start:
            # `--` ends the options: a password starting with "-" would be read as one.
            self._admin(jars, ["dbms", "set-initial-password", "--", password],
                        what="set the initial password")
        (self.home / "logs").mkdir(parents=True, exist_ok=True)
        with self.console_path.open("ab") as log:
            proc = subprocess.Popen(
                ["java", f"-Xms{self.heap}", f"-Xmx{self.heap}", *JVM_FLAGS, "-cp", f"{jars}/*",
                 SERVER_MAIN, f"--home-dir={self.home}", f"--config-dir={self.home / 'conf'}"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                cwd=self.home, env=self._env(), start_new_session=True,
                preexec_fn=die_with_parent() if die_with_caller else None,
            )
        self._state_path.parent.mkdir(parents=True, exist_ok=True)
        self._state_path.write_text(
            json.dumps({"pid": proc.pid, "bolt_port": self.bolt_port, "http_port": self.http_port})
        )
        try:
            self._wait_for_bolt(password, proc.pid, timeout)
        except Neo4jLauncherError:
            self.stop()
            raise
        return self.uri, USER, password

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop the server cleanly (SIGTERM, then SIGKILL after `timeout`); False if not running."""
        state = self._read_state()
        if state is None:
            return False
        pid = state["pid"]
        try:
            os.killpg(pid, signal.SIGTERM)
            psutil.Process(pid).wait(timeout)
        except psutil.TimeoutExpired:
            os.killpg(pid, signal.SIGKILL)
            psutil.Process(pid).wait(10)
        except (ProcessLookupError, psutil.NoSuchProcess):
            pass
        self._state_path.unlink(missing_ok=True)
        return True

    def is_running(self) -> bool:
        return self._read_state() is not None

    def status(self) -> Neo4jStatus:
        state = self._read_state()
        if state is not None:
            self.bolt_port = state["bolt_port"]
        return Neo4jStatus(
            running=state is not None,
            pid=state["pid"] if state else None,
            uri=self.uri,
            log=self.log_path,
            home=self.home,
        )

    def import_full(
        self, nodes: list[Path], relationships: list[Path], database: str = "neo4j"
    ) -> None:
        """Bulk-load CSV files with `neo4j-admin database import full`, replacing the database.

        The server must be stopped: the import tool writes the store files directly. Header
        formats follow the import tool's documentation (`:ID(Person)`, `:START_ID`, `:TYPE`, …).

        Raises:
            Neo4jLauncherError: the server is running or the import fails (see the log named).
        """
        if self.is_running():
            raise Neo4jLauncherError(
                "neo4j-admin import needs the server stopped: run `lineage neo4j stop` first"
            )
        jars = ensure_jars(self._jar_dir)
        self._write_conf()
        args = ["database", "import", "full", database, "--overwrite-destination"]
        args += [f"--nodes={p.resolve()}" for p in nodes]
        args += [f"--relationships={p.resolve()}" for p in relationships]
        self._admin(jars, args, what="import the CSV files")

    # ------------------------------------------------------------------- helpers
    def _read_state(self) -> dict[str, int] | None:
        """The recorded server, if its process is still ours and alive; stale records are removed."""
        try:
            state = json.loads(self._state_path.read_text())
            proc = psutil.Process(state["pid"])
            alive = proc.status() != psutil.STATUS_ZOMBIE and SERVER_MAIN in proc.cmdline()
        except (FileNotFoundError, ValueError, KeyError, psutil.Error):
            alive, state = False, None
        if not alive:
            self._state_path.unlink(missing_ok=True)
            return None
        return state

    def _resolve_password(self, first_start: bool) -> str:
        if self._password:
            return self._password
        if env := os.environ.get("NEO4J_PASSWORD"):
            return env
        if self._password_path.is_file():
            return self._password_path.read_text().strip()
        if not first_start:
            raise Neo4jLauncherError(
                f"the Neo4j password for {self.home} is unknown: set NEO4J_PASSWORD to the one "
                "chosen at its first start"
            )
        self._password = stored_password(self.home)
        return self._password

    def _env(self) -> dict[str, str]:
        return {**os.environ, "NEO4J_HOME": str(self.home), "NEO4J_CONF": str(self.home / "conf")}

    def _write_conf(self) -> None:
        """Write conf/neo4j.conf: loopback only, auth on, memory capped, no phoning home.

        The server's strict config validation rejects unknown keys, so a typo here fails the
        start loudly instead of being ignored.
        """
        conf = self.home / "conf"
        conf.mkdir(parents=True, exist_ok=True)
        settings = {
            "server.default_listen_address": "127.0.0.1",
            "server.default_advertised_address": "127.0.0.1",
            "server.bolt.listen_address": f"127.0.0.1:{self.bolt_port}",
            "server.http.listen_address": f"127.0.0.1:{self.http_port}",
            "server.https.enabled": "false",
            "server.http_enabled_modules": "TRANSACTIONAL_ENDPOINTS",
            "dbms.security.auth_enabled": "true",
            "dbms.usage_report.enabled": "false",
            "server.memory.heap.initial_size": self.heap,
            "server.memory.heap.max_size": self.heap,
            "server.memory.pagecache.size": self.pagecache,
            "server.directories.logs": str(self.home / "logs"),
            "server.directories.data": str(self.home / "data"),
            "server.directories.run": str(self.home / "run"),
            "db.tx_log.rotation.retention_policy": "2 files",
        }
        if self.tls_dir:  # the settings docs/security.md gives for a server of one's own
            settings |= {
                "dbms.ssl.policy.bolt.enabled": "true",
                "dbms.ssl.policy.bolt.base_directory": str(self.tls_dir),
                "dbms.ssl.policy.bolt.private_key": "private.key",
                "dbms.ssl.policy.bolt.public_certificate": "public.crt",
                "dbms.ssl.policy.bolt.client_auth": "NONE",
                "server.bolt.tls_level": "REQUIRED",
            }
        text = "# Written by graph/neo4j/launcher.py on every start; edits are overwritten.\n"
        (conf / "neo4j.conf").write_text(text + "".join(f"{k}={v}\n" for k, v in settings.items()))

    def _admin(self, jars: Path, args: list[str], what: str) -> None:
        (self.home / "logs").mkdir(parents=True, exist_ok=True)
        log = self.home / "logs" / "admin.log"
        with log.open("ab") as out:
            proc = subprocess.run(
                ["java", "-Xmx512m", *JVM_FLAGS, "-cp", f"{jars}/*", ADMIN_MAIN, *args],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                cwd=self.home, env=self._env(), check=False,
            )
        if proc.returncode != 0:
            raise Neo4jLauncherError(f"neo4j-admin could not {what} (exit {proc.returncode}); see {log}")

    def _wait_for_bolt(self, password: str, pid: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with GraphDatabase.driver(self.uri, auth=(USER, password), connection_timeout=2) as driver:
            while True:
                try:
                    driver.verify_connectivity()
                    return
                except AuthError as exc:
                    raise Neo4jLauncherError(
                        f"Neo4j in {self.home} rejects the password: set NEO4J_PASSWORD "
                        f"to the one chosen at its first start (or delete {self.home} to start over)"
                    ) from exc
                except (ServiceUnavailable, Neo4jError, OSError):
                    pass
                if not psutil.pid_exists(pid) or time.monotonic() > deadline:
                    why = "exited" if not psutil.pid_exists(pid) else f"did not answer in {timeout:.0f}s"
                    raise Neo4jLauncherError(
                        f"Neo4j {why} on {self.uri}; see {self.log_path} and {self.console_path}"
                    )
                time.sleep(0.5)


def stored_password(home: Path) -> str:
    """The password kept in `home/password`, generating and storing (mode 0600) one if absent."""
    path = home.resolve() / "password"
    if path.is_file():
        return path.read_text().strip()
    home.mkdir(parents=True, exist_ok=True)
    password = secrets.token_hex(18)  # no "-" or "_": nothing a command line could misread
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(password + "\n")
    return password


#: Test servers this process started, stopped when it exits so no JVM outlives a test run.
_TEST_SERVERS: dict[Path, LocalNeo4j] = {}


def ensure_test_server(home: Path) -> tuple[str, str, str]:
    """Start (or reuse, if already running from `home`) a small test server on free ports.

    The password is the one stored in `home/password`, never `NEO4J_PASSWORD`, so a developer's
    environment cannot make tests hit the wrong server. A server this call starts is stopped
    when the process exits; one it merely reuses is left running.

    Returns:
        (uri, user, password).
    """
    bolt, http = free_ports(2)
    server = LocalNeo4j(
        home, bolt, http, password=stored_password(home), heap="512m", pagecache="256m"
    )
    reused = server.is_running()
    started = server.start(die_with_caller=True)
    if not reused and server.home not in _TEST_SERVERS:
        if not _TEST_SERVERS:
            atexit.register(_stop_test_servers)
        _TEST_SERVERS[server.home] = server
    return started


def started_test_servers() -> list[LocalNeo4j]:
    """The test servers this process started (engine tests use them to exercise the launcher)."""
    return list(_TEST_SERVERS.values())


def _stop_test_servers() -> None:
    for server in _TEST_SERVERS.values():
        server.stop()
