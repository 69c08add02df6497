-- The rules over the parsed statements, in run order. What a rule sees:
--   stmt: kind (IndexStmt, ...), body (its parse tree), sql (its text),
--         revision, path, line (of the op call or op.execute),
--         in_transaction, source (the revision file's table)
--   ctx:  cfg, server_version (the oldest supported, 12, when offline),
--         revision_state (a table per revision, for rules that look back),
--         columns (facts.read's: the live types of retyped columns; {} offline),
--         planned_rows (facts.read's: UPDATE/DELETE estimates by statement),
--         tables (facts.read's tables by key; {} offline)
-- A lock or rewrite finding (one naming a table) is dropped for a table
-- created earlier in the run or one estimated under lint_small_table_rows
-- rows (a finding with small_too only for a table created in the run),
-- and says the table's estimated rows and size.
local rules = require("luamig.lint.rules")
local facts = require("luamig.lint.facts")
local set_of = require("luamig.lists").set_of

local M = {}

local OLDEST_SUPPORTED = 120000

-- the tables and indexes a statement creates, by key
local function note_created(stmt, created)
  local body = stmt.body
  if stmt.kind == "CreateStmt" then created[facts.key(body.relation)] = true
  elseif stmt.kind == "CreateTableAsStmt" and body.into then created[facts.key(body.into.rel)] = true
  elseif stmt.kind == "IndexStmt" and body.idxname then
    created[facts.key({ relname = body.idxname, schemaname = body.relation.schemaname })] = true
  end
end

-- "; users: ~120,000 rows, 9 MB" for a table the live facts know; for one
-- never analyzed, whose pages are not known either, "~N rows (counted:
-- never analyzed)"
local function size_note(known)
  local rows = ("%d"):format(math.floor(known.rows + 0.5)):reverse():gsub("(%d%d%d)", "%1,"):reverse():gsub("^,", "")
  if known.counted then return ("; %s: ~%s rows (counted: never analyzed)"):format(known.table, rows) end
  return ("; %s: ~%s rows, %s"):format(known.table, rows, known.size)
end

-- The finding as reported, or nil when the live facts exempt its table.
local function settle(rule, stmt, f, run)
  local message = f.message
  if f.table then
    local key = facts.key(f.table)
    if run.created[key] then return nil end
    local known = run.facts and run.facts.tables[key]
    if known and known.small and not f.small_too then return nil end
    if known then message = message .. size_note(known) end
  end
  return { revision = stmt.revision, path = stmt.path, line = stmt.line, rule = rule.name, level = rule.level,
           message = message, hint = f.hint, statement = stmt.sql }
end

-- Runs the rules that read stmt's kind; appends what they find to out.
local function check_statement(stmt, ctx, run, out)
  local ignored = run.ignored(stmt.source)
  for _, rule in ipairs(rules.by_kind[stmt.kind] or {}) do
    local state = ctx.revision_state
    if not ignored[rule.name] and not (rule.once and state[rule]) and (not rule.opt_in or run.included[rule.name]) then
      local found = rule.check(stmt, ctx)
      if found and found.message then found = { found } end
      for _, f in ipairs(found or {}) do
        local finding = settle(rule, stmt, f, run)
        if finding then
          out[#out + 1] = finding
          if rule.once then state[rule] = true break end
        end
      end
    end
  end
end

-- A revision's lint_ignore as a set, each name checked against the rules.
local function ignored_of(source)
  local names = source.lint_ignore or {}
  for _, name in ipairs(names) do
    if not rules.by_name[name] then
      error(("revision %s (%s): lint_ignore names no lint rule: %q"):format(source.revision, source.path, tostring(name)), 0)
    end
  end
  return set_of(names)
end

-- The config's lint_include as a set: each name an opt-in rule's.
local function included_of(cfg)
  local names = cfg.lint_include or {}
  for _, name in ipairs(names) do
    local rule = rules.by_name[name]
    local why = not rule and ("lint_include names no lint rule: %q"):format(tostring(name))
      or not rule.opt_in and ("%s is on without lint_include (it takes only opt-in rules)"):format(name)
    if why then error(("config %s: %s"):format(cfg.path or "luamig.lua", why), 0) end
  end
  return set_of(names)
end

-- stmts (parse.statements), cfg, live (facts.read's, or nil offline) -> findings
function M.run(stmts, cfg, live)
  local ignored = {}
  local run = { created = {}, facts = live, included = included_of(cfg), ignored = function(source)
    ignored[source] = ignored[source] or ignored_of(source)
    return ignored[source]
  end }
  local out, states = {}, {}
  for _, stmt in ipairs(stmts) do
    states[stmt.revision] = states[stmt.revision] or {}
    local ctx = { cfg = cfg, server_version = live and live.server_version or OLDEST_SUPPORTED,
                  revision_state = states[stmt.revision], columns = live and live.columns or {},
                  planned_rows = live and live.planned_rows or {}, tables = live and live.tables or {} }
    check_statement(stmt, ctx, run, out)
    note_created(stmt, run.created)
  end
  return out
end

return M
