#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/labvm/runner.sh - labs/vm/run's own rules, on the host: CMD's
# status comes back; a "Kernel panic" line in CMD's output (a guest
# kernel's, printed by hvctl) is CMD's output and nothing more; the lab
# kernel's own panic, on its console (the second serial port), fails the
# run with status 125 and shows that console. Boots QEMU TCG (seconds),
# without hvlab.ko. Prints TAP.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
t=0

ok() {	# ok STATUS DESCRIPTION [LOG]
	t=$((t + 1))
	if [ "$1" = 0 ]; then
		echo "ok $t - $2"
	else
		echo "not ok $t - $2"
		[ -n "${3:-}" ] && sed 's/^/# /' "$3"
	fi
}

vm() {	# vm NAME CMD...: one boot, NAME.out/.err, its status in NAME.st
	local name=$1; shift
	labs/vm/run --emulator qemu-tcg --no-load --timeout 300 -- "$@" \
		>"$out/$name.out" 2>"$out/$name.err"
	echo $? >"$out/$name.st"
}

echo "1..3"
vm status sh -c 'echo hello; exit 3'
[ "$(cat "$out/status.st")" = 3 ] && grep -qx hello "$out/status.out"
ok $? "CMD's output and status come back (status $(cat "$out/status.st"))" "$out/status.err"

# What tests/vm/linux.sh's guest would print if it panicked, unprefixed
vm guest_panic sh -c 'echo "[    1.234567] Kernel panic - not syncing: VFS: Unable to mount root fs"; exit 0'
[ "$(cat "$out/guest_panic.st")" = 0 ] &&
	grep -qx "\[    1.234567\] Kernel panic - not syncing: VFS: Unable to mount root fs" "$out/guest_panic.out"
ok $? "a 'Kernel panic' line in CMD's output is CMD's: the run ends with CMD's status (got $(cat "$out/guest_panic.st"))" "$out/guest_panic.err"

vm lab_panic sh -c 'echo c >/proc/sysrq-trigger; sleep 30'
[ "$(cat "$out/lab_panic.st")" = 125 ] &&
	grep -q "FAIL: the lab kernel panicked" "$out/lab_panic.err" &&
	grep -q "console: .*Kernel panic - not syncing" "$out/lab_panic.err"
ok $? "the lab kernel's own panic (sysrq c): status 125, its console shown (got $(cat "$out/lab_panic.st"))" "$out/lab_panic.err"
