-- The reflected model of each real schema (issue 15 item 7): a model
-- written from what the catalog reads of ../shared/schemas/<name>.sql,
-- compared with that database, finds nothing, so that the server's
-- equality of defaults, checks and index expressions adds no false
-- difference on real schemas.
local roundtrip = require("support.roundtrip")
local schema = require("luamig.schema")
local autogen = require("luamig.autogen")
local catalog = require("luamig.autogen.catalog")
local lists = require("luamig.lists")
local TRIGGER_FIELDS = require("luamig.autogen.kinds.dependents").TRIGGER_FIELDS

local SCHEMAS = {
  { name = "chinook-identity-schema", schemas = { "public" } },
  { name = "pagila-schema", schemas = { "public" } },
  { name = "synapse-full72", schemas = { "public" } },
  -- app_hidden holds nothing but grants: the model declares it itself
  { name = "graphile-starter-schema", schemas = { "app_public", "app_private", "app_hidden" } },
}

local function model_column(c)
  return { c.name, c.type, nullable = c.nullable, default = c.default, primary_key = c.primary_key,
           comment = c.comment, identity = c.identity, generated = c.generated }
end

local function model_indexes(t)
  local indexes = {}
  for i, ix in ipairs(t.indexes) do
    indexes[i] = { ix.name, ix.columns, unique = ix.unique or nil, where = ix.where, using = ix.using,
                   include = ix.include, nulls_not_distinct = ix.nulls_not_distinct, with = ix.with }
  end
  return indexes
end

local function model_constraints(t)
  local constraints = {}
  if t.pk and not t.pk.inline then constraints[1] = t.pk end
  for _, list in ipairs { t.uniques, t.checks, t.fks, t.excludes or {} } do
    table.move(list, 1, #list, #constraints + 1, constraints)
  end
  return constraints
end

-- A reflected table description as a schema.table (or schema.partition
-- of its parent, made before it); nil for a table without columns (the
-- model DSL has no such table). made: the model tables by schema and name.
local function model_table(t, made)
  local function made_key(s, name) return (s or "") .. "\0" .. name end
  local m
  if t.partition then
    m = schema.partition(t.name, made[made_key(t.partition.parent_schema, t.partition.parent)], t.partition.bound,
      { schema = t.schema, indexes = model_indexes(t), constraints = model_constraints(t) })
  elseif #t.columns > 0 then
    local columns = {}
    for i, c in ipairs(t.columns) do columns[i] = model_column(c) end
    local inherits
    for i, p in ipairs(t.inherits or {}) do
      inherits = inherits or {}
      inherits[i] = made[made_key(p.parent_schema, p.parent)]
    end
    m = schema.table(t.name, columns, { schema = t.schema, comment = t.comment, indexes = model_indexes(t),
      constraints = model_constraints(t), partition_by = t.partition_by, unlogged = t.unlogged, with = t.with,
      statistics = t.statistics, inherits = inherits })
  end
  if m then made[made_key(t.schema, t.name)] = m end
  return m
end

-- The objects tables need (sequences, enums, domains, extensions of the
-- schemas read) as the model declares them.
local function model_objects(live, read)
  local out, reading = {}, {}
  for _, name in ipairs(read) do
    reading[name] = true
    if name ~= "public" then out[#out + 1] = schema.schema(name) end
  end
  for _, e in ipairs(live.extensions) do
    if reading[e.schema] then out[#out + 1] = schema.extension(e.name, { schema = e.schema }) end
  end
  for _, q in ipairs(live.sequences) do
    out[#out + 1] = schema.sequence(q.name, { schema = q.schema, as_type = q.as_type, start = q.start,
      increment = q.increment, minvalue = q.minvalue, maxvalue = q.maxvalue, cache = q.cache, cycle = q.cycle,
      owned_by = q.owned_by })
  end
  for _, e in ipairs(live.enums) do out[#out + 1] = schema.enum(e.name, e.values, { schema = e.schema }) end
  for _, d in ipairs(live.domains) do
    out[#out + 1] = schema.domain(d.name, d.type, { schema = d.schema, nullable = d.nullable, default = d.default,
      constraints = d.constraints })
  end
  return out
end

-- A reflected object's fields that its schema.* constructor takes.
local function pick(o, keys)
  local out = {}
  for _, k in ipairs(keys) do out[k] = o[k] end
  return out
end

-- Functions, triggers, views (with a materialized view's indexes),
-- policies, row security and aggregates as the model declares them.
local function model_dependents(deps, out)
  for _, f in ipairs(deps.functions) do
    out[#out + 1] = schema.func(f.name, pick(f, { "args", "returns", "language", "body", "volatility", "parallel",
      "leakproof", "strict", "security_definer", "cost", "rows", "set", "procedure", "schema", "comment" }))
  end
  for _, t in ipairs(deps.triggers) do
    out[#out + 1] = schema.trigger(t.name, t.table, lists.merge(pick(t, TRIGGER_FIELDS), { schema = t.schema }))
  end
  for _, v in ipairs(deps.views) do
    out[#out + 1] = schema.view(v.name, v.sql, pick(v, { "schema", "materialized", "comment", "indexes" }))
  end
  for _, a in ipairs(deps.aggregates) do
    local spec = pick(a, require("luamig.ddl").aggregate_fields)
    spec.schema = a.schema
    out[#out + 1] = schema.aggregate(a.name, spec)
  end
  for _, p in ipairs(deps.policies) do
    out[#out + 1] = schema.policy(p.name, p.table, pick(p, { "command", "roles", "using", "with_check",
      "permissive", "schema", "comment" }))
  end
  for _, r in ipairs(deps.row_security) do out[#out + 1] = schema.row_security(r.table, pick(r, { "schema", "force" })) end
end

describe("the reflected model of a real schema", function()
  for _, case in ipairs(SCHEMAS) do
    it(case.name .. ": check finds nothing", function()
      local _, conn = roundtrip.load(case.name)
      local _, order, live = catalog.inspect(conn, case.schemas)
      local tables = model_objects(live, case.schemas)
      model_dependents(catalog.dependents(conn, case.schemas, nil, live.view_indexes), tables)
      local made = {}
      for _, t in ipairs(order) do tables[#tables + 1] = model_table(t, made) end
      local ok, result = pcall(autogen.compare, conn, schema.metadata(tables), { schemas = case.schemas })
      conn:close()
      assert(ok, result)
      assert.same({}, autogen.describe(result))
    end)
  end
end)
