#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# btctrace against bpftrace 0.17, side by side, on the same btcsim workload.
#
#   bench/run.sh [--quick] [--reps N] [--build DIR]
#
# Builds btctrace and btcsim if needed (RelWithDebInfo, in DIR, by default
# ${TMPDIR:-/tmp}/btctrace-bench-build), builds bench/benchtool.c with gcc,
# then runs every measurement REPS times (default 7, --quick 3), bpftrace
# and btctrace alternating (A B A B ...), and prints medians, the ratio
# btctrace / bpftrace, the target and whether it is met.  Needs root.
# docs/performance.md explains each measurement.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${TMPDIR:-/tmp}/btctrace-bench-build
QUICK=0
REPS=
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--reps) REPS=$2; shift ;;
	--build) BUILD=$2; shift ;;
	-h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
	esac
	shift
done
if [ "$QUICK" = 1 ]; then
	REPS=${REPS:-3}
	OVERHEAD_STEPS=200000	# coins steps; about 45% are utxocache:add
	COMPILE_SIZES="1 25 50"
else
	REPS=${REPS:-7}
	OVERHEAD_STEPS=400000
	COMPILE_SIZES="1 10 20 30 40 50"
fi

# Pause before each timed run: a detach leaves the kernel's uprobe lock in
# a state (rcu_sync) that makes the next attach skip a grace period.
SETTLE_MS=150

die() { echo "run.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (BPF)"
for tool in bpftrace gcc cmake readelf awk jq; do
	command -v $tool >/dev/null || die "$tool not found (scripts/setup.sh installs it)"
done
BPFTRACE=$(command -v bpftrace)

# ---- build ------------------------------------------------------------

echo "building in $BUILD ..." >&2
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
	cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$BUILD.log" 2>&1 ||
		{ tail -20 "$BUILD.log" >&2; die "cmake configure failed"; }
fi
cmake --build "$BUILD" -j2 --target btctrace btcsim >"$BUILD.log" 2>&1 ||
	{ tail -20 "$BUILD.log" >&2; die "build failed (log: $BUILD.log)"; }
BTCTRACE=$BUILD/btctrace

WORK=$(mktemp -d "${TMPDIR:-/tmp}/btctrace-bench.XXXXXX")
BG_PIDS=()
cleanup() {
	[ -z "${STATS_WAS:-}" ] || restore_stats
	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

gcc -O2 -Wall -Wextra -o "$WORK/benchtool" "$ROOT/bench/benchtool.c" || die "benchtool does not build"
BT="$WORK/benchtool"
gcc -O2 -Wall -Wextra -o "$WORK/floor" "$ROOT/bench/floor.c" -lbpf -lelf || die "bench/floor.c does not build"
# A private copy: uprobes go by inode, so nobody else's btcsim is touched
# and nobody else's tracer touches ours.
SIM="$WORK/btcsim"
cp "$BUILD/btcsim" "$SIM"

# bpftrace keeps uprobe bookkeeping in tracefs.
if [ ! -e /sys/kernel/tracing/uprobe_events ]; then
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
fi

# Semaphore link-time addresses of the 20 bitcoind probes, from the notes.
declare -A SEM
PROBES=()
while read -r name sem; do
	SEM[$name]=$sem
	PROBES+=("$name")
done < <(readelf -n "$SIM" | awk '
	/Provider:/ { p = $2 }
	/Name:/ { n = $2 }
	/Semaphore:/ { if (p != "test") print p ":" n, $NF }')
# utxocache:add's location, for the kernel floor (bench/floor.c).
LOC_ADD=$(readelf -n "$SIM" | awk '/Provider:/ { p = $2 } /Name:/ { n = $2 }
	/Location:/ { if (p == "utxocache" && n == "add") { sub(",", "", $2); print $2 } }')
[ ${#PROBES[@]} = 20 ] || die "expected 20 bitcoind probes in btcsim, found ${#PROBES[@]}"
ALL_SEMS=$(for p in "${PROBES[@]}"; do echo -n "${SEM[$p]},"; done)
ALL_SEMS=${ALL_SEMS%,}

# ---- bookkeeping --------------------------------------------------------

RESULTS="$WORK/results"	# lines: metric tool value
: >"$RESULTS"
record() { echo "$1 $2 $3" >>"$RESULTS"; }
# field KEY "k=v k=v ..." -> v
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
minimum() { # metric tool
	awk -v m="$1" -v t="$2" '$1 == m && $2 == t { print $3 }' "$RESULTS" | sort -g | head -1
}
median() { # metric tool
	awk -v m="$1" -v t="$2" '$1 == m && $2 == t { print $3 }' "$RESULTS" | sort -g |
		awk '{ v[NR] = $1 } END { if (!NR) print "nan"; else if (NR % 2) print v[(NR + 1) / 2];
			else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
start_sim() { # args... -> SIM_PID
	"$SIM" "$@" >/dev/null 2>&1 &
	SIM_PID=$!
	BG_PIDS+=("$SIM_PID")
	sleep 0.2
}
stop_sim() {
	kill "$SIM_PID" 2>/dev/null || true
	wait "$SIM_PID" 2>/dev/null || true
}
BENCH_START=$SECONDS
progress() { printf '[%3ds] %s\n' $((SECONDS - BENCH_START)) "$*" >&2; }
# The two tracers by the names the results use.
tracer() { # tool -> command
	case $1 in
	bpftrace) echo "$BPFTRACE" ;;
	btctrace) echo "$BTCTRACE" ;;
	esac
}
TOOLS="bpftrace btctrace"

ONE_LINER="usdt:$SIM:utxocache:add { @n = count(); }"
SCRIPT20="$WORK/twenty.bt"
for p in "${PROBES[@]}"; do
	echo "usdt:$SIM:$p { @${p//:/_} = count(); }"
done >"$SCRIPT20"

# ---- 1. one-liner: start -> attached, peak RSS (-p, a running btcsim) ----

# The floors, in the same runs: bench/floor.c loads one trivial program and
# attaches one uprobe with the semaphore (what the kernel alone costs), and
# `btctrace --help` is btctrace's own process start and exit.
progress "one-liner, -p: time to attach and peak RSS; floors ($REPS x 4 runs)"
start_sim coins --forever
for r in $(seq "$REPS"); do
	for tool in $TOOLS; do
		out=$("$BT" run --settle "$SETTLE_MS" --watch "$SIM_PID:$SIM:${SEM[utxocache:add]}" --int-after 200 -- \
			$(tracer $tool) -p "$SIM_PID" -e "$ONE_LINER" 2>/dev/null)
		record attach1 $tool "$(field attach_ms "$out")"
		record rss1 $tool "$(field rss_kb "$out")"
	done
	out=$("$BT" run --settle "$SETTLE_MS" --watch "$SIM_PID:$SIM:${SEM[utxocache:add]}" --int-after 200 -- \
		"$WORK/floor" "$SIM" "$SIM_PID" "$LOC_ADD" "${SEM[utxocache:add]}")
	record floor_attach - "$(field attach_ms "$out")"
	record floor_exit - "$(field exit_ms "$out")"
	out=$("$BT" run --settle "$SETTLE_MS" -- "$BTCTRACE" --help)
	record floor_start btctrace "$(field wall_ms "$out")"
done
stop_sim

# ---- 2. one-liner, whole: -c 'btcsim coins --count 1000', start -> exit --

progress "one-liner, -c: start to exit ($REPS x 2 runs)"
for r in $(seq "$REPS"); do
	for tool in $TOOLS; do
		out=$("$BT" run --settle "$SETTLE_MS" -- $(tracer $tool) -e "$ONE_LINER" -c "$SIM coins --count 1000" 2>/dev/null)
		record whole $tool "$(field wall_ms "$out")"
	done
done

# ---- 2b. BEGIN { exit(); }: the whole run of a program that only starts ------

progress "BEGIN { exit(); }: start to exit ($REPS x 2 runs)"
for r in $(seq "$REPS"); do
	for tool in $TOOLS; do
		out=$("$BT" run --settle "$SETTLE_MS" -- $(tracer $tool) -e 'BEGIN { exit(); }' 2>/dev/null)
		record begin_exit $tool "$(field wall_ms "$out")"
	done
done

# ---- 3. the 20 bitcoind probes: attach, RSS, SIGINT -> exit ----------------

progress "20 probes, -p: attach, SIGINT to exit ($REPS x 2 runs)"
start_sim all --forever
for r in $(seq "$REPS"); do
	for tool in $TOOLS; do
		out=$("$BT" run --settle "$SETTLE_MS" --watch "$SIM_PID:$SIM:$ALL_SEMS" --int-after 300 -- \
			$(tracer $tool) -p "$SIM_PID" "$SCRIPT20" 2>/dev/null)
		record attach20 $tool "$(field attach_ms "$out")"
		record rss20 $tool "$(field rss_kb "$out")"
		# A run where the tracer missed the first SIGINT measures that,
		# not the detach: counted, and left out of the median.
		if [ "$(field sigints "$out")" = 1 ]; then
			record exit20 $tool "$(field exit_ms "$out")"
		else
			record missed_sigint $tool 1
		fi
	done
done
stop_sim

# ---- 4. overhead per event inside btcsim ------------------------------------
# btcsim's CPU time (user + system, where uprobes are paid) for the same
# coins run: untraced, and traced with count() or hist(arg3) on
# utxocache:add.  btcsim --wait-attached waits for a raised semaphore; in the
# untraced run benchtool raises net:inbound_message's by hand (a probe the
# coins scenario never reaches), so every run waits the same way.  In the
# "enabled" run it raises utxocache:add's by hand: the probe fires (btcsim
# evaluates the arguments and records them) but no uprobe is there, which
# tells btcsim's own share of a traced event from the tracer's.

fires() { sed -n 's/.*"utxocache:add":{"reached":"[0-9]*","fires":"\([0-9]*\)".*/\1/p' "$1"; }
sim_run() { # label tool|- [tracer args...]
	local label=$1 tool=$2 out
	shift 2
	local truth="$WORK/truth.json"
	local sim=("$SIM" coins --seed 7 --count "$OVERHEAD_STEPS" --wait-attached --truth "$truth")
	case $label in
	untraced) out=$("$BT" sim --raise "$SIM:${SEM[net:inbound_message]}" -- "${sim[@]}") ;;
	enabled) out=$("$BT" sim --raise "$SIM:${SEM[utxocache:add]}" -- "${sim[@]}") ;;
	*) out=$("$BT" sim -- "${sim[@]}" --- $(tracer $tool) -p %PID% -e "$*" 2>/dev/null) ;;
	esac
	[ "$(field sim_status "$out")" = 0 ] || die "btcsim failed in the $label run of $tool: $out"
	LAST_CPU=$(field sim_cpu_ms "$out") LAST_FIRES=$(fires "$truth")
	record "cpu_$label" "$tool" "$LAST_CPU"
	record "fires_$label" "$tool" "$LAST_FIRES"
}
# The issue's own measure for hist() and lhist(): their cost per event
# beyond count()'s, within 100 ns.  Paired within a repetition (the runs
# are next to each other), so a slow spell of the shared machine hits both.
COUNT_NS_PER_FIRE=0
beyond_count() { # label tool: records the last run's ns per event beyond count()
	record "beyond_$1" "$2" "$(awk -v t="$LAST_CPU" -v f="$LAST_FIRES" -v c="$COUNT_NS_PER_FIRE" \
		'BEGIN { printf "%.0f", t * 1e6 / f - c }')"
}
progress "overhead per event: btcsim coins --count $OVERHEAD_STEPS ($REPS x 14 runs)"
for r in $(seq "$REPS"); do
	sim_run untraced -
	sim_run enabled -
	for tool in $TOOLS; do
		sim_run count $tool "usdt:$SIM:utxocache:add { @n = count(); }"
		COUNT_NS_PER_FIRE=$(awk -v t="$LAST_CPU" -v f="$LAST_FIRES" 'BEGIN { print t * 1e6 / f }')
		sim_run hist $tool "usdt:$SIM:utxocache:add { @h = hist(arg3); }"
		beyond_count hist $tool
		sim_run lhist $tool "usdt:$SIM:utxocache:add { @l = lhist(arg2, 0, 1000, 10); }"
		beyond_count lhist $tool
		sim_run sum $tool "usdt:$SIM:utxocache:add { @s = sum(arg3); }"
		sim_run strkey $tool "usdt:$SIM:utxocache:add { @k[comm] = count(); }"
		sim_run printf $tool "usdt:$SIM:utxocache:add { printf(\"%d %d\\n\", arg2, arg3); }"
	done
done

# ---- 4b. the programs' own time, by the kernel's accounting -----------------
# With kernel.bpf_stats_enabled the kernel times every program run:
# run_time_ns / run_cnt of the tracer's busiest program, read from
# /proc/PID/fdinfo while btcsim runs (the last reading before it ends).
# It holds no trap, so it resolves the tens of ns between count() and
# hist(arg3) that the noise of a ~1 s run hides in btcsim's CPU time.

STATS=/proc/sys/kernel/bpf_stats_enabled
STATS_WAS=$(cat "$STATS")
restore_stats() { echo "$STATS_WAS" >"$STATS" || true; }
prog_ns() { # label tool script: records ns per run
	local sim tracer_pid last="" cur
	"$SIM" coins --seed 7 --count "$OVERHEAD_STEPS" --wait-attached >/dev/null 2>&1 &
	sim=$!
	$(tracer "$2") -p "$sim" -e "$3" >/dev/null 2>&1 &
	tracer_pid=$!
	while kill -0 "$sim" 2>/dev/null; do
		cur=$(awk 'FNR == 1 { t = 0 } /^run_time_ns:/ { t = $2 }
			/^run_cnt:/ { if ($2 > c) { c = $2; best = t } } END { if (c) print best / c }' \
			/proc/$tracer_pid/fdinfo/* 2>/dev/null) || :
		[ -z "$cur" ] || last=$cur
		sleep 0.05
	done
	wait "$sim" 2>/dev/null || :
	kill -INT "$tracer_pid" 2>/dev/null || :
	wait "$tracer_pid" 2>/dev/null || :
	[ -n "$last" ] || die "no program run was counted in the $1 run of $2 (bpf_stats)"
	record "kns_$1" "$2" "$last"
}
progress "the programs' own time, bpf_stats ($REPS x 4 runs)"
echo 1 >"$STATS" || die "cannot enable kernel.bpf_stats_enabled"
for r in $(seq "$REPS"); do
	for tool in $TOOLS; do
		prog_ns count $tool "usdt:$SIM:utxocache:add { @n = count(); }"
		c=$(awk -v m=kns_count -v t=$tool '$1 == m && $2 == t { v = $3 } END { print v }' "$RESULTS")
		prog_ns hist $tool "usdt:$SIM:utxocache:add { @h = hist(arg3); }"
		h=$(awk -v m=kns_hist -v t=$tool '$1 == m && $2 == t { v = $3 } END { print v }' "$RESULTS")
		record kns_beyond $tool "$(awk -v h="$h" -v c="$c" 'BEGIN { print h - c }')"
	done
done
restore_stats

# ---- 5. compile time against the number of probe blocks ---------------------
# N blocks, each its own maps, all on utxocache:add of a binary nobody runs.
# btctrace: start until its "Attaching N probes..." line, which it prints
# after compiling, loading and attaching every block (then SIGINT).
# bpftrace: --emit-elf, its dry run (parse, analyse, compile, no load).

script_n() { # N -> file
	local f="$WORK/blocks$1.bt"
	for i in $(seq "$1"); do
		echo "usdt:$SIM:utxocache:add { @c$i = count(); @h$i = hist(arg3); }"
	done >"$f"
	echo "$f"
}
progress "compile time for N = $COMPILE_SIZES blocks ($REPS x 2 runs each)"
for r in $(seq "$REPS"); do
	for n in $COMPILE_SIZES; do
		f=$(script_n "$n")
		out=$("$BT" run --settle "$SETTLE_MS" -- "$BPFTRACE" --emit-elf "$WORK/out.elf" "$f" 2>/dev/null)
		record "compile$n" bpftrace "$(field wall_ms "$out")"
		out=$("$BT" run --settle "$SETTLE_MS" --banner "Attaching" --int-after 0 -- "$BTCTRACE" "$f" 2>/dev/null)
		record "compile$n" btctrace "$(field attach_ms "$out")"
	done
	# 50 blocks really attached by both: bpftrace prints its banner before
	# attaching, so its figure is a lower bound (the ratio is pessimistic).
	f=$(script_n 50)
	for tool in $TOOLS; do
		out=$("$BT" run --settle "$SETTLE_MS" --banner "Attaching" --int-after 0 -- $(tracer $tool) "$f" 2>/dev/null)
		record attach50 $tool "$(field attach_ms "$out")"
	done
done

# ---- 6. a printf flood, and how fast the reader is ------------------------------
# Every utxocache event printed (to a file) while btcsim runs flat out:
# events lost, btcsim's CPU time against untraced, and the lines the
# tracer wrote per second of its own CPU time (the programs run in
# btcsim's thread, so the tracer's time is its reader's).

FLOOD_STEPS=$((OVERHEAD_STEPS * 2))
FLOOD="$WORK/flood.bt"
for p in add spent uncache; do
	echo "usdt:$SIM:utxocache:$p { printf(\"$p %d %d %d\\n\", arg1, arg2, arg3); }"
done >"$FLOOD"
lost_in() { # stderr file -> lost events reported (both tools' wordings)
	# btctrace's total at exit repeats its "Lost N events" lines: it alone
	# counts when it is there.
	if grep -qE '[0-9]+ events were lost in total' "$1"; then
		grep -oE '[0-9]+ events were lost in total' "$1" | grep -oE '^[0-9]+'
		return
	fi
	grep -oiE '(lost|dropped) [0-9]+ events?|[0-9]+ events? (were )?(lost|dropped)' "$1" |
		grep -oE '[0-9]+' | awk '{ n += $1 } END { print n + 0 }'
}
progress "printf flood: coins --count $FLOOD_STEPS ($(( REPS < 3 ? REPS : 3 )) x 3 runs)"
for r in $(seq $(( REPS < 3 ? REPS : 3 ))); do
	out=$("$BT" sim --raise "$SIM:${SEM[net:inbound_message]}" -- "$SIM" coins --seed 7 \
		--count "$FLOOD_STEPS" --wait-attached)
	record flood_cpu_untraced - "$(field sim_cpu_ms "$out")"
	for tool in $TOOLS; do
		out=$("$BT" sim --tracer-out "$WORK/flood.out" -- "$SIM" coins --seed 7 --count "$FLOOD_STEPS" \
			--wait-attached --truth "$WORK/flood.truth" --- $(tracer $tool) -p %PID% "$FLOOD" \
			2>"$WORK/flood.err")
		emitted=$(jq '[.probes["utxocache:add","utxocache:spent","utxocache:uncache"].fires | tonumber] | add' \
			"$WORK/flood.truth")
		printed=$(grep -cE '^(add|spent|uncache) ' "$WORK/flood.out" || true)
		record flood_cpu $tool "$(field sim_cpu_ms "$out")"
		record flood_emitted $tool "$emitted"
		record flood_lost_pct $tool "$(awk -v e="$emitted" -v p="$printed" 'BEGIN { printf "%.3f", (e - p) * 100 / e }')"
		record flood_reported $tool "$(lost_in "$WORK/flood.err")"
		record consumer_lps $tool "$(awk -v l="$printed" -v c="$(field tracer_cpu_ms "$out")" \
			'BEGIN { printf "%.0f", l * 1000 / c }')"
	done
done

# ---- the table ----------------------------------------------------------------

# Overhead in ns per fired event: (median traced cpu - median untraced cpu)
# / median fires.
overhead_ns() { # label tool
	awk -v t="$(median "cpu_$1" "$2")" -v u="$(median cpu_untraced -)" -v f="$(median "fires_$1" "$2")" \
		'BEGIN { printf "%.0f", (t - u) * 1e6 / f }'
}
for label in count sum hist lhist strkey printf; do
	for tool in $TOOLS; do
		record "ovh_$label" $tool "$(overhead_ns $label $tool)"
	done
done
record ovh_enabled - "$(overhead_ns enabled -)"

# Least-squares fit of time against N: slope, intercept, R^2, and the ratio
# of the per-block cost in the upper half of the range to the lower half.
# Linear means no superlinear growth: the blocks of the upper half cost at
# most 1.5x those of the lower half (R^2 is shown; noise lowers it).
fit() { # tool -> "slope intercept r2 halfratio"
	for n in $COMPILE_SIZES; do echo "$n $(median "compile$n" "$1")"; done | awk '
		{ x[NR] = $1; y[NR] = $2; sx += $1; sy += $2; sxx += $1 * $1; sxy += $1 * $2 }
		END {
			n = NR; b = (n * sxy - sx * sy) / (n * sxx - sx * sx); a = (sy - b * sx) / n
			my = sy / n
			for (i = 1; i <= n; i++) { ss += (y[i] - a - b * x[i]) ^ 2; st += (y[i] - my) ^ 2 }
			m = int((n + 1) / 2)
			lo = (y[m] - y[1]) / (x[m] - x[1]); hi = (y[n] - y[m]) / (x[n] - x[m])
			printf "%.3f %.1f %.4f %.2f\n", b, a, 1 - ss / st, hi / lo
		}'
}

NPROC=$(nproc)
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo
echo "btctrace vs bpftrace $("$BPFTRACE" --version | awk '{ print $2 }'), $REPS runs each, alternating; medians"
echo "machine: $NPROC CPUs ($CPU), kernel $(uname -r)"
echo "btctrace: $BTCTRACE, tree $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?')"
echo
row() { printf '%-40s %12s %12s %7s  %-26s %s\n' "$@"; }
ms() { awk -v v="$1" 'BEGIN { printf "%.1f ms", v }'; }
mb() { awk -v v="$1" 'BEGIN { printf "%.1f MB", v / 1024 }'; }
ns() { awk -v v="$1" 'BEGIN { printf "%.0f ns", v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b / a }'; }
yesno() { awk "BEGIN { exit !($1) }" && echo yes || echo NO; }

row "measure" "bpftrace" "btctrace" "ratio" "target" "met"
row "-------" "--------" "--------" "-----" "------" "---"
fl=$(median floor_attach -); fs=$(median floor_start btctrace)
a=$(median attach1 bpftrace); b=$(median attach1 btctrace); q=$(ratio "$a" "$b")
row "one-liner, -p: start -> attached" "$(ms "$a")" "$(ms "$b")" "$q" "ratio <= 0.20" "$(yesno "$q <= 0.2")"
row "  within 2x of floor + process start" "" "$(ms "$b")" "" "<= 2 x $(ms "$(awk -v a="$fl" -v b="$fs" 'BEGIN { print a + b }')")" \
	"$(yesno "$b <= 2 * ($fl + $fs)")"
a=$(median whole bpftrace); b=$(median whole btctrace); q=$(ratio "$a" "$b")
row "one-liner, -c 1000 steps: start -> exit" "$(ms "$a")" "$(ms "$b")" "$q" "(no target)" "-"
a=$(median begin_exit bpftrace); b=$(median begin_exit btctrace); q=$(ratio "$a" "$b")
row "BEGIN { exit(); }: whole run" "$(ms "$a")" "$(ms "$b")" "$q" "ratio <= 0.05" "$(yesno "$q <= 0.05")"
a=$(median rss1 bpftrace); b=$(median rss1 btctrace); q=$(ratio "$a" "$b")
row "peak RSS, one-liner (-p)" "$(mb "$a")" "$(mb "$b")" "$q" "ratio <= 0.25" "$(yesno "$q <= 0.25")"
a=$(median rss20 bpftrace); b=$(median rss20 btctrace); q=$(ratio "$a" "$b")
row "peak RSS, 20 probes (-p)" "$(mb "$a")" "$(mb "$b")" "$q" "ratio <= 0.25" "$(yesno "$q <= 0.25")"
a=$(median attach20 bpftrace); b=$(median attach20 btctrace); q=$(ratio "$a" "$b")
row "20 probes, -p: start -> attached" "$(ms "$a")" "$(ms "$b")" "$q" "ratio <= 0.25" "$(yesno "$q <= 0.25")"
a=$(median attach50 bpftrace); b=$(median attach50 btctrace); q=$(ratio "$a" "$b")
row "50 probe blocks: start -> attached" "$(ms "$a")" "$(ms "$b")" "$q" "ratio <= 0.25 (*)" "$(yesno "$q <= 0.25")"
a=$(median exit20 bpftrace); b=$(median exit20 btctrace); q=$(ratio "$a" "$b")
row "20 probes attached: SIGINT -> exit" "$(ms "$a")" "$(ms "$b")" "$q" "btctrace < 50 ms" "$(yesno "$b < 50")"
for tool in $TOOLS; do
	missed=$(awk -v t=$tool '$1 == "missed_sigint" && $2 == t' "$RESULTS" | wc -l)
	[ "$missed" = 0 ] || row "  $tool missed the first SIGINT" "" "" "" "in $missed of $REPS runs (left out)" ""
done
for label in count sum hist lhist strkey printf; do
	a=$(median "ovh_$label" bpftrace); b=$(median "ovh_$label" btctrace); q=$(ratio "$a" "$b")
	case $label in
	count) what="count()"; target="ratio <= 1.00"; met=$(yesno "$q <= 1") ;;
	hist) what="hist(arg3)"; target="ratio <= 0.85"; met=$(yesno "$q <= 0.85") ;;
	sum) what="sum(arg3)"; target="(no target)"; met="-" ;;
	lhist) what="lhist(arg2, 0, 1000, 10)"; target="(no target)"; met="-" ;;
	strkey) what="@k[comm] = count()"; target="(no target)"; met="-" ;;
	printf) what="printf of two values"; target="(no target)"; met="-" ;;
	esac
	row "overhead per event, $what" "$(ns "$a")" "$(ns "$b")" "$q" "$target" "$met"
done
for label in hist lhist; do
	a=$(median "beyond_$label" bpftrace); b=$(median "beyond_$label" btctrace)
	row "  $label minus count, per event (paired)" "$(ns "$a")" "$(ns "$b")" "" "btctrace <= 100 ns" \
		"$(yesno "$b <= 100")"
done
a=$(median kns_count bpftrace); b=$(median kns_count btctrace)
# No ratio: the tools attach by different routes (bpftrace a perf-event
# uprobe, btctrace a uprobe_multi link), which put different parts of the
# same event inside the program's clock (docs/performance.md).
row "  kernel: count() program, per run" "$(ns "$a")" "$(ns "$b")" "" "(bpf_stats; no target)" "-"
a=$(median kns_beyond bpftrace); b=$(median kns_beyond btctrace)
row "  kernel: hist(arg3) minus count()" "$(ns "$a")" "$(ns "$b")" "" "(bpf_stats; no target)" "-"
row "  of which btcsim's own work per event" "$(ns "$(median ovh_enabled -)")" "(same)" "" "(firing without a uprobe)" ""
read -r sa ia r2a hra <<<"$(fit bpftrace)"
read -r sb ib r2b hrb <<<"$(fit btctrace)"
row "compile + load, per probe block (fit)" "$(ms "$sa")" "$(ms "$sb")" "$(ratio "$sa" "$sb")" "btctrace <= 1.5 ms" "$(yesno "$sb <= 1.5")"
row "  upper-half : lower-half slope" "$hra" "$hrb" "" "linear: <= 1.5x" "$(yesno "$hrb <= 1.5")"
row "  R^2 of the linear fit" "$r2a" "$r2b" "" "" ""
a=$(median flood_lost_pct bpftrace); b=$(median flood_lost_pct btctrace)
row "printf flood: events not printed" "$a %" "$b %" "" "btctrace <= 1 %" "$(yesno "$b <= 1")"
u=$(median flood_cpu_untraced -); a=$(median flood_cpu bpftrace); b=$(median flood_cpu btctrace)
# Traced, btcsim may be slower by each event's cost in the printf overhead
# runs, plus 10%: the reader must not slow it further (no back-pressure).
allowed=$(awk -v u="$u" -v n="$(median flood_emitted btctrace)" -v o="$(median ovh_printf btctrace)" \
	'BEGIN { printf "%.1f", 1.1 * (u + n * o / 1e6) }')
row "  btcsim CPU time, traced" "$(ms "$a")" "$(ms "$b")" "$(ratio "$a" "$b")" "<= untraced $(ms "$u") + overhead" \
	"$(yesno "$b <= $allowed")"
a=$(median consumer_lps bpftrace); b=$(median consumer_lps btctrace); q=$(ratio "$a" "$b")
row "reader: lines per CPU second" "$a" "$b" "$q" "btctrace >= 2000000" "$(yesno "$b >= 2000000")"
echo
echo "floors: one uprobe by a small C program (bench/floor.c): attach $(ms "$fl"), SIGINT -> exit" \
	"$(ms "$(median floor_exit -)"); btctrace --help start -> exit $(ms "$fs")"
echo "(*) bpftrace prints its banner before attaching: its figure is a lower bound"
echo "printf flood: btctrace printed all but $(median flood_lost_pct btctrace) % of" \
	"$(median flood_emitted btctrace) events and reported $(median flood_reported btctrace) lost (medians)"
echo
echo "compile time by number of blocks (bpftrace: --emit-elf dry run; btctrace: compile + load + attach)"
printf '%-8s %12s %12s\n' "blocks" "bpftrace" "btctrace"
for n in $COMPILE_SIZES; do
	printf '%-8s %12s %12s\n' "$n" "$(ms "$(median "compile$n" bpftrace)")" "$(ms "$(median "compile$n" btctrace)")"
done
echo
echo "overhead runs: $(median fires_count btctrace) utxocache:add fires in $OVERHEAD_STEPS coins steps;" \
	"btcsim CPU time, median (min):"
printf '  %-10s %22s %22s\n' "" "bpftrace" "btctrace"
printf '  %-10s %22s %22s\n' "untraced" "$(ms "$(median cpu_untraced -)") ($(ms "$(minimum cpu_untraced -)"))" ""
for label in count sum hist lhist strkey printf; do
	printf '  %-10s %22s %22s\n' "$label" \
		"$(ms "$(median cpu_$label bpftrace)") ($(ms "$(minimum cpu_$label bpftrace)"))" \
		"$(ms "$(median cpu_$label btctrace)") ($(ms "$(minimum cpu_$label btctrace)"))"
done
