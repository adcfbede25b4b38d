"""Attacks a hostile agent would try, each run for real against the sandbox (and the seeding).

Every agent here is a small standalone Python script written to a temporary
file and started with :func:`game.protocol.sandbox.launch` exactly as the
protocol runner starts user agents. Each attack test fails against the old
launcher (a plain subprocess with rlimits) and passes only with isolation:
it reads the platform's command line from ``/proc``, rewrites the results
at a known path, lists processes, connects to localhost, allocates 4 GiB,
forks without end, floods stderr, sleeps in a process that escaped its
process group. The seeding attacks are in ``test_sandbox_seeds.py``. They
need Linux with namespaces (as root or with user namespaces), as on the
development machines and CI; elsewhere they are skipped, loudly.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import game
from game.protocol import sandbox
from game.protocol.sandbox import Sandboxed, SandboxLimits, launch

ROOT = Path(game.__file__).resolve().parent.parent


def _namespaces_work() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        box = launch([sys.executable, "-c", "pass"], limits=SandboxLimits(), require_isolation=True)
    except sandbox.SandboxError:
        return False
    box.close()
    return True


isolation = pytest.mark.skipif(not _namespaces_work(), reason="no namespaces here: the sandbox falls back (docs/PROTOCOL.md#the-sandbox)")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="namespaces are Linux's")
def test_linux_gets_namespaces_not_the_fallback() -> None:
    """The attack tests skip without namespaces; on Linux (the development machines, CI) that must not pass quietly."""
    assert _namespaces_work(), "launch(require_isolation=True) failed: the kernel or container refuses namespaces"


@pytest.fixture
def started() -> Iterator[list[Sandboxed]]:
    boxes: list[Sandboxed] = []
    yield boxes
    for box in boxes:
        box.close()


def agent(tmp_path: Path, code: str, name: str = "agent.py") -> Path:
    path = tmp_path / "bot" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(textwrap.dedent(code))
    path.chmod(0o644)
    return path


def run(
    started: list[Sandboxed], script: Path, *args: str, limits: SandboxLimits | None = None, log: Path | None = None, timeout: float = 30
) -> tuple[Sandboxed, dict[str, Any]]:
    """Start ``script`` sandboxed, wait for it, and return its JSON report (its last stdout line)."""
    box = launch(
        [sys.executable, str(script), *args], limits=limits or SandboxLimits(), stderr_log=log, readable=[script]
    )
    started.append(box)
    out, _ = box.process.communicate(timeout=timeout)
    lines = out.decode().strip().splitlines()
    return box, json.loads(lines[-1]) if lines else {}


def marked_processes(marker: str) -> list[int]:
    """Host pids whose command line holds ``marker``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline:
                found.append(int(entry))
    return found


# ---------------------------------------------------------------- files and processes of the platform


PROC_SNOOP = """
    import json, os, re, sys
    found, errors = [], []
    for pid in {os.getppid(), int(sys.argv[1])} | {int(p) for p in os.listdir('/proc') if p.isdigit()}:
        try:
            cmd = open(f'/proc/{pid}/cmdline', 'rb').read().decode(errors='replace').split('\\0')
        except OSError as exc:
            errors.append(str(exc)); continue
        # Only our own platform's --out (this machine runs other people's tournaments too).
        if '--out' in cmd and sys.argv[2] in cmd[cmd.index('--out') + 1]:
            found.append(cmd[cmd.index('--out') + 1])
    written = []
    for out in found:
        try:
            with open(os.path.join(out, 'auctions.csv'), 'a') as f:
                f.write('forged\\n')
            written.append(out)
        except OSError as exc:
            errors.append(str(exc))
    print(json.dumps({'found': found, 'written': written}))
"""

PLATFORM = """
    import json, sys
    from pathlib import Path
    from game.protocol.sandbox import SandboxLimits, launch
    script = sys.argv[sys.argv.index('--agent') + 1]
    token = sys.argv[sys.argv.index('--out') + 1].rsplit('/', 1)[-1]
    box = launch([sys.executable, script, str(__import__('os').getpid()), token], limits=SandboxLimits(), readable=[Path(script)])
    out, _ = box.process.communicate(timeout=30)
    getattr(box, 'close', lambda: None)()
    sys.stdout.write(out.decode())
"""


@isolation
def test_agent_cannot_find_the_out_dir_in_the_platforms_command_line(tmp_path: Path) -> None:
    out = tmp_path / f"tournament-out-{os.getpid()}-{time.monotonic_ns()}"
    out.mkdir()
    (out / "auctions.csv").write_text("auction,seed\n1,7\n")
    snoop = agent(tmp_path, PROC_SNOOP)
    platform = agent(tmp_path, PLATFORM, "platform.py")
    import subprocess

    done = subprocess.run(
        [sys.executable, str(platform), "--out", str(out), "--agent", str(snoop)],
        capture_output=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True,
    )
    report = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert report["found"] == [] and report["written"] == []
    assert (out / "auctions.csv").read_text() == "auction,seed\n1,7\n"


RESULTS_ATTACK = """
    import json, os, sqlite3, sys
    db, csv, repo = sys.argv[1:4]
    report = {}
    try:
        con = sqlite3.connect(db)
        report['rows'] = con.execute('select * from auctions').fetchall()
        con.execute("update auctions set revenue = 0")
        con.commit()
        report['db'] = 'rewritten'
    except Exception as exc:
        report['db'] = f'refused: {exc}'
    try:
        with open(csv, 'w') as f:
            f.write('forged\\n')
        report['csv'] = 'rewritten'
    except OSError as exc:
        report['csv'] = f'refused: {exc}'
    try:
        os.unlink(csv)
        report['unlink'] = 'done'
    except OSError as exc:
        report['unlink'] = f'refused: {exc}'
    try:
        report['repo'] = open(repo).read(50)
    except OSError as exc:
        report['repo'] = f'refused: {exc}'
    print(json.dumps(report))
"""


@isolation
def test_agent_cannot_read_or_rewrite_the_results_at_a_known_path(tmp_path: Path, started: list[Sandboxed]) -> None:
    results = tmp_path / "out"
    results.mkdir()
    db = results / "auctions.sqlite"
    con = sqlite3.connect(db)
    con.execute("create table auctions (id integer, revenue integer)")
    con.execute("insert into auctions values (1, 500)")
    con.commit()
    con.close()
    csv = results / "auctions.csv"
    csv.write_text("auction,revenue\n1,500\n")
    for path in (results, db, csv):  # even world-readable files stay out of reach
        path.chmod(0o777 if path.is_dir() else 0o666)
    before = db.read_bytes()
    _, report = run(started, agent(tmp_path, RESULTS_ATTACK), str(db), str(csv), str(ROOT / "pyproject.toml"))
    assert report["db"].startswith("refused") and "rows" not in report
    assert report["csv"].startswith("refused") and report["unlink"].startswith("refused")
    assert report["repo"].startswith("refused")
    assert db.read_bytes() == before and csv.read_text() == "auction,revenue\n1,500\n"


LIST_PROCESSES = """
    import json, os
    seen = {}
    for pid in os.listdir('/proc'):
        if pid.isdigit():
            try:
                seen[pid] = open(f'/proc/{pid}/cmdline', 'rb').read().decode(errors='replace')
            except OSError:
                pass
    print(json.dumps(seen))
"""


@isolation
def test_agent_sees_no_process_but_its_own(tmp_path: Path, started: list[Sandboxed]) -> None:
    script = agent(tmp_path, LIST_PROCESSES)
    _, seen = run(started, script)
    assert list(seen.values()) == [f"{sys.executable}\0{script}\0"]  # itself, and not the platform (pid 1 is the agent)


CONNECT = """
    import json, socket, sys
    report = {}
    try:
        s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=2)
        s.sendall(b'stolen values')
        report['tcp'] = 'connected'
    except OSError as exc:
        report['tcp'] = f'refused: {exc}'
    print(json.dumps(report))
"""


@isolation
def test_agent_has_no_network(tmp_path: Path, started: list[Sandboxed]) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.2)
    try:
        _, report = run(started, agent(tmp_path, CONNECT), str(listener.getsockname()[1]))
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()
    assert report["tcp"].startswith("refused")


# ---------------------------------------------------------------- limits


ALLOCATE = """
    import json
    chunks = []
    for _ in range(64):  # 64 x 64 MiB = 4 GiB, touched so that it is real
        chunks.append(bytearray(64 << 20))
    print(json.dumps({'allocated_mib': 64 * len(chunks)}))
"""


@isolation
def test_agent_allocating_4_gib_stops_at_the_memory_limit_and_is_labelled_memory(
    tmp_path: Path, started: list[Sandboxed]
) -> None:
    log = tmp_path / "jazz.stderr.log"
    box, report = run(started, agent(tmp_path, ALLOCATE), limits=SandboxLimits(memory_mb=256), log=log)
    assert report == {}
    assert box.process.returncode != 0
    assert box.exit_cause() == "memory"
    assert "MemoryError" in box.stderr_tail()


@isolation
def test_busy_agent_stops_at_the_cpu_limit_and_is_labelled_cpu(tmp_path: Path, started: list[Sandboxed]) -> None:
    log = tmp_path / "jazz.stderr.log"
    box, report = run(started, agent(tmp_path, "while True:\n    pass\n"), limits=SandboxLimits(cpu_seconds=1), log=log)
    assert report == {}
    assert box.exit_cause() == "cpu"


FORK_BOMB = """
    import json, os, sys, time
    children = 0
    for _ in range(200):  # bounded, so that an unprotected run does not take the machine down
        try:
            if os.fork() == 0:
                time.sleep(20)
                os._exit(0)
            children += 1
        except OSError:
            break
    print(json.dumps({'children': children}), flush=True)
    time.sleep(20)
"""


@isolation
def test_fork_bomb_stops_at_the_process_limit_and_dies_with_the_agent(tmp_path: Path, started: list[Sandboxed]) -> None:
    marker = f"forkbomb-{os.getpid()}-{time.monotonic_ns()}"
    script = agent(tmp_path, FORK_BOMB, f"{marker}.py")
    box = launch([sys.executable, str(script)], limits=SandboxLimits(processes=16), readable=[script])
    started.append(box)
    assert box.process.stdout is not None
    report = json.loads(box.process.stdout.readline())
    assert report["children"] < 16
    assert marked_processes(marker)  # they are there, sleeping ...
    box.kill()
    deadline = time.monotonic() + 5
    while marked_processes(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marked_processes(marker) == []  # ... and gone with the agent


FLOOD = """
    import json, sys
    line = b'x' * 1023 + b'\\n'
    for _ in range(20 * 1024):  # 20 MiB
        sys.stderr.buffer.write(line)
    sys.stderr.flush()
    print(json.dumps({'done': True}))
"""


@isolation
def test_stderr_flood_is_cut_at_the_log_limit_and_never_blocks_the_agent(
    tmp_path: Path, started: list[Sandboxed], capfd: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "jazz.stderr.log"
    _, report = run(started, agent(tmp_path, FLOOD), limits=SandboxLimits(stderr_bytes=100_000), log=log)
    deadline = time.monotonic() + 5  # the log's writer may finish a moment after the agent
    while "cut at" not in log.read_text()[-200:] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert report == {"done": True}
    assert 100_000 <= log.stat().st_size <= 100_200
    assert "cut at 100000 bytes" in log.read_text()[-200:]
    assert capfd.readouterr().err == ""


JUNK = """
    import sys
    sys.stdout.write('not json ' * 200_000)
    sys.stdout.flush()
"""


@isolation
def test_stdout_junk_stays_in_the_pipe(tmp_path: Path, started: list[Sandboxed], capfd: pytest.CaptureFixture[str]) -> None:
    script = agent(tmp_path, JUNK)
    box = launch([sys.executable, str(script)], limits=SandboxLimits(), readable=[script])
    started.append(box)
    out, _ = box.process.communicate(timeout=30)
    assert out == b"not json " * 200_000
    captured = capfd.readouterr()
    assert "not json" not in captured.out + captured.err


SLEEPER = """
    import os, sys, time
    if os.fork() == 0:
        os.setsid()  # out of the process group, as a daemon would
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        os._exit(0)
    print('ready', flush=True)
    time.sleep(60)
"""


@isolation
def test_kill_ends_the_agent_and_everything_it_started(tmp_path: Path, started: list[Sandboxed]) -> None:
    marker = f"sleeper-{os.getpid()}-{time.monotonic_ns()}"
    script = agent(tmp_path, SLEEPER, f"{marker}.py")
    box = launch([sys.executable, str(script)], limits=SandboxLimits(), readable=[script])
    started.append(box)
    assert box.process.stdout is not None
    assert box.process.stdout.readline() == b"ready\n"
    time.sleep(0.2)
    assert len(marked_processes(marker)) >= 2
    begun = time.monotonic()
    box.kill()
    while marked_processes(marker) and time.monotonic() - begun < 5:
        time.sleep(0.02)
    assert marked_processes(marker) == []
    assert time.monotonic() - begun < 2
    assert box.exit_cause() == "killed"
    workdir = box.workdir
    box.close()
    assert not workdir.exists()


ORPHAN_PLATFORM = """
    import sys, time
    from pathlib import Path
    from game.protocol.sandbox import SandboxLimits, launch
    box = launch([sys.executable, sys.argv[1]], limits=SandboxLimits(), readable=[Path(sys.argv[1])])
    print(box.process.stdout.readline().decode().strip(), flush=True)
    time.sleep(60)
"""


@isolation
def test_agents_die_with_the_platform(tmp_path: Path) -> None:
    import subprocess

    marker = f"orphan-{os.getpid()}-{time.monotonic_ns()}"
    sleeper = agent(tmp_path, "print('ready', flush=True)\nimport time\ntime.sleep(60)\n", f"{marker}.py")
    platform = subprocess.Popen(
        [sys.executable, str(agent(tmp_path, ORPHAN_PLATFORM, "platform.py")), str(sleeper)],
        stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert platform.stdout is not None and platform.stdout.readline() == b"ready\n"
        assert marked_processes(marker)
    finally:
        platform.kill()
        platform.wait()
    deadline = time.monotonic() + 5
    while marked_processes(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marked_processes(marker) == []


@isolation
def test_agent_outlives_the_thread_that_started_it(tmp_path: Path, started: list[Sandboxed]) -> None:
    import threading

    script = agent(tmp_path, "import sys\nfor line in sys.stdin:\n    print(line.strip(), flush=True)\n")
    boxes: list[Sandboxed] = []
    def start() -> None:
        boxes.append(launch([sys.executable, str(script)], limits=SandboxLimits(), readable=[script]))

    thread = threading.Thread(target=start)
    thread.start()
    thread.join()
    started.extend(boxes)
    time.sleep(0.3)
    box = boxes[0]
    assert box.process.stdin is not None and box.process.stdout is not None
    box.process.stdin.write(b"still here\n")
    box.process.stdin.flush()
    assert box.process.stdout.readline() == b"still here\n"


ENVIRONMENT = """
    import json, os
    print(json.dumps({'env': dict(os.environ), 'cwd': os.getcwd(), 'uid': os.getuid(), 'files': os.listdir('.')}))
"""


@isolation
def test_environment_is_stripped_and_the_workdir_fresh_and_private(
    tmp_path: Path, started: list[Sandboxed], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOURNAMENT_OUT", str(tmp_path / "secret-out"))
    _, report = run(started, agent(tmp_path, ENVIRONMENT))
    assert report["uid"] != 0
    allowed = {"PATH", "LANG", "LC_ALL", "TZ", "HOME", "TMPDIR", "PYTHONDONTWRITEBYTECODE"}
    assert set(report["env"]) <= allowed | {"OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"}
    assert str(tmp_path) not in json.dumps(report["env"])
    # Nothing in it but the way to the agent's own script (bound read-only at its own path).
    assert report["files"] == [tmp_path.parts[2]] and report["cwd"] == report["env"]["HOME"] == report["env"]["TMPDIR"] == "/tmp"


@isolation
def test_a_file_the_agent_cannot_read_is_refused_with_its_path_and_mode(tmp_path: Path) -> None:
    script = agent(tmp_path, "print(1)\n")
    script.chmod(0o600)
    if os.geteuid() != 0:
        pytest.skip("as the platform's own uid (user namespace) the agent reads the owner's files")
    with pytest.raises(sandbox.SandboxError, match=r"agent\.py: mode 0600 is not readable by others \(chmod o\+r\)"):
        launch([sys.executable, str(script)], limits=SandboxLimits(), readable=[script])


def test_a_missing_mechanism_is_loud(
    tmp_path: Path, started: list[Sandboxed], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sandbox, "_TRY_NAMESPACES", False)
    monkeypatch.setattr(sandbox, "_warned", set())
    script = agent(tmp_path, "print('{}')\n")
    # Without a mount namespace a root platform still runs the agent as a uid of its own, which cannot
    # enter /root (where this machine's development Python lives): use the system's Python.
    python = "/usr/bin/python3" if os.geteuid() == 0 and os.path.exists("/usr/bin/python3") else sys.executable
    box = launch([python, str(script)], limits=SandboxLimits(), readable=[script])
    started.append(box)
    box.process.communicate(timeout=30)
    assert not box.isolated and "rlimits" in box.mechanism
    assert "WARNING: agent sandbox" in capsys.readouterr().err
    with pytest.raises(sandbox.SandboxError, match="no namespaces"):
        launch([python, str(script)], limits=SandboxLimits(), readable=[script], require_isolation=True)
