local helpers = require("support.helpers")

local run, project = helpers.run, helpers.project

-- Three revisions of several statements each: revision i creates table
-- r<i>, fills it and indexes it.
local revisions = {}
for i = 1, 3 do
  revisions[i] = {
    id = ("k%011d"):format(i), down = i > 1 and ("k%011d"):format(i - 1) or nil, message = "table r" .. i,
    up = ([[
    op.create_table("r%d", { { "id", "int" } })
    op.execute("INSERT INTO r%d SELECT generate_series(1, 10)")
    op.create_index("r%d_id_idx", "r%d", { "id" })]]):format(i, i, i, i),
    down_body = ('op.drop_table("r%d")'):format(i),
  }
end
local head = revisions[#revisions].id

local KILLED = 128 + 9
local MAX_KILLS = 60  -- a bound on the loop, far above the statements of a run

-- The revisions at or below the version table's rows (a chain: the one row).
local function applied_revisions(conn)
  local versions = helpers.versions(conn)
  assert(#versions <= 1, "one chain, one head at most")
  local applied = {}
  for _, r in ipairs(revisions) do
    if #versions == 0 then break end
    applied[#applied + 1] = r
    if r.id == versions[1] then break end
  end
  return applied
end

-- The database holds exactly the work of the revisions the version table
-- names, and the history one upgrade row for each of them.
local function assert_consistent(conn, when)
  local tables = helpers.tables(conn)
  local has_version_table = false
  for _, t in ipairs(tables) do has_version_table = has_version_table or t == "luamig_version" end
  local expected, history = {}, {}
  local applied = has_version_table and applied_revisions(conn) or {}
  for i, r in ipairs(applied) do
    expected[i] = "r" .. i
    history[i] = r.id
  end
  if has_version_table then expected[#expected + 1] = "luamig_version" end
  table.sort(expected)
  assert.same(expected, tables, when)
  -- the history table may not exist yet: created in its own statement
  local has_history = conn:exec("SELECT to_regclass('luamig_history') IS NOT NULL AS present")[1].present
  local rows = has_history and conn:exec(
    "SELECT revision FROM luamig_history WHERE direction = 'upgrade' ORDER BY id") or {}
  local recorded = {}
  for i, row in ipairs(rows) do recorded[i] = row.revision end
  assert.same(history, recorded, when)
end

-- For N = 0, 1, 2...: a run killed before its N+1-th statement, a check,
-- then a plain rerun that must reach head; stops at the first N the run
-- survives. Returns how many runs were killed.
local function kill_at_every_statement(transaction_per_migration)
  for n = 0, MAX_KILLS do
    local url, conn = helpers.fresh_db()
    local dir = project { url = url, revisions = revisions, transaction_per_migration = transaction_per_migration }
    local code, _, err = run(dir, "upgrade head", { env = { LUAMIG_FAULT_KILL_AFTER = tostring(n) } })
    local when = ("after a kill before statement %d"):format(n + 1)
    if code == 0 then
      assert.same({ head }, helpers.versions(conn))
      conn:close()
      return n
    end
    assert.equal(KILLED, code, when .. ": " .. err)
    assert_consistent(conn, when)
    local rerun_code, _, rerun_err = run(dir, "upgrade head")
    assert.equal(0, rerun_code, when .. ", the rerun: " .. rerun_err)
    assert.same({ head }, helpers.versions(conn), when .. ", the rerun")
    assert_consistent(conn, when .. ", the rerun")
    conn:close()
  end
  error(("the run was still killed after %d statements"):format(MAX_KILLS))
end

describe("luamig killed with SIGKILL between two statements", function()
  it("with a transaction per revision leaves a consistent database and a rerun reaches head", function()
    local kills = kill_at_every_statement(true)
    assert.is_true(kills >= 3 * 5, "every statement of the run was a kill point")
  end)

  it("with one transaction for the whole run leaves a consistent database and a rerun reaches head", function()
    local kills = kill_at_every_statement(false)
    assert.is_true(kills >= 3 * 5, "every statement of the run was a kill point")
  end)
end)
