-- Fleet projects for the specs: a luamig.lua whose targets are given
-- databases (or schemas), two revisions, and the checks every fleet spec
-- makes of what each target holds.
local helpers = require("support.helpers")
local dkjson = require("dkjson")
local assert = require("luassert")

local M = {}

-- The second revision fails on the target whose x.tenant is opts.fail_on;
-- with opts.sleep each revision sleeps that many seconds (in the server,
-- so a kill lands inside one). With -x round=R, the tables, version and
-- history tables are a fresh set named after R (one fleet, many rounds).
local SUFFIX = [[local round = require("luamig").context().x.round
    local suffix = round and ("_r" .. round) or ""]]

local function revisions(opts)
  local nap = opts.sleep and ("op.execute(\"SELECT pg_sleep(%g)\")"):format(opts.sleep) or ""
  return {
    { id = "aaaa00000001", up = SUFFIX .. "\n" .. nap .. "\n" .. [[op.create_table("t1" .. suffix, { { "id", "int" } })]],
      down_body = SUFFIX .. "\n" .. [[op.drop_table("t1" .. suffix)]] },
    { id = "bbbb00000002", down = "aaaa00000001", up = SUFFIX .. "\n" .. nap .. "\n" .. ([[
    if require("luamig").context().x.tenant == %q then error("fails on " .. %q) end
    op.create_table("t2" .. suffix, { { "id", "int" } })]]):format(opts.fail_on or "", opts.fail_on or ""),
      down_body = SUFFIX .. "\n" .. [[op.drop_table("t2" .. suffix)]] },
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
  version_table = x.round and ("v_r" .. x.round) or nil,
  history_table = x.round and ("h_r" .. x.round) or nil,
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

-- What a target holds (in round R, when given): its version rows, how
-- many times each revision ran up (history), and its tables of the
-- round, to tell whether they match its version (nothing partial).
function M.state(conn, schema, round)
  local prefix = schema and (schema .. ".") or ""
  local v, h = "luamig_version", "luamig_history"
  if round then v, h = "v_r" .. round, "h_r" .. round end
  local ok, versions = pcall(helpers.versions, conn, prefix .. v)
  if not ok then versions = {} end
  local runs = {}
  local hok, rows = pcall(conn.exec, conn, ("SELECT revision, count(*)::int AS n FROM %s%s WHERE direction = 'upgrade' GROUP BY 1"):format(prefix, h))
  for _, r in ipairs(hok and rows or {}) do runs[r.revision] = r.n end
  local tables, suffix = {}, round and ("_r" .. round) or ""
  for _, name in ipairs(helpers.tables(conn, schema or "public")) do
    local base = name:match("^(t%d)" .. suffix:gsub("%p", "%%%0") .. "$")
    if base then tables[base] = true end
  end
  return { versions = versions, runs = runs, tables = tables }
end

-- Checks that a target is at head in round R, each revision applied once.
function M.assert_at_head(conn, schema, round, label)
  local st = M.state(conn, schema, round)
  assert.same({ "bbbb00000002" }, st.versions, label)
  assert.same({ aaaa00000001 = 1, bbbb00000002 = 1 }, st.runs, label)
  assert.same({ t1 = true, t2 = true }, st.tables, label)
end

-- Checks that what a target holds in round R matches its version row:
-- nothing applied twice, no table of a revision that is not recorded.
function M.assert_consistent(conn, schema, round, label)
  local st = M.state(conn, schema, round)
  local want = { [""] = {}, aaaa00000001 = { t1 = true }, bbbb00000002 = { t1 = true, t2 = true } }
  assert.is_true(#st.versions <= 1, label)
  assert.same(want[st.versions[1] or ""], st.tables, label)
  for rev, n in pairs(st.runs) do assert.equal(1, n, label .. " " .. rev) end
end

return M
