-- Reading the live catalog for autogenerate: the only place its SQL lives.
-- Three queries (tables with their columns, indexes, constraints) for all
-- the schemas asked for, grouped into table descriptions:
--   { schema (nil: the connection's current schema), name, comment, real_schema,
--     columns = { §7 column spec..., opaque = true for identity and generated columns },
--     (fks and uniques with deferrable and initially, fks with match)
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
                 AND dep.refobjid = c.oid AND dep.refobjsubid = a.attnum AND dep.deptype = 'a') AS owns_sequence,
       a.attidentity AS identity_kind,
       CASE WHEN a.attidentity <> '' THEN
         (SELECT ARRAY[s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle::int]::text
          FROM pg_depend dep JOIN pg_sequence s ON s.seqrelid = dep.objid
          WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass
            AND dep.refobjid = c.oid AND dep.refobjsubid = a.attnum AND dep.deptype = 'i') END AS identity_sequence,
       c.relpersistence = 'u' AS unlogged, array_to_string(c.reloptions, chr(31)) AS storage,
       a.attstattarget AS statistics, a.attislocal AS local_column
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
WHERE t.relkind IN ('r', 'p') AND NOT EXISTS (SELECT 1 FROM pg_inherits ih WHERE ih.inhrelid = x.indexrelid)
  AND n.nspname = ANY ($1::text[]) AND k.ord <= x.indnkeyatts
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con
                  WHERE con.conindid = x.indexrelid AND con.contype IN ('p', 'u', 'x'))
ORDER BY n.nspname, t.relname, i.relname, k.ord]]

-- One row per key column (local and referenced side by side).
local CONSTRAINTS_SQL = [[
SELECT n.nspname AS schema, t.relname AS table_name, con.conname AS name, con.contype AS kind,
       CASE WHEN con.contype = 'c' THEN pg_get_constraintdef(con.oid, true) END AS definition,
       con.confdeltype AS ondelete, con.confupdtype AS onupdate,
       rn.nspname AS ref_schema, rt.relname AS ref_table, a.attname, ra.attname AS ref_attname,
       con.condeferrable AS deferrable, con.condeferred AS deferred, con.confmatchtype AS match_type,
       CASE WHEN con.contype = 'x' THEN pg_get_constraintdef(con.oid, true) END AS exclude_definition
FROM pg_constraint con
JOIN pg_class t ON t.oid = con.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
LEFT JOIN pg_class rt ON rt.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rt.relnamespace
LEFT JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(attnum, refnum, ord) ON true
LEFT JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
LEFT JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = k.refnum
WHERE con.contype IN ('p', 'u', 'c', 'f', 'x') AND con.coninhcount = 0
  AND t.relkind IN ('r', 'p') AND n.nspname = ANY ($1::text[])
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

-------------------------------------------------- identity (issue 15 item 6)

local generations = { a = "always", d = "by default" }

-- The identity of a column row: its generation and its sequence's
-- options (the array identity_sequence), the defaults left out.
local function identity_of(r)
  local v = {}
  for n in (r.identity_sequence or ""):gmatch("%-?%d+") do v[#v + 1] = math.tointeger(tonumber(n)) end
  if #v < 6 then return { generations[r.identity_kind] } end
  return normalize.identity(r.type, { generations[r.identity_kind], start = v[1], increment = v[2],
    minvalue = v[3], maxvalue = v[4], cache = v[5], cycle = v[6] == 1 })
end

-- serial_types: { [owner_key] = the type of the serial-shaped sequence the column owns }.
local function db_column(r, serial_types)
  local col = { name = r.attname, type = r.type, default = r.default_expr, comment = r.comment }
  if r.notnull then col.nullable = false end
  local base = normalize.type(r.type)
  local serial = ({ integer = "serial", bigint = "bigserial", smallint = "smallserial" })[base]
  if serial and r.owns_sequence and serial_types[M.owner_key(r.schema, r.table_name, r.attname)] == base
    and (r.default_expr or ""):find("^nextval%(") then
    col.type, col.default = serial, nil
  end
  -- identity and generated columns: their default is not a default
  if r.identity or r.generated then col.default, col.opaque = nil, true end
  if r.identity then col.identity = identity_of(r) end
  if r.generated then col.generated = r.default_expr end
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

--------------------------------------------- table storage (#15 item 11)

-- A stored storage option's value: a number when it reads as one.
local function storage_value(v)
  if v:match("^%-?%d+%.?%d*$") then return tonumber(v) end
  return v
end

local function storage_options(text)
  if text == nil then return nil end
  local with = {}
  for item in text:gmatch("[^\31]+") do
    local k, v = item:match("^([^=]+)=(.*)$")
    with[k] = storage_value(v)
  end
  return with
end

-- A table's UNLOGGED, storage options and its columns' statistics
-- targets (-1 is the default: left out), from its rows of TABLES_SQL;
-- the columns it only inherits, which its parents' descriptions hold.
local function table_storage(t, r)
  t.unlogged, t.with = r.unlogged or nil, storage_options(r.storage)
  if r.attname and not r.local_column then
    t.inherited = t.inherited or {}
    t.inherited[r.attname] = true
  end
  if r.statistics and r.statistics >= 0 then
    t.statistics = t.statistics or {}
    t.statistics[r.attname] = r.statistics
  end
end

local function load_tables(conn, schemas, current, serial_types)
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
    if r.attname then t.columns[#t.columns + 1] = db_column(r, serial_types) end
    table_storage(t, r)
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

---------------------------------------- exclusion constraints (#15 item 11)

-- The items of a list written "a, f(b, c), d" at the top level.
local function split_top(list)
  local out, depth, start = {}, 0, 1
  for i = 1, #list do
    local ch = list:sub(i, i)
    if ch == "(" then depth = depth + 1 elseif ch == ")" then depth = depth - 1
    elseif ch == "," and depth == 0 then out[#out + 1], start = list:sub(start, i - 1), i + 2 end
  end
  out[#out + 1] = list:sub(start)
  return out
end

local function unquoted(name)
  if name:sub(1, 1) == '"' then return (name:sub(2, -2):gsub('""', '"')) end
  return name
end

local IDENT = '[%a_][%w_$]*'
local QUOTED = '"[^"]*"'

-- "during WITH &&", "during range_ops WITH &&", "lower(note) WITH =",
-- as pg_get_constraintdef writes them, as exclusion elements.
local function exclude_element(text)
  local left, with = text:match("^(.-) WITH (%S+)$")
  for _, pattern in ipairs { IDENT, QUOTED } do
    if left:match("^" .. pattern .. "$") then return { unquoted(left), with = with } end
    local name, opclass = left:match("^(" .. pattern .. ") (" .. IDENT .. ")$")
    if name then return { unquoted(name), opclass = opclass, with = with } end
  end
  if left:match("^%b()$") then left = left:sub(2, -2) end
  return { expr = left, with = with }
end

-- EXCLUDE USING gist (during WITH &&) WHERE ((room > 0)) [DEFERRABLE ...]
local function load_exclude(t, r)
  local def = r.exclude_definition
  local using, list, rest = def:match("^EXCLUDE USING (%S+) (%b())(.*)$")
  local c = { type = "exclude", name = r.name, using = using, elements = {},
              where = rest:match("^ WHERE (%b())") }
  if c.where then c.where = c.where:sub(2, -2) end
  for i, item in ipairs(split_top(list:sub(2, -2))) do c.elements[i] = exclude_element(item) end
  c.deferrable = rest:find(" DEFERRABLE", 1, true) and true or nil
  c.initially = rest:find(" INITIALLY DEFERRED", 1, true) and "DEFERRED" or nil
  t.excludes = t.excludes or {}
  t.excludes[#t.excludes + 1] = c
end

local function load_constraint(current)
  return function(t, rows)
    local r = rows[1]
    local c = { name = r.name }
    if r.kind == "x" then return load_exclude(t, r) end
    if r.kind == "c" then
      c.type, c.expr = "check", M.check_expr(r.definition)
      t.checks[#t.checks + 1] = c
      return
    end
    c.columns = column_list(rows, "attname")
    c.deferrable, c.initially = r.deferrable or nil, r.deferred and "DEFERRED" or nil
    if r.kind == "p" then
      c.type, t.pk = "primary_key", c
    elseif r.kind == "u" then
      c.type, t.uniques[#t.uniques + 1] = "unique", c
    else
      c.type, c.referent, c.remote_columns = "foreign_key", r.ref_table, column_list(rows, "ref_attname")
      c.referent_schema = r.ref_schema ~= current and r.ref_schema or nil
      c.ondelete, c.onupdate = actions[r.ondelete], actions[r.onupdate]
      c.match = r.match_type == "f" and "FULL" or nil
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

------------------------------------------------------ index details (#15 item 3)

-- One row per index column, key and INCLUDE ones, of the indexes
-- INDEXES_SQL reads: what pg_get_indexdef writes beyond the column itself.
-- An operator class is left out when it is the default one of the
-- column's type for the access method (exact, or the only default that
-- applies: array_ops for any array), a collation when it is the column's.
local INDEX_DETAILS_SQL = [[
SELECT n.nspname AS schema, t.relname AS table_name, i.relname AS index_name, k.ord,
       k.ord > x.indnkeyatts AS included, a.attname, x.indnullsnotdistinct AS nulls_not_distinct,
       array_to_string(i.reloptions, chr(31)) AS storage,
       (x.indoption[(k.ord - 1)::int] & 2) = 2 AS nulls_first,
       CASE WHEN NOT (oc.opcdefault AND (oc.opcintype = kt.base OR NOT EXISTS (
              SELECT 1 FROM pg_opclass e WHERE e.opcmethod = oc.opcmethod AND e.opcdefault AND e.opcintype = kt.base)))
            THEN oc.opcname END AS opclass,
       CASE WHEN co.oid <> COALESCE(a.attcollation, ty.typcollation) THEN co.collname END AS collation
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0
JOIN pg_attribute ia ON ia.attrelid = x.indexrelid AND ia.attnum = k.ord
JOIN pg_type ty ON ty.oid = COALESCE(a.atttypid, ia.atttypid)
CROSS JOIN LATERAL (SELECT CASE WHEN ty.typbasetype <> 0 THEN ty.typbasetype ELSE ty.oid END AS base) kt
LEFT JOIN pg_opclass oc ON oc.oid = x.indclass[(k.ord - 1)::int] AND k.ord <= x.indnkeyatts
LEFT JOIN pg_collation co ON co.oid = x.indcollation[(k.ord - 1)::int] AND k.ord <= x.indnkeyatts
WHERE t.relkind IN ('r', 'p') AND NOT EXISTS (SELECT 1 FROM pg_inherits ih WHERE ih.inhrelid = x.indexrelid)
  AND n.nspname = ANY ($1::text[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con
                  WHERE con.conindid = x.indexrelid AND con.contype IN ('p', 'u', 'x'))
ORDER BY n.nspname, t.relname, i.relname, k.ord]]

-- NULLS FIRST is the default of DESC, NULLS LAST that of ASC: only the
-- other one is written.
local function nulls_of(desc, nulls_first)
  if nulls_first and not desc then return "first" end
  if desc and not nulls_first then return "last" end
  return nil
end

-- Key column i of idx as a table, so that it can carry details.
local function key_column(idx, i)
  local e = idx.columns[i]
  if type(e) == "string" then e = { e } idx.columns[i] = e end
  return e
end

local function load_index_details(t, rows)
  local idx
  for _, i in ipairs(t.indexes) do if i.name == rows[1].index_name then idx = i end end
  if idx == nil then return end
  idx.nulls_not_distinct = rows[1].nulls_not_distinct or nil
  idx.with = storage_options(rows[1].storage)
  for _, r in ipairs(rows) do
    if r.included then
      idx.include = idx.include or {}
      idx.include[#idx.include + 1] = r.attname
    else
      local e = idx.columns[r.ord]
      local nulls = nulls_of(type(e) == "table" and e.desc, r.nulls_first)
      if r.opclass or r.collation or nulls then
        e = key_column(idx, r.ord)
        e.opclass, e.collation, e.nulls = r.opclass, r.collation, nulls
      end
    end
  end
end

------------------------------------------------- partitions (#15 item 9)

-- Partitioned tables, partitions and inheritance (#15 item 11): a parent
-- gets partition_by (what follows PARTITION BY); a partition, which
-- TABLES_SQL leaves out, is a table description of its own with no
-- columns (they are the parent's) and partition = { parent, parent_schema
-- (nil: the current one), bound }; a table that INHERITS gets inherits =
-- { { parent, parent_schema }... } in order, and loses the columns it
-- only inherits.
local PARENTS_SQL = [[
SELECT n.nspname AS schema, c.relname AS table_name, c.relispartition AS is_partition,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_by,
       pg_get_expr(c.relpartbound, c.oid) AS bound, pn.nspname AS parent_schema, pc.relname AS parent_name
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_inherits ih ON ih.inhrelid = c.oid
LEFT JOIN pg_class pc ON pc.oid = ih.inhparent
LEFT JOIN pg_namespace pn ON pn.oid = pc.relnamespace
WHERE c.relkind IN ('r', 'p') AND (c.relkind = 'p' OR c.relispartition OR ih.inhrelid IS NOT NULL)
  AND n.nspname = ANY ($1::text[])
ORDER BY n.nspname, c.relname, ih.inhseqno]]

local function inherit(t, parent)
  t.inherits = t.inherits or {}
  t.inherits[#t.inherits + 1] = parent
  local own = {}
  for _, col in ipairs(t.columns) do if not (t.inherited and t.inherited[col.name]) then own[#own + 1] = col end end
  t.columns = own
end

local function load_partitions(conn, schemas, current, tables, order)
  for _, r in ipairs(conn:query(PARENTS_SQL, { schemas })) do
    local schema = r.schema ~= current and r.schema or nil
    local k = key(schema, r.table_name)
    local t = tables[k]
    local parent = r.parent_name and { parent = r.parent_name,
                                       parent_schema = r.parent_schema ~= current and r.parent_schema or nil }
    if r.is_partition then
      t = { schema = schema, name = r.table_name, columns = {}, uniques = {}, checks = {}, fks = {}, indexes = {},
            real_schema = r.schema, partition = parent }
      parent.bound = r.bound
      tables[k], order[#order + 1] = t, t
    elseif parent then
      inherit(t, parent)
    end
    t.partition_by = r.partition_by
  end
end

-- The live tables of the given schemas, keyed by table_key(schema, name)
-- with the current schema written as nil; plus the list in catalog order;
-- plus the other objects of those schemas (M.objects).
-- keep_table (optional): function(schema, name) -> whether to read it.
function M.inspect(conn, schemas, current, keep_table)
  current = current or M.current_schema(conn)
  local arr = text_array(schemas or { current })
  local objects = M.objects(conn, arr, current)
  local tables, order = load_tables(conn, arr, current, objects.serial_types)
  if keep_table then tables, order = kept_tables(tables, order, keep_table) end
  load_partitions(conn, arr, current, tables, order)
  each_group(conn:query(INDEXES_SQL, { arr }), "index_name", tables, current, load_index)
  each_group(conn:query(INDEX_DETAILS_SQL, { arr }), "index_name", tables, current, load_index_details)
  each_group(conn:query(CONSTRAINTS_SQL, { arr }), "name", tables, current, load_constraint(current))
  for _, t in ipairs(order) do place_primary_key(t) end
  objects.sequences = M.free_sequences(objects.sequences, tables)
  return tables, order, objects
end

---------------------------- schemas, extensions, sequences, enums, domains (#15)

-- Every schema but the server's own: Alembic's include_schemas = true.
local USER_SCHEMAS_SQL = [[
SELECT nspname AS name FROM pg_namespace
WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND nspname NOT LIKE 'pg\_temp\_%' AND nspname NOT LIKE 'pg\_toast\_temp\_%'
ORDER BY nspname]]

-- plpgsql comes with every database: never the model's business.
local EXTENSIONS_SQL = [[
SELECT e.extname AS name, n.nspname AS schema
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname <> 'plpgsql'
ORDER BY e.extname]]

-- Identity columns' sequences (deptype i) and extensions' members (e) are
-- not the model's; owner_* is the column of OWNED BY (deptype a).
local SEQUENCES_SQL = [[
SELECT n.nspname AS schema, c.relname AS name, format_type(s.seqtypid, NULL) AS as_type,
       s.seqstart AS start, s.seqincrement AS increment, s.seqmin AS minvalue, s.seqmax AS maxvalue,
       s.seqcache AS cache, s.seqcycle AS cycle, ot.relname AS owner_table, oa.attname AS owner_column
FROM pg_sequence s
JOIN pg_class c ON c.oid = s.seqrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
  AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 AND d.deptype = 'a'
LEFT JOIN pg_class ot ON ot.oid = d.refobjid
LEFT JOIN pg_attribute oa ON oa.attrelid = d.refobjid AND oa.attnum = d.refobjsubid
WHERE n.nspname = ANY ($1::text[])
  AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = 'pg_class'::regclass AND x.objid = c.oid
                    AND x.deptype IN ('i', 'e'))
ORDER BY n.nspname, c.relname]]

-- One row per label, in the enum's order.
local ENUMS_SQL = [[
SELECT n.nspname AS schema, t.typname AS name, e.enumlabel AS label
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_enum e ON e.enumtypid = t.oid
WHERE t.typtype = 'e' AND n.nspname = ANY ($1::text[])
  AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = 'pg_type'::regclass AND x.objid = t.oid
                    AND x.deptype = 'e')
ORDER BY n.nspname, t.typname, e.enumsortorder]]

-- One row per check constraint (or one without any), by name.
local DOMAINS_SQL = [[
SELECT n.nspname AS schema, t.typname AS name, format_type(t.typbasetype, t.typtypmod) AS type,
       t.typnotnull AS notnull, t.typdefault AS default_expr, c.conname AS check_name,
       pg_get_constraintdef(c.oid, true) AS check_def
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_constraint c ON c.contypid = t.oid AND c.contype = 'c'
WHERE t.typtype = 'd' AND n.nspname = ANY ($1::text[])
  AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = 'pg_type'::regclass AND x.objid = t.oid
                    AND x.deptype = 'e')
ORDER BY n.nspname, t.typname, c.conname]]

-- The key of a column that may own a sequence.
function M.owner_key(schema, table_name, column)
  return schema .. "\0" .. table_name .. "\0" .. column
end

-- The names of every schema but the server's own.
function M.user_schemas(conn)
  return column_list(conn:query(USER_SCHEMAS_SQL), "name")
end

-- What a serial column's CREATE makes: an owned sequence of the column's
-- type counting 1, 2, 3... from 1 to the type's maximum, named table_column_seq.
local function serial_shaped(r)
  local d = normalize.sequence_defaults(r.as_type, 1)
  return r.owner_column ~= nil and r.start == 1 and r.increment == 1 and r.minvalue == 1
    and r.maxvalue == d.maxvalue and r.cache == 1 and not r.cycle
    and r.name == normalize.default_name(r.owner_table, { r.owner_column }, "seq")
end

local function db_sequence(r, current)
  return { schema = r.schema ~= current and r.schema or nil, real_schema = r.schema, name = r.name,
           as_type = r.as_type, start = r.start, increment = r.increment, minvalue = r.minvalue,
           maxvalue = r.maxvalue, cache = r.cache, cycle = r.cycle,
           owned_by = r.owner_column and (r.owner_table .. "." .. r.owner_column) or nil,
           serial_owner = serial_shaped(r) and M.owner_key(r.schema, r.owner_table, r.owner_column) or nil }
end

local function db_enums(rows, current)
  local out, last = {}, nil
  for _, r in ipairs(rows) do
    if not (last and last.real_schema == r.schema and last.name == r.name) then
      last = { schema = r.schema ~= current and r.schema or nil, real_schema = r.schema, name = r.name, values = {} }
      out[#out + 1] = last
    end
    last.values[#last.values + 1] = r.label
  end
  return out
end

local function db_domains(rows, current)
  local out, last = {}, nil
  for _, r in ipairs(rows) do
    if not (last and last.real_schema == r.schema and last.name == r.name) then
      last = { schema = r.schema ~= current and r.schema or nil, real_schema = r.schema, name = r.name,
               type = r.type, default = r.default_expr, constraints = {} }
      if r.notnull then last.nullable = false end
      out[#out + 1] = last
    end
    if r.check_name then
      last.constraints[#last.constraints + 1] = { name = r.check_name, check = r.check_def:match("^CHECK %((.*)%)$") }
    end
  end
  return out
end

-- The objects of the schemas arr (a text[] literal) tables need:
-- { schemas = { names of those that exist }, extensions = { { name, schema } },
--   sequences = { { schema, name, as_type, start, increment, minvalue, maxvalue,
--                   cache, cycle, owned_by = "table.column" } },
--   enums = { { schema, name, values } },
--   domains = { { schema, name, type, nullable, default, constraints = { { name, check } } } },
--   serial_types = { [owner_key] = type of the serial-shaped sequence it owns } }
-- with schema nil for the current one, as for tables.
function M.objects(conn, arr, current)
  local out = { schemas = M.user_schemas(conn), extensions = conn:query(EXTENSIONS_SQL), sequences = {},
                serial_types = {} }
  for _, r in ipairs(conn:query(SEQUENCES_SQL, { arr })) do
    local seq = db_sequence(r, current)
    out.sequences[#out.sequences + 1] = seq
    if seq.serial_owner then out.serial_types[seq.serial_owner] = seq.as_type end
  end
  out.enums = db_enums(conn:query(ENUMS_SQL, { arr }), current)
  out.domains = db_domains(conn:query(DOMAINS_SQL, { arr }), current)
  return out
end

-- The sequences no serial column stands for: a serial's own sequence is
-- implied by its column.
function M.free_sequences(sequences, tables)
  local out = {}
  for _, seq in ipairs(sequences) do
    local implied = false
    if seq.serial_owner then
      local t = tables[key(seq.schema, seq.owned_by:match("^(.+)%.[^.]+$"))]
      for _, col in ipairs(t and t.columns or {}) do
        if seq.owned_by == t.name .. "." .. col.name then implied = select(2, normalize.type(col.type)) end
      end
    end
    if not implied then out[#out + 1] = seq end
  end
  return out
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


------------------------------------ functions, triggers, views (issue 15)
-- One query per kind for all the schemas read. Objects an extension owns
-- (pg_depend deptype 'e') are the extension's, not the schema's.

local NOT_EXTENSION_MEMBER = [[
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = %s::regclass AND e.objid = %s AND e.deptype = 'e')]]

-- Functions and procedures written in a language with a source text (not
-- C, not internal, not an SQL-standard body); aggregates are not here.
-- cost and rows only when they are not the defaults CREATE FUNCTION gives;
-- used_by_tables: a column default or a check constraint calls it.
local FUNCTIONS_SQL = [[
SELECT n.nspname AS schema, p.proname AS name, p.prokind = 'p' AS procedure,
       pg_get_function_arguments(p.oid) AS args, pg_get_function_identity_arguments(p.oid) AS identity,
       CASE WHEN p.prokind = 'f' THEN pg_get_function_result(p.oid) END AS returns,
       l.lanname AS language, p.prosrc AS body, p.provolatile AS volatility, p.proparallel AS parallel,
       p.proleakproof AS leakproof, p.proisstrict AS strict, p.prosecdef AS security_definer,
       CASE WHEN p.procost <> 100 THEN p.procost::float8 END AS cost,
       CASE WHEN p.proretset AND p.prorows <> 1000 THEN p.prorows::float8 END AS rows,
       array_to_string(p.proconfig, E'\n') AS config,
       EXISTS (SELECT 1 FROM pg_depend u WHERE u.refclassid = 'pg_proc'::regclass AND u.refobjid = p.oid
                 AND u.classid IN ('pg_attrdef'::regclass, 'pg_constraint'::regclass)) AS used_by_tables,
       obj_description(p.oid, 'pg_proc') AS comment
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE n.nspname = ANY ($1::text[]) AND p.prokind IN ('f', 'p') AND l.lanname NOT IN ('c', 'internal')
  AND p.prosqlbody IS NULL]] .. NOT_EXTENSION_MEMBER:format("'pg_proc'", "p.oid") .. [[

ORDER BY n.nspname, p.proname, identity]]

-- User triggers (not those behind foreign keys, constraint triggers or
-- transition tables); columns: those of UPDATE OF, one a line.
local TRIGGERS_SQL = [[
SELECT n.nspname AS schema, c.relname AS table_name, t.tgname AS name, t.tgtype::int AS type,
       pg_get_triggerdef(t.oid) AS definition,
       (SELECT string_agg(a.attname, E'\n' ORDER BY k.ord)
        FROM unnest(t.tgattr::int2[]) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = k.attnum) AS columns
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND t.tgconstraint = 0 AND t.tgoldtable IS NULL AND t.tgnewtable IS NULL
  AND n.nspname = ANY ($1::text[])
ORDER BY n.nspname, c.relname, t.tgname]]

-- One row per relation (views too) and column a view's rule reads
-- (ref_column nil: the relation as a whole; ref_name nil: none).
local VIEWS_SQL = [[
SELECT n.nspname AS schema, c.relname AS name, c.relkind = 'm' AS materialized, pg_get_viewdef(c.oid) AS definition,
       u.ref_schema, u.ref_name, u.ref_column
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN LATERAL (
  SELECT DISTINCT rn.nspname AS ref_schema, r.relname AS ref_name, a.attname AS ref_column
  FROM pg_rewrite rw
  JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
                  AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> c.oid
  JOIN pg_class r ON r.oid = d.refobjid
  JOIN pg_namespace rn ON rn.oid = r.relnamespace
  LEFT JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum = d.refobjsubid AND d.refobjsubid > 0
  WHERE rw.ev_class = c.oid) u ON true
WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY ($1::text[])]] .. NOT_EXTENSION_MEMBER:format("'pg_class'", "c.oid")
  .. [[

ORDER BY n.nspname, c.relname, u.ref_schema, u.ref_name, u.ref_column]]

local function lines_of(s)
  if s == nil then return nil end
  local out = {}
  for line in s:gmatch("[^\n]+") do out[#out + 1] = line end
  return out
end

-- One row per policy of a table, and one for a table without policies but
-- with row-level security enabled or forced (name nil); roles in their
-- order, one a line ("public" for PUBLIC).
local POLICIES_SQL = [[
SELECT n.nspname AS schema, c.relname AS table_name, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
       p.polname AS name, p.polcmd AS command, p.polpermissive AS permissive,
       (SELECT string_agg(COALESCE(ro.rolname, 'public'), E'\n' ORDER BY k.ord)
        FROM unnest(p.polroles) WITH ORDINALITY AS k(oid, ord) LEFT JOIN pg_roles ro ON ro.oid = k.oid) AS roles,
       pg_get_expr(p.polqual, p.polrelid) AS using_expr, pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_policy p ON p.polrelid = c.oid
WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY ($1::text[])
  AND (c.relrowsecurity OR c.relforcerowsecurity OR p.oid IS NOT NULL)
ORDER BY n.nspname, c.relname, p.polname]]

local COMMANDS = { r = "SELECT", a = "INSERT", w = "UPDATE", d = "DELETE" }  -- * (all) is the default

local function db_policy(r, schema)
  local roles = lines_of(r.roles)
  if roles and #roles == 1 and roles[1] == "public" then roles = nil end
  local p = { schema = schema, table = r.table_name, name = r.name, command = COMMANDS[r.command], roles = roles,
              using = r.using_expr, with_check = r.check_expr }
  if not r.permissive then p.permissive = false end  -- AS RESTRICTIVE; permissive is the default
  return p
end

local VOLATILITY = { i = "immutable", s = "stable" }   -- v (volatile) is the default
local PARALLEL = { s = "safe", r = "restricted" }      -- u (unsafe) is the default

local function db_function(r, schema)
  return { schema = schema, name = r.name, procedure = r.procedure or nil, args = r.args, identity = r.identity,
           returns = r.returns, language = r.language, body = r.body, volatility = VOLATILITY[r.volatility],
           parallel = PARALLEL[r.parallel], leakproof = r.leakproof or nil, strict = r.strict or nil,
           security_definer = r.security_definer or nil, cost = r.cost, rows = r.rows, set = lines_of(r.config),
           early = r.used_by_tables or nil, comment = r.comment }
end

-- pg_trigger.tgtype's bits
local ROW, BEFORE, INSTEAD = 1, 2, 64
local EVENT_BITS = { { 4, "INSERT" }, { 8, "DELETE" }, { 16, "UPDATE" }, { 32, "TRUNCATE" } }

local function db_trigger(r, schema)
  local events = {}
  for _, e in ipairs(EVENT_BITS) do
    if r.type & e[1] ~= 0 then events[#events + 1] = e[2] end
  end
  local middle, execute = r.definition:match(" FOR EACH %u+ (.-)EXECUTE FUNCTION (.*)$")
  return { schema = schema, table = r.table_name, name = r.name, events = events, columns = lines_of(r.columns),
           timing = r.type & INSTEAD ~= 0 and "INSTEAD OF" or (r.type & BEFORE ~= 0 and "BEFORE" or "AFTER"),
           each = r.type & ROW ~= 0 and "ROW" or "STATEMENT", when = middle and middle:match("^WHEN %((.*)%) $"),
           execute = execute }
end

-- The functions, triggers and views of the given schemas, each list in
-- catalog order, schema nil for the current one: { functions = { §
-- luamig.autogen.model's shape }, triggers, views = { ..., uses = { { schema,
-- name, column } } }, policies, row_security = { { schema, table, force } } }.
function M.dependents(conn, schemas, current)
  current = current or M.current_schema(conn)
  local arr = text_array(schemas or { current })
  local function local_schema(s) return s ~= current and s or nil end
  local out = { functions = {}, triggers = {}, views = {}, policies = {}, row_security = {} }
  for i, r in ipairs(conn:query(FUNCTIONS_SQL, { arr })) do out.functions[i] = db_function(r, local_schema(r.schema)) end
  for i, r in ipairs(conn:query(TRIGGERS_SQL, { arr })) do out.triggers[i] = db_trigger(r, local_schema(r.schema)) end
  for _, r in ipairs(conn:query(POLICIES_SQL, { arr })) do
    local schema = local_schema(r.schema)
    if r.name then out.policies[#out.policies + 1] = db_policy(r, schema) end
    local last = out.row_security[#out.row_security]
    if r.enabled and not (last and last.schema == schema and last.table == r.table_name) then
      out.row_security[#out.row_security + 1] = { schema = schema, table = r.table_name, force = r.forced or nil }
    end
  end
  local views = {}
  for _, r in ipairs(conn:query(VIEWS_SQL, { arr })) do
    local k = key(local_schema(r.schema), r.name)
    local v = views[k]
    if v == nil then
      v = { schema = local_schema(r.schema), name = r.name, materialized = r.materialized or nil,
            sql = r.definition, uses = {} }
      out.views[#out.views + 1], views[k] = v, v
    end
    if r.ref_name then
      v.uses[#v.uses + 1] = { schema = local_schema(r.ref_schema), name = r.ref_name, column = r.ref_column }
    end
  end
  return out
end

return M
