#!/bin/sh
# fresh-check.sh [TARGET...] - the README's commands on a fresh machine.
#
# Runs `make test` and then `make bench` (or `make TARGET` for each TARGET
# given) in a minimal Debian 12 root that has only make, gcc, libc6-dev,
# git, pkg-config and ca-certificates, as a contributor's new machine might:
# whatever else a check needs, the project must install (scripts/deps.sh).
# Each target gets its own fresh copy of that root, so packages installed
# by one never hide a missing dependency of the next.
#
# What is tested is the committed HEAD, cloned into the root: uncommitted
# changes are deliberately left out.
#
# Needs: root (debootstrap, mount, chroot); a Debian host whose apt reaches
# a Debian mirror (debootstrap is installed if missing); a few GB in
# FRESH_WORK. Takes about 20 minutes on 2 cores (make bench 2 of them);
# the first run also builds the root (about 2 minutes), which is then
# cached.
#
#   FRESH_CACHE   where the pristine root is kept as a tarball, across runs
#                 and `make clean` (default /var/cache/pcq-fresh-check);
#                 delete it to rebuild the root
#   FRESH_WORK    where the roots are unpacked (default /var/tmp)
#   FRESH_MIRROR  the Debian mirror (default: the host's apt sources)
#   FRESH_KEEP=1  keep the roots after the run, to look inside with chroot
#
# Prints, for each target, passed or FAILED (with make's exit status) and
# the wall time; the full logs are in build/fresh-check/. Exits 1 if a
# target failed, 2 if the check itself could not run.
set -eu

SUITE=bookworm
PKGS="make gcc libc6-dev git pkg-config ca-certificates"
PATH_IN_ROOT=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

die() { echo "fresh-check: $*" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] ||
	die "must run as root (debootstrap, mount and chroot need it)"
top=$(git rev-parse --show-toplevel) || die "not in a git repository"
cd "$top"
head=$(git rev-parse HEAD)
short=$(git rev-parse --short HEAD)
cache=${FRESH_CACHE:-/var/cache/pcq-fresh-check}
logs=$top/build/fresh-check
[ $# -gt 0 ] || set -- test bench
mkdir -p "$cache" "$logs" "${FRESH_WORK:-/var/tmp}"
work=$(mktemp -d "${FRESH_WORK:-/var/tmp}/pcq-fresh-check.XXXXXX")

# ---- mounts. A root in use has the host's /proc, /sys, /dev and /dev/pts
# bound into it, and a copy of resolv.conf so that apt-get works inside.
enter() { # ROOT
	for d in proc sys dev dev/pts; do
		mount --bind "/$d" "$1/$d"
	done
	cp -L /etc/resolv.conf "$1/etc/resolv.conf"
}
# leave ROOT: unmount everything under ROOT, deepest first.
leave() {
	awk -v r="$1/" 'index($2, r) == 1 { print $2 }' /proc/mounts |
		sort -r | while read -r m; do
			umount "$m" 2>/dev/null || umount -l "$m"
		done
}
# remove ROOT, but never while anything is still mounted under it (rm -rf
# would go through into the host's /dev).
remove() {
	leave "$1"
	if grep -q " $1/" /proc/mounts; then
		echo "fresh-check: still mounted under $1; left there" >&2
		return 1
	fi
	rm -rf "$1"
}
# Unmount on every exit: success, failure, Ctrl-C or kill.
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	rm -f "$cache/.new.$$"
	if [ -n "${FRESH_KEEP:-}" ]; then
		leave "$work"
		echo "fresh-check: roots kept in $work"
	else
		remove "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# in_root ROOT COMMAND...: run it as root on a fresh login would, with a
# clean environment.
in_root() {
	root=$1; shift
	chroot "$root" /usr/bin/env -i HOME=/root PATH="$PATH_IN_ROOT" \
		TERM="${TERM:-dumb}" "$@"
}

# ---- the pristine root, built once and cached as a tarball named after
# the package list (a new list builds a new root).
mirror() {
	m=${FRESH_MIRROR:-}
	[ -n "$m" ] || m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' |
		grep -v security | head -n 1) || true
	[ -n "$m" ] || m=$(sed -n 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}\([^[:space:]]*\).*/\2/p' \
		/etc/apt/sources.list 2>/dev/null | grep -v security |
		head -n 1) || true
	echo "${m:-http://deb.debian.org/debian}"
}
# build_root DIR: debootstrap, then exactly the packages PKGS, no more.
build_root() {
	debootstrap --variant=minbase "$SUITE" "$1" "$(mirror)" || return
	enter "$1" || return
	in_root "$1" apt-get update -q || return
	# shellcheck disable=SC2086 # PKGS is a list of words
	in_root "$1" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends $PKGS || return
	in_root "$1" apt-get clean
}
pristine=$cache/$SUITE-minbase-$(echo "$PKGS" | cksum | cut -d' ' -f1).tar.gz
if [ ! -f "$pristine" ]; then
	scripts/deps.sh debootstrap || die "cannot install debootstrap"
	new=$work/pristine
	echo "fresh-check: building a minimal $SUITE root from $(mirror)" \
		"(log: $logs/root.log)"
	build_root "$new" > "$logs/root.log" 2>&1 ||
		die "building the root failed: see $logs/root.log"
	leave "$new"
	tar -C "$new" --numeric-owner -czf "$cache/.new.$$" .
	rm -f "$cache/$SUITE"-minbase-*.tar.gz
	mv "$cache/.new.$$" "$pristine"
	remove "$new"
	echo "fresh-check: cached the root as $pristine"
fi

# ---- each target in a fresh copy of the root, on a clone of HEAD.
echo "fresh-check: testing commit $(git log -1 --format='%h %s' "$head")"
echo "fresh-check: the committed HEAD only; uncommitted changes are not included"
[ -z "$(git status --porcelain)" ] ||
	echo "fresh-check: (this tree has uncommitted changes: they are left out)"
summary=$logs/summary.txt
: > "$summary"
failed=0
n=0
for target in "$@"; do
	n=$((n + 1))
	root=$work/root-$n
	log=$logs/make-$target.log
	mkdir -p "$root"
	tar -C "$root" -xzf "$pristine"
	git clone -q "$top" "$root/root/pcq"
	git -C "$root/root/pcq" checkout -q --detach "$head"
	enter "$root"
	echo "fresh-check: make $target (log: $log)"
	start=$(date +%s)
	# A pipeline loses make's status; keep it in a file.
	{ rc=0; in_root "$root" sh -c "cd /root/pcq && make $target" 2>&1 ||
		rc=$?; echo "$rc" > "$root.rc"; } | tee "$log"
	secs=$(($(date +%s) - start))
	rc=$(cat "$root.rc")
	if [ "$rc" -eq 0 ]; then
		result=passed
	else
		result="FAILED (exit $rc)"
		failed=1
	fi
	printf 'fresh-check: %-20s %-17s in %dm%02ds   log: %s\n' \
		"make $target" "$result" $((secs / 60)) $((secs % 60)) "$log" \
		>> "$summary"
	if [ -n "${FRESH_KEEP:-}" ]; then leave "$root"; else remove "$root"; fi
done

echo
echo "fresh-check: minimal $SUITE ($PKGS), commit $short"
cat "$summary"
exit "$failed"
