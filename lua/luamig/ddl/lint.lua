-- The catalog query of lint's live facts (#17): for each table (or index)
-- named as a statement names it, the estimated rows and size of the table
-- it is or belongs to. One round trip for every table a run touches:
-- $1 is a JSON array of names, each quoted as SQL writes it, resolved by
-- the server on the session's search_path (to_regclass: NULL, not an
-- error, for a name it does not know). Only pg_class is read, as the last
-- VACUUM or ANALYZE left it: pg_relation_size would take a lock on the
-- table and wait behind the very transaction lint warns of. A table never
-- analyzed (reltuples -1) has the live rows the statistics count instead
-- (counted_rows; no lock either).
local M = {}

M.TABLE_FACTS_QUERY = [[
SELECT w.name, t.oid::regclass::text AS table_name, t.reltuples::float8 AS estimated_rows,
       CASE WHEN t.reltuples < 0 THEN pg_stat_get_live_tuples(t.oid)::float8 END AS counted_rows,
       t.relpages::bigint AS pages,
       pg_size_pretty(t.relpages::bigint * current_setting('block_size')::bigint) AS size
FROM json_array_elements_text($1::json) AS w(name)
JOIN pg_class c ON c.oid = to_regclass(w.name)
LEFT JOIN pg_index i ON i.indexrelid = c.oid
JOIN pg_class t ON t.oid = COALESCE(i.indrelid, c.oid)]]

-- The columns of the tables whose columns a run retypes (changing-column-
-- type tells a widening from a rewrite): their type's name and typmod.
M.COLUMN_FACTS_QUERY = [[
SELECT w.name, a.attname, t.typname, a.atttypmod
FROM json_array_elements_text($1::json) AS w(name)
JOIN pg_attribute a ON a.attrelid = to_regclass(w.name) AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid]]

-- The planner's estimate of a data migration's statement, not run: lint
-- tells an UPDATE or DELETE that touches most of a big table. Planning
-- takes the statement's lock on its table (ROW EXCLUSIVE): in a
-- transaction of its own that gives up after EXPLAIN_LOCK_TIMEOUT, so
-- lint never queues behind the transaction it would warn of.
M.EXPLAIN_BEGIN = "BEGIN; SET LOCAL lock_timeout = '100ms'"
M.EXPLAIN_END = "ROLLBACK"

function M.explain(sql)
  return "EXPLAIN (FORMAT JSON) " .. sql
end

return M
