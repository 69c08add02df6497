-- The command line: parse argv against the table of commands below,
-- dispatch, print, and map outcomes to exit codes (0 ok, 1 failure,
-- 2 usage).
local core = require("luamig.core")
local commands = require("luamig.commands")
local errors = require("luamig.errors")

local M = {}

local VERSION = core.version

-- Options: flag = true takes no value; key names the field in s.args;
-- list = true collects repeats.
local global_options = {
  { "-c", "--config", key = "config", value = "FILE", help = "configuration file (default ./luamig.lua, or $LUAMIG_CONFIG)" },
  { nil, "--url", key = "url", value = "URL", help = "database URL, overriding $LUAMIG_URL and the config" },
  { "-x", nil, key = "x", value = "KEY=VALUE", list = true, help = "a value for env.lua and revisions: luamig.context().x.KEY" },
  { nil, "--lock-timeout", key = "lock_timeout", value = "SECONDS", number = true, help = "give up waiting for another run's lock after SECONDS" },
  { "-q", "--quiet", key = "quiet", flag = true, help = "no progress output" },
  { nil, "--json", key = "json", flag = true, help = "one JSON document (current, heads, history, status)" },
  { "-h", "--help", key = "help", flag = true, help = "show help" },
  { nil, "--version", key = "version", flag = true, help = "print the version" },
}

local verbose = { "-v", "--verbose", key = "verbose", flag = true, help = "more detail" }
local sql = { nil, "--sql", key = "sql", flag = true, help = "print the SQL instead of running it (no connection)" }
local message = { "-m", "--message", key = "message", value = "MSG", help = "the revision's message" }
local rev_id = { nil, "--rev-id", key = "rev_id", value = "ID", help = "the new revision's id (default: 12 random hex digits)" }
local branch_label = { nil, "--branch-label", key = "branch_label", value = "LABEL", help = "a branch label for the new revision" }

M.commands = {
  { name = "init", args = { "dir" }, summary = "create luamig.lua and a migrations directory DIR" },
  { name = "revision", summary = "write a new revision file and print its path",
    options = { message, rev_id, branch_label,
      { nil, "--head", key = "head", value = "REV", help = "the parent of the new revision (default: head)" },
      { nil, "--splice", key = "splice", flag = true, help = "allow --head to name a revision that is not a head" },
      { nil, "--depends-on", key = "depends_on", value = "REV", list = true, help = "a revision that must be applied first" },
      { nil, "--version-path", key = "version_path", value = "DIR", help = "write the file in DIR instead of versions/" },
      { nil, "--autogenerate", key = "autogenerate", flag = true, help = "fill the revision from the model (target_metadata)" } } },
  { name = "upgrade", args = { "target" }, options = { sql }, summary = "apply revisions up to TARGET (head, heads, +N, REV, label@head)" },
  { name = "downgrade", args = { "target" }, options = { sql }, summary = "revert revisions down to TARGET (base, -N, REV)" },
  { name = "current", options = { verbose }, summary = "the revisions recorded in the version table" },
  { name = "history", options = { verbose,
      { "-r", "--rev-range", key = "rev_range", value = "RANGE", help = "a range, e.g. a1:b2, -3:, current:" },
      { "-i", "--indicate-current", key = "indicate_current", flag = true, help = "mark the current revisions" } },
    summary = "the revision graph, newest first" },
  { name = "heads", options = { verbose }, summary = "the heads of the graph" },
  { name = "branches", options = { verbose }, summary = "the branch points of the graph" },
  { name = "show", args = { "rev" }, summary = "one revision in detail" },
  { name = "stamp", args = { "rev" }, options = { sql,
      { nil, "--purge", key = "purge", flag = true, help = "empty the version table first" } },
    summary = "write the version table without running migrations" },
  { name = "merge", args = { "revs..." }, options = { message, rev_id, branch_label }, summary = "write a revision merging REVS" },
  { name = "check", summary = "exit 1 if the model (env.lua target_metadata) differs from the database" },
  { name = "status", summary = "applied and pending revisions, in order" },
}

---------------------------------------------------------------- parsing

local UsageError = {}

local function usage_error(fmt, ...)
  error(setmetatable({ message = fmt:format(...) }, UsageError), 0)
end

local function find_command(name)
  for _, cmd in ipairs(M.commands) do
    if cmd.name == name then return cmd end
  end
end

local function find_option(options, word)
  for _, o in ipairs(options) do
    if word == o[1] or word == o[2] then return o end
  end
end

-- Reads one option at argv[i] into dest; returns the next index.
local function take_option(o, argv, i, dest, inline)
  local value = true
  if not o.flag then
    value = inline
    if value == nil then
      value = argv[i + 1]
      if value == nil then usage_error("option %s needs a value (%s)", argv[i], o.value) end
      i = i + 1
    end
    if o.number then
      local n = tonumber(value)
      if not n or n < 0 then usage_error("option %s needs a number of seconds, got %q", argv[i - 1] or argv[i], value) end
      value = n
    end
  elseif inline ~= nil then
    usage_error("option %s takes no value", argv[i])
  end
  if o.list then
    dest[o.key] = dest[o.key] or {}
    table.insert(dest[o.key], value)
  else
    dest[o.key] = value
  end
  return i + 1
end

-- Parses argv into (global options, command, command args).
function M.parse(argv)
  local opts, args, positional = {}, {}, {}
  local cmd
  local i = 1
  while i <= #argv do
    local word = argv[i]
    local name, inline = word:match("^(%-%-[^=]+)=(.*)$")
    name = name or word
    local o = find_option(global_options, name) or (cmd and find_option(cmd.options or {}, name))
    if o then
      i = take_option(o, argv, i, (cmd and not find_option(global_options, name)) and args or opts, inline)
    elseif word:sub(1, 1) == "-" and word ~= "-" and not (cmd and word:match("^%-%d+$")) then
      usage_error("unknown option %s%s", word, cmd and (" for " .. cmd.name) or "")
    elseif cmd == nil then
      cmd = find_command(word)
      if cmd == nil then usage_error("unknown command %q", word) end
      i = i + 1
    else
      positional[#positional + 1] = word
      i = i + 1
    end
  end
  if cmd then
    local wanted = cmd.args or {}
    for k, argname in ipairs(wanted) do
      if argname:sub(-3) == "..." then
        args[argname:sub(1, -4)] = { table.unpack(positional, k) }
        positional = {}
        break
      end
      if positional[k] == nil and not opts.help then usage_error("%s needs %s", cmd.name, argname:upper()) end
      args[argname] = positional[k]
    end
    if #positional > #wanted then usage_error("%s: unexpected argument %q", cmd.name, positional[#wanted + 1]) end
  end
  if opts.x then
    local x = {}
    for _, kv in ipairs(opts.x) do
      local k, v = kv:match("^([^=]+)=(.*)$")
      if not k then usage_error("-x needs KEY=VALUE, got %q", kv) end
      x[k] = v
    end
    opts.x = x
  end
  return opts, cmd, args
end

----------------------------------------------------------------- help

local function option_lines(options, out)
  for _, o in ipairs(options) do
    local names = o[1] and o[2] and (o[1] .. ", " .. o[2]) or (o[1] or o[2])
    if o.value then names = names .. " " .. o.value end
    out[#out + 1] = ("  %-28s %s"):format(names, o.help)
  end
end

function M.usage(cmd)
  local out = {}
  if cmd then
    local args = {}
    for _, a in ipairs(cmd.args or {}) do args[#args + 1] = a:upper() end
    out[1] = ("usage: luamig [options] %s%s%s"):format(cmd.name,
      (cmd.options and #cmd.options > 0) and " [options]" or "", #args > 0 and (" " .. table.concat(args, " ")) or "")
    out[2] = ""
    out[3] = cmd.summary
    if cmd.options then
      out[#out + 1] = ""
      out[#out + 1] = "options:"
      option_lines(cmd.options, out)
    end
  else
    out[1] = "usage: luamig [options] COMMAND [ARGS]"
    out[2] = ""
    out[3] = "commands:"
    for _, c in ipairs(M.commands) do
      out[#out + 1] = ("  %-12s %s"):format(c.name, c.summary)
    end
    out[#out + 1] = ""
    out[#out + 1] = "options:"
    option_lines(global_options, out)
    out[#out + 1] = ""
    out[#out + 1] = "'luamig COMMAND --help' tells more of a command."
  end
  return table.concat(out, "\n")
end

------------------------------------------------------------------- main

local function session(opts, args)
  local quiet = opts.quiet
  return {
    opts = opts,
    args = args,
    out = function(line) io.stdout:write(line, "\n") end,
    -- stdout is flushed first so that results and progress interleave in order
    log = function(line)
      if quiet then return end
      io.stdout:flush()
      io.stderr:write(line, "\n")
    end,
    warn = function(line)
      io.stdout:flush()
      io.stderr:write("luamig: warning: ", line, "\n")
    end,
  }
end

function M.main(argv)
  local ok, opts, cmd, args = pcall(M.parse, argv)
  if not ok then
    local err = opts
    if getmetatable(err) == UsageError then
      io.stderr:write("luamig: ", err.message, "\n", "'luamig --help' lists the commands and options.\n")
      return 2
    end
    error(err, 0)
  end
  if opts.version then
    io.stdout:write("luamig ", VERSION, "\n")
    return 0
  end
  if opts.help then
    io.stdout:write(M.usage(cmd), "\n")
    return 0
  end
  if cmd == nil then
    io.stderr:write(M.usage(), "\n")
    return 2
  end
  core.trap_signals()
  local s = session(opts, args)
  local run_ok, result = pcall(commands[cmd.name], s)
  if run_ok then return result or 0 end
  local url = opts.url or os.getenv("LUAMIG_URL")
  io.stderr:write("luamig: ", errors.redact(errors.describe(result), url), "\n")
  return 1
end

return M
