#!/usr/bin/env bash
# lint at scale (#17): `luamig lint` of N revisions (default 1,000; the
# migrate benchmark's generator, every 10th revision also doing one unsafe
# thing to a table an earlier revision made) against squawk (npm's
# squawk-cli) on the same SQL, luamig's own `upgrade --sql` output.
# Medians of 5, run in turn, and the CPU time of one run each. Then which
# findings each reports, by rule: luamig offline (no database, as squawk),
# luamig connected to a database where the first half is applied (its
# tables with a row each: small), the same with lint_small_table_rows = 0,
# and squawk.
# (It replaces the first version, 2a7d504, which linted connected only,
# before the rest of squawk's rules.)
#   bash bench/lint.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. bench/lib.sh
n=${1:-1000}

# squawk: npm's squawk-cli (node and npm from Debian when missing)
install_squawk() {
  command -v squawk >/dev/null && return 0
  command -v npm >/dev/null || install_deps nodejs npm
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo npm install -g squawk-cli >/dev/null 2>&1 || true
  command -v squawk >/dev/null || { echo "bench/lint.sh: cannot install squawk (npm install -g squawk-cli failed)" >&2; exit 1; }
}

bench_setup
install_squawk
url="host=$PG_DIR port=5432 user=postgres dbname=bench"
lua5.4 bench/gen.lua "$work/project" "$n" chain "$url" 10
cd "$work/project"
# squawk's type preferences are opt-in in luamig: on, for the same work
sed -i 's/^return {/return { lint_include = { "ban-char-field", "prefer-bigint-over-int", "prefer-bigint-over-smallint", "prefer-identity", "prefer-text-field", "prefer-timestamptz" },/' luamig.lua
"${psql[@]}" -d postgres -c "CREATE DATABASE bench"
# offline: a server that is not there (lint says so and lints from base)
offline="host=$work/nowhere port=5432 user=postgres dbname=bench"
# (upgrade lints what it prints too: its findings on stderr are not the SQL)
"$luamig" -q upgrade head --sql >"$work/up.sql" 2>/dev/null

luamig_offline() { "$luamig" -q --url "$offline" lint; }
luamig_connected() { "$luamig" -q lint; }
squawk_sql() { squawk --reporter json "$work/up.sql"; }

printf 'lint benchmark, N=%s revisions (%s with an unsafe operation), medians of 5\n' "$n" "$(( n / 10 ))"
read -r t_luamig t_squawk < <(time_pair 5 : luamig_offline : squawk_sql)
printf '  luamig lint (offline, %s revisions)  %8s ms\n' "$n" "$t_luamig"
printf '  squawk on upgrade --sql (%s lines)   %8s ms\n' "$(wc -l <"$work/up.sql")" "$t_squawk"
printf '  luamig/squawk %s\n' "$(ratio "$t_luamig" "$t_squawk")"
t_connected=$(time_ms 5 : luamig_connected)
cpu() { /usr/bin/time -f '%U %S' "$@" 2>&1 >/dev/null | tail -n 1 | awk '{ printf "%.0f", ($1 + $2) * 1000 }'; }
printf '  luamig lint (connected, %s pending, live facts)  %8s ms\n' "$n" "$t_connected"
# CPU time of one run each: steadier than wall time on a shared machine
printf '  CPU time: luamig lint offline %s ms, squawk %s ms\n' "$(cpu "$luamig" -q --url "$offline" lint)" "$(cpu squawk --reporter json "$work/up.sql")"

# the findings, by rule: offline; connected to a database where the
# first half is applied, its tables with a row each and analyzed (small:
# exempt from lock rules), and the same with lint_small_table_rows = 0
# (every existing table counts as big)
half=$(printf '%012x' $(( n / 2 )))
"$luamig" -q upgrade "$half" >/dev/null 2>&1
# a row in each table the first half made (some refuse it: a required
# column, a renamed one; they stay empty)
for ((i = 1; i <= n / 2; i++)); do echo "INSERT INTO t$i (name) VALUES ('x');"; done >"$work/rows.sql"
echo "ANALYZE;" >>"$work/rows.sql"
"${psql[@]}" -v ON_ERROR_STOP=0 -d bench -f "$work/rows.sql" >/dev/null 2>&1
sed 's/^return {/return { lint_small_table_rows = 0,/' luamig.lua >luamig-big.lua
# squawk 2.66 spells prefer-timestamptz prefer-timestamp-tz
count() { grep -oE "\"$1\":\"[a-z-]+\"" | sed -E 's/.*:"(.*)"/\1/; s/^prefer-timestamp-tz$/prefer-timestamptz/' | sort | uniq -c | awk '{ print $2, $1 }'; }
"$luamig" -q --json --url "$offline" lint 2>/dev/null | count rule >"$work/offline.txt" || true
"$luamig" -q --json lint 2>/dev/null | count rule >"$work/small.txt" || true
"$luamig" -q --json -c luamig-big.lua lint 2>/dev/null | count rule >"$work/big.txt" || true
squawk_sql 2>/dev/null | count rule_name >"$work/squawk.txt" || true
printf '\n| rule | luamig offline | luamig, half applied, small tables | luamig, half applied, lint_small_table_rows = 0 | squawk |\n'
printf '| --- | ---: | ---: | ---: | ---: |\n'
cut -d' ' -f1 "$work"/{offline,small,big,squawk}.txt | sort -u | while read -r rule; do
  of() { awk -v r="$rule" '$1 == r { print $2 }' "$work/$1.txt"; }
  printf '| %s | %s | %s | %s | %s |\n' "$rule" "$(of offline)" "$(of small)" "$(of big)" "$(of squawk)"
done
