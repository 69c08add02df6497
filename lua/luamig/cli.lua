-- The command line: parse argv against the table of commands below,
-- dispatch, print, and map outcomes to exit codes (0 ok, 1 failure,
-- 2 usage).
local core = require("luamig.core")
local errors = require("luamig.errors")
local display = require("luamig.display")

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
  { nil, "--json", key = "json", flag = true, help = "one JSON document (current, heads, history, status, lint)" },
  -- fleets (issue 18): the options of a run over many targets
  { "-j", nil, key = "jobs", value = "N", help = "with targets: run N targets at once, each in its own process (default 1)" },
  { nil, "--shard", key = "shard", value = "K/N", help = "with targets: only those whose position (from 0) is K modulo N" },
  { nil, "--target", key = "target", value = "NAME", list = true, help = "with targets: only the target NAME (repeatable)" },
  { nil, "--targets", key = "targets_file", value = "FILE", help = "the targets, a 'name url' line each, instead of the config's" },
  { nil, "--fail-fast", key = "fail_fast", flag = true, help = "with targets: start no target after one failed" },
  { "-h", "--help", key = "help", flag = true, help = "show help" },
  { nil, "--version", key = "version", flag = true, help = "print the version" },
}

M.global_options = global_options

local verbose = { "-v", "--verbose", key = "verbose", flag = true, help = "more detail" }
local sql = { nil, "--sql", key = "sql", flag = true, help = "print the SQL instead of running it (no connection)" }
local message = { "-m", "--message", key = "message", value = "MSG", help = "the revision's message" }
local rev_id = { nil, "--rev-id", key = "rev_id", value = "ID", help = "the new revision's id: letters, digits and _, at most 32 (default: 12 random hex digits)" }
local branch_label = { nil, "--branch-label", key = "branch_label", value = "LABEL", help = "a branch label for the new revision" }

-- Each command: name, args (upper-cased in help; "x..." takes the rest,
-- "x?" is optional), summary (one line for the command list), text (what
-- it does, for COMMAND --help), arg_help, options, example (command lines).
M.commands = {
  { name = "init", args = { "dir" }, summary = "create luamig.lua and a migrations directory DIR",
    text = "Creates luamig.lua (or the file named by -c) and DIR with env.lua, script.lua.tmpl and an empty versions/ directory. Refuses a DIR that exists and is not empty.",
    arg_help = { dir = "the migrations directory to create (script_location)" },
    example = { "luamig init migrations" } },
  { name = "revision", summary = "write a new revision file and print its path",
    text = "Writes a new revision on top of the current head (or --head) from script.lua.tmpl and prints its path. With --autogenerate, compares the database (which must be at head) with env.lua's target_metadata and fills upgrade and downgrade with the op calls that close the difference.",
    options = { message, rev_id, branch_label,
      { nil, "--head", key = "head", value = "REV", help = "the parent of the new revision (default: head; base starts a new base)" },
      { nil, "--splice", key = "splice", flag = true, help = "allow --head to name a revision that is not a head" },
      { nil, "--depends-on", key = "depends_on", value = "REV", list = true, help = "a revision that must be applied first (repeatable)" },
      { nil, "--version-path", key = "version_path", value = "DIR", help = "write the file in DIR, one of the version locations, instead of versions/" },
      { nil, "--autogenerate", key = "autogenerate", flag = true, help = "fill the revision from the model (target_metadata)" } },
    example = { 'luamig revision -m "add invoices"', 'luamig revision -m "add invoices" --head 8b04f6a2d7e1 --splice' } },
  { name = "upgrade", args = { "target" }, options = { sql }, summary = "apply revisions up to TARGET (head, heads, +N, REV, label@head)",
    text = "Applies the revisions between the database's current revisions and TARGET, oldest first, each with its version-table change in one transaction. Holds the migration lock for the whole run. A progress line per revision goes to stderr.",
    arg_help = { target = "head, heads (every head), a full or unique partial revision id, +N, REV+N, label@head, label@+N; FROM:TO with --sql" },
    example = { "luamig upgrade head", "luamig upgrade billing@+1", "luamig upgrade base:head --sql > upgrade.sql" } },
  { name = "downgrade", args = { "target" }, options = { sql }, summary = "revert revisions down to TARGET (base, -N, REV)",
    text = "Reverts the revisions above TARGET, newest first, each with its version-table change in one transaction. -1 at a merge point is an ambiguous walk: name the branch (label@-1) or the revision. --sql needs FROM:TO.",
    arg_help = { target = "base, -N, a revision id, REV-N, label@-N; FROM:TO with --sql" },
    example = { "luamig downgrade -1", "luamig downgrade auth@-1", "luamig downgrade head:base --sql" } },
  { name = "current", options = { verbose }, summary = "the revisions recorded in the version table",
    text = "Prints the current revisions as Alembic does: those in the version table and what they depend on (depends_on), less what another of them builds on; one line each, (head) marked. -v starts with the database URL (password hidden) and prints a block per revision. Nothing when the database is at base.",
    example = { "luamig current", "luamig --json current" } },
  { name = "history", options = { verbose,
      { "-r", "--rev-range", key = "rev_range", value = "RANGE", help = "a range, e.g. a1:b2, -3:, current:, :head" },
      { "-i", "--indicate-current", key = "indicate_current", flag = true, help = "mark the current revisions (connects to the database)" } },
    summary = "the revision graph, newest first",
    text = "Prints the revision graph newest first, as Alembic does: 'parents -> rev (labels) (head) (branchpoint), message'. Reads only the revision files unless -i or a range naming current needs the database.",
    example = { "luamig history -i", "luamig history -r -3:" } },
  { name = "heads", options = { verbose,
      { nil, "--resolve-dependencies", key = "resolve_dependencies", flag = true,
        help = "leave out heads that another revision depends on (effective heads)" } },
    summary = "the heads of the graph",
    text = "Prints the revisions no other revision builds on, with their branch labels; a head that another revision names in depends_on is an '(effective head)'. Reads only the revision files.",
    example = { "luamig heads", "luamig heads --resolve-dependencies" } },
  { name = "branches", options = { verbose }, summary = "the branch points of the graph",
    text = "Prints every revision with more than one child, newest first, each followed by its children. Reads only the revision files.",
    example = { "luamig branches" } },
  { name = "show", args = { "rev" }, summary = "one revision in detail",
    text = "Prints one revision (or each revision REV names) as a block: parents, branches, labels, path and message. 'current' shows the revisions in the version table (connects to the database).",
    arg_help = { rev = "a revision id (full or unique prefix), a branch label, head, heads, label@head or current" },
    example = { "luamig show billing@head", "luamig show current" } },
  { name = "stamp", args = { "revs..." }, options = { sql,
      { nil, "--purge", key = "purge", flag = true, help = "empty the version table first" } },
    summary = "write the version table without running migrations",
    text = "Sets the version table to REVS without running any revision, e.g. for a database created by other means, logging each change as 'Running stamp_revision FROM -> TO'; all of them commit in one transaction. The history table records nothing, since nothing ran. With --sql, a REV may be FROM:TO, the rows to start from.",
    arg_help = { revs = "the revision(s) to record: ids, head, heads, base, label@head; with --sql FROM:TO" },
    example = { "luamig stamp head", "luamig stamp billing@head auth@head", "luamig stamp base:head --sql" } },
  { name = "merge", args = { "revs..." }, options = { message, rev_id, branch_label }, summary = "write a revision merging REVS",
    text = "Writes a merge revision whose parents are REVS (two or more, or heads) and prints its path.",
    arg_help = { revs = "the revisions to merge, e.g. heads, or two ids" },
    example = { 'luamig merge -m "merge billing and auth" heads' } },
  { name = "check", summary = "exit 1 if the model (target_metadata) differs from the database",
    text = "Compares the database (which must be at head) with env.lua's target_metadata as revision --autogenerate would; prints the differences and exits 1 when there are any, 0 when there are none.",
    example = { "luamig check" } },
  { name = "status", summary = "applied and pending revisions, in order",
    text = "Prints every revision in upgrade order, marked applied or pending, then a count on stderr; warns of applied revision files changed since they ran (drift).",
    example = { "luamig status", "luamig --json status" } },
  -- lint (#17)
  { name = "lint", args = { "range?" }, summary = "report what the revisions in RANGE would do that is unsafe on a live database",
    text = "Records the statements each revision in RANGE would run (as upgrade --sql prints them), parses each with the PostgreSQL parser and reports what would lock or rewrite a table in use: one line per finding naming the revision, file:line, rule and why, then the safe way as a hint. Connected, a table created earlier in the run or estimated under lint_small_table_rows rows is exempt from lock and rewrite rules. Exits 1 when any finding is an error. --json prints one document.",
    arg_help = { range = "TO or FROM:TO, as upgrade takes them (default: the pending revisions up to heads when the database is reachable, else base:heads)" },
    example = { "luamig lint", "luamig lint base:heads", "luamig --json lint" } },
  { name = "help", args = { "command?" }, summary = "help on luamig or on one COMMAND",
    text = "Prints the list of commands and global options, or the help of COMMAND (the same as 'luamig COMMAND --help').",
    arg_help = { command = "a command name" },
    example = { "luamig help upgrade" } },
}

-- The commands whose output --json turns into one JSON document.
M.json_commands = { current = true, heads = true, history = true, status = true, lint = true }

-- The commands that run on every target of a fleet (issue 18).
M.fleet_commands = require("luamig.fleet.commands")

---------------------------------------------------------------- parsing

local UsageError = {}

local function usage_error(fmt, ...)
  error(setmetatable({ message = fmt:format(...) }, UsageError), 0)
end

function M.json_refused(command)
  usage_error("--json works with current, heads, history, status and lint, not with %s", command)
end

-- Whether err is a mistake on the command line ({ message }): exit 2.
function M.is_usage_error(err)
  return getmetatable(err) == UsageError
end

-- A command's argument as its table writes it: "x" (required), "x?"
-- (optional) or "x..." (the rest, a list); returns the name and how it is
-- taken ("one", "optional" or "rest").
local function arg_spec(a)
  local rest = a:match("^(.-)%.%.%.$")
  if rest then return rest, "rest" end
  local optional = a:match("^(.-)%?$")
  if optional then return optional, "optional" end
  return a, "one"
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

-- Reads one option at argv[i], named there as name (with its value
-- inline after =, or in the next word), into dest; returns the next index.
local function take_option(o, argv, i, dest, name, inline)
  local value = true
  if not o.flag then
    value = inline
    if value == nil then
      value = argv[i + 1]
      if value == nil then usage_error("option %s needs a value (%s)", name, o.value) end
      i = i + 1
    end
    if o.number then
      local n = tonumber(value)
      if not n or n < 0 then usage_error("option %s needs a number of seconds, got %q", name, value) end
      value = n
    end
  elseif inline ~= nil then
    usage_error("option %s takes no value", name)
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
      i = take_option(o, argv, i, (cmd and not find_option(global_options, name)) and args or opts, name, inline)
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
    for k, a in ipairs(wanted) do
      local argname, taken = arg_spec(a)
      if taken == "rest" then
        args[argname] = { table.unpack(positional, k) }
        positional = {}
        break
      end
      if positional[k] == nil and not (opts.help or taken == "optional") then
        usage_error("%s needs %s", cmd.name, argname:upper())
      end
      args[argname] = positional[k]
    end
    if #positional > #wanted then usage_error("%s: unexpected argument %q", cmd.name, positional[#wanted + 1]) end
    -- a fleet's report is --json of any fleet command: checked once the
    -- command knows it has no targets (run_command)
    if opts.json and not opts.help and not M.json_commands[cmd.name] and M.fleet_commands[cmd.name] == nil then
      M.json_refused(cmd.name)
    end
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

-- Fills text into lines of at most width columns, each prefixed by indent.
local function wrap(text, indent, width, out)
  local line = indent
  for word in text:gmatch("%S+") do
    if #line > #indent and #line + 1 + #word > width then
      out[#out + 1] = line
      line = indent .. word
    else
      line = line .. (#line > #indent and " " or "") .. word
    end
  end
  if #line > #indent then out[#out + 1] = line end
end

local function two_columns(left, right, out)
  if #left <= 28 then
    local lines = {}
    wrap(right, (" "):rep(31), 79, lines)
    lines[1] = ("  %-28s %s"):format(left, lines[1]:sub(32))
    table.move(lines, 1, #lines, #out + 1, out)
  else
    out[#out + 1] = "  " .. left
    wrap(right, (" "):rep(31), 79, out)
  end
end

local function option_lines(options, out)
  for _, o in ipairs(options) do
    local names = o[1] and o[2] and (o[1] .. ", " .. o[2]) or (o[1] or o[2])
    if o.value then names = names .. " " .. o.value end
    two_columns(names, o.help, out)
  end
end

local function synopsis(cmd)
  local parts = { "luamig [global options]", cmd.name }
  for _, o in ipairs(cmd.options or {}) do
    local name = o[1] or o[2]
    if o.value then name = name .. " " .. o.value end
    parts[#parts + 1] = "[" .. name .. "]"
  end
  for _, a in ipairs(cmd.args or {}) do
    local argname, taken = arg_spec(a)
    local name = argname:upper()
    if taken == "optional" then name = "[" .. name .. "]"
    elseif taken == "rest" then name = name .. "..." end
    parts[#parts + 1] = name
  end
  local out = {}
  wrap(table.concat(parts, " "), "", 72, out)
  out[1] = "usage: " .. out[1]
  for i = 2, #out do out[i] = "         " .. out[i] end
  return table.concat(out, "\n")
end

-- The help of one command, or of luamig as a whole.
function M.usage(cmd)
  local out = {}
  if cmd then
    out[1] = synopsis(cmd)
    out[2] = ""
    wrap(cmd.text or cmd.summary, "", 79, out)
    if cmd.args and #cmd.args > 0 then
      out[#out + 1] = ""
      out[#out + 1] = "arguments:"
      for _, a in ipairs(cmd.args) do
        local argname = arg_spec(a)
        two_columns(argname:upper(), (cmd.arg_help or {})[argname] or "", out)
      end
    end
    if cmd.options and #cmd.options > 0 then
      out[#out + 1] = ""
      out[#out + 1] = "options:"
      option_lines(cmd.options, out)
    end
    out[#out + 1] = ""
    out[#out + 1] = (#(cmd.example or {}) > 1) and "examples:" or "example:"
    for _, e in ipairs(cmd.example or {}) do out[#out + 1] = "  " .. e end
    out[#out + 1] = ""
    out[#out + 1] = "Global options (-c, --url, -x, --lock-timeout, -q, --json): 'luamig --help'."
  else
    out[1] = "usage: luamig [global options] COMMAND [ARGS]"
    out[2] = ""
    out[3] = "A schema-migration runner for PostgreSQL: revisions are Lua files."
    out[4] = ""
    out[5] = "commands:"
    for _, c in ipairs(M.commands) do
      out[#out + 1] = ("  %-12s %s"):format(c.name, c.summary)
    end
    out[#out + 1] = ""
    out[#out + 1] = "global options:"
    option_lines(global_options, out)
    out[#out + 1] = ""
    out[#out + 1] = "'luamig help COMMAND' or 'luamig COMMAND --help' tells more of a command;"
    out[#out + 1] = "'man luamig' tells all."
  end
  return table.concat(out, "\n")
end

------------------------------------------------------------------- main

-- Colour on stderr only when it is a terminal and NO_COLOR is unset or
-- empty (https://no-color.org); piped output never carries escape codes.
local function colour_enabled()
  local no_color = os.getenv("NO_COLOR")
  if no_color ~= nil and no_color ~= "" then return false end
  if os.getenv("TERM") == "dumb" then return false end
  return core.isatty(2)
end

-- progress lines and what ends them on stderr (luamig.console); stdout
-- is flushed first so that results and progress interleave in order
local function stderr_console(opts, paint)
  local tty = core.isatty(2)
  return require("luamig.console").new({
    write = function(text) io.stdout:flush(); io.stderr:write(text) end,
    tty = tty, quiet = opts.quiet, paint = paint, clock = core.clock,
    -- for the specs only: a log's progress interval in seconds
    interval = tonumber(os.getenv("LUAMIG_PROGRESS_INTERVAL") or ""),
    columns = function() return core.columns(2) end,
    line_open = core.line_open,
  })
end

local function session(opts, args, paint)
  local quiet = opts.quiet
  local console = stderr_console(opts, paint)
  return {
    opts = opts,
    args = args,
    console = console,
    -- every line for the terminal goes through display.printable; --json
    -- output is escaped already and passes unchanged
    out = function(line) io.stdout:write(display.printable(line), "\n") end,
    log = function(line)
      if quiet then return end
      console:line(display.progress(display.printable(line), paint))
    end,
    warn = function(line)
      console:line(paint.warning("luamig: warning:") .. " " .. display.printable(line))
    end,
    -- a diagnostic line as it is, even with -q (upgrade's lint findings)
    diag = function(line)
      io.stdout:flush()
      io.stderr:write(display.printable(line), "\n")
    end,
  }
end

-- `luamig help [COMMAND]`
local function help(args)
  if args.command == nil then
    io.stdout:write(M.usage(), "\n")
    return 0
  end
  local cmd = find_command(args.command)
  if cmd == nil then usage_error("unknown command %q", args.command) end
  io.stdout:write(M.usage(cmd), "\n")
  return 0
end

-- Revisions, env.lua and their modules run inside this process, where
-- os.exit would end the run with its transaction open and exit 0; it
-- raises instead, so the run rolls back and exits 1. (luamig's own exit
-- code is main's return value.)
local function forbid_os_exit()
  os.exit = function()
    error("os.exit() called; stop a migration run with error() instead", 2)
  end
end

-- A revision's print() on the terminal that shows stderr too would land in
-- the middle of the line left open there (a Running or progress line):
-- it ends that line first.
local function end_line_before_print(console)
  if not core.isatty(1) then return end
  local print_any = print
  _G.print = function(...)
    console:finish()
    return print_any(...)
  end
end

-- Lua runs bytecode unchecked, and a crafted (or corrupt) chunk crashes
-- the process: what revisions, env.lua and their modules load is text
-- only, whichever way they load it. An env argument given (even nil) is
-- passed on as given, as load and loadfile tell it from none.
local function text_chunks_only()
  local load_any, loadfile_any = load, loadfile
  _G.load = function(chunk, name, _, ...)
    if select("#", ...) > 0 then return load_any(chunk, name, "t", (...)) end
    return load_any(chunk, name, "t")
  end
  _G.loadfile = function(filename, _, ...)
    if select("#", ...) > 0 then return loadfile_any(filename, "t", (...)) end
    return loadfile_any(filename, "t")
  end
  _G.dofile = function(filename)
    local chunk, err = loadfile_any(filename, "t")
    if chunk == nil then error(err, 0) end
    return chunk()
  end
  -- require's searcher of Lua files, with its messages: the stock
  -- searchers end with it and the two of C modules (luamig's own for the
  -- compiled-in modules comes before them)
  package.searchers[#package.searchers - 2] = function(name)
    local path, not_found = package.searchpath(name, package.path)
    if path == nil then return not_found end
    local chunk, err = loadfile_any(path, "t")
    if chunk == nil then error(("error loading module '%s' from file '%s':\n\t%s"):format(name, path, err), 0) end
    return chunk, path
  end
end

-- What a command line asks that runs no command: --version, --help, no
-- command, help. Returns the exit code when that is all, else nil and
-- what parse returns; a usage error raises.
local function answer_without_running(argv)
  local opts, cmd, args = M.parse(argv)
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
  if cmd.name == "help" then return help(args) end
  return nil, opts, cmd, args
end

local function usage_failure(err, argv, paint)
  io.stderr:write(paint.error("luamig:"), " ", display.printable(errors.redact_args(err.message, argv)), "\n",
    "'luamig --help' lists the commands and options.\n")
  return 2
end

-- fleets (issue 18): a fleet command asks luamig.fleet first, which runs
-- it on every target, or sets a child up for its one, or says there are
-- no targets; then the command runs here on one database.
local function run_command(cmd, s, argv)
  if M.fleet_commands[cmd.name] ~= nil then
    local code, one_target = require("luamig.fleet").run_if_fleet(cmd.name, s, argv, function(msg) usage_error("%s", msg) end)
    if code then return code end
    if s.opts.json and not M.json_commands[cmd.name] and not one_target then
      M.json_refused(cmd.name)
    end
  end
  return require("luamig.commands")[cmd.name](s) or 0
end

function M.main(argv)
  local paint = display.palette(colour_enabled())
  local ok, code, opts, cmd, args = pcall(answer_without_running, argv)
  if not ok then
    if not M.is_usage_error(code) then error(code, 0) end
    return usage_failure(code, argv, paint)
  end
  if code then return code end
  core.trap_signals()
  forbid_os_exit()
  text_chunks_only()
  local s = session(opts, args, paint)
  -- required here, not at the top: --version and help need none of it
  end_line_before_print(s.console)
  local run_ok, result = pcall(run_command, cmd, s, argv)
  if run_ok then s.console:finish() return result end
  if M.is_usage_error(result) then
    s.console:finish()
    return usage_failure(result, argv, paint)
  end
  -- a signal outside any revision (whose error says what it left): what
  -- the command did so far
  if core.interrupted() and s.stopped_outcome and not errors.is_revision_error(result) then
    local what = type(result) == "string" and result:find("^interrupted by ") and result
      or ("interrupted by " .. core.interrupted())
    result = ("%s; %s"):format(what, s.stopped_outcome())
  end
  local url = opts.url or os.getenv("LUAMIG_URL")
  s.console:finish()
  -- escaped after the redaction, which must see the password as written
  io.stderr:write(paint.error("luamig:"), " ",
    display.printable(errors.redact_args(errors.redact(errors.describe(result), url), argv)), "\n")
  return 1
end

return M
