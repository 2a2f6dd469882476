#!/bin/sh
# check_docs.sh - the docs say what the code does:
#  1. every ```c block in docs/*.md, and every .EX/.EE block in
#     docs/man/*.3, starts with a comment naming a file under
#     docs/examples/ and is that file, verbatim (the examples themselves
#     are built and run by docs/docs.mk);
#  2. every man page renders with groff without a warning, and every .so
#     page points at a page that exists.
# Run from the top of the tree. Exit status 0 when all is well.
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

# extract FILE KIND: writes each block to $tmp/N and prints
# "N <named file> <FILE>:<line>" for it (named file "-" if none).
extract() {
	awk -v dir="$tmp" -v src="$1" -v kind="$2" '
	function unroff(s) {
		gsub(/\\e/, "\001", s); gsub(/\\-/, "-", s)
		gsub(/\\\(aq/, "'\''", s); gsub(/\\&/, "", s)
		gsub(/\001/, "\\", s)
		return s
	}
	function start() { inb = 1; first = 1; n++; at = FNR }
	kind == "md" && !inb && /^```c[ \t]*$/ { start(); next }
	kind == "md" && inb && /^```[ \t]*$/ { inb = 0; next }
	kind == "man" && !inb && /^\.EX[ \t]*$/ { start(); next }
	kind == "man" && inb && /^\.EE[ \t]*$/ { inb = 0; next }
	inb {
		line = kind == "man" ? unroff($0) : $0
		if (first) {
			first = 0
			name = "-"
			if (match(line, /^\/\* docs\/examples\/[A-Za-z0-9_.-]+\.c \*\/$/))
				name = substr(line, 4, length(line) - 6)
			print n, name, src ":" at
			printf "" > (dir "/" n)
			if (name != "-")
				next
		}
		print line >> (dir "/" n)
	}
	END { if (inb) print "unterminated", "-", src ":" at }
	' "$1"
}

for f in docs/*.md docs/man/*.3; do
	[ -f "$f" ] || continue
	case "$f" in *.md) kind=md ;; *) kind=man ;; esac
	extract "$f" "$kind" > "$tmp/list"
	while read -r n name where; do
		if [ "$n" = unterminated ]; then
			echo "$where: code block not closed"; fail=1
		elif [ "$name" = - ]; then
			echo "$where: code block does not start with" \
				"/* docs/examples/NAME.c */"; fail=1
		elif [ ! -f "$name" ]; then
			echo "$where: $name does not exist"; fail=1
		elif ! cmp -s "$tmp/$n" "$name"; then
			echo "$where: code block differs from $name:"
			diff "$name" "$tmp/$n" | head -20
			fail=1
		fi
	done < "$tmp/list"
done

for page in docs/man/*.3; do
	[ -f "$page" ] || continue
	target=$(sed -n 's/^\.so[ \t]\{1,\}man3\/\(.*\)$/\1/p' "$page")
	if [ -n "$target" ]; then
		[ -f "docs/man/$target" ] ||
			{ echo "$page: .so target $target missing"; fail=1; }
		continue
	fi
	out=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
	if [ -n "$out" ]; then
		echo "$page: groff warns:"; echo "$out"; fail=1
	fi
done

[ "$fail" = 0 ] && echo "docs: code blocks match docs/examples, man pages render"
exit "$fail"
