#!/bin/bash
# Smoke test of the test guest under QEMU.
# Usage: guest/testguest/smoke.sh [tcg] [kvm]    (default: tcg, plus kvm if /dev/kvm is usable)
# Env:   ELF=path/to/testguest.elf (default: guest/build/testguest/testguest.elf)
#
# QEMU boots through SeaBIOS, which under kvm-pvm takes several seconds
# before the guest even starts; the timeouts allow for that.
set -u

here=$(cd "$(dirname "$0")" && pwd)
elf=${ELF:-$here/../build/testguest/testguest.elf}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

accel_args() {
	case $1 in
	tcg) echo "-accel tcg" ;;
	kvm) echo "-enable-kvm -cpu host,-arch-capabilities" ;;
	esac
}

check() {       # name file grep-pattern...
	local name=$1 out=$2 pat
	shift 2
	for pat in "$@"; do
		if ! grep -aEq -- "$pat" "$out"; then
			echo "FAIL $name: no line matching '$pat'"
			sed -n '/Booting from ROM/,$p' "$out" | head -20 | sed 's/^/    | /'
			failures=$((failures + 1))
			return
		fi
	done
	echo "ok   $name"
}

# run NAME ACCEL SMP SECONDS APPEND: QEMU until it exits or SECONDS pass
run() {
	local name=$1 accel=$2 smp=$3 secs=$4 append=$5
	# shellcheck disable=SC2046
	timeout "$secs" qemu-system-x86_64 $(accel_args "$accel") -smp "$smp" -m 512 \
		-nographic -no-reboot -kernel "$elf" -append "$append" \
		</dev/null >"$tmp/$name.out" 2>&1
	echo $? >"$tmp/$name.rc"
}

# Wait (up to $2 s) for a line matching $3 in file $1.
wait_for() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		grep -aEq -- "$3" "$1" && return 0
		sleep 0.1
	done
	return 1
}

echo_test() {   # NAME ACCEL: type a line into COM1, expect it echoed
	local name=$1 accel=$2 out=$tmp/$1.out
	mkfifo "$tmp/$name.in"
	# shellcheck disable=SC2046
	timeout 60 qemu-system-x86_64 $(accel_args "$accel") -m 512 -nographic -no-reboot \
		-kernel "$elf" -append "dirty=8,10 tick=200 stop=100" \
		<"$tmp/$name.in" >"$out" 2>&1 &
	local pid=$!
	exec 7>"$tmp/$name.in"
	if wait_for "$out" 50 '^cpus '; then
		printf 'hello smoke\r\n' >&7
		wait_for "$out" 10 '^echo hello smoke' || true
	fi
	exec 7>&-
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	check "$name" "$out" '^echo hello smoke\r?$'
}

accels=("$@")
if [ ${#accels[@]} -eq 0 ]; then
	accels=(tcg)
	[ -w /dev/kvm ] && accels+=(kvm)
fi
[ -f "$elf" ] || { echo "no $elf: run guest/testguest/build.sh first"; exit 2; }

for a in "${accels[@]}"; do
	for smp in 1 2; do
		run "$a-smp$smp" "$a" "$smp" 60 "dirty=64,0 tick=100 stop=20"
		check "$a-smp$smp" "$tmp/$a-smp$smp.out" \
			'tern-guest: ready' "^cpus $smp" '^tick [0-9]+ [1-9][0-9]*' '^tick 2[0-9]{3} '
	done

	run "$a-paced" "$a" 1 60 "dirty=16,100 tick=1000 stop=2"
	check "$a-paced" "$tmp/$a-paced.out" '^tick 1[0-9]{3} 25[0-9]{3}' '^tick 2[0-9]{3} 5[01][0-9]{3}'

	run "$a-nofit" "$a" 1 60 "dirty=4096,0 stop=1"
	check "$a-nofit" "$tmp/$a-nofit.out" 'error: dirty=4096 MiB does not fit' '^tick '

	run "$a-ud" "$a" 2 25 "dirty=8,0 fault=ud"
	check "$a-ud" "$tmp/$a-ud.out" '^exception 6 rip=[0-9a-f]+ err=0'

	run "$a-triple" "$a" 1 60 "fault=triple"
	if [ "$(cat "$tmp/$a-triple.rc")" = 0 ]; then
		check "$a-triple" "$tmp/$a-triple.out" '^cpus 1'
	else
		echo "FAIL $a-triple: QEMU did not exit (rc $(cat "$tmp/$a-triple.rc"))"
		failures=$((failures + 1))
	fi

	echo_test "$a-echo" "$a"
done

[ $failures -eq 0 ] && echo "all passed" || echo "$failures failed"
[ $failures -eq 0 ]
