-- Asking the server whether a model's expression and the live one are the
-- same (issue 15 item 7), as Alembic asks PostgreSQL about defaults: for
-- the pairs the text keys of luamig.autogen.normalize find different (a
-- same-named column's default, check constraint or index on a table both
-- sides have), the model's expression is built on a scratch copy of the
-- live table and read back from the catalog, all pairs of a run in one
-- batch (luamig.autogen.catalog.canonical_forms). The verdicts:
--   default = { [model column] = true (same) | false (different) }
--   check   = { [model check] = its expression as the catalog writes it }
--   index   = { [model index] = a copy with its expressions and predicate so }
--   partkey = { [model table] = its PARTITION BY as pg_get_partkeydef writes it }
--   bound   = { [model partition] = its bound as pg_get_expr writes it }
-- What the server could not build keeps its text comparison.
local catalog = require("luamig.autogen.catalog")
local ddl = require("luamig.ddl")
local normalize = require("luamig.autogen.normalize")

local M = {}

local key = normalize.table_key

local function by_name(list)
  local out = {}
  for _, item in ipairs(list) do out[item.name] = item end
  return out
end

local function differ(a, b) return a ~= nil and b ~= nil and normalize.expr_key(a) ~= normalize.expr_key(b) end

-- The rows (see catalog.canonical_forms) for one pair of tables, each
-- with the model item it judges; the scratch table comes first.
local function table_rows(m, d, n, opts)
  local scratch, rows = "luamig_scratch_" .. n, {}
  local function add(kind, statement, object, item, reflected)
    rows[#rows + 1] = { kind, scratch, statement, object, reflected or "", item = item }
  end
  if opts.compare_server_default ~= false then
    local live = by_name(d.columns)
    for _, mc in ipairs(m.columns) do
      local dc = live[mc.name]
      if dc and not dc.opaque and not select(2, normalize.type(mc.type)) and differ(normalize.default_key(mc.default), normalize.default_key(dc.default)) then
        add("default", ddl.scratch_default(scratch, mc.name, mc.default), mc.name, mc, dc.default)
      end
    end
  end
  local live_checks = by_name(d.checks)
  for i, c in ipairs(m.checks) do
    local lc = live_checks[c.name]
    if lc and differ(c.expr, lc.expr) then
      add("check", ddl.scratch_check(scratch, "luamig_check_" .. n .. "_" .. i, c.expr), "luamig_check_" .. n .. "_" .. i, c)
    end
  end
  local live_indexes = by_name(d.indexes)
  for i, ix in ipairs(m.indexes) do
    local li = live_indexes[ix.name]
    if li and opts.index_signature(li) ~= opts.index_signature(ix) then
      local name = "luamig_index_" .. n .. "_" .. i
      -- never unique: on a partitioned table, a unique index must hold its key
      add("index", ddl.create_index("autogenerate", name, scratch, ix.columns,
        { schema = "pg_temp", using = ix.using, where = ix.where })[1], name, ix)
    end
  end
  if #rows == 0 then return rows end
  table.insert(rows, 1, { "table", scratch, ddl.scratch_table(scratch, d.real_schema, d.name), "", "" })
  return rows
end

-- The rows for a parent's PARTITION BY and a partition's bound (#15):
-- a scratch table partitioned by the model's key; a scratch copy of the
-- live parent with a partition of the model's bound.
local function partition_rows(m, d, n, live)
  local rows, scratch = {}, "luamig_scratch_" .. n
  if m.partition_by and d.partition_by and differ(m.partition_by, d.partition_by) then
    rows[1] = { "partkey", scratch, ddl.scratch_partitioned(scratch, d.real_schema, d.name, m.partition_by), "", "",
                item = m }
  end
  local mp, dp = m.partition, d.partition
  local parent = dp and live[key(dp.parent_schema, dp.parent)]
  if mp and parent and parent.partition_by and differ(mp.bound, dp.bound) then
    local of = scratch .. "_of"
    rows[#rows + 1] = { "partkey", of, ddl.scratch_partitioned(of, parent.real_schema, parent.name, parent.partition_by),
                        "", "" }
    rows[#rows + 1] = { "bound", of, ddl.scratch_partition(of .. "_b", of, mp.bound), of .. "_b", "", item = m }
  end
  return rows
end

-- The model index as the server writes it: expressions and predicate
-- read back (an expression that is a bare column becomes that column).
local function canonical_index(ix, parts)
  local copy = {}
  for k, v in pairs(ix) do copy[k] = v end
  copy.where, copy.columns = parts[0] and parts[0].canon, {}
  for i, e in ipairs(ix.columns) do
    local part = parts[i]
    if type(e) == "table" and e.expr and part then
      copy.columns[i] = { part.column_name, expr = part.column_name == nil and part.canon or nil, desc = e.desc }
    else
      copy.columns[i] = e
    end
  end
  return copy
end

-- Each kind's verdict from what the server read back of the model item.
local readers = {
  default = function(_, parts) return parts[0].same end,
  check = function(_, parts) return parts[0].canon and catalog.check_expr(parts[0].canon) end,
  index = canonical_index,
  partkey = function(_, parts) return parts[0].canon end,
  bound = function(_, parts) return parts[0].canon end,
}

-- The verdicts for the model and reflected tables (both as
-- compare.filter leaves them). opts = { compare_server_default,
-- index_signature = function(index) -> its comparison text }.
function M.verdicts(conn, model, reflected, opts)
  local live, rows = {}, {}
  for _, d in ipairs(reflected) do live[key(d.schema, d.name)] = d end
  for _, m in ipairs(model) do
    local d = live[key(m.schema, m.name)]
    if d then
      for _, row in ipairs(table_rows(m, d, #rows + 1, opts)) do rows[#rows + 1] = row end
      for _, row in ipairs(partition_rows(m, d, #rows + 1, live)) do rows[#rows + 1] = row end
    end
  end
  local out = { default = {}, check = {}, index = {}, partkey = {}, bound = {} }
  for i, parts in pairs(catalog.canonical_forms(conn, rows)) do
    local row = rows[i]
    if row.item and parts[0] then out[row[1]][row.item] = readers[row[1]](row.item, parts) end
  end
  return out
end

-- The model's functions with their arguments as the server writes them
-- (#15): args as pg_get_function_arguments, identity as
-- pg_get_function_identity_arguments (what DROP FUNCTION takes), so that
-- they pair with the live ones however they were written. Each is
-- created in pg_temp and read back, all in one batch; one the server
-- refuses keeps its text. Those that need no server cost no batch (a
-- matching model's check would pay for the DO block): one without
-- arguments, and one written as a live function of its name is (live:
-- the reflected functions, or nil), which takes that one's identity.
function M.function_signatures(conn, functions, live)
  local spelled = {}
  for _, f in ipairs(live or {}) do spelled[key(f.schema, f.name) .. "\0" .. f.args] = f.identity end
  local rows = {}
  for i, f in ipairs(functions) do
    local identity = f.args == "" and "" or spelled[key(f.schema, f.name) .. "\0" .. f.args]
    if identity then
      f.identity = identity
    else
      local name = "luamig_function_" .. i
      rows[#rows + 1] = { "function", name, ddl.scratch_function(name, f), name, "", item = f }
    end
  end
  for i, parts in pairs(catalog.canonical_forms(conn, rows)) do
    if parts[0] and parts[1] then rows[i].item.identity, rows[i].item.args = parts[0].canon, parts[1].canon end
  end
end

return M
