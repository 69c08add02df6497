-- Autogenerate: read the live catalog in a few queries, compare it with a
-- model built by luamig.schema, and render the differences as Lua `op`
-- calls for a revision's upgrade and downgrade.
--
-- compare(conn, metadata, opts) returns an array of diff records, already in
-- an order that is safe to apply top to bottom:
--   1 drop foreign keys   2 drop indexes, unique and check constraints
--   3 drop tables         4 create tables (referenced ones first)
--   5 add, alter and drop columns; table comments
--   6 create indexes, unique and check constraints   7 create foreign keys
-- so the downgrade is simply the inverse of each record, in reverse order.
--
-- Every record has kind, schema (nil: the connection's current schema) and
-- table (the table's name), and one of:
--   add_table, remove_table    def = { name, schema, comment, columns = { §7 column spec... },
--                                      constraints = { table-level constraint... } }
--   add_column, remove_column  column = §7 column spec { name, type, nullable, default, ... }
--   alter_column               column = name, changes = { type = { from, to }, nullable = { from, to },
--                                default = { from, to }, comment = { from, to } } (only what changed;
--                                nullable values are booleans, true = NULL allowed; a nil default or
--                                comment means none)
--   add_index, remove_index    index = { name, columns = { "col" | { "col", desc = true } | { expr = "..." } },
--                                        unique, where, using }
--   add_constraint, remove_constraint
--                              constraint = { type = "unique"|"check"|"foreign_key"|"primary_key", name,
--                                columns, expr, referent, referent_schema, remote_columns, ondelete, onupdate }
--   table_comment              from, to (strings or nil)
local M = {}

local DEFAULT_IGNORE = { "luamig_version", "luamig_history" }

local function set_of(list)
  local set = {}
  for _, v in ipairs(list) do set[v] = true end
  return set
end

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

local function key(schema, name) return (schema or "") .. "\0" .. name end

-------------------------------------------------------------- normalising

local type_aliases = {
  int = "integer", int4 = "integer", int2 = "smallint", int8 = "bigint",
  serial = "integer", serial4 = "integer", bigserial = "bigint", serial8 = "bigint",
  smallserial = "smallint", serial2 = "smallint",
  float8 = "double precision", float = "double precision", float4 = "real",
  bool = "boolean", varchar = "character varying", char = "character", bpchar = "character",
  decimal = "numeric", varbit = "bit varying",
  timestamptz = "timestamp with time zone", timestamp = "timestamp without time zone",
  timetz = "time with time zone", time = "time without time zone",
}
local serials = set_of { "serial", "serial4", "bigserial", "serial8", "smallserial", "serial2" }

-- The modifier goes after the first word of these: timestamp(3) with time zone.
local function with_modifier(name, mods)
  if mods == nil then return name end
  local first, rest = name:match("^(%a+) (with.*)$")
  if first then return ("%s(%s) %s"):format(first, mods, rest) end
  return ("%s(%s)"):format(name, mods)
end

-- A type as format_type() spells it: "varchar(200)" -> "character
-- varying(200)", "int4[]" -> "integer[]", "serial" -> "integer". Returns
-- the name and whether it was a serial (an integer with a sequence default).
function M.normalize_type(t)
  local s = trim(t:lower():gsub('"', ""):gsub("%s+", " ")):gsub("%s*([%(%),%[%]])%s*", "%1")
  s = s:gsub("^pg_catalog%.", ""):gsub(" array$", "[]")
  local array = false
  while s:find("%[%d*%]$") do s, array = s:gsub("%[%d*%]$", ""), true end
  local head, mods, tail = s:match("^([%a_][%w_ ]-)%(([%d,]+)%)(.*)$")
  if head == nil then head, tail = s, "" end
  local name = trim(head .. " " .. tail)
  local serial = serials[name] ~= nil
  if name == "float" and mods then
    name, mods = tonumber(mods) <= 24 and "real" or "double precision", nil
  end
  name = type_aliases[name] or name
  if name == "numeric" and mods and not mods:find(",", 1, true) then mods = mods .. ",0" end
  if name == "character" and mods == nil then mods = "1" end
  return with_modifier(name, mods) .. (array and "[]" or ""), serial
end

local multiword_types = {
  { "character varying", "varchar" }, { "double precision", "float8" },
  { "timestamp with time zone", "timestamptz" }, { "timestamp without time zone", "timestamp" },
  { "time with time zone", "timetz" }, { "time without time zone", "time" }, { "bit varying", "varbit" },
}
-- the operators the server writes for LIKE and friends
local operators = {
  { "!~~%*", " not ilike " }, { "~~%*", " ilike " }, { "!~~", " not like " }, { "~~", " like " },
  { "!=", "<>" },
}
local casts = { "::%s*[%w_%.]+%s*%b()%s*%[%]", "::%s*[%w_%.]+%s*%[%]", "::%s*[%w_%.]+%s*%b()", "::%s*[%w_%.]+" }

-- SQL outside quotes: lower-cased, casts, spaces and parentheses gone.
local function plain_key(s)
  s = s:lower()
  for _, m in ipairs(multiword_types) do s = s:gsub(m[1], m[2]) end
  for _, c in ipairs(casts) do s = s:gsub(c, "") end
  for _, o in ipairs(operators) do s = s:gsub(o[1], o[2]) end
  return (s:gsub("[%s%(%)]", ""):gsub("current_timestamp", "now"):gsub("transaction_timestamp", "now"))
end

-- Where a quoted string or identifier starting at i ends (after it).
local function quoted_end(sql, i)
  local q, j = sql:sub(i, i), i + 1
  while true do
    local k = sql:find(q, j, true)
    if k == nil then return #sql + 1 end
    if sql:sub(k + 1, k + 1) ~= q then return k + 1 end
    j = k + 2
  end
end

local function quoted_key(lit)
  local inner = lit:sub(2, -2)
  if lit:sub(1, 1) == '"' and inner:match("^[a-z_][a-z0-9_]*$") then return inner end
  if lit:sub(1, 1) == "'" and inner:match("^%-?%d+%.?%d*$") then return inner end
  return lit
end

-- A comparison key for an SQL expression, so that what the user wrote
-- ("email LIKE '%@%'", "'x'", "now()") equals what the server gives back
-- ("(email ~~ '%@%'::text)", "'x'::text", "CURRENT_TIMESTAMP").
function M.expr_key(sql)
  local out, i = {}, 1
  while i <= #sql do
    local q = sql:find("['\"]", i)
    out[#out + 1] = plain_key(sql:sub(i, (q or #sql + 1) - 1))
    if q == nil then break end
    i = quoted_end(sql, q)
    out[#out + 1] = quoted_key(sql:sub(q, i - 1))
  end
  return table.concat(out)
end

local function default_key(sql)
  if sql == nil then return nil end
  local k = M.expr_key(sql)
  if k == "null" then return nil end
  return k
end

local function comment_of(c)
  if c == "" then return nil end
  return c
end

-- The name PostgreSQL gives an unnamed constraint (makeObjectName): the
-- table and column parts are shortened in turn until it fits in 63 bytes.
function M.default_name(table_name, cols, label)
  local name2 = cols and table.concat(cols, "_") or nil
  local avail = 63 - #label - 1 - (name2 and 1 or 0)
  local n1, n2 = #table_name, name2 and #name2 or 0
  while n1 + n2 > avail do
    if n1 > n2 then n1 = n1 - 1 else n2 = n2 - 1 end
  end
  local parts = { table_name:sub(1, n1) }
  if name2 then parts[2] = name2:sub(1, n2) end
  parts[#parts + 1] = label
  return table.concat(parts, "_")
end

local actions = { a = nil, r = "RESTRICT", c = "CASCADE", n = "SET NULL", d = "SET DEFAULT" }

local function action_of(a)
  if a == nil then return nil end
  a = a:upper():gsub("%s+", " ")
  if a == "NO ACTION" then return nil end
  return a
end

------------------------------------------------------------ introspection

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

-- A text[] literal: every element double-quoted, so any name survives.
local function text_array(list)
  local parts = {}
  for i, s in ipairs(list) do parts[i] = '"' .. s:gsub('[\\"]', "\\%0") .. '"' end
  return "{" .. table.concat(parts, ",") .. "}"
end

local function current_schema(conn)
  local rows = conn:query("SELECT current_schema() AS name")
  return rows[1] and rows[1].name or "public"
end

local function db_column(r)
  local col = { name = r.attname, type = r.type, default = r.default_expr, comment = r.comment }
  if r.notnull then col.nullable = false end
  local base = M.normalize_type(r.type)
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

local function load_constraint(current)
  return function(t, rows)
    local r = rows[1]
    local c = { name = r.name }
    if r.kind == "c" then
      c.type, c.expr = "check", r.definition:gsub(" NOT VALID$", ""):match("^CHECK %((.*)%)$")
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
  t.pk_set = set_of(pk.columns)
  if #pk.columns ~= 1 or pk.name ~= M.default_name(t.name, nil, "pkey") then return end
  for _, col in ipairs(t.columns) do
    if col.name == pk.columns[1] then col.primary_key, col.nullable, pk.inline = true, nil, true end
  end
end

-- The live tables of the given schemas, keyed by key(schema, name) with
-- the current schema written as nil; plus the list in catalog order.
function M.inspect(conn, schemas, current)
  current = current or current_schema(conn)
  local arr = text_array(schemas or { current })
  local tables, order = load_tables(conn, arr, current)
  each_group(conn:query(INDEXES_SQL, { arr }), "index_name", tables, current, load_index)
  each_group(conn:query(CONSTRAINTS_SQL, { arr }), "name", tables, current, load_constraint(current))
  for _, t in ipairs(order) do place_primary_key(t) end
  return tables, order
end

-------------------------------------------------------------------- model

local function as_list(v)
  if type(v) == "string" then return { v } end
  return v
end

local function model_fk(t, c, current, column)
  return { type = "foreign_key", name = c.name or M.default_name(t.name, c.columns, "fkey"), auto = c.name == nil,
           columns = c.columns, referent = c.referent, remote_columns = as_list(c.remote_columns),
           referent_schema = c.referent_schema ~= current and c.referent_schema or nil,
           ondelete = action_of(c.ondelete), onupdate = action_of(c.onupdate), column = column }
end

-- Constraints a column spec declares inline; column = its name, so they
-- are created by add_column when the column itself is new.
local function inline_constraints(t, col, m, current)
  local n = col.name
  if col.unique then
    m.uniques[#m.uniques + 1] = { type = "unique", name = M.default_name(t.name, { n }, "key"), auto = true,
                                  columns = { n }, column = n }
  end
  if col.check then
    m.checks[#m.checks + 1] = { type = "check", name = M.default_name(t.name, { n }, "check"),
                                expr = col.check, column = n }
  end
  if col.references then
    local r = col.references
    m.fks[#m.fks + 1] = model_fk(t, { columns = { n }, referent = r.table, referent_schema = r.schema,
      remote_columns = r.columns, ondelete = r.ondelete, onupdate = r.onupdate }, current, n)
  end
  if col.primary_key then m.pk_set[n] = true end
end

local function table_constraint(t, c, m, current)
  if c.type == "primary_key" then
    for _, n in ipairs(c.columns) do m.pk_set[n] = true end
  elseif c.type == "unique" then
    m.uniques[#m.uniques + 1] = { type = "unique", name = c.name or M.default_name(t.name, c.columns, "key"),
                                  auto = c.name == nil, columns = c.columns }
  elseif c.type == "check" then
    m.checks[#m.checks + 1] = { type = "check", name = c.name, expr = c.expr }
  else
    local fk = model_fk(t, c, current)
    fk.source = c  -- a deferred one is left out of create_table's constraints
    m.fks[#m.fks + 1] = fk
  end
end

local function model_table(t, current)
  local m = { schema = t.schema ~= current and t.schema or nil, name = t.name, comment = t.comment,
              columns = t.columns, constraints = t.constraints, indexes = t.indexes,
              uniques = {}, checks = {}, fks = {}, pk_set = {}, real_schema = t.schema or current }
  for _, col in ipairs(t.columns) do inline_constraints(t, col, m, current) end
  for _, c in ipairs(t.constraints) do table_constraint(t, c, m, current) end
  return m
end

------------------------------------------------------------------- filter

local function filtered(list, keep, kind, t, reflected)
  local out = {}
  for _, item in ipairs(list) do
    if keep { type = kind, name = item.name, table = t.name, schema = t.real_schema, reflected = reflected } then
      out[#out + 1] = item
    end
  end
  return out
end

-- Applies ignore_tables and include_object to one side; returns the kept
-- tables keyed and in order.
local function filter_side(order, opts, reflected)
  local ignore = set_of(opts.ignore_tables or DEFAULT_IGNORE)
  local hook = opts.include_object
  local function keep(obj) return hook == nil or hook(obj) end
  local by_key, kept = {}, {}
  for _, t in ipairs(order) do
    if not ignore[t.name] and keep { type = "table", name = t.name, table = t.name, schema = t.real_schema,
                                     reflected = reflected } then
      t.columns = filtered(t.columns, keep, "column", t, reflected)
      t.indexes = filtered(t.indexes, keep, "index", t, reflected)
      t.uniques = filtered(t.uniques, keep, "unique_constraint", t, reflected)
      t.fks = filtered(t.fks, keep, "foreign_key", t, reflected)
      t.checks = filtered(t.checks, keep, "check_constraint", t, reflected)
      by_key[key(t.schema, t.name)], kept[#kept + 1] = t, t
    end
  end
  return by_key, kept
end

------------------------------------------------------------------ compare

local function emitter()
  local phases = { {}, {}, {}, {}, {}, {}, {} }
  local function emit(phase, t, kind, fields)
    fields.kind, fields.schema, fields.table = kind, t.schema, t.name
    local list = phases[phase]
    list[#list + 1] = fields
  end
  local function result()
    local out = {}
    for _, list in ipairs(phases) do table.move(list, 1, #list, #out + 1, out) end
    return out
  end
  return emit, result
end

local function element_key(e)
  if type(e) == "string" then return "c:" .. e end
  local k = e[1] or e.name
  k = k and ("c:" .. k) or ("e:" .. M.expr_key(e.expr))
  return k .. (e.desc and ":desc" or "")
end

local signatures = {
  index = function(i)
    local parts = { tostring(i.unique == true), (i.using or "btree"):lower(), i.where and M.expr_key(i.where) or "" }
    for _, e in ipairs(i.columns) do parts[#parts + 1] = element_key(e) end
    return table.concat(parts, "\0")
  end,
  unique = function(c) return table.concat(c.columns, "\0") end,
  -- the server rewrites check expressions beyond recognition: by name only
  check = function() return "" end,
  fk = function(c)
    return table.concat({ table.concat(c.columns, "\0"), c.referent_schema or "", c.referent,
      table.concat(c.remote_columns, "\0"), c.ondelete or "", c.onupdate or "" }, "\1")
  end,
}

-- Pairs model items with live ones: by name, then (for constraints the
-- user left unnamed) by signature. Returns the model items to add and the
-- live items to drop; a same-named pair that differs is both.
local function match(mlist, dlist, sig)
  local by_name, used, add, pending = {}, {}, {}, {}
  for _, d in ipairs(dlist) do by_name[d.name] = d end
  for _, m in ipairs(mlist) do
    local d = by_name[m.name]
    if d and not used[d] and sig(d) == sig(m) then used[d] = true
    elseif m.auto then pending[#pending + 1] = m
    else add[#add + 1] = m end
  end
  for _, m in ipairs(pending) do
    local found
    for _, d in ipairs(dlist) do
      if not used[d] and sig(d) == sig(m) then found = d break end
    end
    if found then used[found] = true else add[#add + 1] = m end
  end
  local drop = {}
  for _, d in ipairs(dlist) do if not used[d] then drop[#drop + 1] = d end end
  return add, drop
end

-- Primary key and serial columns are NOT NULL whatever the spec says.
local function nullable(col, pk_set)
  local _, serial = M.normalize_type(col.type)
  return col.nullable ~= false and not col.primary_key and not serial and not (pk_set and pk_set[col.name])
end

local function column_changes(mc, dc, m_pk, d_pk)
  local mt, mserial = M.normalize_type(mc.type)
  local dt, dserial = M.normalize_type(dc.type)
  local ch = {}
  if mt ~= dt then ch.type = { from = dserial and dt or dc.type, to = mserial and mt or mc.type } end
  local mn, dn = nullable(mc, m_pk), nullable(dc, d_pk)
  if mn ~= dn then ch.nullable = { from = dn, to = mn } end
  if not (mserial or dserial or dc.opaque) and default_key(mc.default) ~= default_key(dc.default) then
    ch.default = { from = dc.default, to = mc.default }
  end
  if comment_of(mc.comment) ~= comment_of(dc.comment) then
    ch.comment = { from = comment_of(dc.comment), to = comment_of(mc.comment) }
  end
  if next(ch) then return ch end
  return nil
end

local function compare_columns(m, d, emit)
  local dcols, mcols, added = {}, {}, {}
  for _, c in ipairs(d.columns) do dcols[c.name] = c end
  for _, mc in ipairs(m.columns) do
    mcols[mc.name] = true
    local dc = dcols[mc.name]
    if dc == nil then
      emit(5, m, "add_column", { column = mc })
      added[mc.name] = true
    else
      local ch = column_changes(mc, dc, m.pk_set, d.pk_set)
      if ch then emit(5, m, "alter_column", { column = mc.name, changes = ch }) end
    end
  end
  for _, dc in ipairs(d.columns) do
    if not mcols[dc.name] then emit(5, m, "remove_column", { column = dc }) end
  end
  return added
end

-- Constraints of columns being added come with add_column.
local function not_inline(list, added)
  local out = {}
  for _, c in ipairs(list) do if not (c.column and added[c.column]) then out[#out + 1] = c end end
  return out
end

local function compare_kind(mlist, dlist, sig, emit, m, drop_phase, add_phase, kind)
  local add, drop = match(mlist, dlist, sig)
  local field = kind == "index" and "index" or "constraint"
  for _, d in ipairs(drop) do emit(drop_phase, m, "remove_" .. kind, { [field] = d }) end
  for _, a in ipairs(add) do emit(add_phase, m, "add_" .. kind, { [field] = a }) end
  return #add > 0
end

local function compare_table(m, d, emit)
  if comment_of(m.comment) ~= comment_of(d.comment) then
    emit(5, m, "table_comment", { from = comment_of(d.comment), to = comment_of(m.comment) })
  end
  local added = compare_columns(m, d, emit)
  local grown = next(added) ~= nil
  grown = compare_kind(m.indexes, d.indexes, signatures.index, emit, m, 2, 6, "index") or grown
  grown = compare_kind(not_inline(m.uniques, added), d.uniques, signatures.unique, emit, m, 2, 6, "constraint")
    or grown
  compare_kind(not_inline(m.checks, added), d.checks, signatures.check, emit, m, 2, 6, "constraint")
  compare_kind(not_inline(m.fks, added), d.fks, signatures.fk, emit, m, 1, 7, "constraint")
  return grown
end

-- A dropped table's foreign keys go first, as separate drops, so that the
-- tables can go in any order (and come back in any order on downgrade).
local function remove_table(d, emit)
  for _, c in ipairs(d.fks) do emit(1, d, "remove_constraint", { constraint = c }) end
  for _, i in ipairs(d.indexes) do emit(2, d, "remove_index", { index = i }) end
  local constraints = {}
  if d.pk and not d.pk.inline then constraints[1] = d.pk end
  table.move(d.uniques, 1, #d.uniques, #constraints + 1, constraints)
  table.move(d.checks, 1, #d.checks, #constraints + 1, constraints)
  emit(3, d, "remove_table", { def = { schema = d.schema, name = d.name, comment = d.comment,
                                       columns = d.columns, constraints = constraints } })
end

-- The new table's definition, without the foreign keys in `deferred`.
local function table_def(m, deferred)
  local columns, constraints = {}, {}
  for i, col in ipairs(m.columns) do
    columns[i] = col
    if col.references and deferred[col.name] then
      columns[i] = {}
      for k, v in pairs(col) do columns[i][k] = v end
      columns[i].references = nil
    end
  end
  for _, c in ipairs(m.constraints) do
    if not deferred[c] then constraints[#constraints + 1] = c end
  end
  return { schema = m.schema, name = m.name, comment = m.comment, columns = columns, constraints = constraints }
end

-- A foreign key can be inline when what it points at exists by then.
local function ready(fk, m, created, new, grown)
  local k = key(fk.referent_schema, fk.referent)
  if k == key(m.schema, m.name) then return true end
  if new[k] then return created[k] == true end
  return not grown[k]
end

local function plan_new_table(m, emit, created, new, grown)
  local deferred = {}
  for _, fk in ipairs(m.fks) do
    if not ready(fk, m, created, new, grown) then
      deferred[fk.column or fk.source] = true
      emit(7, m, "add_constraint", { constraint = fk })
    end
  end
  emit(4, m, "add_table", { def = table_def(m, deferred) })
  for _, i in ipairs(m.indexes) do emit(6, m, "add_index", { index = i }) end
  created[key(m.schema, m.name)] = true
end

local function blocked(m, created, new)
  for _, fk in ipairs(m.fks) do
    local k = key(fk.referent_schema, fk.referent)
    if new[k] and not created[k] and k ~= key(m.schema, m.name) then return true end
  end
  return false
end

-- New tables in model order, except that a referenced table comes before
-- the tables referencing it; a cycle is broken at the first table left,
-- whose foreign keys to tables not yet created are added afterwards.
local function add_tables(list, emit, grown)
  local new, created, left = {}, {}, {}
  for i, m in ipairs(list) do new[key(m.schema, m.name)], left[i] = true, m end
  while #left > 0 do
    local pick = 1
    for i, m in ipairs(left) do
      if not blocked(m, created, new) then pick = i break end
    end
    plan_new_table(table.remove(left, pick), emit, created, new, grown)
  end
end

local function prepare_model(metadata, current)
  if type(metadata) ~= "table" or type(metadata.tables) ~= "table" then
    error("autogenerate: target_metadata must be a schema.metadata { ... }", 0)
  end
  local out = {}
  for i, t in ipairs(metadata.tables) do out[i] = model_table(t, current) end
  return out
end

local function schemas_to_read(opts, model, current)
  if opts.schemas then return opts.schemas end
  local list, seen = { current }, { [current] = true }
  for _, m in ipairs(model) do
    if not seen[m.real_schema] then list[#list + 1], seen[m.real_schema] = m.real_schema, true end
  end
  return list
end

-- opts = { schemas = { ... } (default: the current schema and those the
-- model names), include_object = function(obj) -> truthy to keep,
-- ignore_tables = { names } (default: luamig_version, luamig_history) }.
function M.compare(conn, metadata, opts)
  opts = opts or {}
  local current = current_schema(conn)
  local mkeys, model = filter_side(prepare_model(metadata, current), opts, false)
  local _, db_order = M.inspect(conn, schemas_to_read(opts, model, current), current)
  local dkeys, db = filter_side(db_order, opts, true)
  local emit, result = emitter()
  local grown, new = {}, {}
  for _, m in ipairs(model) do
    local d = dkeys[key(m.schema, m.name)]
    if d then
      grown[key(m.schema, m.name)] = compare_table(m, d, emit)
    else
      new[#new + 1] = m
    end
  end
  table.sort(db, function(a, b) return key(a.schema, a.name) < key(b.schema, b.name) end)
  for _, d in ipairs(db) do
    if not mkeys[key(d.schema, d.name)] then remove_table(d, emit) end
  end
  add_tables(new, emit, grown)
  return result()
end

------------------------------------------------------------------- render

-- A Lua string literal on one line (%q would continue a newline on the
-- next line, which would end a comment or look like two statements).
local function str(s) return (("%q"):format(s):gsub("\\\n", "\\n")) end

local function lua_value(v)
  if type(v) == "string" then return str(v) end
  if type(v) == "table" then
    local parts = {}
    for i, x in ipairs(v) do parts[i] = lua_value(x) end
    return "{ " .. table.concat(parts, ", ") .. " }"
  end
  return tostring(v)
end

-- "k = v" parts for the keys of t in the given order, nil skipped.
local function fields(t, order, parts)
  parts = parts or {}
  for _, k in ipairs(order) do
    if t[k] ~= nil then parts[#parts + 1] = k .. " = " .. lua_value(t[k]) end
  end
  return parts
end

local function braces(parts) return "{ " .. table.concat(parts, ", ") .. " }" end

local function simple(name) return name:match("^[%a_][%w_]*$") ~= nil end

-- "teams.id" when that reads back the same; the table form otherwise.
local function reference(r)
  local cols = as_list(r.columns)
  if #cols == 1 and r.ondelete == nil and r.onupdate == nil and r.deferrable == nil and r.initially == nil
    and simple(r.table) and simple(cols[1]) and (r.schema == nil or simple(r.schema)) then
    return str((r.schema and (r.schema .. ".") or "") .. r.table .. "." .. cols[1])
  end
  return braces(fields({ table = r.table, columns = cols, schema = r.schema, ondelete = r.ondelete,
    onupdate = r.onupdate, deferrable = r.deferrable, initially = r.initially },
    { "table", "columns", "schema", "ondelete", "onupdate", "deferrable", "initially" }))
end

local function column_spec(col)
  local parts = { str(col.name), str(col.type) }
  if col.nullable == false and not col.primary_key then parts[#parts + 1] = "nullable = false" end
  fields(col, { "default", "primary_key", "unique" }, parts)
  if col.references then parts[#parts + 1] = "references = " .. reference(col.references) end
  return braces(fields(col, { "check", "comment" }, parts))
end

local constraint_order = { "type", "name", "columns", "expr", "referent", "referent_schema", "remote_columns",
                           "ondelete", "onupdate" }

local function render_create_table(d)
  local def = d.def
  local lines = { ("op.create_table(%s, {"):format(str(def.name)) }
  for _, col in ipairs(def.columns) do lines[#lines + 1] = "  " .. column_spec(col) .. "," end
  local opts = {}
  if def.schema then opts[#opts + 1] = "  schema = " .. str(def.schema) .. "," end
  if def.comment then opts[#opts + 1] = "  comment = " .. str(def.comment) .. "," end
  if #def.constraints > 0 then
    opts[#opts + 1] = "  constraints = {"
    for _, c in ipairs(def.constraints) do
      opts[#opts + 1] = "    " .. braces(fields(c, constraint_order)) .. ","
    end
    opts[#opts + 1] = "  },"
  end
  if #opts == 0 then
    lines[#lines + 1] = "})"
  else
    lines[#lines + 1] = "}, {"
    table.move(opts, 1, #opts, #lines + 1, lines)
    lines[#lines + 1] = "})"
  end
  return table.concat(lines, "\n")
end

-- op.fname(args..., { opts }) with the options table left out when empty.
local function call(fname, args, opts)
  if opts and #opts > 0 then args[#args + 1] = braces(opts) end
  return ("op.%s(%s)"):format(fname, table.concat(args, ", "))
end

-- Appends `schema = "..."` (or another key) to parts when d has a schema.
local function schema_opt(d, parts, name)
  parts = parts or {}
  if d.schema ~= nil then parts[#parts + 1] = (name or "schema") .. " = " .. str(d.schema) end
  return parts
end

local function index_elements(cols)
  local parts = {}
  for i, e in ipairs(cols) do
    if type(e) == "string" then
      parts[i] = str(e)
    else
      local name = e[1] or e.name
      parts[i] = braces(fields(e, { "expr", "desc", "opclass" }, name and { str(name) } or {}))
    end
  end
  return braces(parts)
end

-- nil (none) becomes op.NULL: dropping a default or a comment
local function change_value(v)
  if v == nil then return "op.NULL" end
  return lua_value(v)
end

local function alter_column(d)
  local parts = {}
  for _, k in ipairs { "type", "nullable", "default", "comment" } do
    local c = d.changes[k]
    if c then parts[#parts + 1] = k .. " = " .. change_value(c.to) end
  end
  schema_opt(d, parts)
  return call("alter_column", { str(d.table), str(d.column), braces(parts) })
end

local add_constraint_op = {
  unique = function(d, c)
    return call("create_unique_constraint", { str(c.name), str(d.table), lua_value(c.columns) }, schema_opt(d))
  end,
  check = function(d, c)
    return call("create_check_constraint", { str(c.name), str(d.table), str(c.expr) }, schema_opt(d))
  end,
  primary_key = function(d, c)
    return call("create_primary_key", { str(c.name), str(d.table), lua_value(c.columns) }, schema_opt(d))
  end,
  foreign_key = function(d, c)
    local opts = fields(c, { "ondelete", "onupdate", "referent_schema" }, schema_opt(d, {}, "source_schema"))
    return call("create_foreign_key", { str(c.name), str(d.table), str(c.referent), lua_value(c.columns),
      lua_value(c.remote_columns) }, opts)
  end,
}

local statement = {
  add_table = render_create_table,
  remove_table = function(d) return call("drop_table", { str(d.table) }, schema_opt(d)) end,
  add_column = function(d)
    return call("add_column", { str(d.table), column_spec(d.column) }, schema_opt(d))
  end,
  remove_column = function(d)
    return call("drop_column", { str(d.table), str(d.column.name) }, schema_opt(d))
  end,
  alter_column = alter_column,
  add_index = function(d)
    local i = d.index
    local opts = fields({ unique = i.unique or nil, where = i.where, using = i.using }, { "unique", "where", "using" })
    return call("create_index", { str(i.name), str(d.table), index_elements(i.columns) }, schema_opt(d, opts))
  end,
  remove_index = function(d) return call("drop_index", { str(d.index.name) }, schema_opt(d)) end,
  add_constraint = function(d) return add_constraint_op[d.constraint.type](d, d.constraint) end,
  remove_constraint = function(d)
    return call("drop_constraint", { str(d.constraint.name), str(d.table) }, schema_opt(d))
  end,
  table_comment = function(d)
    if d.to == nil then return call("drop_table_comment", { str(d.table) }, schema_opt(d)) end
    return call("create_table_comment", { str(d.table), str(d.to) }, schema_opt(d))
  end,
}

local opposite = {
  add_table = "remove_table", remove_table = "add_table", add_column = "remove_column",
  remove_column = "add_column", add_index = "remove_index", remove_index = "add_index",
  add_constraint = "remove_constraint", remove_constraint = "add_constraint",
}

-- The record that undoes d.
local function inverse(d)
  local r = {}
  for k, v in pairs(d) do r[k] = v end
  if opposite[d.kind] then
    r.kind = opposite[d.kind]
  elseif d.kind == "table_comment" then
    r.from, r.to = d.to, d.from
  else
    r.changes = {}
    for k, c in pairs(d.changes) do r.changes[k] = { from = c.to, to = c.from } end
  end
  return r
end

-- For names in comments and descriptions: bare when plain, quoted otherwise.
local function show(name)
  if simple(name) then return name end
  return str(name)
end

local function where(d, column)
  local t = (d.schema and (show(d.schema) .. ".") or "") .. show(d.table)
  if column then return t .. "." .. show(column) end
  return t
end

-- Each dropped column with an added one, preferring one of the same type.
local function pair_up(removed, added)
  local used, out = {}, {}
  for _, r in ipairs(removed) do
    local rtype, pick = M.normalize_type(r.column.type), nil
    for i, a in ipairs(added) do
      if not used[i] then
        if M.normalize_type(a.column.type) == rtype then pick = i break end
        pick = pick or i
      end
    end
    if pick == nil then break end
    used[pick] = true
    out[#out + 1] = { r, added[pick] }
  end
  return out
end

local function hint(r, a)
  local opts = schema_opt(r, { "new_name = " .. str(a.column.name) })
  return ("-- a drop and an add of %s -> %s: if this was a rename, use %s instead"):format(
    where(r, r.column.name), where(a, a.column.name),
    call("alter_column", { str(r.table), str(r.column.name), braces(opts) }))
end

-- Comments to put before the first column change of each table where
-- columns are both dropped and added: it may have been a rename, which no
-- catalog can tell.
local function rename_hints(diffs)
  local tables, hints = {}, {}
  for _, d in ipairs(diffs) do
    if d.kind == "add_column" or d.kind == "remove_column" then
      local k = key(d.schema, d.table)
      tables[k] = tables[k] or { first = d, add_column = {}, remove_column = {} }
      local list = tables[k][d.kind]
      list[#list + 1] = d
    end
  end
  for _, t in pairs(tables) do
    local lines = {}
    for _, p in ipairs(pair_up(t.remove_column, t.add_column)) do lines[#lines + 1] = hint(p[1], p[2]) end
    if #lines > 0 then hints[t.first] = lines end
  end
  return hints
end

-- The bodies of upgrade and downgrade: one op call per line (create_table
-- spans several, indented by two spaces), to be indented by the template.
function M.render(diffs)
  local hints = rename_hints(diffs)
  local up, down = {}, {}
  for _, d in ipairs(diffs) do
    for _, line in ipairs(hints[d] or {}) do up[#up + 1] = line end
    up[#up + 1] = statement[d.kind](d)
  end
  for i = #diffs, 1, -1 do
    local undo = inverse(diffs[i])
    down[#down + 1] = statement[undo.kind](undo)
  end
  return table.concat(up, "\n"), table.concat(down, "\n")
end

----------------------------------------------------------------- describe

local function one_line(sql)
  if sql == nil then return "none" end
  return (sql:gsub("%s+", " "))
end

local constraint_label = {
  unique = "unique constraint", check = "check constraint", foreign_key = "foreign key", primary_key = "primary key",
}

-- What an add_ or remove_ record is about, e.g. "index ix_a on users".
local subject = {
  table = function(d) return "table " .. where(d) end,
  column = function(d) return "column " .. where(d, d.column.name) end,
  index = function(d) return ("index %s on %s"):format(show(d.index.name), where(d)) end,
  constraint = function(d)
    return ("%s %s on %s"):format(constraint_label[d.constraint.type], show(d.constraint.name), where(d))
  end,
}

local function describe_alter(d)
  local c, col, out = d.changes, where(d, d.column), {}
  if c.type then out[#out + 1] = ("change type of %s: %s -> %s"):format(col, c.type.from, c.type.to) end
  if c.nullable then
    out[#out + 1] = ("change nullability of %s: %s -> %s"):format(col,
      c.nullable.from and "NULL" or "NOT NULL", c.nullable.to and "NULL" or "NOT NULL")
  end
  if c.default then
    out[#out + 1] = ("change default of %s: %s -> %s"):format(col, one_line(c.default.from), one_line(c.default.to))
  end
  if c.comment then out[#out + 1] = "change comment of " .. col end
  return out
end

local function describe_one(d)
  if d.kind == "alter_column" then return describe_alter(d) end
  if d.kind == "table_comment" then return { "change comment of table " .. where(d) } end
  local verb, noun = d.kind:match("^(%a+)_(%a+)$")
  return { verb .. " " .. subject[noun](d) }
end

-- One line per change, for `check` and for the messages of autogenerate.
function M.describe(diffs)
  local out = {}
  for _, d in ipairs(diffs) do
    for _, line in ipairs(describe_one(d)) do out[#out + 1] = line end
  end
  return out
end

return M
