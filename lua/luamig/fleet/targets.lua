-- The fleet's targets: from luamig.lua's `targets` (a list, or a function
-- of the -x values returning one) or from --targets FILE (`name url`
-- lines), checked, then picked by --target and --shard.
local config = require("luamig.config")
local core = require("luamig.core")
local luamig = require("luamig")

local M = {}

-- A name is what the report shows and what --target and the child use:
-- one word, no control characters.
local function name_problem(name)
  if type(name) ~= "string" or name == "" then return "needs a name (a non-empty string)" end
  if name:find("[%s%c]") then return ("name %q holds a space or a control character"):format(name) end
end

local function check(list, where)
  if type(list) ~= "table" then
    error(("%s: targets must be a list of { name = ..., url = ..., x = { ... } }, got %s"):format(where, type(list)), 0)
  end
  local seen = {}
  for i, t in ipairs(list) do
    if type(t) ~= "table" then error(("%s: targets[%d] must be a table, got %s"):format(where, i, type(t)), 0) end
    local problem = name_problem(t.name)
    if problem then error(("%s: targets[%d] %s"):format(where, i, problem), 0) end
    if seen[t.name] then error(("%s: targets[%d]: the name %q is taken by targets[%d]"):format(where, i, t.name, seen[t.name]), 0) end
    seen[t.name] = i
    if t.url ~= nil and type(t.url) ~= "string" then error(("%s: target %s: url must be a string"):format(where, t.name), 0) end
    if t.x ~= nil and type(t.x) ~= "table" then error(("%s: target %s: x must be a table"):format(where, t.name), 0) end
  end
  return list
end

-- --targets FILE: a `name url` line per target (the url is the rest of
-- the line, so a keyword/value URL with spaces fits); # starts a comment.
local function from_file(path)
  local text, err = core.readfile(path)
  if text == nil then error("--targets: cannot read " .. err, 0) end
  local list, n = {}, 0
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    line = line:gsub("\r$", "")
    if not line:match("^%s*#") and line:match("%S") then
      local name, url = line:match("^%s*(%S+)%s+(.-)%s*$")
      if not name or url == "" then error(("--targets %s:%d: needs 'name url', got %q"):format(path, n, line), 0) end
      list[#list + 1] = { name = name, url = url }
    end
  end
  return check(list, "--targets " .. path)
end

-- The config's targets, evaluated with the command line's -x values; nil
-- when it has none (or there is no config: the command says so itself).
local function from_config(opts)
  local path = config.path(opts)
  luamig.set_context({ x = opts.x or {} })
  local raw = config.load_table_file(path, "config", true)
  if raw == nil or raw.targets == nil then return nil end
  local list = raw.targets
  if type(list) == "function" then
    local ok, result = pcall(list, opts.x or {})
    if not ok then error(("config %s: targets(): %s"):format(path, tostring(result)), 0) end
    list = result
  end
  return check(list, "config " .. path)
end

-- Every target, or nil when this is not a fleet.
function M.load(opts)
  if opts.targets_file then return from_file(opts.targets_file) end
  return from_config(opts)
end

-- The one named name, for a child.
function M.named(opts, name)
  for _, t in ipairs(M.load(opts) or {}) do
    if t.name == name then return t end
  end
  error(("target %s is no longer among the targets"):format(name), 0)
end

-- The targets --target names (in the fleet's order) and --shard K/N
-- keeps (position ≡ K mod N, counting from 0); usage(msg) for a name
-- that is no target.
function M.pick(list, opts, usage)
  local wanted
  if opts.target then
    local names = {}
    for _, t in ipairs(list) do names[t.name] = true end
    wanted = {}
    for _, name in ipairs(opts.target) do
      if not names[name] then usage(("--target %s names no target"):format(name)) end
      wanted[name] = true
    end
  end
  local picked = {}
  for i, t in ipairs(list) do
    local in_shard = opts.shard == nil or (i - 1) % opts.shard.of == opts.shard.index
    if in_shard and (wanted == nil or wanted[t.name]) then picked[#picked + 1] = t end
  end
  return picked
end

-- The x values a target's run sees: the command line's, overlaid by the
-- target's own.
function M.x_of(target, x)
  local merged = {}
  for k, v in pairs(x or {}) do merged[k] = v end
  for k, v in pairs(target.x or {}) do merged[k] = v end
  return merged
end

return M
