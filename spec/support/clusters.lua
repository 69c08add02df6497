-- Extra private PostgreSQL clusters, started as scripts/test starts the
-- main one (scripts/lib.sh's pg_start: initdb as the postgres user, a
-- unix socket in its own directory), for specs that need several servers.
local core = require("luamig.core")
local helpers = require("support.helpers")

local quote = helpers.shell_quote

local M = {}

local function lib(script)
  return ("bash -c %s"):format(quote(". scripts/lib.sh; " .. script))
end

-- Starts a cluster in a new directory; returns { dir, url(dbname),
-- admin (a connection to postgres), stop() }.
function M.start()
  local dir = helpers.tmpdir()
  os.execute("chmod 755 " .. quote(dir))
  local ok = os.execute(helpers.tool(lib(("pg_start %s >&2"):format(quote(dir .. "/pg")))))
  assert(ok, "an extra PostgreSQL cluster did not start in " .. dir)
  local c = { dir = dir .. "/pg" }
  function c.url(dbname) return ("host=%s port=5432 user=postgres dbname=%s"):format(c.dir, dbname) end
  c.admin = assert(core.connect(c.url("postgres")))
  c.admin:set_notices(false)
  function c.stop()
    if c.admin:is_ok() then c.admin:close() end
    os.execute(helpers.tool(lib(("PG_DIR=%s pg_stop"):format(quote(c.dir)))))
  end
  return c
end

-- Creates databases prefix1..prefixN on cluster c; returns their targets.
function M.databases(c, prefix, n, label)
  local list = {}
  for i = 1, n do
    local name = prefix .. i
    c.admin:exec(('CREATE DATABASE "%s"'):format(name))
    list[#list + 1] = { name = label .. "-" .. name, url = c.url(name), dbname = name, cluster = c }
  end
  return list
end

-- The client sessions on cluster c besides the admin connection: a fleet
-- left none behind when this reaches 0.
function M.sessions(c)
  return c.admin:query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")[1].n
end

return M
