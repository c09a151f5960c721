"""The worker's cage on Linux: private namespaces that hide the judge's files, and a user of its own.

Loaded by the worker as a top-level script module (like `wire`), so it imports nothing from the grader package.
`enter()` runs first thing in the worker, before any student code:

    W0  the process the judge started: unshares the namespaces, then only relays how W1 ended
    W1  PID 1 of a new PID namespace: builds the file system view, reaps orphans, reports how W2 ended
    W2  the worker proper: drops to its own user (when the judge is root) and serves the judge's calls

When W1 ends, the kernel kills everything left in its PID namespace, so no process the student started
(a fork bomb, a daemon that called setsid) outlives the worker. The file system view is a new root, not the
host's with holes in it: the system folders (/usr, /etc, /lib...) and the Python environment bound read-only,
a few device nodes, a fresh size-limited tmpfs on /tmp (the student's packages bound read-only at
/tmp/ipdl/<name>, a writable /tmp/work), a fresh /dev/shm and /proc, and no network. Nothing else exists in it:
not the kit's repository (solutions/, the judge's tests), not home folders, not another copy of the kit
somewhere on the disk. Folders to hide that lie inside the kept ones (a batch folder inside a venv, say) are
covered with empty read-only folders.
"""

import ctypes
import ctypes.util
import os
import signal
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 32, 4096, 8192, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME, ST_RELATIME = 1024, 2048, 1 << 21, 4096
MNT_DETACH = 2
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}.get(os.uname().machine)
SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/sys")
DEVICES = ("null", "zero", "full", "random", "urandom")
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
PACKAGES_AT = "/tmp/ipdl"  # inside the sandbox: /tmp/ipdl/<package name>
WORKDIR_AT = "/tmp/work"
TMP_SIZE = "size=256m"
STATUS = struct.Struct("=i")
HIDDEN: list[str] = []  # what build_view covered, for the report


@dataclass
class Plan:
    """What the judge asks for; see `grader.worker_client.Worker` for where it comes from."""

    mounts: dict[str, str]  # package name -> host folder the worker imports it from
    hide: list[str] = field(default_factory=list)  # host folders the student's code must not see
    scratch: str = ""  # an empty host folder to build the sandbox's /tmp on
    uid: int | None = None  # the worker's own user and group id (root judge only)
    isolate: bool = True  # False: no namespaces, no user change (limits still apply)


@dataclass
class Entered:
    """What `enter` achieved: where the packages are now, and a line per protection."""

    mounts: dict[str, str]
    report: dict[str, str]
    own_user: bool = False


libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def as_bytes(text: str | None) -> bytes | None:
    return text.encode() if text is not None else None


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    check(libc.mount(as_bytes(source), as_bytes(target), as_bytes(fstype), ctypes.c_ulong(flags), as_bytes(data)),
          f"mount {target}")


def enter(plan: Plan) -> Entered:
    """Move this process into the sandbox the plan describes, as far as this system allows."""
    if not plan.isolate:
        return Entered(plan.mounts, {"isolation": "off (asked for)"})
    if not sys.platform.startswith("linux"):
        return Entered(plan.mounts, {"isolation": f"off: needs Linux namespaces, this is {sys.platform}"})
    root = os.geteuid() == 0
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | (0 if root else CLONE_NEWUSER)
    host_uid, host_gid = os.getuid(), os.getgid()
    try:
        check(libc.unshare(flags), "unshare")
        if not root:
            map_user(0, 0, host_uid, host_gid)
    except OSError as error:
        return without_namespaces(plan, root, f"off: {error} (no namespaces allowed here)")
    status_read, status_write = os.pipe()
    w1 = os.fork()
    if w1:
        os.close(status_write)
        relay(w1, status_read)  # never returns
    os.close(status_read)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    build_view(plan)
    w2 = os.fork()
    if w2:
        reap(w2, status_write)  # never returns
    os.close(status_write)
    return settle(plan, root, host_uid, host_gid)


def without_namespaces(plan: Plan, root: bool, why: str) -> Entered:
    """No namespaces: still drop to the worker's own user where the judge is root."""
    report = {"isolation": why, "hidden": "nothing (solutions/ readable if its permissions allow)"}
    closed = closed_ancestors(environment_folders())
    if root and plan.uid is not None and closed:
        report["user"] = f"the judge's: another user could not reach Python through {closed[0]}"
    elif root and plan.uid is not None:
        drop_privileges(plan.uid)
        report["user"] = f"own uid {plan.uid}"
        return Entered(plan.mounts, report, own_user=True)
    report["user"] = "the judge's"
    return Entered(plan.mounts, report)


def map_user(inside_uid: int, inside_gid: int, uid: int, gid: int) -> None:
    """Map one user and group of a new user namespace to the caller's own `uid` and `gid` outside it."""
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"{inside_uid} {uid} 1")
    Path("/proc/self/gid_map").write_text(f"{inside_gid} {gid} 1")


def relay(child: int, status_read: int) -> None:
    """W0: wait for W1 and end the way W2 ended (exit code or signal), so the judge can tell what happened."""
    quiet_standard_streams()
    data = b""
    while chunk := os.read(status_read, STATUS.size):
        data += chunk
    _, own = os.waitpid(child, 0)
    status = STATUS.unpack(data)[0] if len(data) == STATUS.size else own
    if os.WIFSIGNALED(status):
        signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
        os.kill(os.getpid(), os.WTERMSIG(status))
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


def reap(worker: int, status_write: int) -> None:
    """W1 (PID 1): reap every orphan until the worker ends, then report its status and end the namespace."""
    quiet_standard_streams()
    while True:
        pid, status = os.waitpid(-1, 0)
        if pid == worker:
            os.write(status_write, STATUS.pack(status))
            os._exit(0)


def quiet_standard_streams() -> None:
    """Let go of the judge's pipes so that the judge sees end of file as soon as the worker itself ends."""
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)


def build_view(plan: Plan) -> None:
    """W1: make the sandbox's root (see the module docstring) and move into it; any failure stops the worker."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing below leaks back to the host
    root = plan.scratch
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    keep = environment_folders()
    for folder in SYSTEM_FOLDERS:
        copy_entry(folder, root)
    make_tmp(plan, root + "/tmp")
    for folder in outermost(keep):  # a venv in the repo or under /tmp (a CI clone, say), a Python under /root...
        if not any(inside(folder, system) for system in SYSTEM_FOLDERS):
            bind_read_only(folder, make_folder(root + folder))
    make_dev(root + "/dev")
    for folder in outermost(plan.hide):
        if os.path.isdir(root + folder):  # inside a kept folder, or holding one
            if hide(root + folder, [root + path for path in keep], make_folder(root + "/tmp/keep")):
                HIDDEN.append(folder)
            os.rmdir(root + "/tmp/keep")
    # Mounted while the host's /proc is still in view: the kernel allows a new proc to a user namespace only then.
    mount("proc", make_folder(root + "/proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    switch_root(root)
    mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "size=1m,mode=0755")


def copy_entry(path: str, root: str) -> None:
    """Give the new root the host's `path`: the same symbolic link (/bin -> usr/bin), or the folder bound
    read-only; nothing when the host has neither."""
    if os.path.islink(path):
        os.symlink(os.readlink(path), root + path)
    elif os.path.isdir(path):
        bind_read_only(path, make_folder(root + path))


def make_tmp(plan: Plan, tmp: str) -> None:
    """The sandbox's /tmp: the student's packages read-only and a private work folder."""
    mount("tmpfs", make_folder(tmp), "tmpfs", MS_NOSUID | MS_NODEV, f"{TMP_SIZE},mode=1777")
    for name, host in plan.mounts.items():
        bind_read_only(host, make_folder(f"{tmp}/ipdl/{name}"))
    work = make_folder(f"{tmp}/work")
    os.chmod(work, 0o700)
    if plan.uid is not None and os.geteuid() == 0:
        os.chown(work, plan.uid, plan.uid)


def make_dev(dev: str) -> None:
    """A /dev with the harmless character devices, the usual links, and a fresh /dev/shm."""
    mount("tmpfs", make_folder(dev), "tmpfs", MS_NOSUID, "size=64k,mode=0755")
    for name in DEVICES:
        if os.path.exists(f"/dev/{name}"):
            Path(f"{dev}/{name}").touch()
            mount(f"/dev/{name}", f"{dev}/{name}", None, MS_BIND)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{dev}/{name}")
    mount("tmpfs", make_folder(f"{dev}/shm"), "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")


def switch_root(root: str) -> None:
    """Make `root` the root of this mount namespace and let go of the host's, so no path leads back to it."""
    if SYS_PIVOT_ROOT is None:
        raise OSError(f"pivot_root: unknown system call number on {os.uname().machine}")
    os.chdir(root)
    check(libc.syscall(SYS_PIVOT_ROOT, b".", b"."), "pivot_root")  # the old root now sits under the new one
    check(libc.umount2(b".", MNT_DETACH), "umount the host's root")
    os.chdir("/")


def make_folder(path: str) -> str:
    os.makedirs(path, mode=0o755, exist_ok=True)
    return path


def bind_read_only(source: str, target: str) -> None:
    """Bind `source` at `target`, read-only, keeping the source's own flags (a user namespace may not drop
    the noexec of /sys, say)."""
    mount(source, target, None, MS_BIND | MS_REC)
    flags = os.statvfs(source).f_flag
    kept = flags & (MS_NOEXEC | MS_NOATIME | MS_NODIRATIME) | (MS_RELATIME if flags & ST_RELATIME else 0)
    mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | kept)


def environment_folders() -> list[str]:
    """The Python installation and its packages (the worker still imports torch from there); not the folder of
    the worker's own script, sys.path[0], which is the grader's."""
    folders = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix,
               os.path.dirname(os.path.realpath(sys.executable))}
    folders.update(path for path in sys.path[1:] if path and os.path.isdir(path))
    return sorted(os.path.realpath(folder) for folder in folders)


def closed_ancestors(folders: list[str]) -> list[str]:
    """Ancestors of `folders` that others may not enter (a Python under /root, say): covered by a tmpfs that
    others may enter, with the folders bound back, so that a worker with its own user can still import."""
    closed = set()
    for folder in folders:
        for parent in Path(folder).parents:
            if not os.stat(parent).st_mode & 0o001:
                closed.add(str(parent))
    return sorted(closed)


def outermost(folders: list[str]) -> list[str]:
    """Existing folders, without those inside another one of the list."""
    real = sorted({os.path.realpath(folder) for folder in folders if os.path.isdir(folder)})
    return [folder for folder in real if not any(inside(folder, other) for other in real if other != folder)]


def inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def hide(folder: str, keep: list[str], holders: str) -> bool:
    """Cover `folder` with an empty read-only tmpfs, except the `keep` folders inside it, bound back read-only;
    False when the folder is part of the Python environment itself (hiding it would break the worker)."""
    if any(inside(folder, path) for path in keep):
        return False
    kept = [path for path in outermost(keep) if inside(path, folder)]
    held = []
    for number, path in enumerate(kept):
        holder = make_folder(f"{holders}/{number}")
        mount(path, holder, None, MS_BIND | MS_REC)
        held.append((holder, path))
    mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    for holder, path in held:
        bind_read_only(holder, make_folder(path))
        check(libc.umount2(holder.encode(), MNT_DETACH), f"umount {holder}")
        os.rmdir(holder)
    mount(None, folder, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    return True


def settle(plan: Plan, root: bool, host_uid: int, host_gid: int) -> Entered:
    """W2: leave root behind, lock the view, and move into the sandbox's own /tmp."""
    report = {"isolation": "namespaces (mount, PID, network, IPC)",
              "hidden": ", ".join(["all but the system folders and the Python environment (a new root)", *HIDDEN]),
              "network": "none"}
    own_user = False
    if root and plan.uid is not None:
        drop_privileges(plan.uid)
        report["user"] = f"own uid {plan.uid}"
        own_user = True
    else:
        # A nested user namespace locks the mounts above: they cannot be unmounted to uncover what they hide.
        check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), "unshare (lock mounts)")
        map_user(host_uid, host_gid, 0, 0)
        report["user"] = "the judge's (user namespace)"
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    os.environ.update(HOME=WORKDIR_AT, TMPDIR=WORKDIR_AT)
    os.chdir(WORKDIR_AT)
    mounts = {name: f"{PACKAGES_AT}/{name}" for name in plan.mounts}
    return Entered(mounts, report, own_user)


def drop_privileges(uid: int) -> None:
    """Become user and group `uid`, with no supplementary groups."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
