# SPDX-License-Identifier: GPL-2.0
# The lab kernels: Debian 12's 6.12 LTS (default) and 6.1. One place to
# bump a version. kernel_vars VER sets KREL (uname -r) and KPKGS.
kernel_vars() {
	case "$1" in
	6.12)
		KREL=6.12.117+deb12-amd64
		KPKGS="linux-image-$KREL-unsigned linux-headers-$KREL linux-headers-6.12.117+deb12-common linux-kbuild-6.12.117+deb12"
		;;
	6.1)
		KREL=6.1.0-56-amd64
		KPKGS="linux-image-$KREL-unsigned linux-headers-$KREL linux-headers-6.1.0-56-common linux-kbuild-6.1"
		;;
	*)
		echo "unknown lab kernel '$1' (known: 6.12 6.1)" >&2
		return 1
		;;
	esac
}
