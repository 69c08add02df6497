-- Autogenerate: read the live catalog in a few queries, compare it with a
-- model built by luamig.schema, and render the differences as Lua `op`
-- calls for a revision's upgrade and downgrade. The package, top to
-- bottom:
--   compare.lua    model and reflected table descriptions -> diff records, in a safe order
--   objects.lua    the same for schemas, extensions, sequences, enums, domains; merged by phase
--   render.lua     diff records -> the bodies of upgrade and downgrade
--   describe.lua   diff records -> "Detected ..." lines
--   kinds.lua      each kind of diff record, once: phase, description, op call, inverse
--   write.lua      pieces of op calls and of names, as text
--   catalog.lua    the server's tables as descriptions (all the catalog SQL)
--   model.lua      a schema.metadata as descriptions of the same shape
--   normalize.lua  types, defaults, expressions, comments, names
local catalog = require("luamig.autogen.catalog")
local compare = require("luamig.autogen.compare")
local describe = require("luamig.autogen.describe")
local model = require("luamig.autogen.model")
local normalize = require("luamig.autogen.normalize")
local objects = require("luamig.autogen.objects")
local render = require("luamig.autogen.render")

local M = {}

M.normalize_type = normalize.type
M.expr_key = normalize.expr_key
M.default_name = normalize.default_name
M.inspect = catalog.inspect
M.render = render.render
M.describe = describe.describe

-- The diff records between the database and metadata (see kinds.lua), in
-- an order that is safe to apply top to bottom. opts = { schemas = { ... }
-- (default: the current schema and those the model names), include_object
-- = function(obj) -> truthy to keep, ignore_tables = { names } (default:
-- luamig_version, luamig_history) }.
--
-- schemas = true reads every schema but the server's own (Alembic's
-- include_schemas = true).
function M.compare(conn, metadata, opts)
  opts = opts or {}
  local current = catalog.current_schema(conn)
  local tables = compare.filter(model.tables(metadata, current), opts, false)
  local mobjects = objects.model(metadata, tables, current)
  local read = opts.schemas == true and catalog.user_schemas(conn)
    or compare.schemas_to_read(opts, objects.placed(tables, mobjects), current)
  local _, reflected, live = catalog.inspect(conn, read, current)
  local table_diffs = compare.diffs(tables, compare.filter(reflected, opts, true))
  local object_diffs = objects.diffs(objects.filter(mobjects, opts, false, read, current),
                                     objects.filter(live, opts, true, read, current))
  return objects.merge(table_diffs, object_diffs)
end

return M
