-- Lint's specs (#17): revisions written to files (so that findings name
-- their file and line), linted through luamig.lint with the live facts of
-- a real database, then run on it, as upgrade would.
local helpers = require("support.helpers")
local script = require("luamig.script")
local lint = require("luamig.lint")
local runtime = require("luamig.runtime")
local assert = require("luassert")  -- a required module sees the plain assert

local M = {}

local counter = 0

-- the line of a revision file (helpers.revision_source) its body starts on
local FIRST_BODY_LINE = 9

-- A revision file: r = { up = "lua body", transaction, lint_ignore = {...} }
-- -> the loaded revision (its path in a fresh directory).
function M.revision(r)
  counter = counter + 1
  local id = ("a%011d"):format(counter)
  local source = helpers.revision_source({ id = id, up = r.up, transaction = r.transaction })
  if r.lint_ignore then
    local names = {}
    for i, name in ipairs(r.lint_ignore) do names[i] = ("%q"):format(name) end
    -- a list even of one name (script.graph_literal writes one id as a string)
    local literal = "{ " .. table.concat(names, ", ") .. " }"
    source = source:gsub("^return {\n", function() return ("return {\n  lint_ignore = %s,\n"):format(literal) end)
  end
  local path = helpers.tmpdir() .. "/" .. id .. "_rev.lua"
  helpers.write(path, source)
  return script.load_revision(path)
end

-- A fresh database and a connection to it (helpers.fresh_db), after a
-- full collection: the connections of the specs before, unreferenced now,
-- are closed by their __gc, so that some 200 of them do not run the server
-- out of connections.
function M.fresh_db()
  collectgarbage()
  return helpers.fresh_db()
end

local function cfg_of(overrides)
  local cfg = { version_table = "luamig_version", history_table = "luamig_history", transaction_per_migration = true,
                x = {}, lint_small_table_rows = 100 }
  for k, v in pairs(overrides or {}) do cfg[k] = v end
  return cfg
end

local function steps_of(revs)
  local steps = {}
  for i, rev in ipairs(revs) do
    steps[i] = { node = rev, source = rev, direction = "up", from = {}, to = { rev.revision }, version_ops = {} }
  end
  return steps
end

-- Lints revs (loaded revisions, in run order) against conn's database
-- (nil: offline) -> lint's result. cfg: overrides of the config
-- (lint_small_table_rows is 100 here).
function M.lint(conn, revs, cfg)
  return lint.run({ cfg = cfg_of(cfg), steps = steps_of(revs), conn = conn })
end

-- The findings of one rule (of one revision: rev, a loaded revision).
function M.of_rule(result, rule, rev)
  local found = {}
  for _, f in ipairs(result.findings) do
    if f.rule == rule and (not rev or f.revision == rev.revision) then found[#found + 1] = f end
  end
  return found
end

-- Runs revs on conn for real (the proof that what lint read runs).
function M.apply(conn, revs, cfg)
  local m = runtime.new({ cfg = cfg_of(cfg), conn = conn })
  m:run(steps_of(revs))
end

-- A table of n rows, analyzed (its estimate is n): "big" above the
-- specs' lint_small_table_rows of 100.
function M.table_of(conn, name, n)
  conn:exec(("CREATE TABLE %s (id bigint PRIMARY KEY, a integer, b text)"):format(name))
  conn:exec(("INSERT INTO %s SELECT g, g, 'x' FROM generate_series(1, %d) g"):format(name, n))
  conn:exec(("ANALYZE %s"):format(name))
end

-- The common shape of a rule's spec (#17 item 6): the unsafe revision
-- and its safe rewrite as revision bodies on a table `t`, made big or
-- small by each case; spec.setup(conn) for what else they need, and
-- spec.prepare, SQL run once `t` exists (by the revision that creates
-- it, in the case of a table created in the run). A rule that is not
-- about locks (spec.everywhere) reports on new and small tables alike;
-- one about rows that are there (spec.small_too) on small tables too.
-- spec.cfg: overrides of the config (an opt-in rule's lint_include).
-- spec.safe_ignore: the safe revision's lint_ignore (the safe way of a
-- rule that asks for a decision, such as dropping a column).
-- Returns the cases, { name, fn }, for the spec file's `it`s.
function M.rule_cases(rule, spec)
  local function fresh(rows)
    local _, conn = M.fresh_db()
    if spec.setup then spec.setup(conn) end
    if rows then M.table_of(conn, "t", rows) end
    if rows and spec.prepare then conn:exec(spec.prepare) end
    return conn
  end
  local function not_reported(found)
    if spec.everywhere then assert.are.equal(1, #found) else assert.are.same({}, found) end
  end
  local create = [[op.create_table("t", { { "id", "bigint", primary_key = true }, { "a", "integer" }, { "b", "text" } })]]
  if spec.prepare then create = create .. ("\n    op.execute(%q)"):format(spec.prepare) end
  return {
    { "reports the unsafe revision on a big table, with its line, rows and size", function()
      local conn = fresh(1000)
      local rev = M.revision({ up = spec.unsafe, transaction = spec.transaction })
      local found = M.of_rule(M.lint(conn, { rev }, spec.cfg), rule)
      assert.are.equal(1, #found, "findings of " .. rule)
      assert.are.equal(rev.path, found[1].path)
      assert.are.equal(FIRST_BODY_LINE + (spec.line or 1) - 1, found[1].line)
      assert.are.equal(spec.level, found[1].level)
      if not spec.no_facts then assert.matches("t: ~1,000 rows, %d+ kB", found[1].message) end
      assert.are.equal("string", type(found[1].hint))
      if spec.fails then
        assert.has_error(function() M.apply(conn, { rev }) end)
      else
        M.apply(conn, { rev })
      end
    end },
    { "does not report the safe rewrite, which runs", function()
      local conn = fresh(1000)
      local rev = M.revision({ up = spec.safe, transaction = spec.safe_transaction, lint_ignore = spec.safe_ignore })
      assert.are.same({}, M.of_rule(M.lint(conn, { rev }, spec.cfg), rule))
      M.apply(conn, { rev })
    end },
    { spec.everywhere and "reports it on a table created earlier in the run too" or
      "does not report it on a table created earlier in the run", function()
      local conn = fresh()
      local rev = M.revision({ up = spec.unsafe, transaction = spec.transaction })
      not_reported(M.of_rule(M.lint(conn, { M.revision({ up = create }), rev }, spec.cfg), rule, rev))
    end },
    { (spec.everywhere or spec.small_too) and "reports it on a small table too" or "does not report it on a small table", function()
      local conn = fresh(50)
      local rev = M.revision({ up = spec.unsafe, transaction = spec.transaction })
      local found = M.of_rule(M.lint(conn, { rev }, spec.cfg), rule)
      if spec.small_too then assert.are.equal(1, #found) else not_reported(found) end
    end },
  }
end

return M
