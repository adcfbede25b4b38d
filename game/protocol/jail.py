"""The first program of every sandboxed agent: builds its cage, then becomes the agent.

Run by :func:`game.protocol.sandbox.launch` as ``python -I -S jail.py SPEC_JSON``
(standard library only, no ``import game``: it runs before the sandbox exists
and must not depend on what the sandbox hides). On Linux it:

1. asks the kernel for new PID, mount, network, IPC, UTS and cgroup namespaces
   (plus a user namespace when not root), then forks: the child is process 1
   of the new PID namespace, and when it dies the kernel kills everything in
   it; this process stays outside, waits, and exits as the child did;
2. builds a new root on a small tmpfs holding only read-only binds of what the
   agent needs (``/usr``, the interpreter, the paths the caller lists, a few
   files of ``/etc`` and ``/dev``), a fresh ``/proc`` of the new PID namespace
   and a size-limited private tmpfs at ``/tmp`` (its working directory),
   ``pivot_root``\\ s into it and detaches the old root: no path leads back;
3. sets the resource limits, becomes an unprivileged user (a uid of its own
   when we are root), forbids new privileges, adds a Landlock ruleset where
   the kernel has one (files: only the binds; network: no TCP), closes every
   other descriptor and executes the agent.

Where a step is impossible (no namespaces, not Linux) and the caller allows
it, it falls back to what is possible and says so in its status line; the
parent prints that loudly. Progress goes back to the parent as JSON lines on
a status pipe that closes when the agent program is executing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import json
import os
import platform
import resource
import select
import signal
import sys
from typing import Any

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2

PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38

_SYSCALLS = {
    # machine: (pivot_root, landlock_create_ruleset, landlock_add_rule, landlock_restrict_self)
    "x86_64": (155, 444, 445, 446),
    "aarch64": (41, 444, 445, 446),
    "riscv64": (41, 444, 445, 446),
}

# Landlock (linux/landlock.h)
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_REMOVE_DIR = 1 << 4
FS_REMOVE_FILE = 1 << 5
FS_MAKE_CHAR = 1 << 6
FS_MAKE_DIR = 1 << 7
FS_MAKE_REG = 1 << 8
FS_MAKE_SOCK = 1 << 9
FS_MAKE_FIFO = 1 << 10
FS_MAKE_BLOCK = 1 << 11
FS_MAKE_SYM = 1 << 12
FS_REFER = 1 << 13
FS_TRUNCATE = 1 << 14
FS_IOCTL_DEV = 1 << 15
NET_BIND_TCP = 1 << 0
NET_CONNECT_TCP = 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0
SCOPE_SIGNAL = 1 << 1

_ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "alternatives", "nsswitch.conf", "hosts")
_DEV_FILES = ("null", "zero", "full", "random", "urandom")
_ROOT_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")

_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


class JailError(Exception):
    """A step of building the sandbox failed."""


def _check(result: int, what: str) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise JailError(f"{what}: {os.strerror(err)} (errno {err})")
    return result


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(
        _libc.mount(
            source.encode() if source is not None else None,
            target.encode(),
            fstype.encode() if fstype is not None else None,
            ctypes.c_ulong(flags),
            data.encode() if data is not None else None,
        ),
        f"mount {source} on {target}",
    )


def _prctl(option: int, arg: int) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0)), f"prctl {option}")


def _syscalls() -> tuple[int, int, int, int] | None:
    return _SYSCALLS.get(platform.machine())


# ---------------------------------------------------------------- Landlock


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 when it has none (or this is not Linux on a known machine)."""
    calls = _syscalls()
    if calls is None or not sys.platform.startswith("linux"):
        return 0
    version = int(_libc.syscall(calls[1], None, ctypes.c_size_t(0), ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION)))
    return max(version, 0)


def landlock(read_paths: list[str], write_paths: list[str], abi: int, list_paths: tuple[str, ...] = ()) -> str:
    """Restrict this process and its children to reading ``read_paths`` and writing ``write_paths``, and no TCP.

    ``list_paths``: directories whose trees may be listed (not read).

    Returns a short description of what is in force.
    """
    calls = _syscalls()
    assert calls is not None and abi >= 1
    read = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR
    write_all = (
        FS_WRITE_FILE | FS_REMOVE_DIR | FS_REMOVE_FILE | FS_MAKE_CHAR | FS_MAKE_DIR | FS_MAKE_REG
        | FS_MAKE_SOCK | FS_MAKE_FIFO | FS_MAKE_BLOCK | FS_MAKE_SYM
    )
    handled = read | write_all
    if abi >= 2:
        handled |= FS_REFER
    if abi >= 3:
        handled |= FS_TRUNCATE
    if abi >= 5:
        handled |= FS_IOCTL_DEV
    net = NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0
    size = ctypes.sizeof(_RulesetAttr) if abi >= 6 else (16 if abi >= 4 else 8)
    attr = _RulesetAttr(handled, net, scoped)
    fd = _check(int(_libc.syscall(calls[1], ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))), "landlock_create_ruleset")
    try:
        rules = [(p, FS_READ_DIR) for p in list_paths] + [(p, read) for p in read_paths] + [(p, handled) for p in write_paths]
        for path, access in rules:
            try:
                pfd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                if not os.path.isdir(path):
                    # Directory-only rights on a file are refused by the kernel.
                    access &= FS_EXECUTE | FS_READ_FILE | FS_WRITE_FILE | FS_TRUNCATE | FS_IOCTL_DEV
                rule = _PathBeneathAttr(access & handled, pfd)
                added = int(_libc.syscall(calls[2], fd, LANDLOCK_RULE_PATH_BENEATH, ctypes.byref(rule), ctypes.c_uint32(0)))
                _check(added, f"landlock_add_rule {path}")
            finally:
                os.close(pfd)
        _prctl(PR_SET_NO_NEW_PRIVS, 1)
        _check(int(_libc.syscall(calls[3], fd, ctypes.c_uint32(0))), "landlock_restrict_self")
    finally:
        os.close(fd)
    parts = ["files"]
    if net:
        parts.append("no TCP")
    if scoped:
        parts.append("scoped signals and abstract sockets")
    return f"landlock v{abi} ({', '.join(parts)})"


# ---------------------------------------------------------------- the new root


def _covered(path: str, done: list[str]) -> bool:
    return any(path == d or path.startswith(d.rstrip("/") + "/") for d in done)


def _bind(root: str, source: str, *, writable: bool = False) -> None:
    target = root + source
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.lexists(target):
            with open(target, "w"):
                pass
    _mount(source, target, None, MS_BIND)
    flags = MS_REMOUNT | MS_BIND | MS_NOSUID | (0 if writable else MS_RDONLY)
    if not source.startswith("/dev/"):
        flags |= MS_NODEV
    _mount(None, target, None, flags)


def build_root(root: str, spec: dict[str, Any], uid: int, gid: int) -> list[str]:
    """Populate the tmpfs at ``root`` and return the paths bound read-only (as seen inside)."""
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=0755")
    # The agent's private, size-limited working directory (HOME and TMPDIR), mounted first so binds may sit in it.
    os.makedirs(root + "/tmp")
    _mount("tmpfs", root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={int(spec['disk_mb'])}m,mode=0700,uid={uid},gid={gid}")
    for name in _ROOT_LINKS:
        host = "/" + name
        if os.path.islink(host):
            os.symlink(os.readlink(host), root + host)
    wanted = ["/usr"] + [os.path.realpath(p) for p in spec["readable"]]
    wanted += [f"/etc/{n}" for n in _ETC_FILES]
    wanted += [f"/{n}" for n in _ROOT_LINKS if not os.path.islink(f"/{n}")]
    done: list[str] = []
    for path in sorted(set(wanted), key=lambda p: (p.count("/"), p)):
        if not os.path.exists(path) or _covered(path, done):
            continue
        _bind(root, path)
        done.append(path)
    os.makedirs(root + "/dev", exist_ok=True)
    for name in _DEV_FILES:
        if os.path.exists(f"/dev/{name}"):
            _bind(root, f"/dev/{name}", writable=True)
    for name, target in (("fd", "fd"), ("stdin", "fd/0"), ("stdout", "fd/1"), ("stderr", "fd/2")):
        os.symlink(f"/proc/self/{target}", f"{root}/dev/{name}")
    os.makedirs(root + "/etc", exist_ok=True)
    with open(root + "/etc/passwd", "w") as f:
        f.write(f"agent:x:{uid}:{gid}:agent:/tmp:/bin/false\n")
    with open(root + "/etc/group", "w") as f:
        f.write(f"agent:x:{gid}:\n")
    os.makedirs(root + "/proc")
    _mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    return done


def enter_root(root: str) -> None:
    calls = _syscalls()
    if calls is None:
        raise JailError(f"pivot_root: unknown machine {platform.machine()!r}")
    os.makedirs(root + "/.old")
    os.chdir(root)
    _check(int(_libc.syscall(calls[0], b".", b".old")), "pivot_root")
    os.chdir("/")
    _check(_libc.umount2(b"/.old", MNT_DETACH), "umount old root")
    os.rmdir("/.old")
    _mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)


# ---------------------------------------------------------------- limits, identity, exec


def set_limits(spec: dict[str, Any]) -> None:
    mem = int(spec["memory_mb"]) * 1024 * 1024
    cpu = int(spec["cpu_seconds"])
    for which, value in (
        (resource.RLIMIT_AS, (mem, mem)),
        (resource.RLIMIT_CPU, (cpu, cpu + 1)),
        (resource.RLIMIT_CORE, (0, 0)),
        (resource.RLIMIT_NOFILE, (256, 256)),
    ):
        resource.setrlimit(which, value)


def set_nproc(spec: dict[str, Any]) -> None:
    n = int(spec["processes"])
    resource.setrlimit(resource.RLIMIT_NPROC, (n, n))


def drop_to(uid: int, gid: int) -> None:
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    _prctl(PR_SET_NO_NEW_PRIVS, 1)


class Status:
    """JSON lines to the parent on the status pipe."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def send(self, **fields: Any) -> None:
        data = (json.dumps(fields) + "\n").encode()
        while data:
            data = data[os.write(self.fd, data):]


def _exec(spec: dict[str, Any], env: dict[str, str], status: Status) -> None:
    argv = list(spec["argv"])
    try:
        os.execvpe(argv[0], argv, env)
    except OSError as exc:
        who = f" (it runs as uid {os.getuid()}: make it and its directories readable by others)" if exc.errno == errno.EACCES else ""
        status.send(ok=False, error=f"cannot execute {argv[0]!r}: {exc.strerror}{who}")
        os._exit(127)


def _fallback(spec: dict[str, Any], status: Status, reason: str) -> None:
    """No namespaces: limits, a uid of its own when we are root, Landlock where there is one."""
    workdir = spec["workdir"]
    layers = []
    set_limits(spec)
    if os.geteuid() == 0:
        os.chown(workdir, int(spec["uid"]), int(spec["uid"]))
        set_nproc(spec)
        drop_to(int(spec["uid"]), int(spec["uid"]))
        layers.append(f"uid {spec['uid']}")
    else:
        layers.append("same user")
    os.chdir(workdir)
    abi = landlock_abi()
    if abi:
        reads = ["/usr", "/etc", "/dev"] + [f"/{n}" for n in _ROOT_LINKS] + list(spec["readable"])
        layers.append(landlock(reads, [workdir, "/dev/null"], abi))
    env = dict(spec["env"])
    env.setdefault("HOME", workdir)
    env.setdefault("TMPDIR", workdir)
    status.send(ok=True, isolated=False, mechanism="rlimits, " + ", ".join(layers), warning=reason)
    _exec(spec, env, status)


def _wait_and_mirror(child: int, cpu_seconds: int) -> None:
    """Outside the namespace: wait for process 1 and leave the way it did.

    Process 1 of a PID namespace ignores SIGXCPU, so an agent over its CPU time dies of the SIGKILL at
    the hard limit; say so on stderr (the seat's log) so that the parent can tell it from a kill of its own.
    """
    parent = os.getppid()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
    while True:
        pid, code, usage = os.wait4(child, os.WNOHANG)
        if pid == child:
            break
        if os.getppid() != parent:  # the platform died: so does the agent (process 1 takes its namespace along)
            os.kill(child, signal.SIGKILL)
        signal.sigtimedwait({signal.SIGCHLD}, 0.5)
    if os.WIFSIGNALED(code) and usage.ru_utime + usage.ru_stime >= cpu_seconds - 0.05:
        os.write(2, f"\n[sandbox: CPU time limit of {cpu_seconds} s reached]\n".encode())
    if os.WIFSIGNALED(code):
        sig = os.WTERMSIG(code)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        signal.signal(sig, signal.SIG_DFL) if sig not in (signal.SIGKILL, signal.SIGSTOP) else None
        os.kill(os.getpid(), sig)
        os._exit(128 + sig)
    os._exit(os.WEXITSTATUS(code))


def _inside(spec: dict[str, Any], status: Status, alive: int, root_mode: bool) -> None:
    """Process 1 of the new namespaces."""
    uid = int(spec["uid"]) if root_mode else 65534
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    root = spec["workdir"]
    bound = build_root(root, spec, uid, uid)
    enter_root(root)
    _libc.sethostname(b"sandbox", ctypes.c_size_t(7))  # cosmetic: failure does not matter
    os.chdir("/tmp")
    set_limits(spec)
    layers = []
    if root_mode:
        set_nproc(spec)
        drop_to(uid, uid)
        layers.append(f"uid {uid}")
    else:
        # Inside a user namespace where only our own uid is mapped (seen as 65534): executing the agent
        # as a non-zero uid clears every capability it holds in the namespace.
        set_nproc(spec)
        _prctl(PR_SET_NO_NEW_PRIVS, 1)
        layers.append("user namespace")
    # Changing the uid cleared the parent-death signal: arm it again, then make sure the parent is still there.
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if select.select([alive], [], [], 0)[0]:
        os._exit(137)
    os.close(alive)
    abi = landlock_abi()
    if abi:
        layers.append(landlock([*bound, "/etc", "/proc", "/dev"], ["/tmp", *(f"/dev/{n}" for n in _DEV_FILES)], abi, ("/",)))
    env = dict(spec["env"])
    env.setdefault("HOME", "/tmp")
    env.setdefault("TMPDIR", "/tmp")
    mechanism = "namespaces (pid, mount, net, ipc, uts, cgroup), pivot_root, " + ", ".join(layers) + ", rlimits"
    status.send(ok=True, isolated=True, mechanism=mechanism)
    _exec(spec, env, status)


def main(argv: list[str]) -> None:
    spec = json.loads(argv[1])
    status = Status(int(spec["status_fd"]))
    os.set_inheritable(status.fd, False)
    # No parent-death signal here: it fires when the platform's *thread* that started us ends, not its process.
    # The waiter watches its parent instead (see _wait_and_mirror).
    if os.getppid() != int(spec["parent_pid"]):
        os._exit(137)
    root_mode = os.geteuid() == 0
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP
    if not root_mode:
        flags |= CLONE_NEWUSER
    uid, gid = os.getuid(), os.getgid()
    try:
        if not spec.get("try_namespaces", True):
            raise JailError("not tried")
        if _syscalls() is None:
            raise JailError(f"unknown machine {platform.machine()!r}")
        _check(_libc.unshare(flags), "unshare")
        if not root_mode:
            with open("/proc/self/setgroups", "w") as f:
                f.write("deny")
            with open("/proc/self/uid_map", "w") as f:
                f.write(f"65534 {uid} 1")
            with open("/proc/self/gid_map", "w") as f:
                f.write(f"65534 {gid} 1")
    except (JailError, OSError) as exc:
        if spec["require_isolation"]:
            status.send(ok=False, error=f"no namespaces: {exc}")
            os._exit(126)
        _fallback(spec, status, f"no namespaces ({exc})")
        return
    alive_r, alive_w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(alive_w)
        try:
            _inside(spec, status, alive_r, root_mode)
        except BaseException as exc:
            try:
                status.send(ok=False, error=f"sandbox setup failed: {exc}")
            finally:
                os._exit(126)
    os.close(alive_r)
    os.close(status.fd)
    # The agent's pipes are its own: only it holds them, so it alone answers, and its end is their end.
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _wait_and_mirror(child, int(spec["cpu_seconds"]))


if __name__ == "__main__":
    try:
        main(sys.argv)
    except Exception as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        os._exit(126 if not isinstance(exc, OSError) or exc.errno != errno.ENOENT else 127)
