#!/bin/sh
# smoke.sh BENCH DIR - the bench cannot rot: every queue through every
# configuration at a tiny size, its plot, each pairs loop once, and then
# queues broken on purpose (--inject), which the item check must catch:
# exit 1 and the right message. Run by `make test` (bench-smoke).
set -u
bench=$1
dir=$2
mkdir -p "$dir"
fail=0

if ! "$bench" --items 3000 --reps 1 --blocked-ms 20 --pingpong 0.02 \
	--no-instr --out "$dir" > "$dir/out.txt" 2> "$dir/err.txt"; then
	echo "smoke: the tiny bench failed:"; cat "$dir/err.txt"; fail=1
else
	echo "smoke: every queue, every configuration: items checked"
	# The plot `make bench` draws, from the same kind of results.
	if gnuplot -c "$(dirname "$0")/plot.gp" "$dir" 2> "$dir/plot.err"; then
		echo "smoke: plot drawn"
	else
		echo "smoke: the plot failed:"; cat "$dir/plot.err"; fail=1
	fi
fi

for q in pcq-atomic pcq-semaphore ck_ring cds_wfcq mutex+cond; do # single
	for ring in spsc mpmc; do
		"$bench" --pairs "$q" "$ring" 1000 ||
			{ echo "smoke: --pairs $q $ring failed"; fail=1; }
	done
done

# inject MODE QUEUE CONFIG EXPECTED
inject() {
	"$bench" --queues "$2" --configs "$3" --caps 8 --batch 4 --items 3000 --reps 1 \
		--inject "$1" --inject-at 500 --out "$dir" \
		> "$dir/inject.out" 2> "$dir/inject.err"
	rc=$?
	if [ "$rc" -eq 1 ] && grep -q "FAILED: .*$4" "$dir/inject.err"; then
		echo "smoke: --inject $1 on $2 $3 caught: $(grep FAILED "$dir/inject.err")"
	else
		echo "smoke: --inject $1 on $2 $3 NOT caught (exit $rc):"
		cat "$dir/inject.err"; fail=1
	fi
}
inject drop pcq-atomic 2x2 "lost: "
inject dup ck_ring 2x2 "duplicated: "
inject swap mutex+cond 1x1 "out of order: "
inject drop cds_wfcq 4x1 "lost: "
inject dup pcq-semaphore 1x1s "duplicated: "
inject swap "pcq-atomic bulk" 2x2 "out of order: "
inject drop "cds_wfcq splice" 1x4 "lost: "
exit "$fail"
