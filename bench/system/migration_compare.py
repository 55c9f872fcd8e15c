#!/usr/bin/env python3
"""Tern against QEMU/KVM: migration, snapshot and restore, side by side on the same test guest.

Subcommands (each prints tables; --json FILE also writes every sample):

  live      live (pre-copy) migration over loopback, 512 MiB guest, 1 vCPU, downtime target 300 ms,
            scenarios idle, dirty64max, dirty256at100, dirty256at100-1g (see SCENARIOS)
  state     machine state: suspend to a file (time, size), restore from it to running, and cold
            migration over loopback (stop, copy everything, resume at the destination)
  all       both
  diag      Tern only: snapshots to disk and tmpfs in one process (cold vs warm code), restores from them

Tern is driven through its control API (the same JSON-over-Unix-socket requests `tern migrate` and
`tern snapshot` send, without their .NET start-up); QEMU through QMP. Both VMMs run the same guest
(`testguest.elf`, same command line, same -m/--memory and 1 vCPU). Runs alternate Tern, QEMU, Tern,
... after one uncounted warm-up of each; figures are medians; ratios are Tern/QEMU, as the ratio of
medians and as the median of the per-pair ratios.

The guest-visible pause is measured the same way for both: every console line of every VMM process is
timestamped (host monotonic clock) by a reader thread as it arrives; the pause is the largest gap
between consecutive tick lines of the merged source + destination stream around the switch-over
(from 1 s before the migration request to 1 s after the first tick at the destination).

Only the Python standard library is used. Needs /dev/kvm, qemu-system-x86_64, tern published by
scripts/setup.sh (artifacts/tern/tern, native) and the test guest (guest/testguest/build.sh).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TERN_DLL = os.path.join(ROOT, "artifacts", "tern", "tern")  # native (scripts/setup.sh); a tern.dll runs under dotnet
GUEST = os.path.join(ROOT, "guest", "build", "testguest", "testguest.elf")
TICK = re.compile(rb"^tick (\d+) (\d+)")
MEMORY_MIB = 512
QEMU_UNLIMITED = 100_000_000_000  # bytes/s: "no limit" for QEMU's max-bandwidth (its default is 128 MiB/s)


def now_ns() -> int:
    return time.monotonic_ns()


# ---------------------------------------------------------------- processes

@dataclass
class Line:
    t_ns: int  # host monotonic ns when the reader thread got the line's last byte
    text: bytes


class Proc:
    """A VMM process whose stdout and stderr lines are timestamped by reader threads as they arrive."""

    def __init__(self, label: str, cmd: list[str], kind: str):
        self.label, self.cmd, self.kind = label, cmd, kind
        self.lines: list[Line] = []
        self.err: list[Line] = []
        self.cond = threading.Condition()
        self.t_spawn = now_ns()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
        self.eof = {"out": False, "err": False}
        self._threads = [threading.Thread(target=self._read, args=(self.proc.stdout, self.lines, "out"), daemon=True),
                         threading.Thread(target=self._read, args=(self.proc.stderr, self.err, "err"), daemon=True)]
        for t in self._threads:
            t.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read(self, stream, sink: list, key: str) -> None:
        buf = b""
        fd = stream.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            t = now_ns()
            with self.cond:
                if not chunk:
                    if buf:
                        sink.append(Line(t, buf))
                    self.eof[key] = True
                    self.cond.notify_all()
                    return
                buf += chunk
                *done, buf = buf.split(b"\n")
                for text in done:
                    sink.append(Line(t, text.rstrip(b"\r")))
                if done:
                    self.cond.notify_all()

    def wait_line(self, predicate, timeout_s: float, stream: str = "out") -> Line:
        sink = self.lines if stream == "out" else self.err
        deadline = time.monotonic() + timeout_s
        seen = 0
        with self.cond:
            while True:
                for line in sink[seen:]:
                    if predicate(line.text):
                        return line
                seen = len(sink)
                left = deadline - time.monotonic()
                if self.eof[stream] or left <= 0:
                    raise RuntimeError(f"{self.label}: no matching line within {timeout_s}s "
                                       f"(exit {self.proc.poll()}); {self.tail()}")
                self.cond.wait(min(left, 0.5))

    def ticks(self) -> list[tuple[int, int, int]]:
        with self.cond:
            lines = list(self.lines)
        return [(l.t_ns, int(m.group(1)), int(m.group(2))) for l in lines for m in [TICK.match(l.text)] if m]

    def wait_ticks_after(self, t_ns: int, count: int, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if sum(1 for t, _, _ in self.ticks() if t >= t_ns) >= count:
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise RuntimeError(f"{self.label}: fewer than {count} ticks within {timeout_s}s; {self.tail()}")

    def stop(self) -> None:
        """Ends this process (only ours, by pid): SIGINT for tern (clean stop), SIGTERM for QEMU, then SIGKILL."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT if self.kind == "tern" else signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        for t in self._threads:
            t.join(timeout=2)

    def tail(self) -> str:
        out = b" | ".join(l.text for l in self.lines[-5:]).decode(errors="replace")
        err = b" | ".join(l.text for l in self.err[-5:]).decode(errors="replace")
        return f"stdout[...{out[-400:]!r}] stderr[...{err[-400:]!r}]"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unix_connect(path: str, timeout_s: float = 30) -> socket.socket:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                raise RuntimeError(f"cannot connect to {path}")
            time.sleep(0.01)


class Qmp:
    """A minimal QMP client: one command at a time, events skipped (kept in .events)."""

    def __init__(self, path: str):
        self.sock = unix_connect(path)
        self.f = self.sock.makefile("rb")
        self.events: list[dict] = []
        json.loads(self.f.readline())  # greeting
        self.cmd("qmp_capabilities")

    def cmd(self, name: str, args: dict | None = None) -> dict:
        msg = {"execute": name}
        if args is not None:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            line = self.f.readline()
            if not line:
                raise RuntimeError(f"QMP closed during {name}")
            reply = json.loads(line)
            if "event" in reply:
                self.events.append(reply)
                continue
            if "error" in reply:
                raise RuntimeError(f"QMP {name}: {reply['error']}")
            return reply.get("return", {})

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def tern_call(api: str, op: str, args: dict | None = None, timeout_s: float = 600) -> dict:
    """One control-API request (docs/control-api.md); returns the final result, skipping progress events."""
    s = unix_connect(api)
    s.settimeout(timeout_s)
    try:
        msg = {"api": 1, "op": op}
        if args is not None:
            msg["args"] = args
        s.sendall(json.dumps(msg).encode() + b"\n")
        f = s.makefile("rb")
        while True:
            line = f.readline()
            if not line:
                raise RuntimeError(f"tern {op}: connection closed without an answer")
            reply = json.loads(line)
            if "event" in reply:
                continue
            if not reply.get("ok"):
                raise RuntimeError(f"tern {op}: {reply.get('error')}")
            return reply.get("result", {})
    finally:
        s.close()


def tern_cmd(*args: str) -> list[str]:
    return ["dotnet", TERN_DLL, *args] if TERN_DLL.endswith(".dll") else [TERN_DLL, *args]


def qemu_cmd(append: str, qmp: str, extra: list[str] | None = None) -> list[str]:
    return ["qemu-system-x86_64", "-enable-kvm", "-cpu", "host,-arch-capabilities", "-m", str(MEMORY_MIB), "-smp", "1",
            "-nographic", "-no-reboot", "-kernel", GUEST, "-append", append,
            "-qmp", f"unix:{qmp},server,nowait", *(extra or [])]


def tern_run(work: str, name: str, append: str) -> Proc:
    return Proc(f"tern run {name}", tern_cmd("run", "--kernel", GUEST, "--name", name, "--api", os.path.join(work, f"{name}.sock"),
                                             "--memory", f"{MEMORY_MIB}M", "--cpus", "1", "--append", append), "tern")


def tern_receive(work: str, name: str) -> tuple[Proc, int]:
    """A `tern receive` on a free loopback port, once it waits for the migration (as QEMU's -incoming is ready)."""
    port = free_port()
    dst = Proc("tern receive", tern_cmd("receive", "--listen", f"127.0.0.1:{port}", "--name", name,
                                        "--api", os.path.join(work, f"{name}.sock")), "tern")
    try:
        dst.wait_line(lambda t: b"waiting for a migration" in t, 30, stream="err")
    except BaseException:
        dst.stop()
        raise
    return dst, port


def wait_warm(p: Proc, warm_ms: int, timeout_s: float = 90) -> None:
    p.wait_line(lambda t: (m := TICK.match(t)) is not None and int(m.group(1)) >= warm_ms, timeout_s)


def qmp_poll_migration(q: Qmp, timeout_s: float, interval_s: float = 0.01) -> dict:
    deadline = time.monotonic() + timeout_s
    last_active = None
    while True:
        info = q.cmd("query-migrate")
        if info.get("status") in ("completed", "failed", "cancelled"):
            info["last_active"] = last_active  # the last poll before the switch-over: what was still to send
            return info
        if info.get("status") == "active":
            last_active = info
        if time.monotonic() > deadline:
            q.cmd("migrate_cancel")
            info = q.cmd("query-migrate")
            info["benchmark_timeout"] = True
            return info
        time.sleep(interval_s)


def qmp_wait_status(q: Qmp, wanted: set[str], timeout_s: float, interval_s: float = 0.002) -> str:
    deadline = time.monotonic() + timeout_s
    while True:
        status = q.cmd("query-status")["status"]
        if status in wanted:
            return status
        if time.monotonic() > deadline:
            raise RuntimeError(f"QEMU status stayed {status}, wanted {wanted}")
        time.sleep(interval_s)


# ---------------------------------------------------------------- pause measurement

def pause_around(src: Proc, dst: Proc, t_request_ns: int) -> dict:
    """Largest host-time gap between consecutive tick lines of the merged source/destination stream
    from 1 s before the request to 1 s after the first destination tick; and the switch gap (first
    destination tick - last source tick)."""
    s_ticks, d_ticks = src.ticks(), dst.ticks()
    if not d_ticks:
        raise RuntimeError(f"{dst.label}: no tick at the destination; {dst.tail()}")
    first_dst = d_ticks[0][0]
    last_src = max((t for t, _, _ in s_ticks if t <= first_dst), default=None)
    merged = sorted([t for t, _, _ in s_ticks] + [t for t, _, _ in d_ticks])
    window = [t for t in merged if t_request_ns - 1_000_000_000 <= t <= first_dst + 1_000_000_000]
    gaps = [b - a for a, b in zip(window, window[1:])]
    before = [t for t in merged if t_request_ns - 1_000_000_000 <= t <= t_request_ns]
    before_gaps = [b - a for a, b in zip(before, before[1:])]
    return {"pause_ms": max(gaps) / 1e6 if gaps else float("nan"),
            "max_gap_before_request_ms": max(before_gaps) / 1e6 if before_gaps else float("nan"),
            "switch_gap_ms": (first_dst - last_src) / 1e6 if last_src else float("nan"),
            "request_to_first_dst_tick_ms": (first_dst - t_request_ns) / 1e6,
            "src_last_tick": s_ticks[-1][1:] if s_ticks else None, "dst_first_tick": d_ticks[0][1:]}


# ---------------------------------------------------------------- statistics and printing

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else float("nan")


def ratios(tern: list, qemu: list) -> tuple[float, float]:
    pairs = [t / q for t, q in zip(tern, qemu) if t is not None and q]
    mq = med(qemu)
    return (med(tern) / mq if mq else float("nan")), med(pairs)


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


FAILURES: list[str] = []


def alternate(runs: int, warmup: int, tern_one, qemu_one, attempts: int = 3) -> dict:
    """warm-up (discarded) then runs pairs: tern, qemu, tern, qemu, ... A failed run is retried and reported."""

    def attempt(label, one):
        for i in range(attempts):
            try:
                return one()
            except Exception as e:  # noqa: BLE001 - a shared machine kills things; report and retry
                FAILURES.append(f"{label}: {e}")
                print(f"  {label} failed ({i + 1}/{attempts}): {e}", file=sys.stderr)
        raise RuntimeError(f"{label}: {attempts} attempts failed")

    for _ in range(warmup):
        attempt("tern warm-up", tern_one)
        attempt("qemu warm-up", qemu_one)
    res = {"tern": [], "qemu": []}
    for i in range(runs):
        for label, one in (("tern", tern_one), ("qemu", qemu_one)):
            r = attempt(label, one)
            res[label].append(r)
            brief = {k: (round(v, 1) if isinstance(v, float) else v) for k, v in r.items() if not isinstance(v, (dict, list))}
            print(f"  run {i + 1}/{runs} {label}: {brief}", file=sys.stderr)
    return res


def table(title: str, rows: list[tuple[str, str, float, float, str]]) -> list[dict]:
    """rows: (metric, unit, tern median, qemu median, note) -> prints and returns them."""
    print(f"\n{title}")
    print(f"  {'metric':<44}{'Tern':>12}{'QEMU':>12}{'Tern/QEMU':>11}{'pairs':>8}  note")
    out = []
    for metric, unit, tern, qemu, note, pair in rows:
        mt, mq = med(tern), med(qemu)
        r, pr = ratios(tern, qemu)
        fmt = (lambda v: f"{v:,.1f}") if unit != "MiB" else (lambda v: f"{v:,.1f}")
        print(f"  {metric + ' [' + unit + ']':<44}{fmt(mt):>12}{fmt(mq):>12}{r:>11.3f}{(pr if pair else float('nan')):>8.3f}  {note}")
        out.append({"metric": metric, "unit": unit, "tern_median": mt, "qemu_median": mq, "ratio_of_medians": r,
                    "median_pair_ratio": pr, "tern": tern, "qemu": qemu, "note": note})
    return out


# ---------------------------------------------------------------- B: live migration

SCENARIOS = {
    # name: (append, warm-up guest ms before migrating, Tern bandwidth option or None, QEMU max-bandwidth bytes/s)
    "idle": ("tick=20", 1000, None, QEMU_UNLIMITED),
    "dirty64max": ("dirty=64,0 tick=20", 1500, None, QEMU_UNLIMITED),
    "dirty256at100": ("dirty=256,100 tick=20", 3000, None, QEMU_UNLIMITED),
    "dirty256at100-1g": ("dirty=256,100 tick=20", 3000, 125_000_000, 125_000_000),
}


def live_tern(work: str, append: str, warm_ms: int, bandwidth: int | None, auto_converge: bool, downtime_ms: int,
              timeout_s: float, prewarm: bool = False, xbzrle_cache: int = 0) -> dict:
    dst, port = tern_receive(work, "mb-dst")
    src = tern_run(work, "mb-src", append)
    try:
        wait_warm(src, warm_ms)
        if prewarm:
            # Diagnostic: run the stop-and-copy code once (a snapshot that resumes the guest) so the
            # migration's pause/save paths are not executed for the first time in this process.
            tern_call(os.path.join(work, "mb-src.sock"), "snapshot", {"out": os.path.join(work, "prewarm"), "stop": False})
            shutil.rmtree(os.path.join(work, "prewarm"), ignore_errors=True)
            wait_warm(src, int(src.ticks()[-1][1]) + 1500)
        args = {"to": f"127.0.0.1:{port}", "mode": "precopy", "downtime_ms": downtime_ms, "auto_converge": auto_converge,
                "timeout_s": timeout_s}
        if bandwidth:
            args["bandwidth_bytes_per_s"] = bandwidth
        if xbzrle_cache:
            args["xbzrle_cache_bytes"] = xbzrle_cache
        t_req = now_ns()
        rep = tern_call(os.path.join(work, "mb-src.sock"), "migrate", args)
        t_done = now_ns()
        dst.wait_ticks_after(t_done, 10, 20)
        p = pause_around(src, dst, t_req)
        try:
            src.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    finally:
        dst.stop()
        src.stop()
    rd = rep.get("round_details", [])
    last = rd[-1] if rd else {}
    return {"downtime_ms": rep["downtime_ms"], "pause_ms": p["pause_ms"], "switch_gap_ms": p["switch_gap_ms"],
            "gap_before_ms": p["max_gap_before_request_ms"], "prewarmed": prewarm,
            "transit_ms": rep["downtime_ms"] - (last.get("duration_ms") or 0) - rep["resume_ms"],
            "resumed_to_first_tick_ms": ((rep.get("destination_first_tick_unix_us") or 0) - rep["resumed_at_unix_us"]) / 1e3,
            "total_ms": rep["total_ms"], "host_total_ms": p["request_to_first_dst_tick_ms"],
            "api_call_ms": (t_done - t_req) / 1e6, "bytes": rep["bytes_transferred"], "rounds": rep["rounds"],
            "resume_ms": rep["resume_ms"], "final_round_ms": last.get("duration_ms"), "final_round_pages": last.get("pages"),
            "final_round_bytes": last.get("bytes"), "tern_guest_pause_ms": rep.get("guest_pause_ms"),
            "xbzrle_pages": rep.get("xbzrle_pages", 0),
            "preparation_ms": rep.get("preparation_ms"), "converged": rep["rounds"] < 31,
            "report": {k: v for k, v in rep.items() if k != "ticks"}}


def live_qemu(work: str, append: str, warm_ms: int, max_bw: int, auto_converge: bool, downtime_ms: int,
              timeout_s: float, xbzrle_cache: int = 0) -> dict:
    port = free_port()
    sq, dq = os.path.join(work, "src.qmp"), os.path.join(work, "dst.qmp")
    dst = Proc("qemu dst", qemu_cmd(append, dq, ["-incoming", f"tcp:127.0.0.1:{port}"]), "qemu")
    src = Proc("qemu src", qemu_cmd(append, sq), "qemu")
    qs = qd = None
    try:
        qd = Qmp(dq)
        qs = Qmp(sq)
        wait_warm(src, warm_ms)
        qs.cmd("migrate-set-parameters", {"downtime-limit": downtime_ms, "max-bandwidth": max_bw})
        qs.cmd("migrate-set-capabilities", {"capabilities": [{"capability": "auto-converge", "state": auto_converge},
                                                             {"capability": "xbzrle", "state": bool(xbzrle_cache)}]})
        if xbzrle_cache:
            qs.cmd("migrate-set-parameters", {"xbzrle-cache-size": xbzrle_cache})
        t_req = now_ns()
        qs.cmd("migrate", {"uri": f"tcp:127.0.0.1:{port}"})
        info = qmp_poll_migration(qs, timeout_s)
        t_done = now_ns()
        if info.get("status") != "completed":
            return {"converged": False, "status": info.get("status"), "info": info, "downtime_ms": None, "pause_ms": None,
                    "total_ms": None, "host_total_ms": None, "bytes": None}
        status = qmp_wait_status(qd, {"running", "paused", "postmigrate"}, 30)
        if status != "running":
            qd.cmd("cont")
        dst.wait_ticks_after(t_done, 10, 20)
        p = pause_around(src, dst, t_req)
    finally:
        for q in (qs, qd):
            if q:
                q.close()
        dst.stop()
        src.stop()
    ram = info.get("ram", {})
    return {"downtime_ms": float(info.get("downtime", float("nan"))), "pause_ms": p["pause_ms"],
            "switch_gap_ms": p["switch_gap_ms"], "total_ms": float(info.get("total-time", float("nan"))),
            "host_total_ms": p["request_to_first_dst_tick_ms"], "bytes": ram.get("transferred"),
            "gap_before_ms": p["max_gap_before_request_ms"], "ram_transferred": ram.get("transferred"), "setup_ms": info.get("setup-time"),
            "dirty_sync_count": ram.get("dirty-sync-count"), "converged": True, "dst_status_after": status,
            # Pages QEMU sent after its last 'active' poll (<= one poll interval of pre-copy + the stop-and-copy set).
            "final_normal_pages_upper": (ram.get("normal", 0) - ((info.get("last_active") or {}).get("ram") or {}).get("normal", 0))
            if info.get("last_active") else None,
            "remaining_at_last_poll": (((info.get("last_active") or {}).get("ram") or {}).get("remaining")),
            "cpu_throttle": info.get("cpu-throttle-percentage"), "info": info}


def bench_live(args, report: dict) -> None:
    out = report.setdefault("live", {})
    for name in args.scenarios:
        append, warm_ms, tern_bw, qemu_bw = SCENARIOS[name]
        for ac, xb in [(ac, xb) for ac in ([False, True] if args.auto_converge == "both" else [args.auto_converge == "on"])
                       for xb in ([False, True] if args.xbzrle == "both" else [args.xbzrle == "on"])]:
            cache = args.xbzrle_cache_mib << 20 if xb else 0
            key = name + ("+auto-converge" if ac else "") + ("+xbzrle" if xb else "") + ("+prewarm" if args.tern_prewarm else "")
            up = uptime()
            print(f"\n=== live {key}: `{append}`, downtime {args.downtime_ms} ms, Tern bandwidth "
                  f"{tern_bw or 'unlimited'}, QEMU max-bandwidth {qemu_bw} B/s; {up}", file=sys.stderr)
            with tempfile.TemporaryDirectory(prefix="tern-migbench-") as work:
                res = alternate(args.runs, args.warmup,
                                lambda: live_tern(work, append, warm_ms, tern_bw, ac, args.downtime_ms, args.timeout, args.tern_prewarm, cache),
                                lambda: live_qemu(work, append, warm_ms, qemu_bw, ac, args.downtime_ms, args.timeout, cache))
            add = report.get("qemu_device_state_bytes") or 0
            t, q = res["tern"], res["qemu"]
            conv_t = sum(1 for r in t if r["converged"])
            conv_q = sum(1 for r in q if r["converged"])
            rows = [
                ("downtime (VMM's own figure)", "ms", [r["downtime_ms"] for r in t], [r["downtime_ms"] for r in q],
                 "Tern: pause -> destination runs; QEMU: stop -> source done", True),
                ("stop-and-copy at the source (QEMU's downtime)", "ms", [r["final_round_ms"] for r in t], [r["downtime_ms"] for r in q],
                 "Tern: pause -> last byte sent", True),
                ("guest pause at switch-over (host-timed ticks)", "ms", [r["switch_gap_ms"] for r in t], [r["switch_gap_ms"] for r in q],
                 "last source tick -> first destination tick", True),
                ("largest tick gap, request-1s .. switch+1s", "ms", [r["pause_ms"] for r in t], [r["pause_ms"] for r in q],
                 "includes stalls during pre-copy", True),
                ("total time (VMM's own figure)", "ms", [r["total_ms"] for r in t], [r["total_ms"] for r in q], "", True),
                ("request -> first destination tick", "ms", [r["host_total_ms"] for r in t], [r["host_total_ms"] for r in q], "", True),
                ("bytes transferred", "MiB", [r["bytes"] / 2**20 if r["bytes"] else None for r in t],
                 [(r["bytes"] + add) / 2**20 if r["bytes"] else None for r in q], "QEMU: ram.transferred + device state", True),
            ]
            print(f"\nlive {key} — {uptime()}")
            rows_out = table(f"live migration, {key} (`{append}`), {args.runs} runs each, medians; converged: "
                             f"Tern {conv_t}/{len(t)}, QEMU {conv_q}/{len(q)}", rows)
            extra = {
                "tern_rounds": med([r["rounds"] for r in t]), "qemu_dirty_sync_count": med([r.get("dirty_sync_count") for r in q]),
                "tern_resume_ms": med([r["resume_ms"] for r in t]), "tern_final_round_ms": med([r["final_round_ms"] for r in t]),
                "tern_final_round_pages": med([r["final_round_pages"] for r in t]),
                "tern_xbzrle_pages": med([r.get("xbzrle_pages") for r in t]),
                "tern_own_guest_pause_ms": med([r["tern_guest_pause_ms"] for r in t]),
                "qemu_setup_ms": med([r.get("setup_ms") for r in q]),
                "qemu_final_pages_upper": med([r.get("final_normal_pages_upper") for r in q]),
                "tern_transit_ms": med([r.get("transit_ms") for r in t]),
                "tern_preparation_ms": med([r.get("preparation_ms") for r in t]),
                "tern_max_tick_gap_before_ms": med([r.get("gap_before_ms") for r in t]),
                "qemu_max_tick_gap_before_ms": med([r.get("gap_before_ms") for r in q]),
            }
            print("  " + ", ".join(f"{k} {v:.1f}" for k, v in extra.items()))
            out[key] = {"append": append, "uptime_before": up, "uptime_after": uptime(), "tern_bandwidth": tern_bw,
                        "qemu_max_bandwidth": qemu_bw, "auto_converge": ac, "xbzrle_cache": cache, "converged": {"tern": conv_t, "qemu": conv_q},
                        "table": rows_out, "extra": extra, "runs": res}
            if args.json:
                write_json(args.json, report)


# ---------------------------------------------------------------- A: machine state

def qemu_device_state_bytes(work: str) -> int:
    """Bytes of a QEMU migration stream that are not ram.transferred (device state, section headers),
    from a migration of an idle guest to a file."""
    qmp, path = os.path.join(work, "cal.qmp"), os.path.join(work, "cal.bin")
    src = Proc("qemu calibration", qemu_cmd("tick=20", qmp), "qemu")
    try:
        q = Qmp(qmp)
        wait_warm(src, 200)
        q.cmd("migrate-set-parameters", {"max-bandwidth": QEMU_UNLIMITED})
        q.cmd("stop")
        q.cmd("migrate", {"uri": f"exec:cat > {path}"})
        info = qmp_poll_migration(q, 120)
        q.close()
    finally:
        src.stop()
    size = os.path.getsize(path)
    os.unlink(path)
    return size - info["ram"]["transferred"]


def state_tern(work: str, append: str, warm_ms: int) -> dict:
    snap = os.path.join(work, "tern-snap")
    shutil.rmtree(snap, ignore_errors=True)
    src = tern_run(work, "st-src", append)
    try:
        wait_warm(src, warm_ms)
        t0 = now_ns()
        res = tern_call(os.path.join(work, "st-src.sock"), "snapshot", {"out": snap, "stop": True})
        t1 = now_ns()
        src.proc.wait(timeout=20)
    finally:
        src.stop()
    path = os.path.join(snap, "snapshot.tern")
    size = os.path.getsize(path)
    # Restore: process start to the first tick line. Both VMMs restore a file just written (page cache warm).
    t_spawn = now_ns()
    dst = Proc("tern restore", tern_cmd("restore", snap, "--name", "st-dst", "--api", os.path.join(work, "st-dst.sock")), "tern")
    try:
        first = dst.wait_line(lambda t: TICK.match(t) is not None, 60)
        restore_ms = (first.t_ns - t_spawn) / 1e6
    finally:
        dst.stop()
    shutil.rmtree(snap, ignore_errors=True)
    return {"suspend_ms": (t1 - t0) / 1e6, "tern_duration_ms": res.get("duration_ms"), "size_mib": size / 2**20,
            "restore_ms": restore_ms, "snapshot_result": res}


def state_qemu(work: str, append: str, warm_ms: int) -> dict:
    path = os.path.join(work, "qemu-state.bin")
    qmp = os.path.join(work, "st-src.qmp")
    src = Proc("qemu src", qemu_cmd(append, qmp), "qemu")
    try:
        q = Qmp(qmp)
        wait_warm(src, warm_ms)
        q.cmd("migrate-set-parameters", {"max-bandwidth": QEMU_UNLIMITED, "downtime-limit": 300})
        t0 = now_ns()
        q.cmd("stop")
        q.cmd("migrate", {"uri": f"exec:cat > {path}"})
        info = qmp_poll_migration(q, 120, interval_s=0.005)
        t1 = now_ns()
        q.close()
        if info.get("status") != "completed":
            raise RuntimeError(f"QEMU migration to file: {info}")
    finally:
        src.stop()
    size = os.path.getsize(path)
    dqmp = os.path.join(work, "st-dst.qmp")
    t_spawn = now_ns()
    dst = Proc("qemu restore", qemu_cmd(append, dqmp, ["-incoming", f"exec:cat {path}"]), "qemu")
    try:
        qd = Qmp(dqmp)
        status = qmp_wait_status(qd, {"running", "paused", "postmigrate"}, 60)
        if status != "running":
            qd.cmd("cont")
        first = dst.wait_line(lambda t: TICK.match(t) is not None, 60)
        restore_ms = (first.t_ns - t_spawn) / 1e6
        qd.close()
    finally:
        dst.stop()
    os.unlink(path)
    return {"suspend_ms": (t1 - t0) / 1e6, "qemu_total_time_ms": info.get("total-time"), "size_mib": size / 2**20,
            "restore_ms": restore_ms, "restore_needed_cont": status != "running", "ram": info.get("ram")}


def cold_tern(work: str, append: str, warm_ms: int) -> dict:
    dst, port = tern_receive(work, "cd-dst")
    src = tern_run(work, "cd-src", append)
    try:
        wait_warm(src, warm_ms)
        t_req = now_ns()
        rep = tern_call(os.path.join(work, "cd-src.sock"), "migrate", {"to": f"127.0.0.1:{port}", "mode": "cold"})
        t_done = now_ns()
        dst.wait_ticks_after(t_done, 10, 20)
        p = pause_around(src, dst, t_req)
    finally:
        dst.stop()
        src.stop()
    return {"downtime_ms": rep["downtime_ms"], "pause_ms": p["pause_ms"], "total_ms": rep["total_ms"],
            "host_total_ms": p["request_to_first_dst_tick_ms"], "bytes": rep["bytes_transferred"], "resume_ms": rep["resume_ms"],
            "round_ms": (rep.get("round_details") or [{}])[0].get("duration_ms"),
            "report": {k: v for k, v in rep.items() if k != "ticks"}}


def cold_qemu(work: str, append: str, warm_ms: int) -> dict:
    port = free_port()
    sq, dq = os.path.join(work, "cd-src.qmp"), os.path.join(work, "cd-dst.qmp")
    dst = Proc("qemu dst", qemu_cmd(append, dq, ["-incoming", f"tcp:127.0.0.1:{port}"]), "qemu")
    src = Proc("qemu src", qemu_cmd(append, sq), "qemu")
    try:
        qd, qs = Qmp(dq), Qmp(sq)
        wait_warm(src, warm_ms)
        qs.cmd("migrate-set-parameters", {"downtime-limit": 300, "max-bandwidth": QEMU_UNLIMITED})
        t_req = now_ns()
        qs.cmd("stop")
        qs.cmd("migrate", {"uri": f"tcp:127.0.0.1:{port}"})
        info = qmp_poll_migration(qs, 120, interval_s=0.005)
        if info.get("status") != "completed":
            raise RuntimeError(f"QEMU cold migration: {info}")
        status = qmp_wait_status(qd, {"running", "paused", "postmigrate"}, 30)
        if status != "running":
            qd.cmd("cont")
        t_running = now_ns()
        dst.wait_ticks_after(t_running, 10, 20)
        p = pause_around(src, dst, t_req)
        qd.close()
        qs.close()
    finally:
        dst.stop()
        src.stop()
    ram = info.get("ram", {})
    return {"downtime_ms": (t_running - t_req) / 1e6, "qemu_reported_downtime_ms": info.get("downtime"),
            "pause_ms": p["pause_ms"], "total_ms": float(info.get("total-time", float("nan"))),
            "host_total_ms": p["request_to_first_dst_tick_ms"], "bytes": ram.get("transferred"), "needed_cont": status != "running",
            "info": info}


def bench_state(args, report: dict) -> None:
    out = report.setdefault("state", {})
    append, warm_ms = args.state_append, args.state_warm_ms
    up = uptime()
    print(f"\n=== state: suspend to file + restore, `{append}`; {up}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="tern-migbench-", dir=args.workdir) as work:
        res = alternate(args.runs, args.warmup, lambda: state_tern(work, append, warm_ms), lambda: state_qemu(work, append, warm_ms))
    t, q = res["tern"], res["qemu"]
    rows = [
        ("suspend to file (request -> done)", "ms", [r["suspend_ms"] for r in t], [r["suspend_ms"] for r in q], "", True),
        ("snapshot file size", "MiB", [r["size_mib"] for r in t], [r["size_mib"] for r in q], "", True),
        ("restore: process start -> first tick", "ms", [r["restore_ms"] for r in t], [r["restore_ms"] for r in q],
         "QEMU: -incoming exec:cat + cont", True),
    ]
    print(f"\nstate — {uptime()}")
    out["snapshot_restore"] = {"append": append, "uptime_before": up, "uptime_after": uptime(),
                               "table": table(f"suspend/restore, `{append}`, {args.runs} runs each, medians", rows), "runs": res}
    if args.json:
        write_json(args.json, report)

    up = uptime()
    print(f"\n=== state: cold migration, `{append}`; {up}", file=sys.stderr)
    add = report.get("qemu_device_state_bytes") or 0
    with tempfile.TemporaryDirectory(prefix="tern-migbench-") as work:
        res = alternate(args.runs, args.warmup, lambda: cold_tern(work, append, warm_ms), lambda: cold_qemu(work, append, warm_ms))
    t, q = res["tern"], res["qemu"]
    rows = [
        ("downtime (Tern: report; QEMU: stop -> cont done)", "ms", [r["downtime_ms"] for r in t], [r["downtime_ms"] for r in q], "", True),
        ("guest-visible pause (largest tick gap)", "ms", [r["pause_ms"] for r in t], [r["pause_ms"] for r in q], "", True),
        ("request -> first destination tick", "ms", [r["host_total_ms"] for r in t], [r["host_total_ms"] for r in q], "", True),
        ("bytes transferred", "MiB", [r["bytes"] / 2**20 for r in t], [(r["bytes"] + add) / 2**20 for r in q],
         "QEMU: ram.transferred + device state", True),
    ]
    print(f"\ncold — {uptime()}")
    out["cold"] = {"append": append, "uptime_before": up, "uptime_after": uptime(),
                   "table": table(f"cold migration over loopback, `{append}`, {args.runs} runs each, medians", rows),
                   "extra": {"tern_resume_ms": med([r["resume_ms"] for r in t]), "tern_copy_ms": med([r["round_ms"] for r in t]),
                             "qemu_reported_downtime_ms": med([r["qemu_reported_downtime_ms"] for r in q]),
                             "qemu_total_time_ms": med([r["total_ms"] for r in q])},
                   "runs": res}
    print("  " + ", ".join(f"{k} {v:.1f}" for k, v in out["cold"]["extra"].items()))
    if args.json:
        write_json(args.json, report)


# ---------------------------------------------------------------- diagnostics (Tern only)

def bench_diag(args, report: dict) -> None:
    """Where Tern's snapshot and restore time goes: three snapshots in one process (first = cold code),
    to a disk directory and to tmpfs; restore from each; page-fault counts of the restoring process."""
    append, warm_ms = args.state_append, args.state_warm_ms
    out = report.setdefault("diag", {"uptime_before": uptime(), "runs": []})
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="tern-migbench-", dir=args.workdir) as disk, \
                tempfile.TemporaryDirectory(prefix="tern-migbench-", dir="/dev/shm") as shm:
            src = tern_run(disk, "dg-src", append)
            sample = {"snapshots": []}
            try:
                wait_warm(src, warm_ms)
                for where, base in (("disk", disk), ("tmpfs", shm), ("disk", disk), ("tmpfs", shm)):
                    d = os.path.join(base, f"s{len(sample['snapshots'])}")
                    t0 = now_ns()
                    r = tern_call(os.path.join(disk, "dg-src.sock"), "snapshot", {"out": d, "stop": False})
                    sample["snapshots"].append({"where": where, "request_ms": (now_ns() - t0) / 1e6, "duration_ms": r["duration_ms"],
                                                "dir": d})
                    wait_warm(src, src.ticks()[-1][1] + 500)
            finally:
                src.stop()
            for snap in sample["snapshots"][2:]:
                t_spawn = now_ns()
                dst = Proc("tern restore", tern_cmd("restore", snap["dir"], "--name", "dg-dst", "--api", os.path.join(disk, "dg-dst.sock")), "tern")
                try:
                    first = dst.wait_line(lambda t: TICK.match(t) is not None, 60)
                    snap["restore_ms"] = (first.t_ns - t_spawn) / 1e6
                    with open(f"/proc/{dst.pid}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    snap["restore_minflt"], snap["restore_majflt"] = int(fields[7]), int(fields[9])
                finally:
                    dst.stop()
            for snap in sample["snapshots"]:
                del snap["dir"]
            out["runs"].append(sample)
            print(f"  diag: {sample}", file=sys.stderr)
    print("\nTern snapshot (guest resumed after each) and restore, medians:")
    for i in range(4):
        xs = [r["snapshots"][i] for r in out["runs"]]
        line = (f"  snapshot #{i + 1} to {xs[0]['where']:<5}: request {med([x['request_ms'] for x in xs]):8.1f} ms, "
                f"write {med([x['duration_ms'] for x in xs]):8.1f} ms")
        if "restore_ms" in xs[0]:
            line += (f"; restore from it {med([x['restore_ms'] for x in xs]):7.1f} ms, "
                     f"{med([x['restore_minflt'] for x in xs]):,.0f} minor faults")
        print(line)
    out["uptime_after"] = uptime()
    if args.json:
        write_json(args.json, report)


# ---------------------------------------------------------------- main

def write_json(path: str, report: dict) -> None:
    report["failures"] = FAILURES
    report["loadavg_now"] = loadavg()
    with open(path + ".tmp", "w") as f:
        json.dump(report, f, indent=1, default=str)
    os.replace(path + ".tmp", path)


def main() -> int:
    global TERN_DLL, GUEST
    signal.signal(signal.SIGTERM, lambda *_: print("  driver got SIGTERM from outside; ignored", file=sys.stderr))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=["live", "state", "all", "diag"])
    p.add_argument("--runs", type=int, default=3, help="counted runs of each VMM (default 3)")
    p.add_argument("--warmup", type=int, default=1, help="uncounted runs of each VMM first (default 1)")
    p.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=list(SCENARIOS))
    p.add_argument("--auto-converge", choices=["off", "on", "both"], default="off")
    p.add_argument("--xbzrle", choices=["off", "on", "both"], default="off", help="XBZRLE on both VMMs (QEMU: the xbzrle capability)")
    p.add_argument("--xbzrle-cache-mib", type=int, default=64, help="XBZRLE cache size for both (QEMU's default is 64 MiB)")
    p.add_argument("--downtime-ms", type=int, default=300)
    p.add_argument("--tern-prewarm", action="store_true",
                   help="diagnostic: take one snapshot (guest resumed) before migrating, so Tern's save path is not cold code")
    p.add_argument("--skip-calibration", type=int, default=None, metavar="BYTES",
                   help="use this QEMU device-state size instead of measuring it")
    p.add_argument("--timeout", type=float, default=120, help="seconds before a pre-copy is given up (QEMU: migrate_cancel; Tern: timeout_s, then forced)")
    p.add_argument("--state-append", default="dirty=256,100 tick=20")
    p.add_argument("--state-warm-ms", type=int, default=3000, help="guest ms before suspending (256 MiB at 100 MiB/s touched after 2.56 s)")
    p.add_argument("--workdir", default=None, help="where snapshot files go (default: $TMPDIR)")
    p.add_argument("--json", help="write every sample to this file (rewritten after each scenario)")
    p.add_argument("--tern-dll", default=TERN_DLL, help="the tern executable (default: artifacts/tern/tern), or a tern.dll to run with dotnet")
    p.add_argument("--guest", default=GUEST)
    args = p.parse_args()
    TERN_DLL, GUEST = os.path.abspath(args.tern_dll), os.path.abspath(args.guest)
    for path in (TERN_DLL, GUEST):
        if not os.path.exists(path):
            print(f"missing {path}: run scripts/setup.sh", file=sys.stderr)
            return 2
    if shutil.which("qemu-system-x86_64") is None:
        print("qemu-system-x86_64 not found", file=sys.stderr)
        return 2
    report = {"tern_dll": TERN_DLL, "guest": GUEST, "date": time.strftime("%Y-%m-%d %H:%M:%S %z"), "kernel": os.uname().release,
              "cpus": os.cpu_count(), "uptime_start": uptime(), "args": vars(args)}
    print(f"{report['date']}  {report['uptime_start']}\ntern: {TERN_DLL}")
    if args.skip_calibration is not None:
        report["qemu_device_state_bytes"] = args.skip_calibration
    else:
        with tempfile.TemporaryDirectory(prefix="tern-migbench-") as work:
            report["qemu_device_state_bytes"] = qemu_device_state_bytes(work)
    print(f"QEMU stream bytes beyond ram.transferred (device state + headers), idle guest: {report['qemu_device_state_bytes']:,}")
    if args.what in ("live", "all"):
        bench_live(args, report)
    if args.what in ("state", "all"):
        bench_state(args, report)
    if args.what == "diag":
        bench_diag(args, report)
    report["uptime_end"] = uptime()
    if FAILURES:
        print(f"\n{len(FAILURES)} run(s) failed and were repeated:", *FAILURES, sep="\n  ")
    print(f"\n{report['uptime_end']}")
    if args.json:
        write_json(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
