#!/bin/sh
# check_install.sh BACKEND... - the library as a user gets it:
#  1. each libpcq.so and libpcq.a exports exactly the functions of pcq.h;
#  2. `make install` into a scratch DESTDIR gives a header, the libraries
#     and a pcq.pc with which the README's example builds and runs;
#  3. the README shows that example as it is in docs/examples/.
set -eu
fail() { echo "check_install: FAIL: $*" >&2; exit 1; }

want=$(grep -o '\bpcq_[a-z_]*(' include/pcq.h | tr -d '(' | sort -u)
for b in "$@"; do
	so=$(nm -D --defined-only "build/$b/libpcq.so" |
		awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sort -u)
	[ "$so" = "$want" ] || fail "build/$b/libpcq.so exports: $(echo $so)"
	ar=$(nm --defined-only -g "build/$b/libpcq.a" |
		awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sort -u)
	[ "$ar" = "$want" ] || fail "build/$b/libpcq.a exports: $(echo $ar)"
	echo "check_install: $b: libpcq.so and libpcq.a export exactly the" \
		"$(echo "$want" | wc -l) functions of pcq.h"
done

dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
for b in "$@"; do
	make -s install BACKEND="$b" DESTDIR="$dest/$b" PREFIX=/usr/local
	export PKG_CONFIG_SYSROOT_DIR="$dest/$b"
	export PKG_CONFIG_PATH="$dest/$b/usr/local/lib/pkgconfig"
	# shellcheck disable=SC2046
	cc -Wall -Werror docs/examples/pipeline.c -o "$dest/example-$b" \
		$(pkg-config --cflags --libs --static pcq) ||
		fail "the README example does not build against the $b install"
	LD_LIBRARY_PATH="$dest/$b/usr/local/lib" "$dest/example-$b" ||
		fail "the README example fails with the $b backend"
	[ -f "$dest/$b/usr/local/share/man/man3/pcq_put.3" ] ||
		[ ! -d docs/man ] || fail "man pages not installed"
done

# The README's example is the file, line for line.
awk '/^```c$/ {on=1; next} /^```$/ {on=0} on' README.md > "$dest/readme.c"
cmp -s "$dest/readme.c" docs/examples/pipeline.c ||
	fail "README.md's C example differs from docs/examples/pipeline.c"
echo "check_install: installed, built and ran the README example" \
	"with each backend"
