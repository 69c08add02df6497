-- Fleet projects for the specs: a luamig.lua whose targets are given
-- databases (or schemas), two revisions, and the checks every fleet spec
-- makes of what each target holds.
local helpers = require("support.helpers")
local dkjson = require("dkjson")

local M = {}

-- The second revision fails on the target whose x.tenant is opts.fail_on;
-- with opts.sleep each revision sleeps that many seconds (in the server,
-- so a kill lands inside one).
local function revisions(opts)
  local nap = opts.sleep and ("op.execute(\"SELECT pg_sleep(%g)\")"):format(opts.sleep) or ""
  return {
    { id = "aaaa00000001", up = nap .. "\n" .. [[op.create_table("t1", { { "id", "int" } })]],
      down_body = [[op.drop_table("t1")]] },
    { id = "bbbb00000002", down = "aaaa00000001", up = nap .. "\n" .. ([[
    if require("luamig").context().x.tenant == %q then error("fails on " .. %q) end
    op.create_table("t2", { { "id", "int" } })]]):format(opts.fail_on or "", opts.fail_on or ""),
      down_body = [[op.drop_table("t2")]] },
  }
end

-- targets: { { name, url, schema? } }: each target's x.tenant is its
-- name; a schema makes it a tenant of that schema (version table and
-- search_path there, through luamig.lua and env.lua).
function M.project(targets, opts)
  opts = opts or {}
  local dir = helpers.project { revisions = revisions(opts) }
  local lit = require("luamig.script").graph_literal
  local list = {}
  for _, t in ipairs(targets) do
    list[#list + 1] = ("  { name = %q, url = %q, x = { tenant = %q, schema = %s } },"):format(
      t.name, t.url, t.name, lit(t.schema))
  end
  helpers.write(dir .. "/luamig.lua", ([[
local x = require("luamig").context().x
return {
  script_location = "migrations",
  version_table_schema = x.schema,
  targets = {
%s
  },
}
]]):format(table.concat(list, "\n")))
  helpers.write(dir .. "/migrations/env.lua", [[
local luamig = require("luamig")
return {
  on_connect = function(db)
    local schema = luamig.context().x.schema
    if schema then db:query("SELECT set_config('search_path', $1, false)", { schema }) end
  end,
}
]])
  return dir
end

function M.json(out)
  local doc, _, msg = dkjson.decode(out)
  assert(doc, msg)
  return doc
end

-- What a target holds: its version rows, how many times each revision
-- ran up (history), and whether its tables match its version (nothing
-- partial).
function M.state(conn, schema)
  local prefix = schema and (schema .. ".") or ""
  local ok, versions = pcall(helpers.versions, conn, prefix .. "luamig_version")
  if not ok then versions = {} end
  local runs = {}
  local hok, rows = pcall(conn.exec, conn, ("SELECT revision, count(*)::int AS n FROM %sluamig_history WHERE direction = 'upgrade' GROUP BY 1"):format(prefix))
  for _, r in ipairs(hok and rows or {}) do runs[r.revision] = r.n end
  local tables = {}
  for _, name in ipairs(helpers.tables(conn, schema or "public")) do tables[name] = true end
  return { versions = versions, runs = runs, tables = tables }
end

return M
