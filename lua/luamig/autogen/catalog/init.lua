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
local common = require("luamig.autogen.catalog.common")
local objects_reader = require("luamig.autogen.catalog.objects")
local canonical = require("luamig.autogen.catalog.canonical")
local dependents = require("luamig.autogen.catalog.dependents")

local M = {}

local key = normalize.table_key

local TABLES_SQL = [[
SELECT n.nspname AS schema, c.relname AS table_name, dt.description AS table_comment,
       a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
       pg_get_expr(d.adbin, d.adrelid) AS default_expr, dc.description AS comment,
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
       CASE WHEN a.attidentity <> '' THEN
         (SELECT s.relname FROM pg_depend dep JOIN pg_class s ON s.oid = dep.objid
          WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass
            AND dep.refobjid = c.oid AND dep.refobjsubid = a.attnum AND dep.deptype = 'i') END AS identity_sequence_name,
       c.relpersistence = 'u' AS unlogged, array_to_string(c.reloptions, chr(31)) AS storage,
       a.attstattarget AS statistics, a.attislocal AS local_column
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
-- joined, not obj_description/col_description: a function call a row
-- took half of this query's time at 1,000 tables
LEFT JOIN pg_description dt ON dt.objoid = c.oid AND dt.classoid = 'pg_class'::regclass AND dt.objsubid = 0
LEFT JOIN pg_description dc ON dc.objoid = c.oid AND dc.classoid = 'pg_class'::regclass AND dc.objsubid = a.attnum
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY ($1::text[])
ORDER BY n.nspname, c.relname, a.attnum]]

-- One row per key column; constraint-backed indexes are constraints. Those
-- of materialized views too (of_view), which luamig.autogen.dependents compares.
local INDEXES_SQL = [[
SELECT n.nspname AS schema, t.relname AS table_name, t.relkind = 'm' AS of_view, i.relname AS index_name,
       x.indisunique AS is_unique,
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
WHERE t.relkind IN ('r', 'p', 'm') AND NOT EXISTS (SELECT 1 FROM pg_inherits ih WHERE ih.inhrelid = x.indexrelid)
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

local text_array = common.text_array
M.current_schema = common.current_schema

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
  if serial and r.owns_sequence and serial_types[objects_reader.owner_key(r.schema, r.table_name, r.attname)] == base
    and (r.default_expr or ""):find("^nextval%(") then
    col.type, col.default = serial, nil
  end
  -- identity and generated columns: their default is not a default
  if r.identity or r.generated then col.default, col.opaque = nil, true end
  if r.identity then
    col.identity = identity_of(r)
    if r.identity_sequence_name ~= normalize.default_name(r.table_name, { r.attname }, "seq") then
      col.identity.sequence_name = r.identity_sequence_name
    end
  end
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

local column_list = common.column_list

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
SELECT n.nspname AS schema, t.relname AS table_name, t.relkind = 'm' AS of_view, i.relname AS index_name, k.ord,
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
WHERE t.relkind IN ('r', 'p', 'm') AND NOT EXISTS (SELECT 1 FROM pg_inherits ih WHERE ih.inhrelid = x.indexrelid)
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

-- The tables by key, and a holder { indexes } for each materialized view
-- that rows name (of_view); the holders by view key.
local function with_views(tables, rows, current)
  local lookup, views = setmetatable({}, { __index = tables }), {}
  for _, r in ipairs(rows) do
    local k = key(r.schema ~= current and r.schema or nil, r.table_name)
    if r.of_view and views[k] == nil then views[k] = { indexes = {} } end
    if r.of_view then lookup[k] = views[k] end
  end
  return lookup, views
end

-- The live tables of the given schemas, keyed by table_key(schema, name)
-- with the current schema written as nil; plus the list in catalog order;
-- plus the other objects of those schemas (catalog.objects), with
-- view_indexes: the indexes of materialized views by their key.
-- keep_table (optional): function(schema, name) -> whether to read it.
function M.inspect(conn, schemas, current, keep_table)
  current = current or M.current_schema(conn)
  local arr = text_array(schemas or { current })
  local objects = objects_reader.objects(conn, arr, current)
  local tables, order = load_tables(conn, arr, current, objects.serial_types)
  if keep_table then tables, order = kept_tables(tables, order, keep_table) end
  load_partitions(conn, arr, current, tables, order)
  local index_rows = conn:query(INDEXES_SQL, { arr })
  local lookup, views = with_views(tables, index_rows, current)
  each_group(index_rows, "index_name", lookup, current, load_index)
  each_group(conn:query(INDEX_DETAILS_SQL, { arr }), "index_name", lookup, current, load_index_details)
  objects.view_indexes = {}
  for k, v in pairs(views) do objects.view_indexes[k] = v.indexes end
  each_group(conn:query(CONSTRAINTS_SQL, { arr }), "name", tables, current, load_constraint(current))
  for _, t in ipairs(order) do place_primary_key(t) end
  objects.sequences = objects_reader.free_sequences(objects.sequences, tables)
  return tables, order, objects
end

M.user_schemas = objects_reader.user_schemas
M.canonical_forms = canonical.canonical_forms
M.dependents = dependents.dependents

return M
