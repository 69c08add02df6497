-- Shared setup for the specs: fresh databases on the private cluster that
-- scripts/test started, temporary projects, and running the built binary.
local core = require("luamig.core")

local M = {}

local function env(name)
  local v = os.getenv(name)
  if v == nil or v == "" then
    error(("%s is not set: run the specs through scripts/test, which starts PostgreSQL"):format(name), 0)
  end
  return v
end

M.base_url = function() return env("LUAMIG_TEST_URL") end
M.pghost = function() return env("LUAMIG_TEST_PGHOST") end
M.bin = function() return env("LUAMIG_BIN") end

-- A command line for a tool that is not ours (psql, pg_dump, pg_ctl): in
-- the sanitizer run LD_PRELOAD carries libasan for the spec interpreter,
-- and psql preloaded with it deadlocks at exit (in p11-kit).
function M.tool(cmd)
  return "env -u LD_PRELOAD " .. cmd
end

function M.shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local admin
local function admin_conn()
  if admin == nil or not admin:is_ok() then
    admin = assert(core.connect(M.base_url()))
    admin:set_notices(false)
  end
  return admin
end

local counter = 0

-- Creates an empty database; returns its URL and a connection to it.
function M.fresh_db()
  counter = counter + 1
  local name = ("luamig_t_%d_%d_%d"):format(os.time() % 100000, counter, math.random(1, 1e6))
  admin_conn():exec(('CREATE DATABASE "%s"'):format(name))
  local url = ("host=%s port=5432 user=postgres dbname=%s"):format(M.pghost(), name)
  local conn = assert(core.connect(url))
  conn:set_notices(false)
  return url, conn, name
end

-------------------------------------------------------------------- files

function M.write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

function M.read(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("a")
  f:close()
  return text
end

-- A new directory under the run's own (scripts/test removes it at the end).
function M.tmpdir()
  local p = io.popen(("mktemp -d %s/luamig-spec.XXXXXX"):format(M.shell_quote(env("LUAMIG_SPEC_TMPDIR"))))
  local dir = p:read("l")
  p:close()
  return dir
end

-- A revision file's text: r = { id, down = nil|"id"|{...}, up = "lua body",
-- down_body = "lua body", labels, depends_on, message, transaction }
function M.revision_source(r)
  local lit = require("luamig.script").graph_literal
  return ([[
return {
  revision = %q,
  down_revision = %s,
  branch_labels = %s,
  depends_on = %s,
  message = %q,
  transaction = %s,
  upgrade = function(op)
%s
  end,
  downgrade = function(op)
%s
  end,
}
]]):format(r.id, lit(r.down), lit(r.labels), lit(r.depends_on), r.message or ("revision " .. r.id),
    r.transaction == false and "false" or "true", r.up or "", r.down_body or "")
end

-- luamig.lua's text: spec.url, spec.transaction_per_migration and the
-- keys of spec.settings (e.g. { version_table_schema = "public" }).
local function config_source(spec)
  local lit = require("luamig.script").graph_literal
  local lines = { '  script_location = "migrations",', ("  url = %q,"):format(spec.url or ""),
                  ("  transaction_per_migration = %s,"):format(spec.transaction_per_migration == false and "false" or "true") }
  local keys = {}
  for k in pairs(spec.settings or {}) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do lines[#lines + 1] = ("  %s = %s,"):format(k, lit(spec.settings[k])) end
  return "return {\n" .. table.concat(lines, "\n") .. "\n}\n"
end

-- A project directory: luamig.lua pointing at url, migrations/ with the
-- template, env.lua and the given revisions ({ id=..., ... } as above, or
-- { file = "name.lua", source = "..." } for raw files).
function M.project(spec)
  local dir = M.tmpdir()
  os.execute(("cd %s && %s init migrations >/dev/null 2>&1"):format(M.shell_quote(dir), M.shell_quote(M.bin())))
  M.write(dir .. "/luamig.lua", spec.config or config_source(spec))
  for _, r in ipairs(spec.revisions or {}) do
    local name = r.file or (r.id .. "_" .. (r.slug or "rev") .. ".lua")
    M.write(dir .. "/migrations/versions/" .. name, r.source or M.revision_source(r))
  end
  return dir
end

------------------------------------------------------------------ running

-- Runs the binary in dir with args (a string, shell-quoted by the caller
-- where needed) as a user would: without the specs' LUA_PATH, so it loads
-- the modules compiled into it; returns exit code, stdout, stderr. opts.timeout: SIGKILL
-- it after that many seconds (exit code 137), so a hang fails a spec.
function M.run(dir, args, opts)
  opts = opts or {}
  local out, err = os.tmpname(), os.tmpname()
  local envs = ""
  local asan = os.getenv("LUAMIG_CHILD_ASAN_OPTIONS")
  if asan then envs = "ASAN_OPTIONS=" .. M.shell_quote(asan) .. " " end
  for k, v in pairs(opts.env or {}) do envs = envs .. k .. "=" .. M.shell_quote(v) .. " " end
  local kill = opts.timeout and ("timeout -s KILL %d "):format(opts.timeout) or ""
  local cmd = ("cd %s && %s%senv -u LUAMIG_URL -u LUAMIG_CONFIG -u LUA_PATH -u LUA_CPATH %s %s >%s 2>%s"):format(
    M.shell_quote(dir), opts.stdin and ("printf %%s " .. M.shell_quote(opts.stdin) .. " | ") or "",
    kill, envs, M.shell_quote(M.bin()) .. " " .. args, out, err)
  local _, _, code = os.execute(cmd)
  local stdout, stderr = M.read(out), M.read(err)
  os.remove(out)
  os.remove(err)
  return code, stdout, stderr
end

-- Runs fn(op) as the upgrade of one revision through the real runtime, on
-- conn (or offline into `out` when conn is nil).
function M.apply(conn, fn, cfg_overrides)
  local runtime = require("luamig.runtime")
  local cfg = { version_table = "luamig_version", history_table = "luamig_history", transaction_per_migration = true, x = {} }
  for k, v in pairs(cfg_overrides or {}) do cfg[k] = v end
  local node = { revision = "spec00000001", path = "spec", upgrade = fn, message = "spec" }
  local m = runtime.new({ cfg = cfg, conn = conn, out = cfg.out })
  m:run({ { node = node, direction = "up", from = {}, to = { node.revision }, version_ops = {} } })
end

------------------------------------------------------------------ catalog

-- The tables of a schema, the version table included and the history
-- table (luamig_history, checked by its own specs) left out.
function M.tables(conn, schema)
  local rows = conn:query("SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename <> 'luamig_history' ORDER BY 1",
    { schema or "public" })
  local names = {}
  for i, r in ipairs(rows) do names[i] = r.tablename end
  return names
end

function M.versions(conn, table_name)
  local rows = conn:exec(("SELECT version_num FROM %s ORDER BY 1"):format(table_name or "luamig_version"))
  local ids = {}
  for i, r in ipairs(rows) do ids[i] = r.version_num end
  return ids
end

function M.columns(conn, table_name, schema)
  local rows = conn:query([[SELECT column_name, data_type, is_nullable, column_default
    FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position]],
    { schema or "public", table_name })
  local cols = {}
  for _, r in ipairs(rows) do cols[r.column_name] = r end
  return cols
end

return M
