#!/bin/sh
# Build Tern's Linux guest: a minimal microVM kernel from Debian's
# linux-source-6.1 and a busybox-static initramfs with the dirty workload.
# Usage: guest/linux/build.sh [OUTDIR]        (default: guest/build/linux)
# Writes OUTDIR/vmlinux (ELF), OUTDIR/bzImage, OUTDIR/initramfs.cpio.
#
# The kernel build takes ~13 min on 2 cores, so the result is cached outside
# the repository under ${TERN_CACHE:-~/.cache/tern}/linux-<hash>, where the
# hash covers the config fragment, the patches and kernel_recipe below (bump
# it when the kernel build steps change).  A second
# run only rebuilds the initramfs (seconds).
set -eu

src=$(cd "$(dirname "$0")" && pwd)
out=${1:-$src/../build/linux}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cache_root=${TERN_CACHE:-${HOME:-/root}/.cache/tern}
jobs=${JOBS:-$(nproc)}

need=
command -v bc >/dev/null || need="$need bc"
command -v bison >/dev/null || need="$need bison"
command -v flex >/dev/null || need="$need flex"
command -v cpio >/dev/null || need="$need cpio"
[ -f /usr/include/libelf.h ] || need="$need libelf-dev"
[ -f /usr/include/openssl/ssl.h ] || need="$need libssl-dev"
[ -f /usr/src/linux-source-6.1.tar.xz ] || need="$need linux-source-6.1"
[ -x /bin/busybox ] || need="$need busybox-static"
if [ -n "$need" ]; then
	echo "installing:$need"
	# shellcheck disable=SC2086
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $need
fi

kernel_recipe=1
hash=$( (echo "$kernel_recipe"; cat "$src/tern-microvm.config" "$src"/*.patch) | sha256sum | cut -c1-16)
cache=$cache_root/linux-$hash

if [ ! -f "$cache/vmlinux" ]; then
	work=$cache.build
	rm -rf "$work"
	mkdir -p "$work"
	echo "building the kernel in $work (log: $work/build.log)"
	tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$work"
	tree=$work/linux-source-6.1
	for p in "$src"/*.patch; do
		patch -d "$tree" -p1 --quiet < "$p"
	done
	make -C "$tree" -s tinyconfig > "$work/build.log" 2>&1
	"$tree/scripts/kconfig/merge_config.sh" -m -O "$tree" "$tree/.config" \
		"$src/tern-microvm.config" >> "$work/build.log" 2>&1
	make -C "$tree" -s olddefconfig >> "$work/build.log" 2>&1
	# Every line of the fragment must have survived olddefconfig; a
	# silently dropped option is a kernel that boots differently.
	missing=$(grep -E '^CONFIG_[A-Z0-9_]+=y' "$src/tern-microvm.config" | while read -r line; do
		grep -qx "$line" "$tree/.config" || echo "$line"; done)
	if [ -n "$missing" ]; then
		echo "config options not applied:"; echo "$missing"
		exit 1
	fi
	make -C "$tree" -j"$jobs" vmlinux bzImage >> "$work/build.log" 2>&1 || {
		tail -40 "$work/build.log"; exit 1; }
	mkdir -p "$cache"
	cp "$tree/vmlinux" "$tree/arch/x86/boot/bzImage" "$tree/.config" "$cache/"
	strip --strip-debug "$cache/vmlinux" 2>/dev/null || true
	rm -rf "$work"
fi
cp "$cache/vmlinux" "$cache/bzImage" "$out/"
cp "$cache/.config" "$out/config"

# The initramfs, uncompressed: the guest kernel unpacks it in kernel mode, which
# kvm-pvm emulates instruction by instruction, so gunzip of ~1.3 MiB alone
# would take minutes.  Only the applets /init and a person at the shell need
# get links: each cpio entry costs the kernel real work too.
root=$out/initramfs
rm -rf "$root"
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
for applet in sh ash mount umount echo cat ls ps poweroff reboot halt sleep dmesg uname free top \
	mkdir rm cp mv ln dd grep sed head tail wc date env kill sync; do
	ln -sf busybox "$root/bin/$applet"
done
# The kernel opens /dev/console for /init's stdio before anything mounts
# devtmpfs (with an initramfs it never mounts it itself), so the node must be here.
mknod "$root/dev/console" c 5 1
cp "$src/init" "$root/init"
chmod 755 "$root/init"
${CC:-gcc} -static -O2 -Wall -Wextra -Werror -o "$root/bin/tern-dirty" "$src/dirty.c"
strip "$root/bin/tern-dirty"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$out/initramfs.cpio"
rm -rf "$root" "$out/initramfs.cpio.gz"
echo "built $out/vmlinux and $out/initramfs.cpio"
