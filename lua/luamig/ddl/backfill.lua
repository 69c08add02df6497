-- The SQL of op.backfill (issue 16, DESIGN.md §10): its progress table,
-- the table's columns and primary key, and each batch's statements. A key
-- value travels as jsonb ({"id": 60}), read back into the key's own types
-- by jsonb_populate_record on the table's row type, so that a composite
-- key compares as a row, which the primary key's index serves. The Lua
-- path's new values travel as text arrays, cast to the types the
-- catalog names (format_type).
local clause = require("luamig.ddl.clause")
local quote = require("luamig.ddl.quote")

local ident, qualified = quote.ident, quote.qualified
local M = {}

M.BACKFILL_TABLE = "luamig_backfill"

function M.create_backfill_table(schema)
  return ([[CREATE TABLE IF NOT EXISTS %s (
    revision varchar(32) NOT NULL,
    name pg_catalog.text NOT NULL,
    last_key pg_catalog.jsonb,
    rows_done bigint NOT NULL DEFAULT 0,
    batches bigint NOT NULL DEFAULT 0,
    started_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    updated_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    finished_at pg_catalog.timestamptz,
    PRIMARY KEY (revision, name)
)]]):format(qualified(M.BACKFILL_TABLE, schema))
end

local STATE_COLUMNS = "rows_done, batches, last_key::pg_catalog.text AS last_key, finished_at IS NOT NULL AS finished"

-- The progress row of (revision, name), made when missing: one row.
-- The outer SELECT's snapshot does not see the row the CTE inserts.
function M.backfill_start(schema, revision, name)
  local tbl = qualified(M.BACKFILL_TABLE, schema)
  return ("WITH made AS (INSERT INTO %s (revision, name) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING *) "
    .. "SELECT %s FROM made UNION ALL SELECT %s FROM %s WHERE revision = $1 AND name = $2")
    :format(tbl, STATE_COLUMNS, STATE_COLUMNS, tbl), { revision, name }
end

-- The progress rows of a revision go with its recorded step.
function M.delete_backfills(schema, revision)
  return ("DELETE FROM %s WHERE revision = $1"):format(qualified(M.BACKFILL_TABLE, schema)), { revision }
end

-- Every progress row, for status.
function M.backfills_query(schema)
  return ("SELECT revision, name, rows_done, batches, last_key::pg_catalog.text AS last_key, "
    .. "started_at::pg_catalog.text AS started_at, updated_at::pg_catalog.text AS updated_at, "
    .. "finished_at::pg_catalog.text AS finished_at FROM %s ORDER BY started_at, revision, name")
    :format(qualified(M.BACKFILL_TABLE, schema))
end

function M.table_present_query(name, schema)
  return "SELECT pg_catalog.to_regclass($1) IS NOT NULL AS present", { qualified(name, schema) }
end

-- The table's columns in order: name, generated, type, key_position (its place
-- in the primary key, or nil).
function M.backfill_columns_query(table_name, schema)
  return [[SELECT a.attname AS name, a.attgenerated <> '' AS generated,
  pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
  (SELECT k.ord::int FROM pg_catalog.pg_index i, unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
    WHERE i.indrelid = a.attrelid AND i.indisprimary AND k.attnum = a.attnum) AS key_position
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum]],
    { qualified(table_name, schema) }
end

-- The planner's estimate of the table's rows (-1: never analyzed).
function M.row_estimate_query(table_name, schema)
  return "SELECT reltuples::bigint AS n FROM pg_catalog.pg_class WHERE oid = pg_catalog.to_regclass($1)",
    { qualified(table_name, schema) }
end

------------------------------------------------------------------ batches

-- A statement's text and its parameters, growing together.
local function params_builder()
  local params = { n = 0 }
  return params, function(v)
    params.n = params.n + 1
    params[params.n] = v
    return "$" .. params.n
  end
end

-- t = { what, table, schema, key = {names}, where } as op.backfill
-- checked them.
local function key_list(t, prefix, suffix)
  local out = {}
  for i, k in ipairs(t.key) do out[i] = (prefix or "") .. ident(k) .. (suffix or "") end
  return table.concat(out, ", ")
end

-- (k1, k2) op (the key in the jsonb value bound as param)
local function key_compare(t, op, param)
  return ("(%s) %s (SELECT %s FROM pg_catalog.jsonb_populate_record(NULL::%s, %s::pg_catalog.jsonb))")
    :format(key_list(t), op, key_list(t), qualified(t.table, t.schema), param)
end

-- The WHERE of a batch: after `after`, up to `upto` (jsonb text, nil for
-- no bound), and the user's predicate.
local function batch_where(t, bind, after, upto)
  local conds = {}
  if after then conds[#conds + 1] = key_compare(t, ">", bind(after)) end
  if upto then conds[#conds + 1] = key_compare(t, "<=", bind(upto)) end
  if t.where then conds[#conds + 1] = "(" .. clause.fragment(t.what, "where", t.where) .. ")" end
  return #conds > 0 and (" WHERE " .. table.concat(conds, " AND ")) or ""
end

-- The key (jsonb text, column key) of the batch-th row after `after`: the
-- batch's last row, or none when fewer rows are left.
function M.backfill_bound(t, after, batch)
  local params, bind = params_builder()
  local where = batch_where(t, bind, after, nil)
  return ("SELECT pg_catalog.to_jsonb(luamig_key)::pg_catalog.text AS key FROM (SELECT %s FROM %s%s ORDER BY %s OFFSET %s LIMIT 1) luamig_key")
    :format(key_list(t), qualified(t.table, t.schema), where, key_list(t), bind(batch - 1)), params
end

-- UPDATE bookkeeping: the progress row moves with the batch's `updated`
-- CTE in the same statement, so both commit or neither.
local function progress_update(t, bind, last_key_sql)
  return ("UPDATE %s SET rows_done = rows_done + (SELECT pg_catalog.count(*) FROM updated), batches = batches + 1, "
    .. "last_key = %s, updated_at = pg_catalog.clock_timestamp(), "
    .. "finished_at = CASE WHEN %s::boolean THEN pg_catalog.clock_timestamp() END "
    .. "WHERE revision = %s AND name = %s RETURNING " .. STATE_COLUMNS)
    :format(qualified(M.BACKFILL_TABLE, t.books_schema), last_key_sql, bind(t.final and "true" or "false"),
      bind(t.revision), bind(t.name))
end

-- The SQL path's batch: the rows after `after` up to `upto` (nil: to the
-- end, the last batch) get set = { {column, expr} }.
function M.backfill_sql_batch(t, set, after, upto)
  local params, bind = params_builder()
  local assignments = {}
  for i, pair in ipairs(set) do
    assignments[i] = ("%s = (%s)"):format(ident(pair[1]), clause.fragment(t.what, "set." .. pair[1], pair[2]))
  end
  local updated = ("UPDATE %s SET %s%s RETURNING %s"):format(qualified(t.table, t.schema),
    table.concat(assignments, ", "), batch_where(t, bind, after, upto), key_list(t))
  -- the last batch's own last row (the others end at upto)
  local last = ("coalesce(%s::pg_catalog.jsonb, (SELECT pg_catalog.to_jsonb(luamig_key) FROM (SELECT %s FROM updated "
    .. "ORDER BY %s LIMIT 1) luamig_key), last_key)"):format(bind(upto), key_list(t, "updated."), key_list(t, "updated.", " DESC"))
  return ("WITH updated AS (%s) %s"):format(updated, progress_update(t, bind, last)), params
end

-- The Lua path's read: the batch's rows, locked until its write commits.
function M.backfill_read(t, after, batch)
  local params, bind = params_builder()
  local where = batch_where(t, bind, after, nil)
  return ("SELECT * FROM %s%s ORDER BY %s LIMIT %s FOR UPDATE"):format(qualified(t.table, t.schema), where,
    key_list(t), bind(batch)), params
end

-- A list of values (text, numbers, booleans; nil or null for NULL) as
-- the text of a text[] parameter, each element quoted.
function M.text_array(values, n, null)
  local out = {}
  for i = 1, n do
    local v = values[i]
    if v == nil or v == null then out[i] = "NULL"
    else
      if math.type(v) == "float" then v = ("%.17g"):format(v) end
      out[i] = '"' .. tostring(v):gsub('[\\"]', "\\%0") .. '"'
    end
  end
  return "{" .. table.concat(out, ",") .. "}"
end

-- The Lua path's write, one statement: w.keys (text[] of each key
-- column), w.sets ({ column, type, values (text[]), flags (text[] of
-- booleans: the rows that set it; nil when all do) }) unnested side by
-- side, each cast to its column's type (format_type's, from the
-- catalog); the rows between after and last (the batch's range, which
-- the key's index serves). w.sets empty: only the progress row moves.
function M.backfill_lua_batch(t, w, after, last)
  local params, bind = params_builder()
  local ctes = "updated AS (SELECT 1 WHERE false)"
  if #w.sets > 0 then
    local arrays, names, assignments, matches = {}, {}, {}, {}
    local function column(literal, name)
      arrays[#arrays + 1], names[#names + 1] = bind(literal) .. "::pg_catalog.text[]", name
    end
    for i, k in ipairs(t.key) do
      column(w.keys[i], "luamig_k" .. i)
      matches[i] = ("luamig_target.%s = u.luamig_k%d::%s"):format(ident(k), i, t.key_types[i])
    end
    for i, set in ipairs(w.sets) do
      column(set[3], "luamig_v" .. i)
      local value = ("u.luamig_v%d::%s"):format(i, set[2])
      if set[4] then
        column(set[4], "luamig_s" .. i)
        value = ("CASE WHEN u.luamig_s%d::boolean THEN %s ELSE luamig_target.%s END"):format(i, value, ident(set[1]))
      end
      assignments[i] = ident(set[1]) .. " = " .. value
    end
    ctes = ("updated AS (UPDATE %s AS luamig_target SET %s FROM unnest(%s) AS u(%s)%s AND %s RETURNING 1)")
      :format(qualified(t.table, t.schema), table.concat(assignments, ", "), table.concat(arrays, ", "),
        table.concat(names, ", "), batch_where({ key = t.key, table = t.table, schema = t.schema }, bind, after, last),
        table.concat(matches, " AND "))
  end
  local last_sql = last and ("(SELECT pg_catalog.to_jsonb(luamig_key) FROM (SELECT %s FROM pg_catalog.jsonb_populate_record("
    .. "NULL::%s, %s::pg_catalog.jsonb)) luamig_key)"):format(key_list(t), qualified(t.table, t.schema), bind(last))
    or "last_key"
  return ("WITH %s %s"):format(ctes, progress_update(t, bind, last_sql)), params
end

return M
