#!/bin/sh
# check.sh - model-checks the blocking protocols of both backends with Spin.
#
#   tests/model/check.sh [OUTDIR] [NAME-PATTERN]
#
# Runs every model of the table below: the models as coded must verify,
# and every mutant (a known bug planted with -DMUTANT_...) must yield a
# counter-example. One line per run: name, states stored, result, and for
# a counter-example the error pan reported. Exits non-zero if a model as
# coded fails or a mutant passes. Build products and trails go to OUTDIR
# (default build/model); replay a trail with
#   cd OUTDIR/NAME && spin -t -p FLAGS MODEL.pml
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-build/model}
only=${2:-}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Memory cap per run (MB): the machine is shared.
MEMLIM=${MODEL_MEMLIM:-1024}
# Hash slots 2^HASHW (8 bytes each, within MEMLIM). The default 2^24 makes
# some runs of about 10^7 states several times slower (long hash chains).
HASHW=25
[ "$MEMLIM" -lt 768 ] && HASHW=24

# The MPMC ring leaves a getter asleep for ever after close when a put that
# claimed its slot before the close publishes after it and wakes only one
# of several sleeping getters (docs/verification-model.md). The MPMC
# mutants are checked on top of the repair FIX_MPMC_CLOSED_PUT_WAKES_ALL,
# so that each fails for its own bug.
# The code has the repair (mpmc_wake_getters wakes all when put_pos is
# closed); the model keeps it behind this flag so the bug stays reproducible.
ATOMFIX="-DFIX_MPMC_CLOSED_PUT_WAKES_ALL"

# mut-reachable-stops-at-taken is the MPMC wake-up count as it was before
# this model found it short (two batches published out of order, three
# getters, capacity 4: a getter asleep for ever with an item queued). The
# code as fixed is checked in that configuration only partly (it exceeds
# 6x10^7 states; docs/verification-model.md); the runs below that verify
# the fix take its new branch (a slot taken again: the count goes on).
# Runs with POLL=1 (2, 3) give the get side (put side, both) its pollable
# fd; the last NPOLL consumers (NPPOLL producers) are pollers: an epoll
# loop of timeout-0 calls (threads.pml).
# Runs with BULK=2 or 3 mix pcq_put_many/pcq_get_many of 2 into the calls
# (common.pml): BULK=2 takes a batch whenever two items are left.

# name | model | spin -D flags | expect (pass: verifies, fail: must yield a
# counter-example) | mode (safety, or ltl: ./pan -a -f under weak
# fairness; either with -big: a run of a minute or more)
RUNS="
sem-1p1c-cap1-k2            |sem   |-DNP=1 -DNC=1 -DK=2 -DCAP=1                         |pass|safety
sem-2p1c-cap1-k2            |sem   |-DNP=2 -DNC=1 -DK=2 -DCAP=1                         |pass|safety
sem-1p2c-cap2-k2            |sem   |-DNP=1 -DNC=2 -DK=2 -DCAP=2                         |pass|safety
sem-2p2c-cap3-k2-noclose    |sem   |-DNP=2 -DNC=2 -DK=2 -DCAP=3 -DCLOSE=0               |pass|safety
sem-ltl-1p2c-cap1           |sem   |-DNP=1 -DNC=2 -DK=1 -DCAP=1 -DKINDS=5 -DLIVE=1      |pass|ltl
mut-sem-no-items-baton      |sem   |-DMUTANT_SEM_NO_ITEMS_BATON -DNP=1 -DNC=2 -DK=1 -DCAP=1 |fail|safety
mut-sem-no-items-baton-ltl  |sem   |-DMUTANT_SEM_NO_ITEMS_BATON -DNP=1 -DNC=2 -DK=1 -DCAP=1 -DKINDS=5 -DLIVE=1 |fail|ltl
mut-sem-no-spaces-baton     |sem   |-DMUTANT_SEM_NO_SPACES_BATON -DNP=2 -DNC=0 -DK=2 -DCAP=1 -DKINDS=4 |fail|safety
mut-sem-no-repost           |sem   |-DMUTANT_SEM_NO_REPOST -DNP=1 -DNC=2 -DK=1 -DCAP=1 |fail|safety
mut-sem-eintr-as-token      |sem   |-DMUTANT_SEM_EINTR_AS_TOKEN -DNP=1 -DNC=2 -DK=1 -DCAP=1 |fail|safety
mut-sem-post-after-unlock   |sem   |-DMUTANT_SEM_POST_AFTER_UNLOCK -DNP=1 -DNC=1 -DK=2 -DCAP=1 |fail|safety
mut-sem-tryget-late-read    |sem   |-DMUTANT_SEM_TRYGET_LATE_READ -DNP=1 -DNC=1 -DK=2 -DCAP=1 |fail|safety
mpmc-1p1c-cap1-k2           |atomic|$ATOMFIX -DNP=1 -DNC=1 -DK=2 -DCAP=1                         |pass|safety
mpmc-2p1c-cap2-k1           |atomic|$ATOMFIX -DNP=2 -DNC=1 -DK=1 -DCAP=2 -DKINDS=4               |pass|safety
mpmc-1p2c-cap1-k1           |atomic|$ATOMFIX -DNP=1 -DNC=2 -DK=1 -DCAP=1 -DKINDS=4 -DSPUR=0      |pass|safety
mpmc-1p1c-cap3-k3-noclose   |atomic|$ATOMFIX -DNP=1 -DNC=1 -DK=3 -DCAP=3 -DCLOSE=0               |pass|safety
mpmc-1p2c-cap2-k2-noclose   |atomic|$ATOMFIX -DNP=1 -DNC=2 -DK=2 -DCAP=2 -DCLOSE=0               |pass|safety
mpmc-ltl-1p2c-cap1          |atomic|$ATOMFIX -DNP=1 -DNC=2 -DK=1 -DCAP=1 -DKINDS=4 -DSPUR=0 -DLIVE=1 |pass|ltl-big
spsc-cap1-k2                |atomic|$ATOMFIX -DSPSC -DK=2 -DCAP=1                                |pass|safety
spsc-cap2-k3-noclose        |atomic|$ATOMFIX -DSPSC -DK=3 -DCAP=2 -DCLOSE=0                      |pass|safety
spsc-ltl-cap1-k2            |atomic|$ATOMFIX -DSPSC -DK=2 -DCAP=1 -DKINDS=5 -DLIVE=1             |pass|ltl
mut-announce-late           |atomic|$ATOMFIX -DMUTANT_ANNOUNCE_LATE -DNP=1 -DNC=1 -DK=1 -DCAP=1 -DCLOSE=0 |fail|safety
mut-wake-early              |atomic|$ATOMFIX -DMUTANT_WAKE_EARLY -DNP=1 -DNC=1 -DK=1 -DCAP=1 -DCLOSE=0 |fail|safety
mut-close-wake-one          |atomic|$ATOMFIX -DMUTANT_CLOSE_WAKE_ONE -DNP=1 -DNC=2 -DK=1 -DCAP=1 -DKINDS=4 -DSPUR=0 |fail|safety
mut-close-wake-one-ltl      |atomic|$ATOMFIX -DMUTANT_CLOSE_WAKE_ONE -DNP=1 -DNC=2 -DK=1 -DCAP=1 -DKINDS=4 -DSPUR=0 -DLIVE=1 |fail|ltl
mut-retract-keeps-woken     |atomic|$ATOMFIX -DMUTANT_RETRACT_KEEPS_WOKEN -DNP=1 -DNC=1 -DK=2 -DCAP=1 -DCLOSE=0 |fail|safety
mut-reachable-one           |atomic|$ATOMFIX -DMUTANT_REACHABLE_ONE -DNP=2 -DNC=2 -DK=1 -DCAP=2 -DCLOSE=0 -DSPUR=0 |fail|safety
mut-no-recheck              |atomic|$ATOMFIX -DMUTANT_NO_RECHECK -DNP=1 -DNC=1 -DK=1 -DCAP=1 -DCLOSE=0 |fail|safety
mut-timeout-no-retract      |atomic|$ATOMFIX -DMUTANT_TIMEOUT_NO_RETRACT -DNP=1 -DNC=1 -DK=1 -DCAP=1 |fail|safety
mut-mask0                   |atomic|$ATOMFIX -DMUTANT_MASK0 -DNP=1 -DNC=1 -DK=2 -DCAP=1 -DCLOSE=0 |fail|safety
mut-get-epipe-early         |atomic|$ATOMFIX -DMUTANT_GET_EPIPE_EARLY -DNP=1 -DNC=1 -DK=1 -DCAP=1 |fail|safety
mut-spsc-no-claim           |atomic|$ATOMFIX -DSPSC -DMUTANT_SPSC_NO_CLAIM -DK=1 -DCAP=1         |fail|safety
mut-spsc-announce-late      |atomic|$ATOMFIX -DSPSC -DMUTANT_ANNOUNCE_LATE -DK=1 -DCAP=1 -DCLOSE=0 |fail|safety
mut-spsc-wake-early         |atomic|$ATOMFIX -DSPSC -DMUTANT_WAKE_EARLY -DK=1 -DCAP=1 -DCLOSE=0   |fail|safety
mut-spsc-no-recheck         |atomic|$ATOMFIX -DSPSC -DMUTANT_NO_RECHECK -DK=1 -DCAP=1 -DCLOSE=0   |fail|safety
mut-spsc-timeout-no-retract |atomic|$ATOMFIX -DSPSC -DMUTANT_TIMEOUT_NO_RETRACT -DK=1 -DCAP=1     |fail|safety
sem-bulk-1p2c-cap2-k2       |sem   |-DNP=1 -DNC=2 -DK=2 -DCAP=2 -DBULK=3 -DKINDS=5          |pass|safety
sem-bulk2-2p1c-cap2-k2      |sem   |-DNP=2 -DNC=1 -DK=2 -DCAP=2 -DBULK=2 -DKINDS=5          |pass|safety
sem-bulk-1p1c-cap2-k3       |sem   |-DNP=1 -DNC=1 -DK=3 -DCAP=2 -DBULK=3                    |pass|safety
sem-bulk-2p2c-cap3-k2-noclose |sem |-DNP=2 -DNC=2 -DK=2 -DCAP=3 -DBULK=3 -DCLOSE=0          |pass|safety
sem-bulk-ltl-1p2c-cap2      |sem   |-DNP=1 -DNC=2 -DK=2 -DCAP=2 -DBULK=3 -DKINDS=4 -DLIVE=1 |pass|ltl
mut-sem-bulk-no-repost      |sem   |-DMUTANT_SEM_BULK_NO_REPOST -DNP=1 -DNC=2 -DK=2 -DCAP=2 -DBULK=2 -DKINDS=4 |fail|safety
mut-sem-bulk-no-repost-ltl  |sem   |-DMUTANT_SEM_BULK_NO_REPOST -DNP=1 -DNC=2 -DK=2 -DCAP=2 -DBULK=2 -DKINDS=5 -DLIVE=1 |fail|ltl
mut-sem-bulk-post-after-unlock |sem |-DMUTANT_SEM_POST_AFTER_UNLOCK -DNP=1 -DNC=1 -DK=2 -DCAP=2 -DBULK=2 |fail|safety
mut-sem-bulk-baton-one      |sem   |-DMUTANT_SEM_BULK_BATON_ONE -DNP=1 -DNC=1 -DK=2 -DCAP=2 -DBULK=2 |fail|safety
mut-sem-bulk-wait-all       |sem   |-DMUTANT_SEM_BULK_WAIT_ALL -DNP=1 -DNC=1 -DK=3 -DCAP=1 -DBULK=3 -DCLOSE=0 |fail|safety
mpmc-bulk-1p1c-cap2-k2      |atomic|$ATOMFIX -DNP=1 -DNC=1 -DK=2 -DCAP=2 -DBULK=3 -DKINDS=5 -DSPUR=0 |pass|safety
mpmc-bulk2-1p1c-cap1-k2-timed |atomic|$ATOMFIX -DNP=1 -DNC=1 -DK=2 -DCAP=1 -DBULK=2 -DKINDS=6 -DSPUR=0 |pass|safety
mpmc-bulk-1p2c-cap2-k2-noclose |atomic|$ATOMFIX -DNP=1 -DNC=2 -DK=2 -DCAP=2 -DBULK=3 -DCLOSE=0  |pass|safety
mpmc-bulk2-2p1c-cap2-k2-noclose |atomic|$ATOMFIX -DNP=2 -DNC=1 -DK=2 -DCAP=2 -DBULK=2 -DCLOSE=0 -DSPUR=0 |pass|safety
mpmc-bulk-1p1c-cap3-k3-noclose |atomic|$ATOMFIX -DNP=1 -DNC=1 -DK=3 -DCAP=3 -DBULK=3 -DCLOSE=0  |pass|safety
mpmc-bulk-ltl-1p1c-cap2     |atomic|$ATOMFIX -DNP=1 -DNC=1 -DK=2 -DCAP=2 -DBULK=3 -DKINDS=4 -DSPUR=0 -DLIVE=1 |pass|ltl
spsc-bulk-cap2-k2           |atomic|$ATOMFIX -DSPSC -DK=2 -DCAP=2 -DBULK=3 -DKINDS=5            |pass|safety
spsc-bulk-cap2-k3-noclose   |atomic|$ATOMFIX -DSPSC -DK=3 -DCAP=2 -DBULK=3 -DCLOSE=0            |pass|safety
spsc-bulk-ltl-cap2-k2       |atomic|$ATOMFIX -DSPSC -DK=2 -DCAP=2 -DBULK=3 -DKINDS=4 -DLIVE=1   |pass|ltl
mut-reachable-stops-at-taken |atomic|$ATOMFIX -DMUTANT_REACHABLE_STOPS_AT_TAKEN -DNP=2 -DNC=3 -DK=2 -DCAP=4 -DBULK=2 -DCLOSE=0 -DSPUR=0 |fail|safety
mut-bulk-wake-last          |atomic|$ATOMFIX -DMUTANT_BULK_WAKE_LAST -DNP=1 -DNC=2 -DK=2 -DCAP=2 -DBULK=2 -DCLOSE=0 -DSPUR=0 |fail|safety
mut-bulk-wake-run           |atomic|$ATOMFIX -DMUTANT_BULK_WAKE_RUN -DNP=2 -DNC=2 -DK=1 -DCAP=2 -DCLOSE=0 -DSPUR=0 |fail|safety
mut-bulk-scan-first         |atomic|$ATOMFIX -DMUTANT_BULK_SCAN_FIRST -DNP=1 -DNC=1 -DK=2 -DCAP=1 -DBULK=2 -DCLOSE=0 |fail|safety
mut-bulk-resume-at-0        |atomic|$ATOMFIX -DMUTANT_BULK_RESUME_AT_0 -DNP=1 -DNC=1 -DK=2 -DCAP=1 -DBULK=2 -DCLOSE=0 |fail|safety
mut-new-wait-no-recheck     |atomic|$ATOMFIX -DMUTANT_NEW_WAIT_NO_RECHECK -DNP=1 -DNC=1 -DK=3 -DCAP=1 -DBULK=3 -DCLOSE=0 |fail|safety
mut-spsc-claim-one          |atomic|$ATOMFIX -DSPSC -DMUTANT_SPSC_CLAIM_ONE -DK=2 -DCAP=2 -DBULK=2 |fail|safety
mpmc-poll-1p1q-cap1-k2      |atomic|$ATOMFIX -DPOLL=1 -DNPOLL=1 -DNP=1 -DNC=1 -DK=2 -DCAP=1    |pass|safety
mpmc-poll-1p1c1q-cap1-k2-noclose |atomic|$ATOMFIX -DPOLL=1 -DNPOLL=1 -DNP=1 -DNC=2 -DK=2 -DCAP=1 -DCLOSE=0 |pass|safety
mpmc-poll-1p2q-cap1-k2-noclose |atomic|$ATOMFIX -DPOLL=1 -DNPOLL=2 -DNP=1 -DNC=2 -DK=2 -DCAP=1 -DCLOSE=0 |pass|safety
spsc-poll-cap1-k2           |atomic|$ATOMFIX -DSPSC -DPOLL=1 -DNPOLL=1 -DK=2 -DCAP=1            |pass|safety
spsc-poll-both-cap1-k2-noclose |atomic|$ATOMFIX -DSPSC -DPOLL=3 -DNPOLL=1 -DNPPOLL=1 -DK=2 -DCAP=1 -DCLOSE=0 |pass|safety
mpmc-poll-ltl-1p1q-cap1     |atomic|$ATOMFIX -DPOLL=1 -DNPOLL=1 -DNP=1 -DNC=1 -DK=1 -DCAP=1 -DSPUR=0 -DLIVE=1 |pass|ltl
mut-fd-no-recheck           |atomic|$ATOMFIX -DMUTANT_FD_NO_RECHECK -DPOLL=1 -DNPOLL=1 -DNP=1 -DNC=1 -DK=1 -DCAP=1 -DCLOSE=0 |fail|safety
mut-fd-not-owed             |atomic|$ATOMFIX -DMUTANT_FD_NOT_OWED -DPOLL=1 -DNPOLL=1 -DNP=1 -DNC=1 -DK=1 -DCAP=1 -DCLOSE=0 |fail|safety
mut-fd-arm-late             |atomic|$ATOMFIX -DMUTANT_FD_ARM_LATE -DPOLL=1 -DNPOLL=1 -DNP=1 -DNC=1 -DK=1 -DCAP=1 -DCLOSE=0 |fail|safety
mut-fd-drain-late           |atomic|$ATOMFIX -DMUTANT_FD_DRAIN_LATE -DPOLL=1 -DNPOLL=1 -DNP=1 -DNC=2 -DK=2 -DCAP=1 -DCLOSE=0 |fail|safety
mut-fd-disarm-silent        |atomic|$ATOMFIX -DMUTANT_FD_DISARM_SILENT -DPOLL=1 -DNPOLL=2 -DNP=1 -DNC=2 -DK=2 -DCAP=1 -DCLOSE=0 |fail|safety
mut-fd-close-no-fire        |atomic|$ATOMFIX -DMUTANT_FD_CLOSE_NO_FIRE -DPOLL=1 -DNPOLL=1 -DNP=1 -DNC=1 -DK=1 -DCAP=1 |fail|safety
"

trim() { printf '%s' "$1" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//'; }

# One run of the table (its line in $1): builds and runs pan in OUTDIR/NAME
# and prints the run's line.
run_one() {
	line=$1
	name=$(trim "${line%%|*}"); line=${line#*|}
	model=$(trim "${line%%|*}"); line=${line#*|}
	flags=$(trim "${line%%|*}"); line=${line#*|}
	expect=$(trim "${line%%|*}"); mode=$(trim "${line#*|}")
	dir="$out/$name"
	[ -n "$name" ] && [ "$dir" != / ] || exit 2
	rm -rf "$dir" && mkdir -p "$dir" || exit 2
	cp "$here"/*.pml "$dir"/
	t0=$(date +%s)
	# shellcheck disable=SC2086
	if ! (cd "$dir" && spin -a $flags "$model.pml" >spin.log 2>&1); then
		printf '%-32s %12s  FAIL (spin -a: see %s/spin.log)\n' "$name" - "$dir"
		echo 1 >>"$out/.bad"
		return
	fi
	# -O0: pan.c takes 20 s to optimise, longer than most runs take. A
	# big run (a minute or more) is worth it, and gets three times the
	# memory.
	opt=-O0 memlim=$MEMLIM hashw=$HASHW
	case "$mode" in *-big)
		opt=-O2 memlim=$((MEMLIM * 3)) mode=${mode%-big} ;;
	esac
	if [ "$mode" = ltl ]; then
		cflags="" panargs="-a -f -N get_returns"
	else
		cflags="-DSAFETY" panargs=""
	fi
	# shellcheck disable=SC2086
	if ! (cd "$dir" && gcc $opt -w $cflags -DCOLLAPSE -DMEMLIM=$memlim \
		-o pan pan.c 2>gcc.log); then
		printf '%-32s %12s  FAIL (gcc: see %s/gcc.log)\n' "$name" - "$dir"
		echo 1 >>"$out/.bad"
		return
	fi
	# shellcheck disable=SC2086
	(cd "$dir" && ./pan -m1000000 -w$hashw $panargs >pan.log 2>&1)
	states=$(sed -n 's/^ *\([0-9][0-9]*\) states, stored.*/\1/p' "$dir/pan.log" | head -1)
	errors=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' "$dir/pan.log" | head -1)
	what=$(grep -m1 -E '^pan:1:' "$dir/pan.log" | sed 's/^pan:1: //' | cut -c1-60)
	incomplete=$(grep -m1 -E 'out of memory|MEMLIM bound|max search depth too small|Search not completed' "$dir/pan.log")
	secs=$(( $(date +%s) - t0 ))
	: "${states:=?}" "${errors:=?}"
	if [ "$expect" = pass ]; then
		if [ "$errors" = 0 ] && [ -z "$incomplete" ]; then
			result="PASS"
		else
			result="FAIL (model as coded: ${what:-$incomplete})"
			echo 1 >>"$out/.bad"
		fi
	else
		if [ "$errors" != 0 ] && [ "$errors" != "?" ]; then
			result="PASS (expected counter-example: $what)"
		else
			result="FAIL (mutant not caught)"
			echo 1 >>"$out/.bad"
		fi
	fi
	printf '%-32s %12s  %s  [%ss]\n' "$name" "$states" "$result" "$secs"
}

# xargs runs this script once per run, with the run's line in MODEL_RUN.
if [ -n "${MODEL_RUN:-}" ]; then
	run_one "$MODEL_RUN"
	exit 0
fi

rm -f "$out/.bad"
start=$(date +%s)
printf '%-32s %12s  %s\n' RUN STATES RESULT
# One run per CPU at a time (MODEL_JOBS to change), the big ones first; a
# line is printed as its run ends.
jobs=${MODEL_JOBS:-$(nproc)}
{ echo "$RUNS" | grep -e '-big *$'; echo "$RUNS" | grep -v -e '-big *$'; } |
while IFS= read -r line; do
	name=$(trim "${line%%|*}")
	case "$name" in "") ;; *"$only"*) printf '%s\n' "$line" ;; esac
done | xargs -d '\n' -P "$jobs" -I{} env MODEL_RUN={} sh "$here/check.sh" "$out" "$only"
end=$(date +%s)
if [ -s "$out/.bad" ]; then
	n=$(wc -l <"$out/.bad")
	rm -f "$out/.bad"
	echo "model-check: $n run(s) FAILED in $((end - start)) s"
	exit 1
fi
echo "model-check: all runs as expected in $((end - start)) s"
