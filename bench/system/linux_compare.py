#!/usr/bin/env python3
"""Tern against QEMU/KVM booting the same Linux guest (guest/linux), same kernel, initrd and command line.

Each run starts the VMM on guest/build/linux/vmlinux + initramfs.cpio with the guest's command line plus
`tern.poweroff`, and timestamps on the host, from just before the spawn, the arrival of:

  first     the kernel's first console line (`Linux version ...`)
  init      `Run /init as init process`
  ready     /init's `tern-guest: ready` (user space writing through the tty)
  exit      the process's exit after the guest's ACPI power-off

Runs alternate Tern, QEMU, Tern, QEMU, ... (no warm-up by default: each run is a minute or more, and a
`--version` of each VMM warms the file cache first); every figure is the median of its runs, and the
ratios are Tern/QEMU, as the ratio of the medians and as the median of the per-pair ratios.

QEMU runs with `-enable-kvm -cpu host,-arch-capabilities` (plain `-cpu host` aborts on kvm-pvm hosts) and
enters the same ELF vmlinux through its PVH note, after SeaBIOS; Tern loads the ELF itself and enters at
its 64-bit entry. Needs /dev/kvm, qemu-system-x86_64, the Release build of tern and guest/linux/build.sh.
Only the Python standard library is used (the process and line machinery is vmm_compare.py's).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vmm_compare  # noqa: E402  (beside this file)
from vmm_compare import ROOT, Run, loadavg, med, ratio_rows, summary  # noqa: E402

LINUX = os.path.join(ROOT, "guest", "build", "linux")
KERNEL = os.path.join(LINUX, "vmlinux")
INITRD = os.path.join(LINUX, "initramfs.cpio")
# guest/linux's default command line (docs/linux-guest.md), the same for both VMMs.
CMDLINE = ("console=ttyS0 noxsave clearcpuid=cx16,smap,popcnt,ssse3,fsgsbase,rdrand,rdseed,pku,rdpid nopti "
           "tern.poweroff")
MARKS = [("first", b"Linux version"), ("init", b"Run /init as init process"), ("ready", b"tern-guest: ready")]


@dataclass
class LinuxVmm:
    """How to start one VMM on the Linux guest; the interface vmm_compare.Run expects."""

    name: str
    memory_mib: int = 256

    def command(self, append: str) -> list[str]:
        if self.name == "tern":
            return vmm_compare.tern_cmd("run", "--kernel", KERNEL, "--initrd", INITRD,
                                        "--memory", f"{self.memory_mib}M", "--cpus", "1", "--append", append)
        return ["qemu-system-x86_64", "-enable-kvm", "-cpu", "host,-arch-capabilities",
                "-m", str(self.memory_mib), "-smp", "1", "-nographic", "-no-reboot",
                "-kernel", KERNEL, "-initrd", INITRD, "-append", append]

    def label(self) -> str:
        return self.name


def one_boot(vmm: LinuxVmm, timeout_s: float) -> dict:
    run = Run(vmm, CMDLINE)
    try:
        result = {}
        for key, needle in MARKS:
            line = run.wait_for(lambda t, n=needle: n in t, timeout_s=timeout_s)
            result[key] = line.t_ns / 1e9
        run.drain_to_exit(timeout_s=timeout_s)
        result["exit"] = (time.monotonic_ns() - run.t0) / 1e9
        result["exit_code"] = run.exit_code
    finally:
        run.stop()
    return result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=3, help="counted runs of each VMM (default 3)")
    p.add_argument("--warmup", type=int, default=0, help="uncounted runs of each VMM first (default 0)")
    p.add_argument("--memory", type=int, default=256, help="guest RAM in MiB (default 256)")
    p.add_argument("--timeout", type=float, default=600, help="seconds to wait for each line (default 600)")
    p.add_argument("--tern-dll", help="benchmark this tern executable or tern.dll (default: artifacts/tern/tern, else the Release build)")
    p.add_argument("--json", help="also write the raw samples here")
    args = p.parse_args()
    if args.tern_dll:
        vmm_compare.TERN_DLL = os.path.abspath(args.tern_dll)

    for path in (vmm_compare.TERN_DLL, KERNEL, INITRD):
        if not os.path.exists(path):
            print(f"linux_compare: {path} is missing (dotnet build -c Release; guest/linux/build.sh)", file=sys.stderr)
            return 2
    subprocess.run(vmm_compare.tern_cmd("--version"), stdout=subprocess.DEVNULL, check=True)
    subprocess.run(["qemu-system-x86_64", "--version"], stdout=subprocess.DEVNULL, check=True)

    load_before = loadavg()
    vmms = [LinuxVmm("tern", args.memory), LinuxVmm("qemu", args.memory)]
    res = vmm_compare.alternate(vmms, args.runs, args.warmup, lambda vmm: one_boot(vmm, args.timeout))
    load_after = loadavg()

    out = {"cmdline": CMDLINE, "memory_mib": args.memory, "loadavg": [load_before, load_after]}
    for key in ["first", "init", "ready", "exit"]:
        out[key] = {name: summary([r[key] for r in runs]) for name, runs in res.items()}
        out[key]["ratio"] = ratio_rows([r[key] for r in res["tern"]], [r[key] for r in res["qemu"]])
    out["first_to_init"] = {name: summary([r["init"] - r["first"] for r in runs]) for name, runs in res.items()}
    out["first_to_init"]["ratio"] = ratio_rows([r["init"] - r["first"] for r in res["tern"]],
                                               [r["init"] - r["first"] for r in res["qemu"]])
    out["exit_codes"] = {name: [r["exit_code"] for r in runs] for name, runs in res.items()}

    print(f"\nLinux guest, {args.memory} MiB, 1 vCPU, `{CMDLINE}`; {args.runs} runs each, alternating; "
          f"load average {load_before} -> {load_after}")
    print("host seconds from process start (median [min-max]); ratio tern/qemu as medians, median of pairs")
    rows = [("first", "-> `Linux version`"), ("init", "-> `Run /init`"), ("ready", "-> `tern-guest: ready`"),
            ("exit", "-> exit (power-off)"), ("first_to_init", "`Linux version` -> `Run /init`")]
    print(f"{'':<32}{'tern':>22}{'qemu':>22}{'ratio':>16}")
    for key, label in rows:
        cells = []
        for name in ("tern", "qemu"):
            s = out[key][name]
            cells.append(f"{s['median']:.1f} [{s['min']:.1f}-{s['max']:.1f}]")
        r = out[key]["ratio"]
        print(f"{label:<32}{cells[0]:>22}{cells[1]:>22}{r['ratio_of_medians']:>8.2f}, {r['median_pair_ratio']:.2f}")
    print(f"exit codes: {out['exit_codes']}")
    if vmm_compare.RETRIES:
        print(f"retried runs: {vmm_compare.RETRIES}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
