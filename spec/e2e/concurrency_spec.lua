local helpers = require("support.helpers")
local process = require("support.process")

local project = helpers.project

-- n revisions on one chain, revision i creating table t<i>.
local function chain_of(n)
  local revisions = {}
  for i = 1, n do
    revisions[i] = { id = ("c%011d"):format(i), down = i > 1 and ("c%011d"):format(i - 1) or nil,
                     message = "create t" .. i, up = ('op.create_table("t%d", { { "id", "int" } })'):format(i),
                     down_body = ('op.drop_table("t%d")'):format(i) }
  end
  return revisions
end

local function count(conn, sql)
  return conn:exec(sql)[1].n
end

-- Starts n runners of `args` at once and waits for all; returns them.
local function run_together(dir, n, args, timeout)
  local procs = {}
  for i = 1, n do procs[i] = process.spawn(dir, args) end
  for _, p in ipairs(procs) do p.code = p:wait(timeout) end
  return procs
end

local function cleanup(procs)
  for _, p in ipairs(procs or {}) do p:cleanup() end
end

describe("eight luamig runners started together on a chain of 50 revisions", function()
  local conn, procs
  -- one race for all the assertions below: it takes a few seconds
  setup(function()
    local url
    url, conn = helpers.fresh_db()
    procs = run_together(project { url = url, revisions = chain_of(50) }, 8, "upgrade head", 60)
  end)
  teardown(function()
    cleanup(procs)
    conn:close()
  end)

  it("all exit 0", function()
    for i, p in ipairs(procs) do assert.equal(0, p.code, ("runner %d: %s"):format(i, p:stderr())) end
  end)

  it("create each table once and leave the head in the version table", function()
    assert.equal(51, #helpers.tables(conn))  -- t1..t50 and the version table
    assert.same({ "c00000000050" }, helpers.versions(conn))
  end)

  it("record exactly 50 upgrades in the history, one per revision", function()
    assert.equal(50, count(conn, "SELECT count(*)::int AS n FROM luamig_history WHERE direction = 'upgrade'"))
    assert.equal(50, count(conn, "SELECT count(DISTINCT revision)::int AS n FROM luamig_history"))
  end)

  it("apply each revision in exactly one of them", function()
    local applied = 0
    for _, p in ipairs(procs) do
      for _ in p:stderr():gmatch("Running upgrade") do applied = applied + 1 end
    end
    assert.equal(50, applied)
  end)
end)

describe("a second runner started while the first builds an index concurrently", function()
  local url, conn, dir, first, second
  before_each(function()
    url, conn = helpers.fresh_db()
    dir = project { url = url, revisions = {
      { id = "aaaa00000001", message = "create t", up = [[
    op.create_table("t", { { "id", "int" } })
    op.execute("INSERT INTO t SELECT generate_series(1, 1000)")]], down_body = [[op.drop_table("t")]] },
      { id = "bbbb00000002", down = "aaaa00000001", message = "index t", transaction = false, up = [[
    op.execute("SELECT pg_sleep(1.5)")
    op.create_index("t_id_idx", "t", { "id" }, { concurrently = true })]],
        down_body = [[op.drop_index("t_id_idx", { concurrently = true })]] },
    } }
    first = process.spawn(dir, "upgrade head")
    assert(process.wait_until(function() return process.server_runs(conn, "SELECT pg_sleep(1.5)%") end, 10),
      "the first runner never reached its slow revision: " .. first:stderr())
  end)
  after_each(function()
    cleanup({ first, second })
    conn:close()
  end)

  it("does not deadlock it: both finish in time and the second does nothing", function()
    second = process.spawn(dir, "upgrade head")
    assert.equal(0, first:wait(15), first:stderr())
    assert.equal(0, second:wait(15), second:stderr())
    assert.not_matches("Running upgrade", second:stderr())
    assert.same({ "bbbb00000002" }, helpers.versions(conn))
    local valid = conn:exec("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_id_idx'::regclass")
    assert.same({ { indisvalid = true } }, valid)
  end)

  it("says that the second runner waits for the lock", function()
    second = process.spawn(dir, "upgrade head")
    assert.equal(0, second:wait(15), second:stderr())
    assert.matches("waiting for another luamig run to release its lock", second:stderr())
  end)

  it("with --lock-timeout 0.5 the second gives up with a clear message and exits 1", function()
    second = process.spawn(dir, "--lock-timeout 0.5 upgrade head")
    local code = second:wait(5)
    assert.equal(1, code)
    assert.matches("luamig: gave up waiting for the migration lock on public%.luamig_version after 0%.5 s %(%-%-lock%-timeout%)\n$",
      second:stderr())
    assert.is_true(first:exit_code() == nil, "the first runner should still be at work")
    assert.equal(0, first:wait(15), first:stderr())
  end)
end)

------------------------------------------------------------ timeouts

-- A project whose config sets one session setting (lock_timeout or
-- statement_timeout) and whose second revision runs `up`.
local function project_with_setting(url, name, value, up)
  return project {
    config = ([[
return {
  script_location = "migrations",
  url = %q,
  %s = %q,
}
]]):format(url, name, value),
    revisions = {
      { id = "aaaa00000001", message = "create t", up = [[op.create_table("t", { { "id", "int" } })]],
        down_body = [[op.drop_table("t")]] },
      { id = "bbbb00000002", down = "aaaa00000001", message = "alter t", slug = "alter", up = up },
    },
  }
end

describe("lock_timeout in the config while another session holds a lock on the table", function()
  local url, conn, holder, dir
  before_each(function()
    url, conn = helpers.fresh_db()
    dir = project_with_setting(url, "lock_timeout", "200ms", [[
    op.create_table("u", { { "id", "int" } })
    op.add_column("t", { "name", "text" })]])
    assert.equal(0, (helpers.run(dir, "upgrade aaaa00000001")))
    holder = assert(require("luamig.core").connect(url))
    holder:exec("BEGIN")
    holder:exec("LOCK TABLE t")
  end)
  after_each(function()
    holder:close()
    conn:close()
  end)

  it("fails the revision that alters the table with a lock timeout error, exit 1", function()
    local code, _, err = helpers.run(dir, "upgrade head")
    assert.equal(1, code)
    assert.matches('\nluamig: bbbb00000002 %(migrations/versions/bbbb00000002_alter%.lua:%d+%): '
      .. 'ERROR 55P03: canceling statement due to lock timeout; statement: ALTER TABLE "t" ADD COLUMN "name" text\n$', "\n" .. err)
  end)

  it("rolls the revision back", function()
    helpers.run(dir, "upgrade head")
    holder:exec("ROLLBACK")
    assert.same({ "luamig_version", "t" }, helpers.tables(conn))
    assert.same({ "aaaa00000001" }, helpers.versions(conn))
  end)
end)

describe("statement_timeout in the config and a statement that runs longer", function()
  local url, conn, dir
  before_each(function()
    url, conn = helpers.fresh_db()
    dir = project_with_setting(url, "statement_timeout", "300ms", [[
    op.create_table("u", { { "id", "int" } })
    op.execute("SELECT pg_sleep(5)")]])
  end)
  after_each(function() conn:close() end)

  it("fails the revision with a statement timeout error and rolls it back", function()
    local code, _, err = helpers.run(dir, "upgrade head")
    assert.equal(1, code)
    assert.matches('\nluamig: bbbb00000002 %(migrations/versions/bbbb00000002_alter%.lua:%d+%): '
      .. 'ERROR 57014: canceling statement due to statement timeout; statement: SELECT pg_sleep%(5%)\n$', "\n" .. err)
    assert.same({ "luamig_version", "t" }, helpers.tables(conn))
    assert.same({ "aaaa00000001" }, helpers.versions(conn))
  end)
end)

------------------------------------------------ one table, two spellings

-- n revisions on one chain, each logging its id into applied_log (which
-- the spec creates), so a revision applied twice shows as two rows.
local function logging_chain(n)
  local revisions = {}
  for i = 1, n do
    local id = ("d%011d"):format(i)
    revisions[i] = { id = id, down = i > 1 and ("d%011d"):format(i - 1) or nil, up = ([[
    op.execute("INSERT INTO applied_log VALUES ('%s')")
    op.execute("SELECT pg_sleep(0.01)")]]):format(id) }
  end
  return revisions
end

describe("two runners on one version table, one naming its schema (version_table_schema) and one not", function()
  local conn, procs
  setup(function()
    local url
    url, conn = helpers.fresh_db()
    conn:exec("CREATE TABLE applied_log (revision text)")
    local revisions = logging_chain(25)
    local qualified = project { url = url, revisions = revisions, settings = { version_table_schema = "public" } }
    local plain = project { url = url, revisions = revisions }
    procs = { process.spawn(qualified, "upgrade head"), process.spawn(plain, "upgrade head") }
    for _, p in ipairs(procs) do p.code = p:wait(60) end
  end)
  teardown(function()
    cleanup(procs)
    conn:close()
  end)

  it("both exit 0: the second waits for the first's lock, then finds the work done", function()
    for i, p in ipairs(procs) do assert.equal(0, p.code, ("runner %d: %s"):format(i, p:stderr())) end
  end)

  it("apply each revision exactly once", function()
    local rows = conn:exec("SELECT count(*)::int AS n, count(DISTINCT revision)::int AS distinct_n FROM applied_log")
    assert.same({ { n = 25, distinct_n = 25 } }, rows)
    assert.same({ "d00000000025" }, helpers.versions(conn))
  end)
end)

describe("stamp while another session deletes the version row it changes", function()
  local url, conn, holder, dir, p
  before_each(function()
    url, conn = helpers.fresh_db()
    dir = project { url = url, revisions = chain_of(2) }
    assert.equal(0, (helpers.run(dir, "stamp c00000000001")))
    holder = assert(require("luamig.core").connect(url))
    holder:exec("BEGIN")
    holder:exec("DELETE FROM luamig_version")
  end)
  after_each(function()
    if p then p:cleanup() end
    holder:close()
    conn:close()
  end)

  it("fails with one line naming the missing row and changes nothing, exit 1", function()
    p = process.spawn(dir, "stamp c00000000002")
    assert(process.wait_until(function() return process.server_runs(conn, "%UPDATE%luamig_version%") end, 10),
      "the stamp never reached its version change: " .. p:stderr())
    holder:exec("COMMIT")
    assert.equal(1, p:wait(10))
    assert.matches("^Running stamp_revision c00000000001 %-> c00000000002\n"
      .. "luamig: stamp: the version table public%.luamig_version has no row c00000000001 to change "
      .. "%(it was changed during the run%); nothing was changed\n$", p:stderr())
    assert.same({}, helpers.versions(conn))
  end)
end)

--------------------------------------------------- the bookkeeping tables

-- env.lua's on_connect waits at a barrier: the shared advisory lock 4242,
-- which the spec holds exclusively until every runner waits for it.
local BARRIER = [[
return {
  on_connect = function(db)
    db:query("SELECT pg_advisory_lock_shared(4242)")
    db:query("SELECT pg_advisory_unlock_shared(4242)")
  end,
}
]]

describe("two projects with different version tables, first run together on a fresh database", function()
  local one = { { id = "e00000000001", up = [[op.execute("SELECT 1")]] } }
  local dirs = {
    project { revisions = one, settings = { version_table = "a_version" } },
    project { revisions = one, settings = { version_table = "b_version" } },
  }
  for _, dir in ipairs(dirs) do helpers.write(dir .. "/migrations/env.lua", BARRIER) end

  it("both succeed creating the shared luamig_history, ten times over", function()
    for round = 1, 10 do
      local url, conn = helpers.fresh_db()
      conn:exec("SELECT pg_advisory_lock(4242)")
      local procs = {}
      for i, dir in ipairs(dirs) do procs[i] = process.spawn(dir, "--url " .. helpers.shell_quote(url) .. " upgrade head") end
      assert(process.wait_until(function()
        return conn:exec("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")[1].n == 2
      end, 10), "the runners never reached the barrier")
      conn:exec("SELECT pg_advisory_unlock(4242)")
      for i, p in ipairs(procs) do
        local code, err = p:wait(30), p:stderr()
        p:cleanup()
        assert.equal(0, code, ("round %d, project %d: %s"):format(round, i, err))
      end
      assert.equal(2, conn:exec("SELECT count(*)::int AS n FROM luamig_history")[1].n)
      conn:close()
    end
  end)
end)

------------------------------------------------------------ --lock-timeout

describe("--lock-timeout 3 while another run holds the lock", function()
  local conn, first, second
  setup(function()
    local url
    url, conn = helpers.fresh_db()
    -- the first run holds the lock far longer than the wait, and the wait
    -- is timed from the second run's "waiting" line: a slow start (a loaded
    -- machine) must not let the first finish inside the 3 s
    local dir = project { url = url, revisions = {
      { id = "f00000000001", up = [[op.execute("SELECT pg_sleep(60)")]] } } }
    first = process.spawn(dir, "upgrade head")
    assert(process.wait_until(function() return process.server_runs(conn, "SELECT pg_sleep(60)%") end, 10),
      "the first runner never reached its sleep: " .. first:stderr())
    local clock = require("luamig.core").clock
    second = process.spawn(dir, "--lock-timeout 3 upgrade head")
    assert(process.wait_until(function() return second:stderr():find("waiting for another luamig run", 1, true) end,
      10, 0.01), "the second runner never said it waits: " .. second:stderr())
    local started = clock()
    second.code = second:wait(10)
    second.elapsed = clock() - started
  end)
  teardown(function()
    first:signal("INT")  -- SIGKILL would leave its pg_sleep running on the server
    first:wait(10)
    cleanup({ first, second })
    conn:close()
  end)

  it("gives up after 3 s, not before, and within 4 s", function()
    assert.equal(1, second.code, second:stderr())
    -- timed from the "waiting" line, which follows the first try: a few ms
    -- after the deadline's start
    assert.is_true(second.elapsed >= 2.95 and second.elapsed < 4, ("gave up after %.2f s"):format(second.elapsed))
  end)

  it("says it gave up after 3 s", function()
    assert.matches("luamig: gave up waiting for the migration lock on public%.luamig_version after 3 s %(%-%-lock%-timeout%)\n$",
      second:stderr())
  end)
end)

-- luamig's own SQL names the catalog: a search path that puts pg_catalog
-- last lets a schema's same-named functions and relations shadow it, which
-- would key the migration lock on another value (two projects colliding),
-- or lose it.
describe("a search path with pg_catalog last and a schema shadowing catalog functions", function()
  local url, conn, dir, code, err
  setup(function()
    url, conn = helpers.fresh_db()
    for _, sql in ipairs({
      "CREATE FUNCTION public.hashtext(text) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 7'",
      "CREATE FUNCTION public.pg_backend_pid() RETURNS int LANGUAGE sql AS 'SELECT 0'",
      "CREATE FUNCTION public.to_regclass(text) RETURNS regclass LANGUAGE sql AS 'SELECT NULL::regclass'",
      "CREATE FUNCTION public.current_schema() RETURNS name LANGUAGE sql AS $$SELECT 'nowhere'::name$$",
      "CREATE FUNCTION public.transaction_timestamp() RETURNS timestamptz LANGUAGE sql AS $$SELECT 'epoch'::timestamptz$$",
      "CREATE FUNCTION public.clock_timestamp() RETURNS timestamptz LANGUAGE sql AS $$SELECT 'epoch'::timestamptz$$",
      "CREATE VIEW public.pg_locks AS SELECT * FROM pg_catalog.pg_locks WHERE false",
    }) do conn:exec(sql) end
    -- the revision checks, while it runs, the key the lock was taken with
    local check = [[DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_locks WHERE locktype = 'advisory'
      AND pid = pg_catalog.pg_backend_pid() AND objid = pg_catalog.hashtext('"public"."luamig_version"')::oid
      AND objsubid = 2 AND granted) THEN RAISE 'the migration lock is keyed on another value'; END IF; END $$]]
    dir = project { url = url, revisions = {
      { id = "aaaa00000001", up = ("op.execute(%q)"):format(check) },
      { id = "bbbb00000002", down = "aaaa00000001", up = [[op.create_table("b", { { "id", "int" } })]] } } }
    helpers.write(dir .. "/migrations/env.lua", [[
return { on_connect = function(db) db:query("SET search_path = public, pg_catalog") end }
]])
    code, _, err = helpers.run(dir, "upgrade head")
  end)
  teardown(function() conn:close() end)

  it("runs with the lock keyed by pg_catalog.hashtext of the version table's name and records every revision", function()
    assert.equal(0, code, err)
    assert.same({ "bbbb00000002" }, helpers.versions(conn))
    assert.equal(2, conn:exec("SELECT count(*)::int AS n FROM luamig_history WHERE started_at > '2000-01-01'")[1].n)
  end)
end)
