# What the benchmarks share: building, a private PostgreSQL, and timing.
# shellcheck shell=bash

# bench_setup: installs, builds build/luamig (sets $luamig), makes a work
# directory ($work, removed at exit unless KEEP is set) with a private
# cluster in $work/pg ($PG_DIR), and $psql, a psql command line for it.
bench_setup() {
  install_deps
  build build
  luamig=$PWD/build/luamig
  work=$(mktemp -d /tmp/luamig-bench.XXXXXX)
  chmod 755 "$work"  # the postgres user must reach $work/pg
  PG_DIR=$work/pg
  trap 'pg_stop; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
  pg_start "$PG_DIR" >/dev/null
  psql=(psql -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -p 5432 -U postgres)
}

# time_once PREP CMD...: runs PREP (untimed; ":" for nothing), then CMD;
# prints CMD's wall time in microseconds. Timed with bash's
# $EPOCHREALTIME, so no clock process is started inside the measurement.
time_once() {
  local prep=$1 start end; shift
  $prep >/dev/null 2>&1
  start=${EPOCHREALTIME/[.,]/}
  "$@" >/dev/null 2>&1
  end=${EPOCHREALTIME/[.,]/}
  echo $(( end - start ))
}

# median_ms MICROSECONDS...: their median, in milliseconds
median_ms() {
  printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p" | awk '{ printf "%.1f", $1 / 1000 }'
}

# time_ms RUNS PREP CMD...: the median wall time of CMD over RUNS runs, in
# milliseconds, PREP before each.
time_ms() {
  local runs=$1 times=() i; shift
  for ((i = 0; i < runs; i++)); do times+=("$(time_once "$@")"); done
  median_ms "${times[@]}"
}

# time_pair RUNS PREP_A CMD_A PREP_B CMD_B: A and B run in turn RUNS times
# each (one-word commands: functions), so that both see the machine in
# the same state; prints the two medians in milliseconds.
time_pair() {
  local runs=$1 a=() b=() i
  for ((i = 0; i < runs; i++)); do
    a+=("$(time_once "$2" "$3")")
    b+=("$(time_once "$4" "$5")")
  done
  echo "$(median_ms "${a[@]}") $(median_ms "${b[@]}")"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
