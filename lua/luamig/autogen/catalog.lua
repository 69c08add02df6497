-- Reading the live catalog for autogenerate: the only place its SQL lives.
-- Three queries (tables with their columns, indexes, constraints) for all
-- the schemas asked for, grouped into table descriptions:
--   { schema (nil: the connection's current schema), name, comment, real_schema,
--     columns = { §7 column spec..., opaque = true for identity and generated columns },
--     indexes, uniques, checks, fks = { ... }, pk = the primary key constraint or nil,
--     pk_set = { [column] = true } or nil without a primary key }
-- the same shape luamig.autogen.model makes of the model.
local lists = require("luamig.lists")
local normalize = require("luamig.autogen.normalize")

local M = {}

local key = normalize.table_key

local TABLES_SQL = [[
SELECT n.nspname AS schema, c.relname AS table_name, obj_description(c.oid, 'pg_class') AS table_comment,
       a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
       pg_get_expr(d.adbin, d.adrelid) AS default_expr, col_description(c.oid, a.attnum) AS comment,
       a.attidentity <> '' AS identity, a.attgenerated <> '' AS generated,
       EXISTS (SELECT 1 FROM pg_depend dep JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
               WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass
                 AND dep.refobjid = c.oid AND dep.refobjsubid = a.attnum AND dep.deptype = 'a') AS owns_sequence
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY ($1::text[])
ORDER BY n.nspname, c.relname, a.attnum]]

-- One row per key column; constraint-backed indexes are constraints.
local INDEXES_SQL = [[
SELECT n.nspname AS schema, t.relname AS table_name, i.relname AS index_name, x.indisunique AS is_unique,
       am.amname AS method, pg_get_expr(x.indpred, x.indrelid, true) AS predicate,
       a.attname, pg_get_indexdef(x.indexrelid, k.ord::int, true) AS expr,
       (x.indoption[(k.ord - 1)::int] & 1) = 1 AS descending
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_am am ON am.oid = i.relam
CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0
WHERE t.relkind IN ('r', 'p') AND NOT t.relispartition AND n.nspname = ANY ($1::text[])
  AND k.ord <= x.indnkeyatts
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con
                  WHERE con.conindid = x.indexrelid AND con.contype IN ('p', 'u', 'x'))
ORDER BY n.nspname, t.relname, i.relname, k.ord]]

-- One row per key column (local and referenced side by side).
local CONSTRAINTS_SQL = [[
SELECT n.nspname AS schema, t.relname AS table_name, con.conname AS name, con.contype AS kind,
       CASE WHEN con.contype = 'c' THEN pg_get_constraintdef(con.oid, true) END AS definition,
       con.confdeltype AS ondelete, con.confupdtype AS onupdate,
       rn.nspname AS ref_schema, rt.relname AS ref_table, a.attname, ra.attname AS ref_attname
FROM pg_constraint con
JOIN pg_class t ON t.oid = con.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
LEFT JOIN pg_class rt ON rt.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rt.relnamespace
LEFT JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(attnum, refnum, ord) ON true
LEFT JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
LEFT JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = k.refnum
WHERE con.contype IN ('p', 'u', 'c', 'f') AND con.coninhcount = 0
  AND t.relkind IN ('r', 'p') AND NOT t.relispartition AND n.nspname = ANY ($1::text[])
ORDER BY n.nspname, t.relname, con.conname, k.ord]]

-- pg_constraint's confdeltype and confupdtype; a (no action) is the default
local actions = { a = nil, r = "RESTRICT", c = "CASCADE", n = "SET NULL", d = "SET DEFAULT" }

-- A text[] literal: every element double-quoted, so any name survives.
local function text_array(list)
  local parts = {}
  for i, s in ipairs(list) do parts[i] = '"' .. s:gsub('[\\"]', "\\%0") .. '"' end
  return "{" .. table.concat(parts, ",") .. "}"
end

function M.current_schema(conn)
  local rows = conn:query("SELECT current_schema() AS name")
  return rows[1] and rows[1].name or "public"
end

local function db_column(r)
  local col = { name = r.attname, type = r.type, default = r.default_expr, comment = r.comment }
  if r.notnull then col.nullable = false end
  local base = normalize.type(r.type)
  local serial = ({ integer = "serial", bigint = "bigserial", smallint = "smallserial" })[base]
  if serial and r.owns_sequence and (r.default_expr or ""):find("^nextval%(") then
    col.type, col.default = serial, nil
  end
  -- identity and generated columns have no §7 spelling: kept, never compared
  if r.identity or r.generated then col.default, col.opaque = nil, true end
  return col
end

-- Rows come grouped by (schema, table, object name); calls add(t, rows of one object).
local function each_group(rows, name_field, tables, current, add)
  local i = 1
  while i <= #rows do
    local r, j = rows[i], i
    while rows[j + 1] and rows[j + 1].schema == r.schema and rows[j + 1].table_name == r.table_name
      and rows[j + 1][name_field] == r[name_field] do j = j + 1 end
    local t = tables[key(r.schema ~= current and r.schema or nil, r.table_name)]
    if t then add(t, table.move(rows, i, j, 1, {})) end
    i = j + 1
  end
end

local function load_tables(conn, schemas, current)
  local tables, order = {}, {}
  for _, r in ipairs(conn:query(TABLES_SQL, { schemas })) do
    local schema = r.schema ~= current and r.schema or nil
    local k = key(schema, r.table_name)
    local t = tables[k]
    if t == nil then
      t = { schema = schema, name = r.table_name, comment = r.table_comment, columns = {},
            uniques = {}, checks = {}, fks = {}, indexes = {}, real_schema = r.schema }
      tables[k], order[#order + 1] = t, t
    end
    if r.attname then t.columns[#t.columns + 1] = db_column(r) end
  end
  return tables, order
end

local function load_index(t, rows)
  local r = rows[1]
  local idx = { name = r.index_name, unique = r.is_unique, where = r.predicate,
                using = r.method ~= "btree" and r.method or nil, columns = {} }
  for i, e in ipairs(rows) do
    if e.attname and not e.descending then
      idx.columns[i] = e.attname
    else
      idx.columns[i] = { e.attname, expr = e.attname == nil and e.expr or nil, desc = e.descending or nil }
    end
  end
  t.indexes[#t.indexes + 1] = idx
end

local function column_list(rows, field)
  local out = {}
  for _, r in ipairs(rows) do out[#out + 1] = r[field] end
  return out
end

-- The expression of pg_get_constraintdef's "CHECK (...) [NO INHERIT] [NOT VALID]".
function M.check_expr(definition)
  return (definition:gsub(" NOT VALID$", ""):gsub(" NO INHERIT$", ""):match("^CHECK %((.*)%)$"))
end

local function load_constraint(current)
  return function(t, rows)
    local r = rows[1]
    local c = { name = r.name }
    if r.kind == "c" then
      c.type, c.expr = "check", M.check_expr(r.definition)
      t.checks[#t.checks + 1] = c
      return
    end
    c.columns = column_list(rows, "attname")
    if r.kind == "p" then
      c.type, t.pk = "primary_key", c
    elseif r.kind == "u" then
      c.type, t.uniques[#t.uniques + 1] = "unique", c
    else
      c.type, c.referent, c.remote_columns = "foreign_key", r.ref_table, column_list(rows, "ref_attname")
      c.referent_schema = r.ref_schema ~= current and r.ref_schema or nil
      c.ondelete, c.onupdate = actions[r.ondelete], actions[r.onupdate]
      t.fks[#t.fks + 1] = c
    end
  end
end

-- A one-column primary key with the server's name is written as
-- primary_key = true on the column; any other is a table constraint.
local function place_primary_key(t)
  local pk = t.pk
  if pk == nil then return end
  t.pk_set = lists.set_of(pk.columns)
  if #pk.columns ~= 1 or pk.name ~= normalize.default_name(t.name, nil, "pkey") then return end
  for _, col in ipairs(t.columns) do
    if col.name == pk.columns[1] then col.primary_key, col.nullable, pk.inline = true, nil, true end
  end
end

-- The tables keep_table(schema, name) accepts (env.lua's include_name),
-- before their indexes and constraints are read.
local function kept_tables(tables, order, keep_table)
  local kept = {}
  for _, t in ipairs(order) do
    if keep_table(t.real_schema, t.name) then kept[#kept + 1] = t else tables[key(t.schema, t.name)] = nil end
  end
  return tables, kept
end

-- The live tables of the given schemas, keyed by table_key(schema, name)
-- with the current schema written as nil; plus the list in catalog order.
-- keep_table (optional): function(schema, name) -> whether to read it.
function M.inspect(conn, schemas, current, keep_table)
  current = current or M.current_schema(conn)
  local arr = text_array(schemas or { current })
  local tables, order = load_tables(conn, arr, current)
  if keep_table then tables, order = kept_tables(tables, order, keep_table) end
  each_group(conn:query(INDEXES_SQL, { arr }), "index_name", tables, current, load_index)
  each_group(conn:query(CONSTRAINTS_SQL, { arr }), "name", tables, current, load_constraint(current))
  for _, t in ipairs(order) do place_primary_key(t) end
  return tables, order
end

------------------------------------- the server's equality (#15 item 7)

-- The input of CANONICAL_SQL, one session setting: a text[][] of rows
-- { kind, scratch table, statement, object name, reflected default }.
local CANONICAL_INPUT_SQL = "SELECT set_config('luamig.canonical', $1, false) AS ok"

-- Runs the statements of each scratch table (its creation, then the
-- model's defaults, checks and indexes on it), all at once, or one by one
-- when one fails, leaving out what the server refuses; then reads back in
-- one query what the catalog holds, as catalog.inspect reads it. A
-- constant default that reads back otherwise than the live one is
-- compared by value in the column's type (by its text when the type has
-- no "="). Everything is undone by raising at the end of the
-- subtransaction: the results survive in a PL/pgSQL variable, then in a
-- transaction-local setting the SELECT reads. Nothing is left behind.
local CANONICAL_SQL = [==[
DO $luamig$
DECLARE
  rows_in text[] := current_setting('luamig.canonical')::text[];
  n int := coalesce(array_length(rows_in, 1), 0);
  const_re text := $re$^(\(?-?[0-9.e+]+\)?|'([^']|'')*'|true|false|NULL)(::[a-zA-Z0-9_ ."]+(\([0-9, ]+\))?(\[\])?)*$$re$;
  results jsonb[] := '{}';
  first int := 1; last int; r record; same boolean;
BEGIN
  BEGIN
    WHILE first <= n LOOP
      last := first;
      WHILE last < n AND rows_in[last + 1][1] <> 'table' LOOP last := last + 1; END LOOP;
      BEGIN
        FOR i IN first .. last LOOP EXECUTE rows_in[i][3]; END LOOP;
      EXCEPTION WHEN OTHERS THEN
        FOR i IN first .. last LOOP
          BEGIN EXECUTE rows_in[i][3]; EXCEPTION WHEN OTHERS THEN NULL; END;  -- not judged: compared by text
        END LOOP;
      END;
      first := last + 1;
    END LOOP;
    FOR r IN
      WITH input AS (
        SELECT i, rows_in[i][1] AS kind, to_regclass('pg_temp.' || quote_ident(rows_in[i][2])) AS rel,
               rows_in[i][4] AS object, rows_in[i][5] AS reflected
        FROM generate_subscripts(rows_in, 1) AS i)
      SELECT i, 0 AS part, pg_get_expr(d.adbin, d.adrelid) AS canon, NULL::name AS column_name,
             format_type(a.atttypid, a.atttypmod) AS type, reflected
      FROM input JOIN pg_attribute a ON a.attrelid = rel AND a.attname = object
      JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE kind = 'default'
      UNION ALL
      SELECT i, 0, pg_get_constraintdef(c.oid, true), NULL, NULL, NULL
      FROM input JOIN pg_constraint c ON c.conrelid = rel AND c.conname = object
      WHERE kind = 'check'
      UNION ALL
      SELECT i, 0, pg_get_expr(x.indpred, x.indrelid, true), NULL, NULL, NULL
      FROM input JOIN pg_index x ON x.indrelid = rel
      JOIN pg_class ic ON ic.oid = x.indexrelid AND ic.relname = object
      WHERE kind = 'index'
      UNION ALL
      SELECT i, k.ord::int, pg_get_indexdef(x.indexrelid, k.ord::int, true), a.attname, NULL, NULL
      FROM input JOIN pg_index x ON x.indrelid = rel
      JOIN pg_class ic ON ic.oid = x.indexrelid AND ic.relname = object
      CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
      LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum AND k.attnum > 0
      WHERE kind = 'index' AND k.ord <= x.indnkeyatts
    LOOP
      same := NULL;
      IF r.type IS NOT NULL THEN
        same := r.canon = r.reflected;
        IF NOT same AND r.canon ~ const_re AND r.reflected ~ const_re THEN
          BEGIN
            EXECUTE format('SELECT (%s)::%s IS NOT DISTINCT FROM (%s)::%s', r.canon, r.type, r.reflected, r.type) INTO same;
          EXCEPTION WHEN OTHERS THEN
            EXECUTE format('SELECT (%s)::%s::text = (%s)::%s::text', r.canon, r.type, r.reflected, r.type) INTO same;
          END;
        END IF;
      END IF;
      results := results || jsonb_build_object('item', r.i, 'part', r.part, 'canon', r.canon,
                                                'column', r.column_name, 'same', same);
    END LOOP;
    RAISE SQLSTATE 'LMCAN';
  EXCEPTION WHEN SQLSTATE 'LMCAN' THEN
    NULL;  -- every scratch object rolled back
  END;
  PERFORM set_config('luamig.canonical', '', false);
  PERFORM set_config('luamig.canonical', to_jsonb(results)::text, true);
END
$luamig$;
SELECT (e->>'item')::int AS item, (e->>'part')::int AS part, e->>'canon' AS canon,
       e->>'column' AS column_name, (e->>'same')::boolean AS same
FROM jsonb_array_elements(current_setting('luamig.canonical')::jsonb) AS e]==]

-- A text[][] literal of rows of equal length, every element quoted.
local function text_matrix(rows)
  local parts = {}
  for i, row in ipairs(rows) do parts[i] = text_array(row) end
  return "{" .. table.concat(parts, ",") .. "}"
end

-- What the server makes of each row { kind, scratch, statement, object,
-- reflected }: { [row index] = { [part] = { canon, column_name, same } } }
-- (part 0: a default, a check's definition, an index's predicate; 1..n:
-- an index's key columns). Two round trips, whatever the number of rows.
function M.canonical_forms(conn, rows)
  local out = {}
  if #rows == 0 then return out end
  conn:query(CANONICAL_INPUT_SQL, { text_matrix(rows) })
  for _, r in ipairs(conn:exec(CANONICAL_SQL)) do
    out[r.item] = out[r.item] or {}
    out[r.item][r.part] = { canon = r.canon, column_name = r.column_name, same = r.same }
  end
  return out
end

return M
