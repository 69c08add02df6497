-- op.backfill (issue 16, DESIGN.md §10) as a user runs it: batches in
-- their own transactions, both paths, resuming, what status shows, and
-- the clear errors of a misuse.
local helpers = require("support.helpers")
local backfill = require("support.backfill")
local dkjson = require("dkjson")

local run = helpers.run

for path, spec_text in pairs(backfill.PATHS) do
  describe("op.backfill by the " .. path .. " path", function()
    it("updates every row once, in batches, and records the version", function()
      local url, conn = helpers.fresh_db()
      local dir = backfill.project(url, 1050, spec_text .. ", batch = 100")
      local code, _, err = run(dir, "upgrade head")
      assert.equal(0, code, err)
      assert.same({ once = 1050, twice = 0, done = 1050 }, backfill.counts(conn))
      assert.same({ backfill.BACKFILL }, helpers.versions(conn))
      assert.equal(1050, conn:exec("SELECT n FROM returned")[1].n)
      -- the progress rows of a recorded revision go with its version change
      assert.same({}, backfill.progress_rows(conn))
      conn:close()
    end)

    it("walks a composite key and updates only the rows of where", function()
      local url, conn = helpers.fresh_db()
      local dir = backfill.project(url, 10, spec_text .. [[, batch = 7, where = "a <> 2"]],
        { table = "pairs", before = [[op.execute("CREATE TABLE pairs (a int, b text, v text, PRIMARY KEY (a, b))")
    op.execute("INSERT INTO pairs SELECT g % 3, 'k' || g, NULL FROM generate_series(1, 30) g")
    op.execute("ALTER TABLE pairs ADD COLUMN id text GENERATED ALWAYS AS (a || b) STORED")]] })
      local code, _, err = run(dir, "upgrade head")
      assert.equal(0, code, err)
      local rows = conn:exec("SELECT count(*) FILTER (WHERE v = 'done-' || id) AS done, "
        .. "count(*) FILTER (WHERE v IS NULL) AS untouched, count(*) FILTER (WHERE a = 2 AND v IS NULL) AS skipped FROM pairs")
      assert.same({ done = 20, untouched = 10, skipped = 10 }, rows[1])
      assert.equal(20, conn:exec("SELECT n FROM returned")[1].n)
      conn:close()
    end)
  end)
end

describe("op.backfill's Lua path", function()
  it("leaves a row for which fn returns nil or {}, and sets op.NULL as NULL", function()
    local url, conn = helpers.fresh_db()
    local dir = backfill.project(url, 9, [[batch = 4, fn = function(rows)
      local out = {}
      for i, row in ipairs(rows) do
        if row.id % 3 == 1 then out[i] = { v = "x", w = op.NULL }
        elseif row.id % 3 == 2 then out[i] = {} end
      end
      return out
    end]], { before = [[op.execute("UPDATE items SET w = 'w'")]] })
    local code, _, err = run(dir, "upgrade head")
    assert.equal(0, code, err)
    local rows = conn:exec("SELECT count(*) FILTER (WHERE v = 'x' AND w IS NULL) AS set, "
      .. "count(*) FILTER (WHERE v IS NULL AND w = 'w') AS left FROM items")
    assert.same({ set = 3, left = 6 }, rows[1])
    assert.equal(3, conn:exec("SELECT n FROM returned")[1].n)
    conn:close()
  end)
end)

describe("op.backfill refuses", function()
  local function failure(spec_text, opts)
    local url, conn = helpers.fresh_db()
    local dir = backfill.project(url, 10, spec_text, opts)
    local code, out, err = run(dir, "upgrade head")
    assert.same({ backfill.SETUP }, helpers.versions(conn))
    conn:close()
    return code, out, err
  end

  it("a revision that runs in a transaction", function()
    local code, _, err = failure(backfill.PATHS.sql, { transaction = true })
    assert.equal(1, code)
    assert.matches("bf0000000002 %(migrations/versions/bf0000000002_rev%.lua:%d+%): op%.backfill: only in a revision "
      .. "with transaction = false", err)
  end)

  it("an unknown column of set, naming it and the table", function()
    local code, _, err = failure([[set = { nope = "1" }]])
    assert.equal(1, code)
    assert.matches("op%.backfill items: table items has no column nope\n", err)
  end)

  it("an unknown column in fn's result, naming the row", function()
    local code, _, err = failure([[fn = function(rows) return { { v = "a" }, { nope = 1 } } end]])
    assert.equal(1, code)
    assert.matches("op%.backfill items: fn's result for row 2 sets nope, which table items has no column of\n", err)
  end)

  it("a table without a primary key when no key is given", function()
    local code, _, err = failure(backfill.PATHS.sql,
      { table = "nokey", before = [[op.execute("CREATE TABLE nokey (id int, v text)")]] })
    assert.equal(1, code)
    assert.matches("op%.backfill nokey: table nokey has no primary key: give spec%.key", err)
  end)

  it("both set and fn, or neither", function()
    local code, _, err = failure([[set = { v = "1" }, fn = function() end]])
    assert.equal(1, code)
    assert.matches("op%.backfill: give spec%.set or spec%.fn, not both", err)
  end)

  it("--sql, which has no database to walk", function()
    local url, conn = helpers.fresh_db()
    local dir = backfill.project(url, 10, backfill.PATHS.sql)
    local code, _, err = run(dir, "upgrade head --sql")
    assert.equal(1, code)
    assert.matches("op%.backfill needs a database connection; it cannot run in %-%-sql mode", err)
    conn:close()
  end)
end)

describe("status during a backfill", function()
  it("shows the backfill in progress, in text and JSON", function()
    local url, conn = helpers.fresh_db()
    -- the revision fails after its first batches committed
    local dir = backfill.project(url, 100, [[batch = 30, fn = function(rows)
      if rows[1].id > 60 then error("stop here") end
      local out = {}
      for i, row in ipairs(rows) do out[i] = { v = "done-" .. row.id } end
      return out
    end]])
    local code, _, err = run(dir, "upgrade head")
    assert.equal(1, code)
    assert.matches("stop here", err)
    assert.matches("backfill items: 60 rows done, last key {\"id\": 60}; a rerun continues after it", err)
    local scode, out, serr = run(dir, "status")
    assert.equal(0, scode, serr)
    assert.matches(("backfill %s items: 60 rows done in 2 batches, last key {\"id\": 60}, last moved %%d%%d%%d%%d%%-")
      :format(backfill.BACKFILL), out)
    local jcode, jout = run(dir, "--json status")
    assert.equal(0, jcode)
    local doc = dkjson.decode(jout)
    assert.equal(1, #doc.backfills)
    local b = doc.backfills[1]
    assert.same({ backfill.BACKFILL, "items", 60, 2, "{\"id\": 60}" }, { b.revision, b.name, b.rows_done, b.batches, b.last_key })
    assert.equal("string", type(b.updated_at))
    assert.is_nil(b.finished_at)
    conn:close()
  end)
end)

describe("op.backfill and lock_timeout", function()
  local process = require("support.process")
  local core = require("luamig.core")

  -- A run whose batches meet a row another session holds locked for
  -- `hold` seconds; returns its exit code and stderr.
  local function blocked_run(hold)
    local url, conn = helpers.fresh_db()
    local dir = backfill.project(url, 100, backfill.PATHS.sql .. ", batch = 10",
      { before = [[op.execute("SET lock_timeout = '100ms'")]] })
    assert.equal(0, (run(dir, "upgrade " .. backfill.SETUP)))
    local holder = assert(core.connect(url))
    holder:exec("BEGIN; SELECT * FROM items WHERE id = 35 FOR UPDATE")
    local proc = process.spawn(dir, "upgrade head")
    core.sleep(hold)
    holder:exec("COMMIT")
    local code, err = proc:wait(30), proc:stderr()
    proc:cleanup()
    holder:close()
    return code, err, conn
  end

  it("retries a batch with backoff until the lock is free", function()
    local code, err, conn = blocked_run(0.6)
    assert.equal(0, code, err)
    assert.same({ once = 100, twice = 0, done = 100 }, backfill.counts(conn))
    conn:close()
  end)

  it("gives up after bounded tries, naming the batch and how far it got", function()
    local code, err, conn = blocked_run(4)
    assert.equal(1, code)
    assert.matches("op%.backfill items: batch 4 hit lock_timeout 5 times: ERROR 55P03: .*; backfill items: 30 rows done, "
      .. "last key {\"id\": 30}; a rerun continues after it", err)
    conn:close()
  end)
end)

describe("the README's expand, backfill, contract", function()
  it("adds a column, backfills it outside a transaction, and makes it NOT NULL through a validated check", function()
    local url, conn = helpers.fresh_db()
    local A, B, C, D = "ebc000000001", "ebc000000002", "ebc000000003", "ebc000000004"
    local dir = helpers.project { url = url, revisions = {
      { id = A, up = [[op.execute("CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL)")
    op.execute("INSERT INTO users SELECT g, 'U' || g || '@X.ORG' FROM generate_series(1, 2500) g")]] },
      { id = B, down = A, up = [[op.add_column("users", { "email_lower", "text" })]] },
      { id = C, down = B, transaction = false, up = [[op.execute("SET lock_timeout = '1s'")
    op.backfill("users", { set = { email_lower = "lower(email)" }, where = "email_lower IS NULL", batch = 1000 })]] },
      { id = D, down = C, transaction = false, up = [[
    op.create_check_constraint("users_email_lower_nn", "users", "email_lower IS NOT NULL", { not_valid = true })
    op.execute("ALTER TABLE users VALIDATE CONSTRAINT users_email_lower_nn")
    op.alter_column("users", "email_lower", { nullable = false })
    op.drop_constraint("users_email_lower_nn", "users")]] },
    } }
    local code, _, err = run(dir, "upgrade head")
    assert.equal(0, code, err)
    assert.equal("NO", helpers.columns(conn, "users").email_lower.is_nullable)
    assert.equal(2500, conn:exec("SELECT count(*) AS n FROM users WHERE email_lower = lower(email)")[1].n)
    assert.equal(0, conn:exec("SELECT count(*) AS n FROM pg_constraint WHERE conname = 'users_email_lower_nn'")[1].n)
    conn:close()
  end)
end)

describe("two op.backfill calls of one revision", function()
  it("must have their own names", function()
    local url, conn = helpers.fresh_db()
    local dir = backfill.project(url, 10, backfill.PATHS.sql, { before = [[op.backfill("items", { set = { w = "'w'" } })]] })
    local code, _, err = run(dir, "upgrade head")
    assert.equal(1, code)
    assert.matches("op%.backfill items: another op%.backfill of this revision is named items: give each its own spec%.name", err)
    conn:close()
  end)
end)
