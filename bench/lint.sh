#!/usr/bin/env bash
# lint of N revisions (default 1,000; the migrate benchmark's generator):
# every 20th also does something unsafe to `big`, a 20,000-row table the
# database already holds (five kinds in turn), and every 20th+10 builds an
# index on the table it has just created (safe: nobody uses it yet).
# luamig lint, connected (live facts), against squawk (npm's squawk-cli)
# on the same SQL: luamig's own `upgrade --sql` output. Prints medians of
# 5, the ratio, and which findings each reports, by rule.
#   bash bench/lint.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. bench/lib.sh
n=${1:-1000}
command -v squawk >/dev/null || npm install -g squawk-cli >/dev/null 2>&1 \
  || { echo "bench/lint.sh: squawk is needed: npm install -g squawk-cli" >&2; exit 1; }
install_deps jq
bench_setup
lua5.4 bench/gen.lua "$work/project" "$n" chain
lua5.4 - "$work/project/migrations/versions" "$n" <<'LUA'
local dir, n = arg[1], tonumber(arg[2])
local unsafe = {
  [[op.create_index("ix_big_a_%d", "big", { "a" })]],
  [[op.add_column("big", { "c%d", "double precision", default = "random()" })]],
  [[op.create_check_constraint("big_a_%d", "big", "a > 0")]],
  [[op.create_foreign_key("big_t1_%d", "big", "t1", { "a" }, { "id" })]],
  [[op.alter_column("big", "b", { nullable = false })]],
}
local function append(i, line)
  local path = ("%s/%012x.lua"):format(dir, i)
  local text = io.open(path):read("a")
  local f = io.open(path, "w")
  f:write((text:gsub("(op%.create_table%(\"t%d+\"[^\n]*\n)", "%1    " .. line .. "\n", 1)))
  f:close()
end
for i = 20, n, 20 do append(i, unsafe[(i // 20 - 1) % #unsafe + 1]:format(i)) end
for i = 10, n, 20 do append(i, ('op.create_index("ix_t%d_name", "t%d", { "name" })'):format(i, i)) end
LUA
cd "$work/project"
url="host=$PG_DIR port=5432 user=postgres dbname=postgres"
"${psql[@]}" -d postgres -c "CREATE TABLE big (id bigint PRIMARY KEY, a integer, b text)" \
  -c "INSERT INTO big SELECT g, g, 'x' FROM generate_series(1, 20000) g" -c "ANALYZE big"
"$luamig" -q --url "$url" upgrade base:heads --sql >"$work/up.sql" 2>/dev/null

luamig_lint() { "$luamig" -q --url "$url" lint >/dev/null || true; }
squawk_lint() { squawk "$work/up.sql" >/dev/null 2>&1 || true; }
read -r ms_luamig ms_squawk <<<"$(time_pair 5 : luamig_lint : squawk_lint)"
printf 'lint benchmark, N=%s revisions (%s statements in --sql), medians of 5\n' "$n" "$(grep -c ';$' "$work/up.sql")"
printf '  luamig lint (connected)   %8.1f ms\n' "$ms_luamig"
printf '  squawk on the --sql file  %8.1f ms\n' "$ms_squawk"
printf '  ratio luamig/squawk       %8s\n' "$(ratio "$ms_luamig" "$ms_squawk")"

"$luamig" -q --url "$url" --json lint | jq -r '.findings[].rule' | sort | uniq -c | awk '{ print $2, $1 }' >"$work/luamig.count" || true
squawk --reporter json "$work/up.sql" 2>/dev/null | jq -r '.[].rule_name' | sort | uniq -c | awk '{ print $2, $1 }' >"$work/squawk.count" || true
printf '\n| rule | luamig | squawk |\n| --- | --- | --- |\n'
join -a1 -a2 -e 0 -o 0,1.2,2.2 "$work/luamig.count" "$work/squawk.count" | awk '{ printf "| %s | %s | %s |\n", $1, $2, $3 }'
