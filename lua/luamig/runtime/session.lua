-- The server session a run works in: opening the connection, the session
-- settings of the run, and refusing a pooling proxy that would share the
-- session with other clients.
local core = require("luamig.core")
local ddl = require("luamig.ddl")
local errors = require("luamig.errors")
local one_line = require("luamig.text").one_line

local M = {}

-- How soon the server notices that luamig died (kill -9) in the middle of
-- a statement, ends the session and so frees the migration lock
-- (PostgreSQL 14+; older servers notice only when the statement ends).
local DEAD_CLIENT_CHECK = "2s"

-- Opens the connection named by cfg.url, waiting at most timeout seconds
-- for the server unless the URL sets connect_timeout; the error never
-- shows a password.
function M.connect(url, timeout)
  if type(url) ~= "string" or url == "" then
    error("no database URL: pass --url, set LUAMIG_URL, or set url in the config file", 0)
  end
  errors.check_url(url)
  local conn, err = core.connect(url, timeout)
  if conn == nil then
    error(("cannot connect to the database: %s"):format(one_line(errors.redact(err, url))), 0)
  end
  if conn:server_version() >= 140000 then
    conn:exec(ddl.set_settings({ { "client_connection_check_interval", DEAD_CLIENT_CHECK } }))
  end
  return conn
end

-- The statement setting the session for the whole run (PostgreSQL's
-- lock_timeout and statement_timeout, from the config), so that no
-- statement queues behind a long transaction and blocks production
-- traffic; nil when the config sets neither.
function M.settings_statement(cfg)
  local settings = {}
  for _, name in ipairs({ "lock_timeout", "statement_timeout" }) do
    local v = cfg[name]
    if v ~= nil then
      if math.type(v) == "integer" then v = tostring(v) .. "ms" end
      settings[#settings + 1] = { name, tostring(v) }
    end
  end
  if #settings > 0 then return ddl.set_settings(settings) end
end

-- Refuses a pooling proxy that shares our server session with other
-- clients (PgBouncer in transaction or statement mode): a session lock
-- protects nothing there. A proxy shows as a pid from libpq (PgBouncer's
-- own) unlike the server's; then a second client must not reach the server
-- session we just left idle, as it does through such a pool.
function M.check_kept(conn, url)
  local pid = conn:query(ddl.BACKEND_PID_QUERY)[1].pid
  if pid == conn:backend_pid() then return end
  local probe = M.connect(url)
  local ok, probe_pid = pcall(function() return probe:query(ddl.BACKEND_PID_QUERY)[1].pid end)
  probe:close()
  if not ok then error(probe_pid, 0) end
  if probe_pid == pid then
    error("the connection goes through a pooling proxy that shares server sessions between clients "
      .. "(such as PgBouncer in transaction or statement mode): session advisory locks do not work there; "
      .. "connect to PostgreSQL directly or through session pooling for migrations", 0)
  end
end

return M
