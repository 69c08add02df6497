-- Finding and loading luamig.lua, and applying command-line overrides.
local args = require("luamig.args")
local core = require("luamig.core")
local ddl = require("luamig.ddl")
local luamig = require("luamig")

local M = {}

M.DEFAULT_FILE = "luamig.lua"

-- The keys a config may hold and the Lua types each may take, as
-- luamig.args.is_a reads them.
local known_keys = {
  script_location = "string",
  url = "string",
  version_table = "string",
  version_table_schema = "string",
  history_table = "string",
  transaction_per_migration = "boolean",
  version_locations = "table",
  lock_timeout = "number|string",
  statement_timeout = "number|string",
  connect_timeout = "number",
  targets = "table|function",  -- a fleet (DESIGN.md §12): luamig.fleet reads it
  -- lint (#17)
  lint = "string",
  lint_small_table_rows = "number",
  lint_include = "table",
}

local LINT_MODES = { warn = true, error = true, off = true }

local function check_types(path, cfg)
  local what = "config " .. path
  for key, types in pairs(known_keys) do
    local v = cfg[key]
    if v ~= nil and not args.is_a(v, types) then
      args.fail(what, "%s must be a %s, got %s", key, (types:gsub("|", " or ")), type(v))
    end
  end
  if cfg.connect_timeout ~= nil and not (cfg.connect_timeout > 0) then
    args.fail(what, "connect_timeout must be a positive number of seconds, got %s", cfg.connect_timeout)
  end
  if cfg.lint ~= nil and not LINT_MODES[cfg.lint] then
    args.fail(what, "lint must be \"warn\", \"error\" or \"off\", got %q", cfg.lint)
  end
  if cfg.lint_small_table_rows ~= nil and not (cfg.lint_small_table_rows >= 0) then
    args.fail(what, "lint_small_table_rows must be a number of rows (0 or more), got %s", cfg.lint_small_table_rows)
  end
  for i, loc in ipairs(cfg.version_locations or {}) do
    if type(loc) ~= "string" or loc == "" then
      args.fail(what, "version_locations[%d] must be a string (a directory), got %s", i,
        loc == "" and "an empty string" or type(loc))
    end
  end
end

-- PostgreSQL cuts names at 63 bytes (NAMEDATALEN - 1) with only a notice,
-- so a longer name would make luamig look for a table the server never
-- created, and the version table's primary key, named "<name>_pkc", would
-- be cut to the same name as a 60-byte table: names that do not fit are
-- refused before anything runs.
local NAME_BYTES = 63
local name_keys = {
  { key = "version_table", reserved = #"_pkc", why = ', and the primary key is named version_table.."_pkc"' },
  { key = "history_table", reserved = 0, why = "" },
  { key = "version_table_schema", reserved = 0, why = "" },
}

local function check_names(path, cfg)
  local what = "config " .. path
  if cfg.history_table == cfg.version_table then
    args.fail(what, "history_table and version_table must name two tables, both are %q", cfg.version_table)
  end
  for _, k in ipairs(name_keys) do
    local v, max = cfg[k.key], NAME_BYTES - k.reserved
    -- the dialect's own rule for a name (not empty, no NUL byte)
    local ok, err = pcall(ddl.ident, v or "x")
    if not ok then args.fail(what, "%s: %s", k.key, err) end
    if v ~= nil and #v > max then
      args.fail(what, "%s is %d bytes long; at most %d fit (PostgreSQL names hold %d bytes%s)",
        k.key, #v, max, NAME_BYTES, k.why)
    end
  end
end

local defaults = {
  version_table = "luamig_version",
  history_table = "luamig_history",
  transaction_per_migration = true,
  connect_timeout = 10,  -- seconds; a connect_timeout in the URL wins
}

function M.dirname(path)
  local dir = path:match("^(.*)/[^/]*$")
  if dir == nil then return "." end
  if dir == "" then return "/" end
  return dir
end

-- path relative to dir, unless absolute
function M.join(dir, path)
  if path:sub(1, 1) == "/" or dir == "." then return path end
  return dir .. "/" .. path
end

-- Runs a Lua file that must return a table. Errors read
-- "<kind> <path>:<line>: <message>"; returns the table and the file's bytes,
-- or nothing when `optional` and the file does not exist. It must be a
-- regular file (core.readfile: a FIFO or device is refused, not waited on).
function M.load_table_file(path, kind, optional)
  local text, read_err, missing = core.readfile(path)
  if text == nil and missing and optional then return end
  if text == nil then error(("%s: cannot read %s"):format(kind, read_err), 0) end
  return M.load_table_text(text, path, kind), text
end

-- Runs `text`, the bytes of the Lua file `path`, as load_table_file does.
function M.load_table_text(text, path, kind)
  local function fail(msg)
    msg = tostring(msg)
    if msg:sub(1, #path + 1) == path .. ":" then error(kind .. " " .. msg, 0) end
    error(("%s %s: %s"):format(kind, path, msg), 0)
  end
  -- as the lua command reads a file: a UTF-8 byte order mark is skipped
  local source = text:gsub("^\239\187\191", "")
  local chunk, err = load(source, "@" .. path, "t", setmetatable({}, { __index = _G }))
  if not chunk then fail(err) end
  local ok, result = pcall(chunk)
  if not ok then fail(result) end
  if type(result) ~= "table" then fail(("must return a table, got %s"):format(type(result))) end
  if getmetatable(result) == nil then return result end
  -- the file's own code runs as the table is read (__index, __pairs):
  -- read it through a proxy that names the file when that code fails
  local function guarded(f, ...)
    local results = table.pack(pcall(f, ...))
    if not results[1] then fail(results[2]) end
    return table.unpack(results, 2, results.n)
  end
  return setmetatable({}, {
    __index = function(_, key) return guarded(function() return result[key] end) end,
    __pairs = function()
      local step, state, init = guarded(pairs, result)
      return function(_, key) return guarded(step, state, key) end, state, init
    end,
  })
end

-- Makes modules in dir loadable by require (env.lua, revisions, models).
local function add_module_dir(dir)
  local entry = dir .. "/?.lua;" .. dir .. "/?/init.lua;"
  if not package.path:find(entry, 1, true) then package.path = entry .. package.path end
end

-- The config file opts (-c) name, or $LUAMIG_CONFIG, or luamig.lua.
function M.path(opts)
  return opts.config or os.getenv("LUAMIG_CONFIG") or M.DEFAULT_FILE
end

-- opts: { config = -c FILE, url = --url, x = { key = value } }; warn(msg)
-- prints a warning. Returns the configuration table with absolute-or-
-- relative-to-cwd paths resolved against the config file's directory.
-- The file sees the -x values as luamig.context().x.
function M.load(opts, warn)
  local path = M.path(opts)
  luamig.set_context({ x = opts.x or {} })
  local raw = M.load_table_file(path, "config", true)
  if raw == nil then
    error(("config file %s not found (create one with 'luamig init DIR', or pass -c FILE)"):format(path), 0)
  end
  local cfg = { path = path, dir = M.dirname(path), x = opts.x or {} }
  for k, v in pairs(raw) do
    if known_keys[k] then cfg[k] = v
    elseif warn then warn(("config %s: unknown key %q ignored"):format(path, tostring(k))) end
  end
  for k, v in pairs(defaults) do
    if cfg[k] == nil then cfg[k] = v end
  end
  if cfg.script_location == nil or cfg.script_location == "" then
    error(("config %s: script_location must be a string naming the migrations directory"):format(path), 0)
  end
  check_types(path, cfg)
  check_names(path, cfg)
  cfg.script_dir = M.join(cfg.dir, cfg.script_location)
  cfg.version_dirs = { cfg.script_dir .. "/versions" }
  for _, loc in ipairs(cfg.version_locations or {}) do
    cfg.version_dirs[#cfg.version_dirs + 1] = M.join(cfg.dir, loc)
  end
  cfg.url = opts.url or os.getenv("LUAMIG_URL") or cfg.url
  add_module_dir(cfg.dir)
  return cfg
end

return M
