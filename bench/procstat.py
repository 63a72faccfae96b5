"""CPU time of processes, read from /proc, for the benchmarks.

The benchmarks count CPU themselves rather than trusting the code they measure: this process
(`time.process_time`), the simulators serving in processes of their own (children of this
process), the `agendasync worker` processes and PostgreSQL's backends. psutil is used when it
is installed; otherwise /proc/<pid>/stat (utime + stime, all threads of the process).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable

try:  # optional: the same figures, read the same way
    import psutil
except ImportError:  # pragma: no cover - depends on the environment
    psutil = None

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (all its threads) so far; 0 if it is gone."""
    if psutil is not None:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            return 0.0
        return float(times.user + times.system)
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def run_wait_seconds(pid: int) -> float:
    """Time the process's threads were ready to run but waited for a core (the run queue, from
    /proc/<pid>/task/*/schedstat): how much a busy machine held it back. Threads that ended
    take theirs with them."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return 0.0
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as handle:
                total += int(handle.read().split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
    return total / 1e9


def total_cpu(pids: Iterable[int]) -> float:
    return sum(cpu_seconds(pid) for pid in pids)


def command_name(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as handle:
            return handle.read().strip()
    except (FileNotFoundError, ProcessLookupError):
        return ""


def postgres_pids() -> list[int]:
    """Every PostgreSQL process on this machine (postmaster, backends, background workers).

    A backend's CPU stays with its process until it exits, so sum before and after a measured
    stretch over the processes alive at both ends, plus the ones that came and went (see
    `PostgresCpu`)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and command_name(int(entry)) in ("postgres", "postmaster"):
            pids.append(int(entry))
    return pids


class PostgresCpu:
    """PostgreSQL's CPU over a stretch: every postgres process's CPU at the end minus its CPU
    at the start (a process born in between counts whole). A backend that exited in between
    takes its last CPU with it: keep connections open across the stretch (the workers do)."""

    def __init__(self) -> None:
        self.start: dict[int, float] = {}

    def begin(self) -> None:
        self.start = {pid: cpu_seconds(pid) for pid in postgres_pids()}

    def seconds(self) -> float:
        now = {pid: cpu_seconds(pid) for pid in postgres_pids()}
        return sum(cpu - self.start.get(pid, 0.0) for pid, cpu in now.items())

    def ended_during(self) -> int:
        """How many postgres processes of the start are gone (their last CPU is lost)."""
        alive = set(postgres_pids())
        return sum(1 for pid in self.start if pid not in alive)


def children() -> set[int]:
    """The pids of this process's live multiprocessing children (`serve_in_process` starts
    its simulator as one and does not expose it: take the set before and after)."""
    return {p.pid for p in multiprocessing.active_children() if p.pid is not None}


def one_new_child(before: set[int]) -> int:
    started = children() - before
    if len(started) != 1:
        raise RuntimeError(f"expected one new child process, found {sorted(started)}")
    return started.pop()
