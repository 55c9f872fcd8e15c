#!/usr/bin/env python3
"""Tern against QEMU/KVM on the same test guest, same machine, same invocation.

Subcommands (each prints a table; --json FILE also writes the raw samples):

  boot    host-timed wall time from process start to the guest's `tern-guest: ready` line
  dirty   guest dirty rate (pages/s) from the tick lines of `dirty=64,0 tick=1000 stop=6`
  memory  resident memory of the VMM process with an idle 512 MiB guest, split into the VMM's
          own (RssAnon + RssFile) and shared memory (RssShmem: a memfd guest RAM touched)
  all     the three above

Runs alternate Tern, QEMU, Tern, QEMU, ... after one uncounted warm-up of each, and every figure is
the median of its runs; ratios are Tern/QEMU, both as the ratio of the medians and as the median of
the per-pair ratios (the second holds up better when the machine's speed drifts during the run).

Only the Python standard library is used. Needs /dev/kvm, qemu-system-x86_64, the Release build of
tern (`dotnet build -c Release Tern.slnx`) and the test guest (`guest/testguest/build.sh`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import selectors
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# scripts/setup.sh publishes tern as a native executable into artifacts/tern (what scripts/tern runs);
# else the Release build's tern.dll, run with dotnet.
TERN_DLL = next((p for p in [os.path.join(ROOT, "artifacts", "tern", "tern"),
                             os.path.join(ROOT, "src", "Tern.Cli", "bin", "Release", "net10.0", "tern.dll")]
                 if os.path.exists(p)), os.path.join(ROOT, "src", "Tern.Cli", "bin", "Release", "net10.0", "tern.dll"))


def tern_cmd(*args: str) -> list[str]:
    """The command line that runs tern: the native executable directly, a tern.dll under dotnet."""
    return ["dotnet", TERN_DLL, *args] if TERN_DLL.endswith(".dll") else [TERN_DLL, *args]


TERN_ENV: dict[str, str] = {}  # extra environment for tern only (--tern-env), e.g. runtime knobs
GUEST = os.path.join(ROOT, "guest", "build", "testguest", "testguest.elf")
READY = b"tern-guest: ready"
TICK = re.compile(rb"^tick (\d+) (\d+)")
BOOT_US = re.compile(rb"boot_us=(\d+)")


# ---------------------------------------------------------------- processes

@dataclass
class Vmm:
    """How to start one VMM on the test guest."""

    name: str
    memory_mib: int = 512
    cpus: int = 1
    qemu_memfd: bool = False

    def command(self, append: str) -> list[str]:
        if self.name == "tern":
            return tern_cmd("run", "--kernel", GUEST, "--memory", f"{self.memory_mib}M",
                            "--cpus", str(self.cpus), "--append", append)
        cmd = ["qemu-system-x86_64", "-enable-kvm", "-cpu", "host,-arch-capabilities",
               "-m", str(self.memory_mib), "-smp", str(self.cpus), "-nographic", "-no-reboot",
               "-kernel", GUEST, "-append", append]
        if self.qemu_memfd:
            # Guest RAM in a shared memfd, as Tern has it, so it shows as RssShmem and not RssAnon.
            cmd += ["-object", f"memory-backend-memfd,id=ram0,size={self.memory_mib}M,share=on",
                    "-machine", "pc,memory-backend=ram0"]
        return cmd

    def label(self) -> str:
        extra = " (memfd RAM)" if self.qemu_memfd else ""
        return f"{self.name}{extra}"


@dataclass
class Line:
    t_ns: int  # host monotonic time the line's last byte was read, from just before the spawn
    text: bytes


@dataclass
class Run:
    """One VMM process, its console lines timestamped on arrival."""

    vmm: Vmm
    append: str
    lines: list[Line] = field(default_factory=list)
    exit_code: int | None = None
    peak_rss_kib: int | None = None

    def __post_init__(self) -> None:
        self._err = tempfile.TemporaryFile()
        self.t0 = time.monotonic_ns()
        env = {**os.environ, **TERN_ENV} if self.vmm.name == "tern" else None
        self.proc = subprocess.Popen(self.vmm.command(self.append), stdin=subprocess.DEVNULL, env=env,
                                     stdout=subprocess.PIPE, stderr=self._err, bufsize=0)
        self._buf = b""
        self._sel = selectors.DefaultSelector()
        self._sel.register(self.proc.stdout, selectors.EVENT_READ)
        self._eof = False

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _pump(self, deadline: float) -> bool:
        """Reads what is available until the deadline; False at EOF or timeout."""
        if self._eof:
            return False
        timeout = deadline - time.monotonic()
        if timeout <= 0:
            return False
        if not self._sel.select(timeout):
            return False
        chunk = os.read(self.proc.stdout.fileno(), 65536)
        now = time.monotonic_ns() - self.t0
        if not chunk:
            self._eof = True
            if self._buf:
                self.lines.append(Line(now, self._buf))
                self._buf = b""
            return False
        self._buf += chunk
        *done, self._buf = self._buf.split(b"\n")
        for text in done:
            self.lines.append(Line(now, text.rstrip(b"\r")))
        return True

    def wait_for(self, predicate, timeout_s: float) -> Line:
        """Returns the first line (old or new) that satisfies the predicate."""
        deadline = time.monotonic() + timeout_s
        seen = 0
        while True:
            for line in self.lines[seen:]:
                if predicate(line.text):
                    return line
            seen = len(self.lines)
            if not self._pump(deadline):
                if self._eof or time.monotonic() >= deadline:
                    raise RuntimeError(f"{self.vmm.label()}: no matching line within {timeout_s}s; "
                                       f"output: {self.output_tail()}")

    def drain_to_exit(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while self._pump(deadline) or (not self._eof and time.monotonic() < deadline):
            pass
        if not self._eof:
            raise RuntimeError(f"{self.vmm.label()}: did not exit within {timeout_s}s; output: {self.output_tail()}")
        self._reap(timeout_s=5)

    def stop(self) -> None:
        """Ends the process: SIGINT for tern (its Ctrl-C path stops the VM cleanly), SIGTERM for QEMU."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT if self.vmm.name == "tern" else signal.SIGTERM)
            try:
                self._reap(timeout_s=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self._reap(timeout_s=5)
        else:
            self._reap(timeout_s=5)
        self._sel.close()
        self.proc.stdout.close()

    def _reap(self, timeout_s: float) -> None:
        if self.exit_code is not None:
            return
        deadline = time.monotonic() + timeout_s
        while True:
            pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                self.exit_code = os.waitstatus_to_exitcode(status)
                self.proc.returncode = self.exit_code
                self.peak_rss_kib = usage.ru_maxrss
                return
            if time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(self.proc.args, timeout_s)
            time.sleep(0.01)

    def output_tail(self) -> str:
        self._err.seek(0)
        err = self._err.read().decode(errors="replace")[-400:]
        out = b"\n".join(l.text for l in self.lines[-6:]).decode(errors="replace")
        return f"stdout[...{out!r}] stderr[...{err!r}]"


# ---------------------------------------------------------------- statistics

def med(xs):
    return statistics.median(xs) if xs else float("nan")


def summary(xs) -> dict:
    return {"n": len(xs), "min": min(xs), "median": med(xs), "max": max(xs), "samples": xs}


def ratio_rows(tern: list[float], qemu: list[float]) -> dict:
    pairs = [t / q for t, q in zip(tern, qemu) if q]
    return {"ratio_of_medians": med(tern) / med(qemu), "median_pair_ratio": med(pairs),
            "pair_ratios": pairs}


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


RETRIES: list[str] = []


def retried(one, vmm: Vmm, attempts: int = 3):
    """Runs one(vmm) again when a run fails (e.g. a VMM killed from outside on a shared machine); every retry is reported."""
    for attempt in range(1, attempts + 1):
        try:
            return one(vmm)
        except RuntimeError as e:
            RETRIES.append(f"{vmm.label()}: {e}")
            print(f"  retry {attempt}/{attempts - 1} after: {e}", file=sys.stderr)
            if attempt == attempts:
                raise


def alternate(vmms: list[Vmm], runs: int, warmup: int, one):
    """Calls one(vmm) warmup times each (discarded), then runs times each in turn A B A B ..."""
    for _ in range(warmup):
        for vmm in vmms:
            retried(one, vmm)
    results: dict[str, list] = {vmm.label(): [] for vmm in vmms}
    for i in range(runs):
        for vmm in vmms:
            results[vmm.label()].append(retried(one, vmm))
            print(f"  run {i + 1}/{runs} {vmm.label():<18} {results[vmm.label()][-1]}", file=sys.stderr)
    return results


# ---------------------------------------------------------------- benchmarks

def bench_boot(args) -> dict:
    """Process start to `tern-guest: ready`, as the driver sees the line arrive."""

    def one(vmm: Vmm):
        run = Run(vmm, "tick=1000")
        try:
            ready = run.wait_for(lambda t: READY in t, timeout_s=60)
            info = run.wait_for(lambda t: b"boot_us=" in t, timeout_s=10)
            boot_us = int(BOOT_US.search(info.text).group(1))
        finally:
            run.stop()
        return {"ready_ms": ready.t_ns / 1e6, "guest_boot_ms": boot_us / 1e3}

    vmms = [Vmm("tern"), Vmm("qemu")]
    res = alternate(vmms, args.runs, args.warmup, one)
    tern = [r["ready_ms"] for r in res["tern"]]
    qemu = [r["ready_ms"] for r in res["qemu"]]

    # The .NET floor: the same tern.dll started only to print its version, process start to exit.
    floor, floor_peak = [], []
    for _ in range(args.runs):
        t0 = time.monotonic_ns()
        proc = subprocess.Popen(tern_cmd("--version"), stdout=subprocess.DEVNULL, env={**os.environ, **TERN_ENV})
        _, _, usage = os.wait4(proc.pid, 0)
        proc.returncode = 0
        floor.append((time.monotonic_ns() - t0) / 1e6)
        floor_peak.append(usage.ru_maxrss / 1024)

    out = {"tern_ready_ms": summary(tern), "qemu_ready_ms": summary(qemu),
           "tern_guest_boot_ms": summary([r["guest_boot_ms"] for r in res["tern"]]),
           "qemu_guest_boot_ms": summary([r["guest_boot_ms"] for r in res["qemu"]]),
           "dotnet_tern_version_ms": summary(floor), "dotnet_tern_version_peak_rss_mib": summary(floor_peak),
           "ratio": ratio_rows(tern, qemu)}
    print("\nboot to `tern-guest: ready` (host wall time, ms; guest_boot = guest's own boot_us, the kernel-mode part)")
    print(f"{'':<26}{'min':>9}{'median':>9}{'max':>9}")
    for key, label in [("tern_ready_ms", "tern run"), ("qemu_ready_ms", "qemu"),
                       ("tern_guest_boot_ms", "  guest boot_us, tern"), ("qemu_guest_boot_ms", "  guest boot_us, qemu"),
                       ("dotnet_tern_version_ms", "tern --version")]:
        s = out[key]
        print(f"{label:<26}{s['min']:>9.1f}{s['median']:>9.1f}{s['max']:>9.1f}")
    print(f"(peak RSS of `tern --version`: {med(floor_peak):.1f} MiB)")
    r = out["ratio"]
    print(f"ratio tern/qemu: {r['ratio_of_medians']:.3f} (medians), {r['median_pair_ratio']:.3f} (median of pairs)")
    return out


def dirty_rate(run: Run, skip: int) -> dict:
    ticks = [(int(m.group(1)), int(m.group(2))) for m in (TICK.match(l.text) for l in run.lines) if m]
    if len(ticks) < skip + 2:
        raise RuntimeError(f"{run.vmm.label()}: only {len(ticks)} tick lines; output: {run.output_tail()}")
    (ms0, p0), (ms1, p1) = ticks[skip - 1], ticks[-1]
    intervals = [(b[1] - a[1]) * 1000 / (b[0] - a[0]) for a, b in zip(ticks[skip - 1:], ticks[skip:])]
    return {"pages_per_s": (p1 - p0) * 1000 / (ms1 - ms0), "interval_pages_per_s": intervals,
            "ticks": len(ticks)}


def bench_dirty(args) -> dict:
    append = f"dirty={args.dirty_mib},0 tick=1000 stop={args.stop}"
    out = {"append": append, "skip_ticks": args.skip}
    for cpus in args.cpus:
        def one(vmm: Vmm):
            run = Run(vmm, append)
            try:
                run.drain_to_exit(timeout_s=args.stop * 2 + 60)
            finally:
                run.stop()
            r = dirty_rate(run, args.skip)
            return round(r["pages_per_s"]), r["interval_pages_per_s"]

        res = alternate([Vmm("tern", cpus=cpus), Vmm("qemu", cpus=cpus)], args.runs, args.warmup, one)
        tern = [r[0] for r in res["tern"]]
        qemu = [r[0] for r in res["qemu"]]
        out[f"cpus{cpus}"] = {"tern_pages_per_s": summary(tern), "qemu_pages_per_s": summary(qemu),
                              "tern_intervals": [r[1] for r in res["tern"]],
                              "qemu_intervals": [r[1] for r in res["qemu"]],
                              "ratio": ratio_rows(tern, qemu)}
    print(f"\ndirty rate, `{append}`, ticks after the first {args.skip} (Mpages/s = 10^6 page writes per guest second)")
    print(f"{'':<16}{'min':>9}{'median':>9}{'max':>9}{'  ratio tern/qemu (medians, pairs)'}")
    for cpus in args.cpus:
        o = out[f"cpus{cpus}"]
        for key, label in [("tern_pages_per_s", f"tern, {cpus} vCPU"), ("qemu_pages_per_s", f"qemu, {cpus} vCPU")]:
            s = o[key]
            tail = f"  {o['ratio']['ratio_of_medians']:.3f}, {o['ratio']['median_pair_ratio']:.3f}" if key.startswith("tern") else ""
            print(f"{label:<16}{s['min'] / 1e6:>9.2f}{s['median'] / 1e6:>9.2f}{s['max'] / 1e6:>9.2f}{tail}")
    return out


def read_kib(path: str, keys: list[str]) -> dict:
    values = {}
    with open(path) as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name in keys:
                values[name] = int(rest.split()[0])
    return values


GUEST_RAM_MAPPING = re.compile(r"^\[memfd\] (tern-ram|memory-backend-memfd)|^\[anon guest RAM\]")


def smaps_breakdown(pid: int, guest_bytes: int) -> list[tuple[str, int]]:
    """Rss per mapping name, largest first. Anonymous mappings are summed as [anon], except one at
    least as large as guest RAM (QEMU's default guest RAM), which is [anon guest RAM]; memfd
    mappings are named by their memfd ("[memfd] tern-ram0", "[memfd] doublemapper")."""
    sizes: dict[str, int] = {}
    current = "[anon]"
    header = re.compile(r"^[0-9a-f]+-[0-9a-f]+ ")
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            if header.match(line):
                parts = line.split(None, 5)
                path = parts[5].strip() if len(parts) == 6 else ""
                start, end = (int(x, 16) for x in parts[0].split("-"))
                if "/memfd:" in path:
                    current = "[memfd] " + path.split("/memfd:", 1)[1]
                elif path.startswith("/"):
                    current = os.path.basename(path)
                elif path:
                    current = path
                else:
                    current = "[anon guest RAM]" if end - start >= guest_bytes else "[anon]"
            elif line.startswith("Rss:"):
                sizes[current] = sizes.get(current, 0) + int(line.split()[1])
    return sorted(sizes.items(), key=lambda kv: -kv[1])


def bench_memory(args) -> dict:
    """An idle 512 MiB guest (ticks only), sampled a few seconds after ready."""
    status_keys = ["VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem", "Threads"]
    rollup_keys = ["Rss", "Pss", "Shared_Clean", "Private_Clean", "Private_Dirty", "Anonymous", "AnonHugePages"]

    def one(vmm: Vmm):
        run = Run(vmm, "tick=100")
        try:
            run.wait_for(lambda t: READY in t, timeout_s=60)
            deadline = time.monotonic() + args.settle
            while time.monotonic() < deadline:
                if not run._pump(deadline) and run._eof:
                    raise RuntimeError(f"{vmm.label()} exited early: {run.output_tail()}")
            status = read_kib(f"/proc/{run.pid}/status", status_keys)
            with open(f"/proc/{run.pid}/status") as f:
                status["Threads"] = int(next(l for l in f if l.startswith("Threads:")).split()[1])
            rollup = read_kib(f"/proc/{run.pid}/smaps_rollup", rollup_keys)
            mappings = smaps_breakdown(run.pid, vmm.memory_mib << 20)
        finally:
            run.stop()
        sample = {**status, **{f"rollup_{k}": v for k, v in rollup.items()}, "top": mappings[:12]}
        sample["anon_file_kib"] = status["RssAnon"] + status["RssFile"]
        sample["guest_ram_kib"] = sum(kib for name, kib in mappings if GUEST_RAM_MAPPING.match(name))
        sample["own_kib"] = status["VmRSS"] - sample["guest_ram_kib"]
        return sample

    vmms = [Vmm("tern"), Vmm("qemu"), Vmm("qemu", qemu_memfd=True)]
    res = alternate(vmms, args.runs_memory, args.warmup, one)
    out = {}
    print(f"\nresident memory, 512 MiB guest idle (`tick=100`), sampled {args.settle:.0f} s after ready, MiB, medians of {args.runs_memory}")
    print("  guest RAM = Rss of the guest-RAM mapping (tern-ram memfd, QEMU's memfd backend, or QEMU's default anonymous RAM);")
    print("  VMM own = VmRSS - guest RAM. RssShmem also holds the .NET JIT's double-mapped code (memfd 'doublemapper').")
    print(f"{'':<20}{'VmRSS':>8}{'RssAnon':>9}{'RssFile':>9}{'RssShmem':>10}{'Anon+File':>11}{'guestRAM':>10}{'VMM own':>9}{'VmHWM':>8}{'threads':>9}")
    for label, samples in res.items():
        row = {k: med([s[k] for s in samples]) for k in ["VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem", "anon_file_kib",
                                                          "guest_ram_kib", "own_kib", "Threads", "rollup_Pss", "rollup_AnonHugePages"]}
        row["own_kib_summary"] = summary([s["own_kib"] for s in samples])
        row["top_mappings_last_run"] = samples[-1]["top"]
        row["samples"] = [{k: v for k, v in s.items() if k != "top"} for s in samples]
        out[label] = row
        print(f"{label:<20}{row['VmRSS'] / 1024:>8.1f}{row['RssAnon'] / 1024:>9.1f}{row['RssFile'] / 1024:>9.1f}"
              f"{row['RssShmem'] / 1024:>10.1f}{row['anon_file_kib'] / 1024:>11.1f}{row['guest_ram_kib'] / 1024:>10.1f}"
              f"{row['own_kib'] / 1024:>9.1f}{row['VmHWM'] / 1024:>8.1f}{row['Threads']:>9.0f}")
    for label in out:
        print(f"\nlargest resident mappings, {label} (last run, MiB)")
        for name, kib in out[label]["top_mappings_last_run"][:10]:
            print(f"  {kib / 1024:8.1f}  {name}")
    return out


# ---------------------------------------------------------------- main

EXTERNAL_SIGTERMS = [0]


def note_sigterm(signum, frame) -> None:
    # Shared machines see broad `pkill -f` sweeps; a benchmark should outlive them and say so.
    # (A Python-level handler, unlike SIG_IGN, is not inherited by the VMMs this driver starts.)
    EXTERNAL_SIGTERMS[0] += 1
    print("  driver got SIGTERM from outside; ignored", file=sys.stderr)


def main() -> int:
    global TERN_DLL, GUEST
    signal.signal(signal.SIGTERM, note_sigterm)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=["boot", "dirty", "memory", "all"])
    p.add_argument("--runs", type=int, default=7, help="counted runs of each VMM for boot and dirty (default 7)")
    p.add_argument("--runs-memory", type=int, default=3, help="counted runs of each VMM for memory (default 3)")
    p.add_argument("--warmup", type=int, default=1, help="uncounted runs of each VMM first (default 1)")
    p.add_argument("--cpus", type=int, nargs="+", default=[1, 2], help="vCPU counts for dirty (default 1 2)")
    p.add_argument("--dirty-mib", type=int, default=64)
    p.add_argument("--stop", type=int, default=6, help="ticks (of 1 s) per dirty run (default 6)")
    p.add_argument("--skip", type=int, default=2, help="leading ticks left out of the dirty rate (default 2)")
    p.add_argument("--settle", type=float, default=3.0, help="seconds after ready before sampling memory")
    p.add_argument("--json", help="also write every sample to this file")
    p.add_argument("--tern-dll", default=TERN_DLL, help="the tern executable, or a tern.dll to run with dotnet (default: artifacts/tern/tern if published, else the Release build)")
    p.add_argument("--tern-env", action="append", default=[], metavar="KEY=VALUE",
                   help="environment for the tern runs only, e.g. DOTNET_TieredPGO=0 (repeatable)")
    p.add_argument("--guest", default=GUEST, help="test guest ELF (default: guest/build/testguest/testguest.elf)")
    args = p.parse_args()
    TERN_DLL, GUEST = os.path.abspath(args.tern_dll), os.path.abspath(args.guest)
    TERN_ENV.update(kv.split("=", 1) for kv in args.tern_env)

    for path, hint in [(TERN_DLL, "scripts/setup.sh or dotnet build -c Release Tern.slnx"), (GUEST, "guest/testguest/build.sh")]:
        if not os.path.exists(path):
            print(f"missing {path}: run {hint}", file=sys.stderr)
            return 2
    if shutil.which("qemu-system-x86_64") is None:
        print("qemu-system-x86_64 not found (apt-get install qemu-system-x86)", file=sys.stderr)
        return 2

    report = {"tern_dll": TERN_DLL, "tern_env": TERN_ENV, "guest": GUEST, "date": time.strftime("%Y-%m-%d %H:%M:%S %z"), "host": os.uname().nodename,
              "kernel": os.uname().release, "cpus": os.cpu_count(), "loadavg_start": loadavg()}
    print(f"{report['date']}  {report['cpus']} CPUs  kernel {report['kernel']}  load average {report['loadavg_start']}")
    print(f"tern: {TERN_DLL} {' '.join(f'{k}={v}' for k, v in TERN_ENV.items())}")
    if args.what in ("boot", "all"):
        report["boot"] = bench_boot(args)
    if args.what in ("dirty", "all"):
        report["dirty"] = bench_dirty(args)
    if args.what in ("memory", "all"):
        report["memory"] = bench_memory(args)
    report["loadavg_end"] = loadavg()
    report["retries"] = RETRIES
    if RETRIES:
        print(f"\n{len(RETRIES)} run(s) failed and were repeated:", *RETRIES, sep="\n  ")
    if EXTERNAL_SIGTERMS[0]:
        print(f"\nthis driver was sent SIGTERM {EXTERNAL_SIGTERMS[0]} time(s) from outside and carried on")
    report["external_sigterms"] = EXTERNAL_SIGTERMS[0]
    print(f"\nload average at the end: {report['loadavg_end']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
