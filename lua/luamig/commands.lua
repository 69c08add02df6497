-- One function per command, built from the layers below. Each takes the
-- session `s` = { opts = global options, args = command arguments,
-- out = function(line) for results, log = function(line) for progress,
-- warn = function(line) } and returns an exit code (nil = 0).
local config = require("luamig.config")
local script = require("luamig.script")
local revmap = require("luamig.revmap")
local display = require("luamig.display")
local errors = require("luamig.errors")
local core = require("luamig.core")
local set_of = require("luamig.lists").set_of

-- A module only some commands use, loaded on first use: `heads` or
-- `--version` need not undump the runtime, op, ddl and autogen.
local function on_demand(name)
  return setmetatable({}, { __index = function(proxy, key)
    local module = require(name)
    setmetatable(proxy, { __index = module })
    return module[key]
  end })
end
local runtime = on_demand("luamig.runtime")
local autogen = on_demand("luamig.autogen")
local lint = on_demand("luamig.lint")
local luamig = require("luamig")

local M = {}

------------------------------------------------------------------ helpers

-- The configuration; from here on env.lua and revisions see the -x
-- options as luamig.context().x.
local function load_config(s)
  local cfg = config.load({ config = s.opts.config, url = s.opts.url, x = s.opts.x }, s.warn)
  luamig.set_context({ x = cfg.x })
  return cfg
end

-- The configuration, every revision file, and the graph over them.
local function load_project(s)
  local cfg = load_config(s)
  local map = script.load_map(cfg)
  return cfg, map
end

local function env_path(cfg) return cfg.script_dir .. "/env.lua" end

local function load_env(cfg)
  return config.load_table_file(env_path(cfg), "env", true) or {}
end

-- Runs env.lua's on_connect(db); a failure names env.lua and its line.
-- A signal stops it as it stops a revision, whatever it does with pcall.
local function run_on_connect(cfg, env, db)
  local path, line = env_path(cfg), nil
  local ok, err = core.call_interruptible(env.on_connect, function(e)
    line = errors.line_in(path)
    return e
  end, db)
  if ok and core.interrupted() then ok, err = false, "interrupted by " .. core.interrupted() end
  -- the lock is waited for outside any transaction, whose snapshot would
  -- block another run's CREATE INDEX CONCURRENTLY
  if ok and db.conn:transaction_status() ~= "idle" then
    ok, err, line = false, "it left a transaction open; luamig opens its own "
      .. "(waiting for the lock inside one would hold a snapshot): COMMIT it in on_connect", nil
  end
  if not ok then error(errors.hook_error(path, "on_connect", err, line), 0) end
end

-- Connects, runs env.lua's on_connect, takes the migration lock, calls
-- fn(migrator, env), and always unlocks and disconnects.
local function with_migrator(s, cfg, fn, opts)
  opts = opts or {}
  if opts.offline then
    return fn(runtime.new({ cfg = cfg, out = io.stdout, log = s.log, console = s.console }))
  end
  local env = load_env(cfg)
  local conn = opts.conn or runtime.connect(cfg.url, cfg.connect_timeout)
  conn:set_notices(not s.opts.quiet)
  local migrator = runtime.new({ cfg = cfg, conn = conn, log = s.log, console = s.console })
  if s.observe then s.observe(migrator) end  -- a fleet's child reports on it (fleet/member.lua)
  -- what a signal outside any revision leaves, for the message (cli.lua):
  -- it raises once, anywhere, perhaps after this function returned
  s.stopped_outcome = function()
    return migrator:stopped_outcome(opts.outcome or "nothing was changed", opts.done)
  end
  local ok, result = pcall(function()
    if env.on_connect then run_on_connect(cfg, env, migrator.db) end
    if opts.lock then migrator:lock(s.opts.lock_timeout) end
    return fn(migrator, env)
  end)
  if conn:is_ok() then pcall(migrator.unlock, migrator) end
  conn:close()
  if not ok then error(result, 0) end
  return result
end

-- Warns of applied revisions whose file changed since they ran.
local function warn_drift(s, m, map, heads)
  for _, d in ipairs(m:drift(map, map:applied(heads))) do
    s.warn(("revision %s (%s) has changed since it was applied"):format(d.revision, d.path))
  end
end

-- The line of a version row that no revision file defines.
local function undefined_line(id)
  return id .. " (not found in the revision files)"
end

-- The version rows that no revision file defines (a file deleted, or a
-- database migrated from another branch): current flags them, status
-- warns of them.
local function undefined_versions(map, heads)
  local undefined = {}
  for _, id in ipairs(heads) do
    if map:get(id) == nil then undefined[#undefined + 1] = id end
  end
  return undefined
end

-- The ids that several targets name, in their order.
local function resolve_each(map, targets, current)
  local ids = {}
  for _, target in ipairs(targets) do
    for _, id in ipairs(map:resolve(target, current)) do ids[#ids + 1] = id end
  end
  return ids
end

------------------------------------------------------------------ init

function M.init(s)
  local dir = s.args.dir
  local cfg_path = s.opts.config or config.DEFAULT_FILE
  for _, path in ipairs(script.init(dir, cfg_path)) do
    s.log("Creating " .. path)
  end
  s.log(("Edit %s (url), then: luamig revision -m \"first revision\""):format(cfg_path))
end

------------------------------------------------------------ autogenerate

-- The differences between the database (which must be at head, as
-- Alembic requires) and env.lua's target_metadata.
local function model_diffs(cfg, map, m, env)
  if env.target_metadata == nil then
    error(("%s/env.lua sets no target_metadata: autogenerate compares the database with that model"):format(cfg.script_dir), 0)
  end
  local heads, at_head = m:current_heads(), set_of(map:heads())
  local n = 0
  for _, id in ipairs(heads) do
    if not at_head[id] then n = -1 break end
    n = n + 1
  end
  if n ~= #map:heads() then
    error("Target database is not up to date: run 'luamig upgrade heads' first", 0)
  end
  return autogen.compare(m.conn, env.target_metadata, {
    include_object = env.include_object,
    ignore_tables = { cfg.version_table, cfg.history_table },
    schemas = env.include_schemas,
    include_name = env.include_name,
    compare_type = env.compare_type,
    compare_server_default = env.compare_server_default,
    context = { db = m.db },
  })
end

function M.check(s)
  local cfg, map = load_project(s)
  local diffs = with_migrator(s, cfg, function(m, env) return model_diffs(cfg, map, m, env) end)
  if #diffs == 0 then
    s.out("No new upgrade operations detected.")
    return 0
  end
  for _, line in ipairs(autogen.describe(diffs)) do s.out("Detected " .. line) end
  s.log(("%d change(s) between the model and the database"):format(#diffs))
  return 1
end

------------------------------------------------------------------ revision

-- The parents of a new revision, as Alembic picks them: --head (default
-- "head"; "base" starts a new base) must name heads unless --splice.
local function new_revision_parents(map, head, splice)
  local ids = map:resolve(head, {})
  for _, id in ipairs(ids) do
    if not map:get(id).is_head and not splice then
      error(("Revision %s is not a head revision; please specify --splice to create a new branch from this revision"):format(id), 0)
    end
  end
  return ids
end

-- The id of a new revision: --rev-id under the rule the reader applies,
-- or a fresh one.
local function new_revision_id(map, rev_id)
  if rev_id == nil then return script.new_rev_id() end
  local problem = revmap.id_problem(rev_id)
  if problem then error(problem, 0) end
  if map:get(rev_id) then error(("revision %s already exists"):format(rev_id), 0) end
  return rev_id
end

function M.revision(s)
  local a = s.args
  local cfg, map = load_project(s)
  local id = new_revision_id(map, a.rev_id)
  local version_dir = a.version_path and script.version_dir(cfg, a.version_path)
  local parents = new_revision_parents(map, a.head or "head", a.splice)
  local down_revision = parents
  if #parents <= 1 then down_revision = parents[1] end
  -- depends_on: a partial id becomes the full id; a branch label stays
  local depends_on = {}
  for i, dep in ipairs(a.depends_on or {}) do
    local ids = map:resolve(dep, {})
    depends_on[i] = (#ids == 1 and ids[1]:sub(1, #dep) == dep) and ids[1] or dep
  end
  local upgrades, downgrades
  if a.autogenerate then
    local diffs = with_migrator(s, cfg, function(m, env) return model_diffs(cfg, map, m, env) end)
    for _, line in ipairs(autogen.describe(diffs)) do s.log("Detected " .. line) end
    upgrades, downgrades = autogen.render(diffs)
    if #diffs == 0 then upgrades, downgrades = "-- no changes detected", "-- no changes detected" end
  end
  local path = script.write_revision(cfg, map, {
    id = id, message = a.message, down_revision = down_revision,
    branch_labels = a.branch_label, depends_on = #depends_on > 0 and depends_on or nil,
    upgrades = upgrades, downgrades = downgrades,
  }, version_dir)
  s.out(path)
end

------------------------------------------------------------ upgrade/downgrade

-- "FROM:TO" in --sql mode names the starting point explicitly: from (or
-- nil), to; online there is no FROM to give.
local function split_range(target, offline)
  local from, to = target:match("^(.-):(.+)$")
  if from and not offline then
    error(("a FROM:TO range (%s) is only for --sql mode"):format(target), 0)
  end
  if from then return from, to end
  return nil, target
end

-- lint (#17): upgrade lints the steps it is about to run, before running
-- any; config lint = "warn" (default) prints the findings, "error" refuses
-- to start when one is an error, "off" skips it.
local function lint_gate(s, cfg, steps, conn)
  if cfg.lint == "off" or #steps == 0 then return end
  local result = lint.run({ cfg = cfg, steps = steps, conn = conn })
  -- the findings only: where lint stopped early (op.query) the run goes
  -- on; and warning, not what the server reports itself when it runs
  -- the statement (a syntax error, with its SQLSTATE)
  local shown = {}
  for _, f in ipairs(result.findings) do
    if cfg.lint == "error" or f.rule ~= lint.SYNTAX_ERROR then shown[#shown + 1] = f end
  end
  for _, line in ipairs(lint.lines({ findings = shown, stopped = {} })) do s.diag(line) end
  if cfg.lint == "error" and lint.has_error(result) then
    error("lint found errors in the revisions to run (lint = \"error\" in the config): nothing was applied", 0)
  end
end

local function migrate(s, direction)
  local cfg, map = load_project(s)
  local offline = s.args.sql
  local from, target = split_range(s.args.target, offline)
  if offline and direction == "downgrade" and not from then
    error("downgrade --sql needs a FROM:TO range, e.g. 'luamig downgrade head:base --sql'", 0)
  end
  with_migrator(s, cfg, function(m)
    local heads
    if not offline then
      heads = m:current_heads()
    elseif direction == "downgrade" then
      heads = map:resolve_single(from)  -- as Alembic: one revision to start from
    else
      heads = map:resolve(from or "base", {})
    end
    if direction == "upgrade" then warn_drift(s, m, map, heads) end
    local steps
    if direction == "upgrade" then
      steps = map:upgrade_steps(heads, target)
      lint_gate(s, cfg, steps, m.conn)
    else
      steps = map:downgrade_steps(heads, target)
    end
    m:run(steps)
  end, { offline = offline, lock = true, outcome = "nothing was applied" })
end

function M.upgrade(s) return migrate(s, "upgrade") end
function M.downgrade(s) return migrate(s, "downgrade") end

-------------------------------------------------------------- lint (#17)

-- The upgrade steps of lint's RANGE: TO from the version rows (heads), or
-- FROM:TO.
local function lint_steps(map, range, heads)
  local from, to = (range or ""):match("^(.-):(.+)$")
  if not from then to = range or "heads" end
  return map:upgrade_steps(from and map:resolve(from, {}) or heads, to)
end

-- Connected: from the version rows, with live facts; the database out of
-- reach: from base, without.
function M.lint(s)
  local cfg, map = load_project(s)
  local reachable, conn = pcall(runtime.connect, cfg.url, cfg.connect_timeout)
  local result
  if reachable then
    result = with_migrator(s, cfg, function(m)
      return lint.run({ cfg = cfg, steps = lint_steps(map, s.args.range, m:current_heads()), conn = m.conn })
    end, { conn = conn })
  else
    s.log(("the database is not reachable (%s): linting from base, without live facts"):format(errors.describe(conn)))
    result = lint.run({ cfg = cfg, steps = lint_steps(map, s.args.range, {}) })
  end
  if s.opts.json then
    s.out(lint.json(result))
  else
    for _, line in ipairs(lint.lines(result)) do s.out(line) end
    s.log(("%d finding(s)"):format(#result.findings))
  end
  return lint.has_error(result) and 1 or 0
end

------------------------------------------------------------------ reports

-- Alembic's current set for the version rows: the revisions the rows
-- build on that no other of them descends from (a revision a row depends
-- on is current too), then the rows no file defines.
local function current_ids(map, rows)
  local undefined = undefined_versions(map, rows)
  local unknown = set_of(undefined)
  local defined = {}
  for _, id in ipairs(rows) do
    if not unknown[id] then defined[#defined + 1] = id end
  end
  local ids = map:current_set(defined)
  table.move(undefined, 1, #undefined, #ids + 1, ids)
  return ids, unknown
end

function M.current(s)
  local cfg, map = load_project(s)
  local rows = with_migrator(s, cfg, function(m) return m:current_heads() end)
  local ids, unknown = current_ids(map, rows)
  if s.opts.json then
    local list, current = setmetatable({}, display.array), set_of(ids)
    for _, id in ipairs(ids) do
      list[#list + 1] = unknown[id] and { revision = id, unknown = true } or display.revision_json(map:get(id), current)
    end
    s.out(display.json({ current = list }))
    return
  end
  if s.args.verbose then s.out(("Current revision(s) for %s:"):format(errors.redact(cfg.url, cfg.url))) end
  for _, id in ipairs(ids) do
    local node = map:get(id)
    if unknown[id] then
      s.out(undefined_line(id))
    elseif s.args.verbose then
      s.out(display.entry(node))
    else
      s.out(display.line(node, {}))
    end
  end
end

function M.history(s)
  local cfg, map = load_project(s)
  local current = {}
  local range = s.args.rev_range
  if s.args.indicate_current or (range and range:find("current", 1, true)) then
    current = with_migrator(s, cfg, function(m) return m:current_heads() end)
  end
  local nodes = map:history(range, current)
  local current_set = set_of(current)
  if s.opts.json then
    local list = setmetatable({}, display.array)
    for i, node in ipairs(nodes) do list[i] = display.revision_json(node, current_set) end
    s.out(display.json({ history = list }))
    return
  end
  local marked = s.args.indicate_current and current_set
  local opts = { parents = true, branches = true, doc = true, current = marked }
  local lines = {}
  for i, node in ipairs(nodes) do
    lines[i] = s.args.verbose and display.entry(node, marked) or display.line(node, opts)
  end
  if #lines > 0 then s.out(table.concat(lines, "\n")) end  -- one write for 10,000 lines
end

function M.heads(s)
  local _, map = load_project(s)
  local heads = s.args.resolve_dependencies and map:real_heads() or map:heads()
  if s.opts.json then
    local list = setmetatable({}, display.array)
    for i, id in ipairs(heads) do list[i] = display.revision_json(map:get(id)) end
    s.out(display.json({ heads = list }))
    return
  end
  for _, id in ipairs(heads) do
    local node = map:get(id)
    s.out(s.args.verbose and display.entry(node) or display.line(node, { branches = true, tree = false }))
  end
end

function M.branches(s)
  local _, map = load_project(s)
  for _, node in ipairs(map:branch_points()) do
    if s.args.verbose then
      s.out(display.entry(node))
    else
      s.out(display.line(node, { branches = true }))
    end
    local pad = (" "):rep(#node.revision)
    for _, child in ipairs(node.children) do
      s.out(("%s -> %s"):format(pad, display.line(map:get(child), { branches = true, doc = s.args.verbose })))
    end
    s.out("")
  end
end

-- show takes what Alembic's takes: an identifier (id, prefix, label,
-- head, heads, label@head, -N) or "current", the version rows.
function M.show(s)
  local cfg, map = load_project(s)
  local ids
  if s.args.rev == "current" then
    ids = with_migrator(s, cfg, function(m) return m:current_heads() end)
  else
    ids = map:lookup(s.args.rev)
  end
  for _, id in ipairs(ids) do
    local node = map:get(id)
    s.out(node and display.entry(node) or undefined_line(id))
  end
end

-- stamp's revisions; with --sql each may be FROM:TO, one FROM for all
-- (the rows to start from, as the database would hold them).
local function stamp_targets(revs, offline)
  local from, targets = nil, {}
  for i, rev in ipairs(revs) do
    local start, target = split_range(rev, offline)
    if start and from and start ~= from then
      error("Stamp operation with --sql only supports a single starting revision at a time", 0)
    end
    from, targets[i] = from or start, target
  end
  return from, targets
end

function M.stamp(s)
  local cfg, map = load_project(s)
  local offline = s.args.sql
  local from, targets = stamp_targets(s.args.revs, offline)
  with_migrator(s, cfg, function(m)
    local rows = offline and map:resolve(from or "base", {}) or m:current_heads()
    local ids = resolve_each(map, targets, rows)
    m:stamp(map:stamp_steps(s.args.purge and {} or rows, ids), s.args.purge)
  end, { offline = offline, lock = true, outcome = "nothing was stamped",
                                 done = "the stamp was committed" })
end

function M.merge(s)
  local cfg, map = load_project(s)
  local id = new_revision_id(map, s.args.rev_id)
  local parents = resolve_each(map, s.args.revs, {})
  if #parents < 2 then error("merge needs at least two revisions to merge", 0) end
  local path = script.write_revision(cfg, map, {
    id = id, message = s.args.message, down_revision = parents, branch_labels = s.args.branch_label,
  })
  s.out(path)
end

-- status's lines for the backfills in progress (issue 16), and their
-- JSON form.
local function backfill_lines(s, backfills)
  for _, b in ipairs(backfills) do
    s.out(("backfill %s %s: %d rows done in %d batches, last key %s, last moved %s%s"):format(b.revision, b.name,
      b.rows_done, b.batches, b.last_key or "none", b.updated_at, b.finished_at and " (finished)" or " (in progress)"))
  end
end

function M.status(s)
  local cfg, map = load_project(s)
  local backfills
  local heads = with_migrator(s, cfg, function(m)
    local heads = m:current_heads()
    warn_drift(s, m, map, heads)
    backfills = m:backfills()
    return heads
  end)
  for _, id in ipairs(undefined_versions(map, heads)) do
    s.warn(("the version table names revision %s, which no revision file defines"):format(id))
  end
  local applied = map:applied(heads)
  local rows = setmetatable({}, display.array)
  local newest_first = map:history(nil, heads)
  for i = #newest_first, 1, -1 do
    local node = newest_first[i]
    rows[#rows + 1] = { revision = node.revision, message = node.message or "",
                        applied = applied[node.revision] == true }
  end
  if s.opts.json then
    s.out(display.json({ current = setmetatable(heads, display.array), revisions = rows,
                         backfills = setmetatable(backfills, display.array) }))
    return
  end
  backfill_lines(s, backfills)
  local pending = 0
  for _, row in ipairs(rows) do
    if not row.applied then pending = pending + 1 end
    s.out(("%-8s %s, %s"):format(row.applied and "applied" or "pending", row.revision, row.message))
  end
  s.log(("%d applied, %d pending"):format(#rows - pending, pending))
end

return M
