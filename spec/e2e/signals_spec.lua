local helpers = require("support.helpers")
local process = require("support.process")
local core = require("luamig.core")

local run, project = helpers.run, helpers.project

-- A revision that loops in Lua forever loops in upgrade's lint pass too,
-- which records the revision before it runs (#17); the specs of a signal
-- inside such a loop on the server switch lint off (`lint = "off"`).
local LINT_OFF = { lint = "off" }

local first = { id = "aaaa00000001", message = "create a", up = [[op.create_table("a", { { "id", "int" } })]],
                down_body = [[op.drop_table("a")]] }

-- A second revision that creates a table and then sleeps on the server.
local function sleeper(seconds)
  return { id = "bbbb00000002", down = "aaaa00000001", message = "slow", slug = "slow", up = ([[
    op.create_table("b", { { "id", "int" } }, { if_not_exists = true })
    op.execute("SELECT pg_sleep(%s)")]]):format(seconds), down_body = [[op.drop_table("b")]] }
end

-- Starts `upgrade head` and returns once the server runs the sleep.
local function start_sleeping(dir, conn, seconds)
  local p = process.spawn(dir, "upgrade head")
  assert(process.wait_until(function() return process.server_runs(conn, ("SELECT pg_sleep(%s)%%"):format(seconds)) end, 10),
    "the run never reached its sleep: " .. p:stderr())
  return p
end

for _, signal in ipairs({ "INT", "TERM" }) do
  describe(("SIG%s during a revision that sleeps on the server"):format(signal), function()
    local conn, p, code, elapsed
    setup(function()
      local url
      url, conn = helpers.fresh_db()
      local dir = project { url = url, revisions = { first, sleeper(30) } }
      assert.equal(0, (run(dir, "upgrade aaaa00000001")))
      p = start_sleeping(dir, conn, 30)
      local sent = core.clock()
      p:signal(signal)
      code = p:wait(10)
      elapsed = core.clock() - sent
    end)
    teardown(function()
      p:cleanup()
      conn:close()
    end)

    it("makes luamig exit 1 within 2 s", function()
      assert.equal(1, code, p:stderr())
      assert.is_true(elapsed < 2, ("took %.1f s"):format(elapsed))
    end)

    it("prints one line naming the revision and saying it was interrupted and rolled back", function()
      local file = ("migrations/versions/bbbb00000002_slow.lua"):gsub("%p", "%%%0")
      assert.matches(("^Running upgrade aaaa00000001 %%-> bbbb00000002[^\n]*\nluamig: bbbb00000002 %%(%s:%%d+%%): interrupted by SIG%s; the revision was rolled back\n$")
        :format(file, signal), p:stderr())
    end)

    it("leaves nothing of the revision and the version table unchanged", function()
      assert.same({ "a", "luamig_version" }, helpers.tables(conn))
      assert.same({ "aaaa00000001" }, helpers.versions(conn))
    end)

    it("releases the server session: nothing of the run still sleeps", function()
      assert.is_false(process.server_runs(conn, "SELECT pg_sleep(30)%"))
    end)
  end)
end

describe("SIGINT during a transaction = false revision that sleeps on the server", function()
  local conn, p, code
  setup(function()
    local url
    url, conn = helpers.fresh_db()
    local slow = sleeper(30)
    slow.transaction = false
    local dir = project { url = url, revisions = { first, slow } }
    assert.equal(0, (run(dir, "upgrade aaaa00000001")))
    p = start_sleeping(dir, conn, 30)
    p:signal("INT")
    code = p:wait(10)
  end)
  teardown(function()
    p:cleanup()
    conn:close()
  end)

  it("says what stays applied instead of claiming a rollback, exit 1", function()
    assert.equal(1, code, p:stderr())
    local file = ("migrations/versions/bbbb00000002_slow.lua"):gsub("%p", "%%%0")
    assert.matches(("^Running upgrade aaaa00000001 %%-> bbbb00000002[^\n]*\nluamig: bbbb00000002 %%(%s:%%d+%%): interrupted by SIGINT; the revision runs outside a transaction "
      .. "%%(transaction = false or op%%.autocommit%%): the statements it ran stay applied and the version table was not updated; "
      .. "check them before running it again\n$"):format(file), p:stderr())
  end)

  it("leaves the statements that ran and the version table unchanged", function()
    assert.same({ "a", "b", "luamig_version" }, helpers.tables(conn))
    assert.same({ "aaaa00000001" }, helpers.versions(conn))
  end)
end)

-- With one transaction for the run, the revisions applied before the
-- interrupted one in that transaction go with it, as after a failure: the
-- signal lands in the revision (a sleep) or in its version write (the first
-- revision makes the version table's UPDATE sleep).
for _, place in ipairs({ "revision", "version write" }) do
  describe(("SIGINT during a %s with transaction_per_migration = false"):format(place), function()
    local conn, p, code
    setup(function()
      local url
      url, conn = helpers.fresh_db()
      local revisions = { first, sleeper(30) }
      if place == "version write" then
        revisions = { { id = "aaaa00000001", message = "slow update", up = [[
            op.execute("CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN PERFORM pg_sleep(30); RETURN NEW; END'")
            op.execute("CREATE TRIGGER slow BEFORE UPDATE ON luamig_version FOR EACH ROW EXECUTE FUNCTION slow()")]] },
          { id = "bbbb00000002", down = "aaaa00000001", slug = "slow", up = [[op.create_table("b", { { "id", "int" } })]] } }
      end
      local dir = project { url = url, transaction_per_migration = false, revisions = revisions }
      p = process.spawn(dir, "upgrade head")
      -- the statement that sleeps, and no other (the first revision's
      -- CREATE FUNCTION names pg_sleep too)
      local sleeping = place == "version write" and "%UPDATE %luamig_version\" SET version_num%" or "SELECT pg_sleep(30)%"
      assert(process.wait_until(function() return process.server_runs(conn, sleeping) end, 10),
        "the run never reached its sleep: " .. p:stderr())
      p:signal("INT")
      code = p:wait(10)
    end)
    teardown(function()
      p:cleanup()
      conn:close()
    end)

    it("says the revision applied before it in the run's transaction was rolled back too, exit 1", function()
      assert.equal(1, code, p:stderr())
      local file = ("migrations/versions/bbbb00000002_slow.lua"):gsub("%p", "%%%0")
      assert.matches(("\nluamig: bbbb00000002 %%(%s[:%%d]*%%): interrupted by SIGINT; the revision was rolled back; "
        .. "1 revision applied before it in the run's transaction was rolled back too "
        .. "%%(transaction_per_migration = false%%)\n$"):format(file), p:stderr())
    end)

    it("leaves nothing of the run", function()
      assert.same({}, helpers.tables(conn))
    end)
  end)
end

describe("SIGINT while waiting for the migration lock", function()
  local conn, holder, waiter, code
  setup(function()
    local url
    url, conn = helpers.fresh_db()
    local dir = project { url = url, revisions = { first, sleeper(30) } }
    holder = start_sleeping(dir, conn, 30)
    waiter = process.spawn(dir, "upgrade head")
    assert(process.wait_until(function() return waiter:stderr():find("waiting for another luamig run", 1, true) end, 10),
      "the second run never waited for the lock: " .. waiter:stderr())
    waiter:signal("INT")
    code = waiter:wait(10)
  end)
  teardown(function()
    waiter:cleanup()
    -- SIGKILL would leave its pg_sleep running on the server, seen by later specs
    holder:signal("INT")
    holder:wait(10)
    holder:cleanup()
    conn:close()
  end)

  it("prints one clean line saying nothing was applied, exit 1", function()
    assert.equal(1, code, waiter:stderr())
    assert.equal("waiting for another luamig run to release its lock on public.luamig_version\n"
      .. "luamig: interrupted by SIGINT while waiting for the migration lock on public.luamig_version; nothing was applied\n",
      waiter:stderr())
  end)
end)

-- A signal outside any revision, while luamig's own statements wait on a
-- lock another session holds on the version table: the message says what
-- the command did, which is nothing.
for _, case in ipairs({ { command = "stamp base", outcome = "nothing was stamped" },
                        { command = "stamp head", outcome = "nothing was stamped" },
                        { command = "upgrade head", outcome = "nothing was applied" } }) do
  describe(("SIGINT while %s waits on a lock on the version table"):format(case.command), function()
    local conn, locker, p, code
    setup(function()
      local url
      url, conn = helpers.fresh_db()
      local dir = project { url = url, revisions = { first } }
      assert.equal(0, (run(dir, "stamp base")))
      locker = assert(core.connect(url))
      locker:exec("BEGIN; LOCK TABLE luamig_version IN ACCESS EXCLUSIVE MODE")
      p = process.spawn(dir, case.command)
      assert(process.wait_until(function() return process.server_runs(conn, "%luamig_version%") end, 10),
        "the run never reached the version table: " .. p:stderr())
      p:signal("INT")
      code = p:wait(10)
      locker:exec("ROLLBACK")
    end)
    teardown(function()
      p:cleanup()
      locker:close()
      conn:close()
    end)

    it(("says %s, exit 1"):format(case.outcome), function()
      assert.equal(1, code, p:stderr())
      assert.equal(("luamig: interrupted by SIGINT; %s\n"):format(case.outcome), p:stderr())
      assert.same({}, helpers.versions(conn))
    end)
  end)
end

-- Revisions that never end and never reach the server again: a pcall
-- loop swallowing every error, and an endless loop in a coroutine. Each
-- sets application_name first, so the spec knows it is running.
local endless = {
  ["a loop that swallows errors with pcall"] = "while true do pcall(function() while true do end end) end",
  ["an endless loop in a coroutine"] = "coroutine.wrap(function() while true do end end)()",
  ["an endless loop in a coroutine that tries to clear its debug hook"] =
    "coroutine.wrap(function() pcall(debug.sethook) while true do end end)()",
}

for what, loop in pairs(endless) do
  for _, signal in ipairs({ "INT", "TERM" }) do
    describe(("SIG%s during %s"):format(signal, what), function()
      local conn, p, code, elapsed
      setup(function()
        local url
        url, conn = helpers.fresh_db()
        local dir = project { settings = LINT_OFF, url = url, revisions = { first,
          { id = "bbbb00000002", down = "aaaa00000001", slug = "endless", up = ([[
    op.create_table("b", { { "id", "int" } })
    op.execute("SELECT set_config('application_name', 'luamig-endless', false)")
    %s]]):format(loop) } } }
        assert.equal(0, (run(dir, "upgrade aaaa00000001")))
        p = process.spawn(dir, "upgrade head")
        assert(process.wait_until(function() return process.server_has_session(conn, "luamig-endless") end, 10),
          "the run never reached its loop: " .. p:stderr())
        core.sleep(0.2)
        local sent = core.clock()
        p:signal(signal)
        code = p:wait(10)
        elapsed = core.clock() - sent
      end)
      teardown(function()
        p:cleanup()
        conn:close()
      end)

      it("makes luamig exit 1 within 2 s", function()
        assert.equal(1, code, p:stderr())
        assert.is_true(elapsed < 2, ("took %.1f s"):format(elapsed))
      end)

      it("prints one line naming the revision and saying it was interrupted and rolled back", function()
        assert.matches(("^Running upgrade aaaa00000001 %%-> bbbb00000002[^\n]*\nluamig: bbbb00000002 %%(migrations/versions/bbbb00000002_endless%%.lua:%%d+%%): "
          .. "interrupted by SIG%s; the revision was rolled back\n$"):format(signal), p:stderr())
      end)

      it("leaves nothing of the revision and the version table unchanged", function()
        assert.same({ "a", "luamig_version" }, helpers.tables(conn))
        assert.same({ "aaaa00000001" }, helpers.versions(conn))
      end)
    end)
  end
end

describe("SIGINT during an on_connect of env.lua that swallows errors with pcall", function()
  local conn, p, code, elapsed
  setup(function()
    local url
    url, conn = helpers.fresh_db()
    local dir = project { url = url, revisions = { first } }
    helpers.write(dir .. "/migrations/env.lua", [[
return {
  on_connect = function(db)
    db:execute("SELECT set_config('application_name', 'luamig-endless', false)")
    while true do pcall(function() while true do end end) end
  end,
}
]])
    p = process.spawn(dir, "upgrade head")
    assert(process.wait_until(function() return process.server_has_session(conn, "luamig-endless") end, 10),
      "the run never reached on_connect: " .. p:stderr())
    core.sleep(0.2)
    local sent = core.clock()
    p:signal("INT")
    code = p:wait(10)
    elapsed = core.clock() - sent
  end)
  teardown(function()
    p:cleanup()
    conn:close()
  end)

  it("makes luamig exit 1 within 2 s with one line naming env.lua", function()
    assert.equal(1, code, p:stderr())
    assert.is_true(elapsed < 2, ("took %.1f s"):format(elapsed))
    assert.matches("^luamig: env%.lua %(migrations/env%.lua:%d+%): on_connect: interrupted by SIGINT\n$", p:stderr())
  end)

  it("applies nothing", function()
    assert.same({}, helpers.tables(conn))
  end)
end)

describe("SIGINT while luamig describes an error object whose __tostring never returns", function()
  local conn, p, code, elapsed
  setup(function()
    local url
    url, conn = helpers.fresh_db()
    local dir = project { settings = LINT_OFF, url = url, revisions = { first,
      { id = "bbbb00000002", down = "aaaa00000001", slug = "object", up = [[
    op.execute("SELECT set_config('application_name', 'luamig-object', false), pg_sleep(0.5)")
    error(setmetatable({}, { __tostring = function() while true do end end }))]] } } }
    assert.equal(0, (run(dir, "upgrade aaaa00000001")))
    p = process.spawn(dir, "upgrade head")
    assert(process.wait_until(function() return process.server_has_session(conn, "luamig-object") end, 10),
      "the run never reached the revision: " .. p:stderr())
    -- its session closed: luamig is describing the revision's error
    assert(process.wait_until(function() return not process.server_has_session(conn, "luamig-object") end, 10),
      "the run never ended its session: " .. p:stderr())
    core.sleep(0.2)
    local sent = core.clock()
    p:signal("INT")
    code = p:wait(10)
    elapsed = core.clock() - sent
  end)
  teardown(function()
    p:cleanup()
    conn:close()
  end)

  it("makes luamig exit 1 within 2 s with the revision's line, not an internal error", function()
    assert.equal(1, code, p:stderr())
    assert.is_true(elapsed < 2, ("took %.1f s"):format(elapsed))
    assert.matches("^Running upgrade aaaa00000001 %-> bbbb00000002[^\n]*\nluamig: bbbb00000002 %(migrations/versions/bbbb00000002_object%.lua:10%): "
      .. "error object is a table value %(its __tostring failed: interrupted by SIGINT%)\n$", p:stderr())
    assert.same({ "aaaa00000001" }, helpers.versions(conn))
  end)
end)

-- Lua runs finalizers with hooks off, so no interruption reaches a __gc
-- that never returns: during a revision (collectgarbage), or when luamig
-- closes its Lua state after a run that committed.
local finalizers = {
  ["a revision's collectgarbage() running a __gc that never returns"] = { applied = false, up = [[
    setmetatable({}, { __gc = function() while true do end end })
    collectgarbage()]] },
  ["luamig's exit running a revision's __gc that never returns"] = { applied = true, up = [[
    setmetatable({}, { __gc = function() while true do end end })]] },
}

for what, case in pairs(finalizers) do
  describe(("SIGTERM during %s"):format(what), function()
    local conn, p, code, elapsed
    setup(function()
      local url
      url, conn = helpers.fresh_db()
      local dir = project { settings = LINT_OFF, url = url, revisions = { first,
        { id = "bbbb00000002", down = "aaaa00000001", slug = "gc", up = [[
    op.create_table("b", { { "id", "int" } })
    op.execute("SELECT set_config('application_name', 'luamig-gc', false)")
]] .. case.up } } }
      assert.equal(0, (run(dir, "upgrade aaaa00000001")))
      p = process.spawn(dir, "upgrade head")
      -- in its revision, or done with it (the session may be closed already)
      assert(process.wait_until(function()
        return process.server_has_session(conn, "luamig-gc") or helpers.versions(conn)[1] == "bbbb00000002"
      end, 10), "the run never reached its revision: " .. p:stderr())
      core.sleep(1)
      local sent = core.clock()
      p:signal("TERM")
      code = p:wait(20)
      elapsed = core.clock() - sent
    end)
    teardown(function()
      p:cleanup()
      conn:close()
    end)

    it("still ends luamig, with exit 1 and one line, within its 5 s deadline", function()
      assert.equal(1, code, p:stderr())
      assert.is_true(elapsed < 10, ("took %.1f s"):format(elapsed))
      assert.matches("luamig: interrupted by SIGTERM, and Lua code that does not see it %(a __gc finalizer or a long C call%) "
        .. "went on for 5 s: exiting now; the server rolls back the transaction in progress\n$", p:stderr())
    end)

    it("leaves the version table as committed", function()
      assert.same({ case.applied and "bbbb00000002" or "aaaa00000001" }, helpers.versions(conn))
    end)
  end)
end

describe("SIGINT during upgrade --sql", function()
  local dir, p, code
  setup(function()
    dir = project { settings = LINT_OFF, url = "postgresql://nowhere.invalid/none", revisions = { first,
      { id = "bbbb00000002", down = "aaaa00000001", slug = "endless", up = [[
    op.execute("SELECT 1")
    io.open("reached", "w"):close()
    while true do end]] } } }
    p = process.spawn(dir, "upgrade head --sql")
    assert(process.wait_until(function() return io.open(dir .. "/reached") ~= nil end, 10),
      "the run never reached its loop: " .. p:stderr())
    p:signal("INT")
    code = p:wait(10)
  end)
  teardown(function() p:cleanup() end)

  it("says the script written so far is cut inside the revision, not that anything was rolled back", function()
    assert.equal(1, code, p:stderr())
    assert.matches("^Running upgrade  %-> aaaa00000001[^\n]*\nRunning upgrade aaaa00000001 %-> bbbb00000002[^\n]*\nluamig: bbbb00000002 %(migrations/versions/bbbb00000002_endless%.lua:%d+%): "
      .. "interrupted by SIGINT; the SQL script written so far is incomplete: it ends inside this revision\n$", p:stderr())
  end)
end)

describe("SIGINT while upgrade's lint records a revision (#17)", function()
  local url, conn, dir, p, code
  setup(function()
    url, conn = helpers.fresh_db()
    dir = project { url = url, revisions = { first,
      { id = "bbbb00000002", down = "aaaa00000001", slug = "endless", up = [[
    op.execute("SELECT 1")
    io.open("reached", "w"):close()
    while true do end]] } } }
    p = process.spawn(dir, "upgrade head")
    assert(process.wait_until(function() return io.open(dir .. "/reached") ~= nil end, 10),
      "the lint never reached the loop: " .. p:stderr())
    p:signal("INT")
    code = p:wait(10)
  end)
  teardown(function() p:cleanup(); conn:close() end)

  it("stops the command before it runs anything, naming the revision", function()
    assert.equal(1, code, p:stderr())
    assert.matches("^luamig: bbbb00000002 %(migrations/versions/bbbb00000002_endless%.lua:%d+%): "
      .. "interrupted by SIGINT while lint recorded it before the run: nothing was applied\n$", p:stderr())
    assert.same({}, helpers.tables(conn))
  end)
end)

-- The signal lands in luamig's own version write after the revision ran:
-- another session holds a lock on the version table that lets reads pass.
for _, transactional in ipairs({ true, false }) do
  describe(("SIGINT during the version write of a revision with transaction = %s"):format(transactional), function()
    local conn, locker, p, code
    setup(function()
      local url
      url, conn = helpers.fresh_db()
      local dir = project { url = url, revisions = { first,
        { id = "bbbb00000002", down = "aaaa00000001", slug = "written", transaction = transactional,
          up = [[op.create_table("b", { { "id", "int" } }, { if_not_exists = true })]] } } }
      assert.equal(0, (run(dir, "upgrade aaaa00000001")))
      locker = assert(core.connect(url))
      locker:exec("BEGIN; LOCK TABLE luamig_version IN EXCLUSIVE MODE")
      p = process.spawn(dir, "upgrade head")
      assert(process.wait_until(function() return process.server_runs(conn, "%UPDATE%luamig_version%") end, 10),
        "the run never reached its version write: " .. p:stderr())
      p:signal("INT")
      code = p:wait(10)
      locker:exec("ROLLBACK")
    end)
    teardown(function()
      p:cleanup()
      locker:close()
      conn:close()
    end)

    it("names the revision and says what stays applied, exit 1", function()
      assert.equal(1, code, p:stderr())
      local outcome = transactional and "the revision was rolled back"
        or "the revision runs outside a transaction %(transaction = false or op%.autocommit%): the statements it ran "
          .. "stay applied and the version table was not updated; check them before running it again"
      assert.matches(("^Running upgrade aaaa00000001 %%-> bbbb00000002[^\n]*\nluamig: bbbb00000002 %%(migrations/versions/bbbb00000002_written%%.lua%%): interrupted by SIGINT; %s\n$")
        :format(outcome), p:stderr())
    end)

    it("leaves the version table unchanged", function()
      assert.same(transactional and { "a", "luamig_version" } or { "a", "b", "luamig_version" }, helpers.tables(conn))
      assert.same({ "aaaa00000001" }, helpers.versions(conn))
    end)
  end)
end

-- A COPY the signal lands in: the rows come from an endless iterator, so
-- the connection is in COPY FROM STDIN when the revision stops.
for _, transactional in ipairs({ true, false }) do
  describe(("SIGTERM during an op.bulk_insert in a revision with transaction = %s"):format(transactional), function()
    local conn, p, code
    setup(function()
      local url
      url, conn = helpers.fresh_db()
      local dir = project { url = url, revisions = { first,
        { id = "bbbb00000002", down = "aaaa00000001", slug = "copy", transaction = transactional, up = [[
    op.create_table("b", { { "id", "int" } }, { if_not_exists = true })
    op.execute("SELECT set_config('application_name', 'luamig-copy', false)")
    local i = 0
    op.bulk_insert("b", function() i = i + 1 return { i } end)]] } } }
      assert.equal(0, (run(dir, "upgrade aaaa00000001")))
      p = process.spawn(dir, "upgrade head")
      assert(process.wait_until(function() return process.server_runs(conn, "COPY%") end, 10),
        "the run never reached its COPY: " .. p:stderr())
      core.sleep(0.2)
      p:signal("TERM")
      code = p:wait(10)
    end)
    teardown(function()
      p:cleanup()
      conn:close()
    end)

    it("ends the COPY and prints only the one line saying what stays applied, exit 1", function()
      assert.equal(1, code, p:stderr())
      local outcome = transactional and "the revision was rolled back"
        or "the revision runs outside a transaction %(transaction = false or op%.autocommit%): the statements it ran "
          .. "stay applied and the version table was not updated; check them before running it again"
      assert.matches(("^Running upgrade aaaa00000001 %%-> bbbb00000002[^\n]*\nluamig: bbbb00000002 %%(migrations/versions/bbbb00000002_copy%%.lua:%%d+%%): "
        .. "interrupted by SIGTERM; %s\n$"):format(outcome), p:stderr())
    end)

    it("leaves no row of the COPY and the version table unchanged", function()
      assert.same(transactional and { "a", "luamig_version" } or { "a", "b", "luamig_version" }, helpers.tables(conn))
      if not transactional then assert.equal(0, conn:query("SELECT count(*) AS n FROM b")[1].n) end
      assert.same({ "aaaa00000001" }, helpers.versions(conn))
    end)
  end)
end

------------------------------------------------------------ server restart

local PG_CTL = (os.getenv("PG_BIN") or "/usr/lib/postgresql/15/bin") .. "/pg_ctl"

-- pg_ctl on the test cluster, as the postgres user when we are root.
local function pg_ctl(args)
  local as = io.popen("id -u"):read("l") == "0" and "runuser -u postgres -- " or ""
  local cmd = ("%s%s -D %s -w -t 30 -s %s >/dev/null 2>&1"):format(as, PG_CTL,
    helpers.shell_quote(helpers.pghost() .. "/data"), args)
  local ok = os.execute(helpers.tool(cmd))
  return ok
end

-- Waits until the server accepts connections again (starting it if a
-- restart failed half-way), and drops the dead admin connection helpers
-- keeps, so the specs after this one start clean.
local function ensure_server_up()
  local up = process.wait_until(function()
    local c = core.connect(helpers.base_url())
    if c then c:close() end
    return c ~= nil
  end, 30, 0.2)
  if not up then
    pg_ctl("start -l " .. helpers.shell_quote(helpers.pghost() .. "/server.log"))
  end
  -- the first use of a connection broken by the restart fails and resets it
  pcall(helpers.fresh_db)
end

describe("a server restart during a run", function()
  local url, conn, dir, p
  setup(function()
    url, conn = helpers.fresh_db()
    dir = project { url = url, revisions = { first, sleeper(30) } }
    p = start_sleeping(dir, conn, 30)
    conn:close()
    assert.is_true(pg_ctl("restart -m fast"), "pg_ctl restart failed")
  end)
  teardown(function()
    if p then p:cleanup() end
    ensure_server_up()
  end)

  it("makes luamig exit 1 with one clear line, no traceback", function()
    assert.equal(1, p:wait(10))
    local err = p:stderr()
    -- progress for the first revision, then the one error line
    assert.matches("^Running upgrade  %-> aaaa00000001, create a\nDone upgrade  %-> aaaa00000001 %(%d+ ms%)\n"
      .. "Running upgrade aaaa00000001 %-> bbbb00000002[^\n]*\n"
      .. "luamig: bbbb00000002 %(migrations/versions/bbbb00000002_slow%.lua:%d+%): ERROR[^\n]*"
      .. "server closed the connection unexpectedly[^\n]*; statement: SELECT pg_sleep%(30%)\n$", err)
    assert.not_matches("traceback", err)
    assert.not_matches("internal error", err)
  end)

  it("keeps the revisions committed before it, and a rerun reaches head", function()
    ensure_server_up()
    local c = assert(core.connect(url))
    assert.same({ "aaaa00000001" }, helpers.versions(c))
    helpers.write(dir .. "/migrations/versions/bbbb00000002_slow.lua", helpers.revision_source(sleeper(0)))
    local code, _, err = run(dir, "upgrade head")
    assert.equal(0, code, err)
    assert.same({ "bbbb00000002" }, helpers.versions(c))
    c:close()
  end)
end)
