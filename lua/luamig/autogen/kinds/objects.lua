-- The kinds of difference of the objects tables need (issue 15): schemas,
-- extensions, sequences, enums, domains. Merged into luamig.autogen.kinds.
local lualit = require("luamig.lualit")
local normalize = require("luamig.autogen.normalize")
local write = require("luamig.autogen.write")
local inverse = require("luamig.autogen.kinds.inverse")

local str, value = lualit.string, lualit.value
local call, braces, schema_opt, where, show = write.call, write.braces, write.schema_opt, write.where, write.show
local as_kind, swap_ends, swap_changes = inverse.as_kind, inverse.swap_ends, inverse.swap_changes

local M = { kinds = {} }

------------------------------------- schemas, extensions, sequences, enums, domains (#15)
-- Their records (luamig.autogen.objects) have no table; schema is the
-- object's (nil: the current one).

local function object_name(d, name)
  return (d.schema and (show(d.schema) .. ".") or "") .. show(name)
end

-- op.create_sequence with the values CREATE SEQUENCE would not pick itself.
local function create_sequence_call(d)
  local s, parts = d.sequence, {}
  local given = normalize.sequence_defaults(s.as_type, s.increment)
  given.start = s.increment > 0 and s.minvalue or s.maxvalue
  local defaults = { as_type = "bigint", increment = 1, minvalue = given.minvalue, maxvalue = given.maxvalue,
                     start = given.start, cache = 1, cycle = false }
  for _, k in ipairs { "as_type", "increment", "minvalue", "maxvalue", "start", "cache", "cycle" } do
    if s[k] ~= defaults[k] then parts[#parts + 1] = k .. " = " .. value(s[k]) end
  end
  return call("create_sequence", { str(s.name) }, schema_opt(d, parts))
end

local function sequence_change_lines(d)
  local out = {}
  for _, k in ipairs { "as_type", "increment", "minvalue", "maxvalue", "start", "cache", "cycle" } do
    local c = d.changes[k]
    if c then
      out[#out + 1] = ("change %s of sequence %s: %s -> %s"):format(k, object_name(d, d.sequence),
        tostring(c.from), tostring(c.to))
    end
  end
  return out
end

local function alter_sequence_call(d)
  local parts = {}
  for _, k in ipairs { "as_type", "increment", "minvalue", "maxvalue", "start", "cache", "cycle" } do
    if d.changes[k] then parts[#parts + 1] = k .. " = " .. value(d.changes[k].to) end
  end
  return call("alter_sequence", { str(d.sequence) }, schema_opt(d, parts))
end

-- A step ALTER TYPE cannot take: said in a comment, and the revision
-- stops there rather than leave the type otherwise than the model.
local function refused(d, what)
  local msg = ("enum %s: %s; PostgreSQL's ALTER TYPE only adds values: write this step by hand"):format(
    object_name(d, d.enum), what)
  return "-- " .. msg .. "\n" .. ("error(%s, 0)"):format(str(msg))
end

local function values_text(list)
  local parts = {}
  for i, v in ipairs(list) do parts[i] = str(v) end
  return "{ " .. table.concat(parts, ", ") .. " }"
end

M.kinds.add_schema = {
  phase = "create_schemas",
  describe = function(d) return { "add schema " .. show(d.name) } end,
  render = function(d) return call("create_schema", { str(d.name) }) end,
  inverse = as_kind("remove_schema"),
}
M.kinds.remove_schema = {
  phase = "drop_schemas",
  describe = function(d) return { "remove schema " .. show(d.name) } end,
  render = function(d) return call("drop_schema", { str(d.name) }) end,
  inverse = as_kind("add_schema"),
}
-- extension = { name, schema }
M.kinds.add_extension = {
  phase = "create_extensions",
  describe = function(d) return { "add extension " .. show(d.extension.name) } end,
  render = function(d)
    local e = d.extension
    local parts = e.schema and { "schema = " .. str(e.schema) } or {}
    parts[#parts + 1] = "if_not_exists = true"
    return call("create_extension", { str(e.name) }, parts)
  end,
  inverse = as_kind("remove_extension"),
}
M.kinds.remove_extension = {
  phase = "drop_extensions",
  describe = function(d) return { "remove extension " .. show(d.extension.name) } end,
  render = function(d) return call("drop_extension", { str(d.extension.name) }) end,
  inverse = as_kind("add_extension"),
}
-- sequence = { name, as_type, increment, minvalue, maxvalue, start, cache, cycle } (every value)
M.kinds.add_sequence = {
  phase = "create_sequences",
  describe = function(d) return { "add sequence " .. object_name(d, d.sequence.name) } end,
  render = create_sequence_call,
  inverse = as_kind("remove_sequence"),
}
M.kinds.remove_sequence = {
  phase = "drop_sequences",
  describe = function(d) return { "remove sequence " .. object_name(d, d.sequence.name) } end,
  render = function(d) return call("drop_sequence", { str(d.sequence.name) }, schema_opt(d)) end,
  inverse = as_kind("add_sequence"),
}
-- sequence = its name, changes = { field = { from, to } }
M.kinds.alter_sequence = {
  phase = "create_sequences",
  describe = sequence_change_lines,
  render = alter_sequence_call,
  inverse = swap_changes,
}
-- sequence = its name, from, to = "table.column" or nil (none)
M.kinds.sequence_owner = {
  phase = function(d) return d.to == nil and "disown_sequences" or "own_sequences" end,
  describe = function(d)
    return { ("change owner of sequence %s: %s -> %s"):format(object_name(d, d.sequence), d.from or "none",
      d.to or "none") }
  end,
  render = function(d)
    local owner = d.to == nil and "op.NULL" or str(d.to)
    return call("alter_sequence", { str(d.sequence) }, schema_opt(d, { "owned_by = " .. owner }))
  end,
  inverse = swap_ends,
}
-- enum = { name, values }
M.kinds.add_enum = {
  phase = "create_types",
  describe = function(d) return { "add enum " .. object_name(d, d.enum.name) } end,
  render = function(d) return call("create_enum", { str(d.enum.name), value(d.enum.values) }, schema_opt(d)) end,
  inverse = as_kind("remove_enum"),
}
M.kinds.remove_enum = {
  phase = "drop_types",
  describe = function(d) return { "remove enum " .. object_name(d, d.enum.name) } end,
  render = function(d) return call("drop_enum", { str(d.enum.name) }, schema_opt(d)) end,
  inverse = as_kind("add_enum"),
}
-- enum = its name, value, after or before (a value already there)
M.kinds.add_enum_value = {
  phase = "create_types",
  describe = function(d) return { ("add value %s to enum %s"):format(str(d.value), object_name(d, d.enum)) } end,
  render = function(d)
    local opts = write.fields(d, { "after", "before" })
    -- the value is usable once added in a transaction of its own
    return ("op.autocommit(function() %s end)"):format(call("add_enum_value", { str(d.enum), str(d.value) },
      schema_opt(d, opts)))
  end,
  inverse = as_kind("remove_enum_value"),
}
M.kinds.remove_enum_value = {
  phase = "create_types",
  describe = function(d) return { ("remove value %s from enum %s"):format(str(d.value), object_name(d, d.enum)) } end,
  render = function(d) return refused(d, "value " .. str(d.value) .. " would have to go") end,
  inverse = as_kind("add_enum_value"),
}
-- enum = its name, from, to: value lists where values went or moved
M.kinds.enum_values = {
  phase = "create_types",
  describe = function(d)
    return { ("change values of enum %s: %s -> %s"):format(object_name(d, d.enum), values_text(d.from),
      values_text(d.to)) }
  end,
  render = function(d)
    return refused(d, ("values %s -> %s"):format(values_text(d.from), values_text(d.to)))
  end,
  inverse = swap_ends,
}

-- domain = { name, type, nullable, default, constraints = { { name, check } } }
M.kinds.add_domain = {
  phase = "create_types",
  describe = function(d) return { "add domain " .. object_name(d, d.domain.name) } end,
  render = function(d)
    local dom = d.domain
    local opts = write.fields(dom, { "nullable", "default" }, schema_opt(d))
    if #dom.constraints > 0 then
      local cs = {}
      for i, c in ipairs(dom.constraints) do cs[i] = braces(write.fields(c, { "name", "check" })) end
      opts[#opts + 1] = "constraints = " .. braces(cs)
    end
    return call("create_domain", { str(dom.name), str(dom.type) }, opts)
  end,
  inverse = as_kind("remove_domain"),
}
M.kinds.remove_domain = {
  phase = "drop_types",
  describe = function(d) return { "remove domain " .. object_name(d, d.domain.name) } end,
  render = function(d) return call("drop_domain", { str(d.domain.name) }, schema_opt(d)) end,
  inverse = as_kind("add_domain"),
}

-- extension = its name, from, to: schemas (ALTER EXTENSION SET SCHEMA)
M.kinds.extension_schema = {
  phase = "create_extensions",
  describe = function(d)
    return { ("change schema of extension %s: %s -> %s"):format(show(d.extension), show(d.from), show(d.to)) }
  end,
  render = function(d) return call("alter_extension", { str(d.extension) }, { "schema = " .. str(d.to) }) end,
  inverse = swap_ends,
}

-------------------------------------------- changes of a domain (#15)

-- domain = its name, changes = { default = { from, to } (SQL or nil),
-- nullable = { from, to } (booleans) }
M.kinds.alter_domain = {
  phase = "create_types",
  describe = function(d)
    local out = {}
    for _, k in ipairs { "default", "nullable" } do
      local c = d.changes[k]
      if c then
        out[#out + 1] = ("change %s of domain %s: %s -> %s"):format(k, object_name(d, d.domain),
          c.from == nil and "none" or tostring(c.from), c.to == nil and "none" or tostring(c.to))
      end
    end
    return out
  end,
  render = function(d)
    local parts = {}
    if d.changes.default then
      local to = d.changes.default.to
      parts[#parts + 1] = "default = " .. (to == nil and "op.NULL" or str(to))
    end
    if d.changes.nullable then parts[#parts + 1] = "nullable = " .. tostring(d.changes.nullable.to) end
    return call("alter_domain", { str(d.domain) }, schema_opt(d, parts))
  end,
  inverse = swap_changes,
}
-- domain = its name, constraint = { name, check }
M.kinds.add_domain_check = {
  phase = "create_types",
  describe = function(d)
    return { ("add check %s to domain %s"):format(show(d.constraint.name), object_name(d, d.domain)) }
  end,
  render = function(d)
    local c = braces(write.fields(d.constraint, { "name", "check" }))
    return call("alter_domain", { str(d.domain) }, schema_opt(d, { "add_constraint = " .. c }))
  end,
  inverse = as_kind("remove_domain_check"),
}
M.kinds.remove_domain_check = {
  phase = "create_types",
  describe = function(d)
    return { ("remove check %s from domain %s"):format(show(d.constraint.name), object_name(d, d.domain)) }
  end,
  render = function(d)
    return call("alter_domain", { str(d.domain) }, schema_opt(d, { "drop_constraint = " .. str(d.constraint.name) }))
  end,
  inverse = as_kind("add_domain_check"),
}

return M
