#!/bin/sh
# Build the Tern test guest.
# Usage: guest/testguest/build.sh [OUTDIR]   (default: guest/build/testguest)
# Produces OUTDIR/testguest.elf (ELF32, Multiboot v1, loads at 1 MiB) and
# OUTDIR/testguest64.elf (the same image as linked, with symbols for gdb).
set -eu

src=$(cd "$(dirname "$0")" && pwd)
out=${1:-$src/../build/testguest}
mkdir -p "$out"
out=$(cd "$out" && pwd)

CC=${CC:-gcc}
LD=${LD:-ld}
OBJCOPY=${OBJCOPY:-objcopy}

# Freestanding, no libc.  General registers only (no SSE state to care
# about), no red zone (interrupts land on the kernel stack anyway, but the
# kernel and user code share conventions), fixed addresses (no PIC/PIE).
CFLAGS="-std=gnu11 -O2 -g -Wall -Wextra -Werror -m64 -ffreestanding -nostdlib \
 -mno-red-zone -mgeneral-regs-only -fno-pic -fno-pie -fno-stack-protector \
 -fno-asynchronous-unwind-tables -fno-unwind-tables -fcf-protection=none \
 -fno-tree-loop-distribute-patterns -fno-common"

objs=
for f in boot.S traps.S lib.c console.c timing.c smp.c main.c; do
	o="$out/${f%.*}.o"
	$CC $CFLAGS -c "$src/$f" -o "$o"
	objs="$objs $o"
done

# shellcheck disable=SC2086
$LD -nostdlib -static -z max-page-size=0x1000 -z noexecstack --build-id=none \
	--no-warn-rwx-segments -T "$src/linker.ld" -o "$out/testguest64.elf" $objs

# QEMU refuses 64-bit ELF for Multiboot without the address fields; an ELF32
# wrapper makes any Multiboot loader happy.  The loaded bytes are unchanged.
$OBJCOPY -O elf32-i386 --strip-all "$out/testguest64.elf" "$out/testguest.elf"

echo "built $out/testguest.elf"
