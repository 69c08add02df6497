-- op.backfill under fire (issue 16): kill -9 at random moments then a
-- rerun, Ctrl-C in a batch, and a concurrent writer that must never wait
-- for more than about one batch.
local core = require("luamig.core")
local helpers = require("support.helpers")
local process = require("support.process")
local backfill = require("support.backfill")

local run = helpers.run

local ROWS = 200000
local KILLS = 10

-- rows_done of the items backfill (0 before its first batch)
local function rows_done(conn)
  local rows = backfill.progress_rows(conn)
  return rows[1] and rows[1].rows_done or 0
end

-- Waits until the killed luamig's server session has gone: the statement
-- it had sent runs on (and, alone, commits) after its client died.
local function session_gone(conn)
  assert(process.wait_until(function()
    return conn:exec("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() "
      .. "AND pid <> pg_backend_pid()")[1].n == 0
  end, 30), "the killed run's session is still there")
end

for path, spec_text in pairs(backfill.PATHS) do
  describe("op.backfill by the " .. path .. " path, killed", function()
    it("with kill -9 at random moments, then rerun: every row updated once, the version only when complete", function()
      local url, conn = helpers.fresh_db()
      local dir = backfill.project(url, ROWS, spec_text .. ", batch = 2000")
      assert.equal(0, (run(dir, "upgrade " .. backfill.SETUP)))
      math.randomseed(os.time())
      local mid_backfill = 0
      for i = 1, KILLS do
        local proc = process.spawn(dir, "-q upgrade head")
        -- the first run's startup, then a point inside the remaining work
        process.wait_until(function() return rows_done(conn) > 0 or proc:exit_code() end, 20, 0.01)
        core.sleep(math.random() * 0.4)
        proc:kill()
        proc:cleanup()
        session_gone(conn)
        local done, versions = rows_done(conn), helpers.versions(conn)
        local when = ("after kill %d at %d rows"):format(i, done)
        if done > 0 and done < ROWS then mid_backfill = mid_backfill + 1 end
        local counts = backfill.counts(conn)
        assert.equal(0, counts.twice, when)
        -- the progress row and the updates commit together
        if versions[1] ~= backfill.BACKFILL then assert.equal(done, counts.done, when) end
        if versions[1] == backfill.BACKFILL then assert.equal(ROWS, counts.done, when) end
      end
      assert(mid_backfill >= KILLS / 2, ("only %d of %d kills landed inside the backfill"):format(mid_backfill, KILLS))
      local code, _, err = run(dir, "upgrade head")
      assert.equal(0, code, err)
      assert.same({ once = ROWS, twice = 0, done = ROWS }, backfill.counts(conn))
      assert.same({ backfill.BACKFILL }, helpers.versions(conn))
      conn:close()
    end)
  end)
end

-- A backfill whose batches take a while: each row sleeps 1 ms in its
-- trigger while the spec's own flag is set.
local SLOW = [[CREATE FUNCTION slow_update() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN PERFORM pg_sleep(0.001); RETURN NEW; END $$;
  CREATE TRIGGER slow_update BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION slow_update()]]

describe("op.backfill interrupted by SIGINT in a batch", function()
  for path, spec_text in pairs(backfill.PATHS) do
    it("exits 1, rolls the batch back, keeps the progress, and a rerun completes (" .. path .. " path)", function()
      local url, conn = helpers.fresh_db()
      local dir = backfill.project(url, 3000, spec_text .. ", batch = 200")
      assert.equal(0, (run(dir, "upgrade " .. backfill.SETUP)))
      conn:exec(SLOW)
      local proc = process.spawn(dir, "upgrade head")
      assert(process.wait_until(function() return rows_done(conn) >= 400 end, 30, 0.01), "no batch committed")
      proc:signal("INT")
      local code = proc:wait(10)
      local err = proc:stderr()
      proc:cleanup()
      assert.equal(1, code, err)
      local done = rows_done(conn)
      assert.matches(("interrupted by SIGINT during backfill items: %d rows done, last key {\"id\": %d}; the batch "
        .. "in flight was rolled back and a rerun continues after that key"):format(done, done), err)
      -- the rows of the batch in flight are as they were
      assert.same({ once = done, twice = 0, done = done }, backfill.counts(conn))
      assert.same({ backfill.SETUP }, helpers.versions(conn))
      local rcode, _, rerr = run(dir, "upgrade head")
      assert.equal(0, rcode, rerr)
      assert.same({ once = 3000, twice = 0, done = 3000 }, backfill.counts(conn))
      conn:close()
    end)
  end
end)

describe("op.backfill beside a concurrent writer", function()
  it("never makes the writer wait much longer than one batch", function()
    local url, conn = helpers.fresh_db()
    local dir = backfill.project(url, ROWS, backfill.PATHS.sql .. ", batch = 5000")
    assert.equal(0, (run(dir, "upgrade " .. backfill.SETUP)))
    local writer = assert(core.connect(url))
    local proc = process.spawn(dir, "-q upgrade head")
    local worst, writes, started = 0, 0, core.clock()
    while proc:exit_code() == nil and core.clock() - started < 120 do
      local t0 = core.clock()
      writer:query("UPDATE items SET w = 'writer' WHERE id = $1", { math.random(1, ROWS) })
      worst, writes = math.max(worst, core.clock() - t0), writes + 1
    end
    local elapsed = core.clock() - started
    assert.equal(0, proc:wait(10), proc:stderr())
    proc:cleanup()
    local batches = ROWS // 5000
    local per_batch = elapsed / batches
    -- one batch's locks at most, with room for the machine's noise
    assert(worst < 2 * per_batch + 0.2, ("worst wait %.3f s, one batch %.3f s (%d writes)"):format(worst, per_batch, writes))
    assert(writes > batches, ("only %d writes during %d batches"):format(writes, batches))
    assert.equal(ROWS, backfill.counts(conn).done)
    writer:close()
    conn:close()
  end)
end)
