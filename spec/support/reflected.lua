-- The reflected model of a real schema (issue 15 item 7): what the catalog
-- reads of a database, written back as a models.lua (Lua source that
-- returns schema.metadata { ... }). One writer for the spec that checks
-- the model finds nothing (spec/e2e/autogen_reflected_spec.lua) and for
-- the benchmark that times check with it (bench/autogen_schemas.sh).
local catalog = require("luamig.autogen.catalog")
local lists = require("luamig.lists")
local lualit = require("luamig.lualit")
local TRIGGER_FIELDS = require("luamig.autogen.kinds.dependents").TRIGGER_FIELDS

local M = {}

-- The shared schemas and the schemas of each that autogenerate reads.
M.SCHEMAS = {
  { name = "chinook-identity-schema", schemas = { "public" } },
  { name = "pagila-schema", schemas = { "public" } },
  { name = "synapse-full72", schemas = { "public" } },
  -- app_hidden holds nothing but grants: the model declares it itself
  { name = "graphile-starter-schema", schemas = { "app_public", "app_private", "app_hidden" } },
}

------------------------------------------------- recording schema.* calls

-- A stand-in for luamig.schema: each constructor call is recorded, and
-- returns a reference to it that a later call may take (a partition's
-- parent, inherits), written as m[i] in the source.
local REF = {}

local function recorder()
  local calls = {}
  local api = setmetatable({}, { __index = function(_, fn)
    return function(...)
      calls[#calls + 1] = { fn = fn, n = select("#", ...), ... }
      return { [REF] = #calls }
    end
  end })
  return api, calls
end

------------------------------------------------------ writing Lua source

local literal

local function keyed_part(k, v)
  local key = (type(k) == "string" and k:match("^[%a_][%w_]*$")) and k or ("[" .. literal(k) .. "]")
  return key .. " = " .. literal(v)
end

-- v as Lua source: scalars through luamig.lualit, tables with their list
-- part first and then their keys in order, references as m[i].
literal = function(v)
  if type(v) ~= "table" then return lualit.value(v) end
  if v[REF] then return ("m[%d]"):format(v[REF]) end
  local parts, n = {}, #v
  for i = 1, n do parts[i] = literal(v[i]) end
  local keys = {}
  for k in pairs(v) do
    if not (math.type(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end
  end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  for _, k in ipairs(keys) do parts[#parts + 1] = keyed_part(k, v[k]) end
  return "{ " .. table.concat(parts, ", ") .. " }"
end

local function source_of(calls, kept)
  local lines = { 'local schema = require("luamig.schema")', "local m = {}" }
  for i, c in ipairs(calls) do
    local args = {}
    for j = 1, c.n do args[j] = literal(c[j]) end
    lines[#lines + 1] = ("m[%d] = schema.%s(%s)"):format(i, c.fn, table.concat(args, ", "))
  end
  local refs = {}
  for i, ref in ipairs(kept) do refs[i] = literal(ref) end
  lines[#lines + 1] = "return schema.metadata { " .. table.concat(refs, ", ") .. " }"
  return table.concat(lines, "\n") .. "\n"
end

------------------------------------------------ the model from the catalog

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
local function model_table(schema, t, made)
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
local function model_objects(schema, live, read, out)
  local reading = {}
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
end

-- A reflected object's fields that its schema.* constructor takes.
local function pick(o, keys)
  local out = {}
  for _, k in ipairs(keys) do out[k] = o[k] end
  return out
end

-- Functions, triggers, views (with a materialized view's indexes),
-- policies, row security and aggregates as the model declares them.
local function model_dependents(schema, deps, out)
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

-- The source of models.lua for the database conn holds, reading the
-- given schemas.
function M.source(conn, schemas)
  local api, calls = recorder()
  local _, order, live = catalog.inspect(conn, schemas)
  local objects = {}
  model_objects(api, live, schemas, objects)
  model_dependents(api, catalog.dependents(conn, schemas, nil, live.view_indexes), objects)
  local made = {}
  for _, t in ipairs(order) do objects[#objects + 1] = model_table(api, t, made) end
  return source_of(calls, objects)
end

-- That model, loaded: a schema.metadata.
function M.metadata(conn, schemas)
  return assert(load(M.source(conn, schemas), "=reflected model"))()
end

return M
