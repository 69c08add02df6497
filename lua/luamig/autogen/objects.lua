-- Comparing the objects tables need (issue 15): schemas, extensions,
-- sequences, enum types and domains of the model (schema.extension,
-- schema.sequence, schema.enum, schema.domain and the schemas the model's objects live in) with those
-- luamig.autogen.catalog reads, into diff records (luamig.autogen.kinds),
-- merged into the tables' records in the safe order. Pure, like
-- luamig.autogen.compare.
local lists = require("luamig.lists")
local kinds = require("luamig.autogen.kinds")
local normalize = require("luamig.autogen.normalize")

local M = {}

-- A model sequence with every value the server would hold.
local function resolved_sequence(m, current)
  local as_type, increment = m.as_type or "bigint", m.increment or 1
  local d = normalize.sequence_defaults(as_type, increment)
  local function given(v) if type(v) == "number" then return v end end
  local minvalue, maxvalue = given(m.minvalue) or d.minvalue, given(m.maxvalue) or d.maxvalue
  return { schema = m.schema ~= current and m.schema or nil, real_schema = m.schema or current, name = m.name,
           as_type = as_type, increment = increment, minvalue = minvalue, maxvalue = maxvalue,
           start = m.start or (increment > 0 and minvalue or maxvalue), cache = m.cache or 1,
           cycle = m.cycle == true, owned_by = m.owned_by }
end

local function in_schema(o, current)
  return { schema = o.schema ~= current and o.schema or nil, real_schema = o.schema or current, name = o.name,
           values = o.values, type = o.type, nullable = o.nullable, default = o.default,
           constraints = o.constraints }
end

-- The model's objects as the catalog reader describes the live ones;
-- tables: the model's table descriptions (for the schemas they live in).
function M.model(metadata, tables, current)
  local out = { extensions = {}, sequences = {}, enums = {}, domains = {}, schemas = {} }
  for i, e in ipairs(metadata.extensions or {}) do
    out.extensions[i] = { name = e.name, schema = e.schema, real_schema = e.schema or current }
  end
  for i, s in ipairs(metadata.sequences or {}) do out.sequences[i] = resolved_sequence(s, current) end
  for i, e in ipairs(metadata.enums or {}) do out.enums[i] = in_schema(e, current) end
  for i, d in ipairs(metadata.domains or {}) do out.domains[i] = in_schema(d, current) end
  local seen = {}
  for _, declared in ipairs(metadata.schemas or {}) do   -- schema.schema(name)
    if not seen[declared.name] then out.schemas[#out.schemas + 1], seen[declared.name] = declared.name, true end
  end
  for _, list in ipairs { tables, out.sequences, out.enums, out.domains } do
    for _, o in ipairs(list) do
      if not seen[o.real_schema] then out.schemas[#out.schemas + 1], seen[o.real_schema] = o.real_schema, true end
    end
  end
  return out
end

-- The model's tables, sequences, enums and domains in one list: all that lives in
-- a schema (for compare.schemas_to_read).
function M.placed(tables, model)
  local out = lists.copy(tables)
  table.move(model.sequences, 1, #model.sequences, #out + 1, out)
  table.move(model.enums, 1, #model.enums, #out + 1, out)
  table.move(model.domains, 1, #model.domains, #out + 1, out)
  for _, name in ipairs(model.schemas) do out[#out + 1] = { real_schema = name } end  -- schema.schema's too
  return out
end

------------------------------------------------------------------- filter

-- The objects of one side that include_object keeps; live extensions only
-- in the schemas read, schemas only those read, never the current one nor
-- public (the server makes those).
function M.filter(objects, opts, reflected, read, current)
  local hook, read_set = opts.include_object, lists.set_of(read)
  local function keep(kind, name, schema)
    return hook == nil or hook { type = kind, name = name, schema = schema, reflected = reflected }
  end
  local out = { extensions = {}, sequences = {}, enums = {}, domains = {}, schemas = {} }
  for _, e in ipairs(objects.extensions) do
    if (not reflected or read_set[e.schema]) and keep("extension", e.name, e.schema) then
      out.extensions[#out.extensions + 1] = e
    end
  end
  for _, kind in ipairs { "sequence", "enum", "domain" } do
    for _, o in ipairs(objects[kind .. "s"]) do
      if keep(kind, o.name, o.real_schema) then table.insert(out[kind .. "s"], o) end
    end
  end
  for _, s in ipairs(objects.schemas) do
    if s ~= current and s ~= "public" and (not reflected or read_set[s]) and keep("schema", s, s) then
      out.schemas[#out.schemas + 1] = s
    end
  end
  return out
end

------------------------------------------------------------------ compare

-- Pairs items of both lists by key(item); calls add(m), remove(d) and
-- both(m, d), in model order then live order.
local function pair(mlist, dlist, key, on)
  local live, wanted = {}, {}
  for _, d in ipairs(dlist) do live[key(d)] = d end
  for _, m in ipairs(mlist) do
    wanted[key(m)] = true
    local d = live[key(m)]
    if d == nil then on.add(m) elseif on.both then on.both(m, d) end
  end
  for _, d in ipairs(dlist) do if not wanted[key(d)] then on.remove(d) end end
end

local function named(o) return (o.real_schema or "") .. "\0" .. o.name end

local SEQUENCE_FIELDS = { "as_type", "increment", "minvalue", "maxvalue", "start", "cache", "cycle" }

local function compare_sequences(mlist, dlist, emit)
  pair(mlist, dlist, named, {
    add = function(m)
      emit { kind = "add_sequence", schema = m.schema, sequence = m }
      if m.owned_by then emit { kind = "sequence_owner", schema = m.schema, sequence = m.name, to = m.owned_by } end
    end,
    remove = function(d)
      if d.owned_by then emit { kind = "sequence_owner", schema = d.schema, sequence = d.name, from = d.owned_by } end
      emit { kind = "remove_sequence", schema = d.schema, sequence = d }
    end,
    both = function(m, d)
      local changes = {}
      for _, k in ipairs(SEQUENCE_FIELDS) do
        if m[k] ~= d[k] then changes[k] = { from = d[k], to = m[k] } end
      end
      if next(changes) then
        emit { kind = "alter_sequence", schema = m.schema, sequence = m.name, changes = changes }
      end
      if m.owned_by ~= d.owned_by then
        emit { kind = "sequence_owner", schema = m.schema, sequence = m.name, from = d.owned_by, to = m.owned_by }
      end
    end,
  })
end

-- The values of `to` that `from` lacks, each with its place, when `from`
-- keeps its order within `to`; nil when values went or moved.
local function added_values(from, to)
  local i, added = 1, {}
  for j, v in ipairs(to) do
    if from[i] == v then i = i + 1
    else added[#added + 1] = { value = v, after = to[j - 1], before = j == 1 and from[1] or nil } end
  end
  if i <= #from then return nil end
  return added
end

local function compare_enums(mlist, dlist, emit)
  pair(mlist, dlist, named, {
    add = function(m) emit { kind = "add_enum", schema = m.schema, enum = m } end,
    remove = function(d) emit { kind = "remove_enum", schema = d.schema, enum = d } end,
    both = function(m, d)
      local added = added_values(d.values, m.values)
      if added == nil then
        emit { kind = "enum_values", schema = m.schema, enum = m.name, from = d.values, to = m.values }
        return
      end
      for _, a in ipairs(added) do
        emit { kind = "add_enum_value", schema = m.schema, enum = m.name, value = a.value, after = a.after,
               before = a.before }
      end
    end,
  })
end

-- The index of the live check of a domain a model one pairs with: the
-- one of its name or, when unnamed, one of the same expression (the
-- server named it).
local function paired_check(m, live, taken)
  for i, d in ipairs(live) do
    if not taken[i] and (m.name == d.name or m.name == nil and normalize.expr_key(m.check) == normalize.expr_key(d.check)) then
      taken[i] = true
      return i
    end
  end
end

-- A domain in both: its default and NOT NULL changed in place, its checks
-- added and dropped (a changed one is both: ALTER DOMAIN cannot change a
-- check). Its base type is not compared: ALTER DOMAIN cannot change it.
local function compare_domain(m, d, emit)
  local changes = {}
  if normalize.default_key(m.default) ~= normalize.default_key(d.default) then
    changes.default = { from = d.default, to = m.default }
  end
  if (m.nullable == false) ~= (d.nullable == false) then
    changes.nullable = { from = d.nullable ~= false, to = m.nullable ~= false }
  end
  if next(changes) then emit { kind = "alter_domain", schema = m.schema, domain = m.name, changes = changes } end
  local taken, changed, added = {}, {}, {}
  for _, c in ipairs(m.constraints) do
    local i = paired_check(c, d.constraints, taken)
    if i == nil or normalize.expr_key(d.constraints[i].check) ~= normalize.expr_key(c.check) then
      if i then changed[i] = true end
      added[#added + 1] = c
    end
  end
  for i, c in ipairs(d.constraints) do
    if not taken[i] or changed[i] then
      emit { kind = "remove_domain_check", schema = m.schema, domain = m.name, constraint = c }
    end
  end
  for _, c in ipairs(added) do  -- named as the server would: its downgrade drops it by name
    emit { kind = "add_domain_check", schema = m.schema, domain = m.name,
           constraint = { name = c.name or (m.name .. "_check"), check = c.check } }
  end
end

-- The diff records between the live objects and the model's (both as
-- M.filter leaves them), in the safe order.
function M.diffs(model, live)
  local out = {}
  local function emit(d) out[#out + 1] = d end
  pair(model.schemas, live.schemas, function(s) return s end, {
    add = function(s) emit { kind = "add_schema", name = s } end,
    remove = function(s) emit { kind = "remove_schema", name = s } end,
  })
  pair(model.extensions, live.extensions, function(e) return e.name end, {
    add = function(e) emit { kind = "add_extension", extension = e } end,
    remove = function(e) emit { kind = "remove_extension", extension = e } end,
    both = function(m, d)  -- a model's extension without a schema is in the current one
      if m.real_schema ~= d.schema then
        emit { kind = "extension_schema", extension = m.name, from = d.schema, to = m.real_schema }
      end
    end,
  })
  compare_sequences(model.sequences, live.sequences, emit)
  -- a domain may be of an enum type: dropped before enums, created after
  -- them
  local new_domains = {}
  pair(model.domains, live.domains, named, {
    add = function(m) new_domains[#new_domains + 1] = { kind = "add_domain", schema = m.schema, domain = m } end,
    remove = function(d) emit { kind = "remove_domain", schema = d.schema, domain = d } end,
    both = function(m, d) compare_domain(m, d, emit) end,
  })
  compare_enums(model.enums, live.enums, emit)
  for _, d in ipairs(new_domains) do emit(d) end
  return out
end

-- The records of both lists in one, phase by phase (each list is in
-- phase order already; within a phase, a's come first).
function M.merge(a, b)
  local rank = {}
  for i, name in ipairs(kinds.phases) do rank[name] = i end
  local all = {}
  for _, list in ipairs { a, b } do
    for _, d in ipairs(list) do all[#all + 1] = { d = d, rank = rank[kinds.phase(d)], n = #all + 1 } end
  end
  table.sort(all, function(x, y)
    if x.rank ~= y.rank then return x.rank < y.rank end
    return x.n < y.n
  end)
  local out = {}
  for i, e in ipairs(all) do out[i] = e.d end
  return out
end

return M
