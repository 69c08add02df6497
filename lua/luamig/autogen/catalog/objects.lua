-- Reading the objects tables need from the catalog (autogenerate, issue
-- 15): schemas, extensions, sequences, enums, domains.
local common = require("luamig.autogen.catalog.common")
local normalize = require("luamig.autogen.normalize")

local M = {}

local key, column_list = normalize.table_key, common.column_list

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

return M
