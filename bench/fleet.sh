#!/usr/bin/env bash
# A fleet of D databases (default 200) on one server, each taking R
# one-table revisions (default 5): `luamig -j 8 upgrade head` against
# `-j 1` (the speed-up from running targets at once), and `-j 1` against
# the floor, `psql -X -f` of the same --sql on each database in turn: the
# difference divided by D is what a target costs beyond its migrations
# (starting a child, reading luamig.lua and the revisions, connecting,
# the lock, the version read). Each run starts from every database at
# base (an untimed downgrade); medians of 3, the runs in turn.
#   bash bench/fleet.sh [D] [R]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. bench/lib.sh
d=${1:-200}
r=${2:-5}
bench_setup
lua5.4 bench/gen.lua "$work/project" "$r" chain
cd "$work/project"
for ((i = 1; i <= d; i++)); do echo "CREATE DATABASE fleet_$i;"; done | "${psql[@]}" -d postgres
for ((i = 1; i <= d; i++)); do echo "fleet_$i host=$PG_DIR port=5432 user=postgres dbname=fleet_$i"; done >fleet.txt
"$luamig" -q upgrade head --sql >"$work/up.sql"

at_base() { "$luamig" -q -j 8 --targets fleet.txt downgrade base; }
# the floor runs PostgreSQL's own psql binary: Debian's /usr/bin/psql is
# pg_wrapper, a Perl script that costs more per call than a whole target
floor_psql=("$PG_BIN/psql" "${psql[@]:1}")
tables=$(seq -s ', ' -f 't%g' 1 "$r")
psql_reset() {
  for ((i = 1; i <= d; i++)); do
    "${floor_psql[@]}" -d "fleet_$i" -c "DROP TABLE IF EXISTS luamig_version, luamig_history, $tables"
  done
}
fleet_j1() { "$luamig" -q -j 1 --targets fleet.txt upgrade head; }
fleet_j8() { "$luamig" -q -j 8 --targets fleet.txt upgrade head; }
psql_each() { for ((i = 1; i <= d; i++)); do "${floor_psql[@]}" -d "fleet_$i" -f "$work/up.sql"; done; }

# a check that the runs do what they claim: every database at head
fleet_j8 >/dev/null
"$luamig" -j 8 --targets fleet.txt current | tail -n 1 | grep -q "^$d ok, 0 failed" || { echo "fleet run failed" >&2; exit 1; }

printf 'fleet benchmark, %s databases x %s revisions on one server, %s cores, medians of 3\n' "$d" "$r" "$(nproc)"
read -r j1 j8 <<<"$(time_pair 3 at_base fleet_j1 at_base fleet_j8)"
printf '  upgrade head -j 1      %9.1f ms\n  upgrade head -j 8      %9.1f ms   speed-up %sx\n' "$j1" "$j8" "$(ratio "$j1" "$j8")"
read -r floor j1b <<<"$(time_pair 3 psql_reset psql_each at_base fleet_j1)"
printf '  psql -f, each in turn  %9.1f ms\n  upgrade head -j 1      %9.1f ms   ratio %sx\n' "$floor" "$j1b" "$(ratio "$j1b" "$floor")"
awk -v a="$j1b" -v b="$floor" -v d="$d" 'BEGIN { printf "  cost per target beyond its migrations: %.1f ms (%.1f ms luamig, %.1f ms psql)\n", (a - b) / d, a / d, b / d }'
