-- Autogenerate: read the live catalog in a few queries, compare it with a
-- model built by luamig.schema, and render the differences as Lua `op`
-- calls for a revision's upgrade and downgrade. The package, top to
-- bottom:
--   compare.lua    model and reflected table descriptions -> diff records, in a safe order
--   render.lua     diff records -> the bodies of upgrade and downgrade
--   describe.lua   diff records -> "Detected ..." lines
--   kinds.lua      each kind of diff record, once: phase, description, op call, inverse
--   write.lua      pieces of op calls and of names, as text
--   dependents.lua functions, triggers and views: both sides compared, placed around the tables
--   catalog.lua    the server's tables as descriptions (all the catalog SQL)
--   model.lua      a schema.metadata as descriptions of the same shape
--   normalize.lua  types, defaults, expressions, comments, names
local catalog = require("luamig.autogen.catalog")
local compare = require("luamig.autogen.compare")
local dependents = require("luamig.autogen.dependents")
local describe = require("luamig.autogen.describe")
local model = require("luamig.autogen.model")
local normalize = require("luamig.autogen.normalize")
local render = require("luamig.autogen.render")

local M = {}

M.normalize_type = normalize.type
M.expr_key = normalize.expr_key
M.default_name = normalize.default_name
M.inspect = catalog.inspect
M.render = render.render
M.describe = describe.describe

-- The model's tables and other objects: all that names a schema to read.
local function with_dependents(tables, deps)
  local out = {}
  for _, list in ipairs { tables, deps.functions, deps.triggers, deps.views } do
    table.move(list, 1, #list, #out + 1, out)
  end
  return out
end

-- The diff records between the database and metadata (see kinds.lua), in
-- an order that is safe to apply top to bottom. opts = { schemas = { ... }
-- (default: the current schema and those the model names), include_object
-- = function(obj) -> truthy to keep, ignore_tables = { names } (default:
-- luamig_version, luamig_history) }.
function M.compare(conn, metadata, opts)
  opts = opts or {}
  local current = catalog.current_schema(conn)
  local tables = compare.filter(model.tables(metadata, current), opts, false)
  local deps = dependents.filter(dependents.model(metadata, current), opts, false, current)
  local schemas = compare.schemas_to_read(opts, with_dependents(tables, deps), current)
  local _, reflected = catalog.inspect(conn, schemas, current)
  local table_diffs = compare.diffs(tables, compare.filter(reflected, opts, true))
  local live_deps = dependents.filter(catalog.dependents(conn, schemas, current), opts, true, current)
  return dependents.around(table_diffs, deps, live_deps, current)
end

return M
