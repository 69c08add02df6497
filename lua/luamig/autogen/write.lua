-- The pieces autogenerate writes its text from: op calls as Lua source
-- (every literal through luamig.lualit) and names as the "Detected ..."
-- lines and the rendered comments show them. luamig.autogen.kinds builds
-- each kind's call and description out of these.
local lualit = require("luamig.lualit")
local normalize = require("luamig.autogen.normalize")

local M = {}

local str, value = lualit.string, lualit.value

-- "k = v" parts for the keys of t in the given order, nil skipped.
function M.fields(t, order, parts)
  parts = parts or {}
  for _, k in ipairs(order) do
    if t[k] ~= nil then parts[#parts + 1] = k .. " = " .. value(t[k]) end
  end
  return parts
end

function M.braces(parts) return "{ " .. table.concat(parts, ", ") .. " }" end

local fields, braces = M.fields, M.braces

-- op.fname(args..., { opts }) with the options table left out when empty.
function M.call(fname, args, opts)
  if opts and #opts > 0 then args[#args + 1] = braces(opts) end
  return ("op.%s(%s)"):format(fname, table.concat(args, ", "))
end

-- Appends `schema = "..."` (or another key) to parts when d has a schema.
function M.schema_opt(d, parts, name)
  parts = parts or {}
  if d.schema ~= nil then parts[#parts + 1] = (name or "schema") .. " = " .. str(d.schema) end
  return parts
end

local function simple(name) return name:match("^[%a_][%w_]*$") ~= nil end

-- "teams.id" when that reads back the same; the table form otherwise.
local function reference(r)
  local cols = normalize.name_list(r.columns)
  if #cols == 1 and r.ondelete == nil and r.onupdate == nil and r.deferrable == nil and r.initially == nil
    and r.match == nil
    and simple(r.table) and simple(cols[1]) and (r.schema == nil or simple(r.schema)) then
    return str((r.schema and (r.schema .. ".") or "") .. r.table .. "." .. cols[1])
  end
  return braces(fields({ table = r.table, columns = cols, schema = r.schema, ondelete = r.ondelete,
    onupdate = r.onupdate, deferrable = r.deferrable, initially = r.initially, match = r.match },
    { "table", "columns", "schema", "ondelete", "onupdate", "match", "deferrable", "initially" }))
end

-- A §7 column spec as a table constructor.
function M.column_spec(col)
  local parts = { str(col.name), str(col.type) }
  if col.nullable == false and not col.primary_key then parts[#parts + 1] = "nullable = false" end
  fields(col, { "default", "primary_key", "unique" }, parts)
  if col.identity then parts[#parts + 1] = "identity = " .. M.identity(col.identity) end
  fields(col, { "generated" }, parts)
  if col.references then parts[#parts + 1] = "references = " .. reference(col.references) end
  return braces(fields(col, { "check", "comment" }, parts))
end

M.identity_order = { "start", "increment", "minvalue", "maxvalue", "cache", "cycle" }

-- An identity: "always" alone, { "by default", start = 100 } with options
-- (and its sequence's name when not the default).
function M.identity(identity)
  local parts = fields(identity, M.identity_order, fields(identity, { "sequence_name" },
    identity[1] and { str(identity[1]) } or {}))
  if #parts == 1 and identity[1] then return parts[1] end
  return braces(parts)
end

local constraint_order = { "type", "name", "columns", "expr", "referent", "referent_schema", "remote_columns",
                           "ondelete", "onupdate", "match", "deferrable", "initially" }

-- { "parent", { "parent", schema = "s" } } of inherits = { { parent, parent_schema } }.
local function inherits(list)
  local parts = {}
  for i, p in ipairs(list) do
    parts[i] = p.parent_schema and braces { str(p.parent), "schema = " .. str(p.parent_schema) } or str(p.parent)
  end
  return braces(parts)
end

-- op.create_table for a table definition, one column per line.
function M.create_table(def)
  local lines = { ("op.create_table(%s, {"):format(str(def.name)) }
  for _, col in ipairs(def.columns) do lines[#lines + 1] = "  " .. M.column_spec(col) .. "," end
  local opts = {}
  if def.schema then opts[#opts + 1] = "  schema = " .. str(def.schema) .. "," end
  if def.comment then opts[#opts + 1] = "  comment = " .. str(def.comment) .. "," end
  if def.partition_by then opts[#opts + 1] = "  partition_by = " .. str(def.partition_by) .. "," end
  if def.inherits then opts[#opts + 1] = "  inherits = " .. inherits(def.inherits) .. "," end
  if def.unlogged then opts[#opts + 1] = "  unlogged = true," end
  if def.with then opts[#opts + 1] = "  with = " .. M.keyed(def.with) .. "," end
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

-- An index's elements: "col", or { "col", desc = true } and { expr = "..." }.
function M.index_elements(cols)
  local parts = {}
  for i, e in ipairs(cols) do
    if type(e) == "string" then
      parts[i] = str(e)
    else
      local name = e[1] or e.name
      parts[i] = braces(fields(e, { "expr", "desc", "nulls", "opclass", "collation" }, name and { str(name) } or {}))
    end
  end
  return braces(parts)
end

-- A table keyed by names, { fillfactor = 70 }, keys in order.
function M.keyed(t)
  local names, parts = {}, {}
  for k in pairs(t) do names[#names + 1] = k end
  table.sort(names)
  for i, k in ipairs(names) do parts[i] = k .. " = " .. value(t[k]) end
  return braces(parts)
end

-- An exclusion constraint's elements: { "col", with = "&&" } or { expr = "...", with = "=" }.
function M.exclude_elements(elements)
  local parts = {}
  for i, e in ipairs(elements) do
    local name = e[1] or e.name
    parts[i] = braces(fields(e, { "expr", "with", "desc", "nulls", "opclass", "collation" }, name and { str(name) } or {}))
  end
  return braces(parts)
end

-- A value of alter_column; nil (none) becomes op.NULL: dropping a default
-- or a comment.
function M.change_value(v)
  if v == nil then return "op.NULL" end
  return value(v)
end

-- For names in comments and descriptions: bare when plain, quoted otherwise.
function M.show(name)
  if simple(name) then return name end
  return str(name)
end

-- The table of record d (schema.table), or one of its columns.
function M.where(d, column)
  local t = (d.schema and (M.show(d.schema) .. ".") or "") .. M.show(d.table)
  if column then return t .. "." .. M.show(column) end
  return t
end

return M
