# SPDX-License-Identifier: GPL-2.0
#
# tap.sh - sourced by the in-VM shell tests: TAP results, counted in $n,
# with $fail set once one fails. Each test ends with: echo "1..$n"; exit $fail
n=0
fail=0
ok() {	# ok STATUS DESCRIPTION: "ok N DESCRIPTION" if STATUS is 0; returns STATUS
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; fail=1; fi
	[ "$1" = 0 ]
}
