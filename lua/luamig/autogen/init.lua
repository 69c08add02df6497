-- Autogenerate: read the live catalog in a few queries, compare it with a
-- model built by luamig.schema, and render the differences as Lua `op`
-- calls for a revision's upgrade and downgrade. The package, top to
-- bottom:
--   compare.lua    model and reflected table descriptions -> diff records, in a safe order
--   lineage.lua    a partition's bound, a parent's PARTITION BY, INHERITS of tables both sides have
--   objects.lua    the same for schemas, extensions, sequences, enums, domains; merged by phase
--   render.lua     diff records -> the bodies of upgrade and downgrade
--   describe.lua   diff records -> "Detected ..." lines
--   kinds.lua      each kind of diff record, once: phase, description, op call, inverse
--   write.lua      pieces of op calls and of names, as text
--   dependents.lua functions, triggers and views: both sides compared, placed around the tables
--   catalog.lua    the server's tables as descriptions (all the catalog SQL)
--   model.lua      a schema.metadata as descriptions of the same shape
--   normalize.lua  types, defaults, expressions, comments, names
--   equality.lua   the server's word on expressions the text keys find different
local catalog = require("luamig.autogen.catalog")
local compare = require("luamig.autogen.compare")
local dependents = require("luamig.autogen.dependents")
local describe = require("luamig.autogen.describe")
local equality = require("luamig.autogen.equality")
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

-- env.lua's switches: nil, a boolean or a function.
local function check_switches(opts)
  for _, name in ipairs { "compare_type", "compare_server_default", "include_name" } do
    local v = opts[name]
    if v ~= nil and type(v) ~= "function" and (name == "include_name" or type(v) ~= "boolean") then
      error(("env.lua: %s must be %s, got %s"):format(name,
        name == "include_name" and "a function" or "true, false or a function", type(v)), 0)
    end
  end
end

-- The model's tables and other objects: all that names a schema to read.
local function with_dependents(tables, deps)
  local out = {}
  for _, list in ipairs { tables, deps.functions, deps.triggers, deps.views, deps.aggregates } do
    table.move(list, 1, #list, #out + 1, out)
  end
  return out
end

-- The diff records between the database and metadata (see kinds.lua), in
-- an order that is safe to apply top to bottom. opts = { schemas = { ... }
-- (default: the current schema and those the model names), include_object
-- = function(obj) -> truthy to keep, include_name = function(name, type,
-- parent_names) -> truthy to read (the database's side, before it is
-- read), ignore_tables = { names } (default: luamig_version,
-- luamig_history), compare_type, compare_server_default (true by default;
-- false, or a function as Alembic's: compare.judge), context (handed to
-- those functions) }.
--
-- schemas = true reads every schema but the server's own (Alembic's
-- include_schemas = true).
function M.compare(conn, metadata, opts)
  opts = opts or {}
  check_switches(opts)
  local current = catalog.current_schema(conn)
  local tables = compare.filter(model.tables(metadata, current), opts, false)
  local deps = dependents.filter(dependents.model(metadata, current), opts, false, current)
  -- a schema holding only functions or views is the model's too
  local mobjects = objects.model(metadata, with_dependents(tables, deps), current)
  local names = compare.name_filter(opts.include_name, current)
  local read = names.schemas(opts.schemas == true and catalog.user_schemas(conn)
    or compare.schemas_to_read(opts, objects.placed(with_dependents(tables, deps), mobjects), current))
  local _, reflected, live = catalog.inspect(conn, read, current, names.table)
  reflected = compare.filter(names.contents(reflected), opts, true)
  local equal = equality.verdicts(conn, tables, reflected,
    { compare_server_default = opts.compare_server_default, index_signature = compare.index_signature })
  local table_diffs = compare.diffs(tables, reflected, { equal = equal, compare_type = opts.compare_type,
    compare_server_default = opts.compare_server_default, context = opts.context })
  local object_diffs = objects.diffs(objects.filter(mobjects, opts, false, read, current),
                                     objects.filter(live, opts, true, read, current))
  local live_deps = dependents.filter(catalog.dependents(conn, read, current, live.view_indexes), opts, true, current)
  equality.function_signatures(conn, deps.functions, live_deps.functions)
  return dependents.around(objects.merge(table_diffs, object_diffs), deps, live_deps, current)
end

return M
