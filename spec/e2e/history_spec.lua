local helpers = require("support.helpers")
local core = require("luamig.core")

local run, project = helpers.run, helpers.project

local revisions = {
  { id = "aaaa00000001", message = "create a", up = [[op.create_table("a", { { "id", "int" } })]],
    down_body = [[op.drop_table("a")]] },
  { id = "bbbb00000002", down = "aaaa00000001", message = "slow b", up = [[
    op.create_table("b", { { "id", "int" } })
    op.execute("SELECT pg_sleep(0.2)")]], down_body = [[op.drop_table("b")]] },
}

local function path_of(dir, id)
  return ("%s/migrations/versions/%s_rev.lua"):format(dir, id)
end

local function history(conn)
  return conn:exec([[SELECT revision, direction, started_at IS NOT NULL AND started_at <= now() AS started,
    duration_ms, checksum, db_user, message FROM luamig_history ORDER BY id]])
end

describe("the luamig_history table", function()
  local url, conn, dir
  before_each(function()
    url, conn = helpers.fresh_db()
    dir = project { url = url, revisions = revisions }
  end)
  after_each(function() conn:close() end)

  describe("after upgrade head and downgrade -1", function()
    local rows
    before_each(function()
      assert.equal(0, (run(dir, "upgrade head")))
      assert.equal(0, (run(dir, "downgrade -1")))
      rows = history(conn)
    end)

    it("holds one row per applied step, in order, with its direction", function()
      local steps = {}
      for i, r in ipairs(rows) do steps[i] = r.revision .. " " .. r.direction end
      assert.same({ "aaaa00000001 upgrade", "bbbb00000002 upgrade", "bbbb00000002 downgrade" }, steps)
    end)

    it("records the start time, the user and the message of each step", function()
      for _, r in ipairs(rows) do
        assert.is_true(r.started)
        assert.equal("postgres", r.db_user)
      end
      assert.equal("create a", rows[1].message)
      assert.equal("slow b", rows[2].message)
    end)

    it("records how long each step took", function()
      assert.is_true(rows[1].duration_ms >= 0)
      assert.is_true(rows[2].duration_ms >= 200, ("the 0.2 s sleep took %s ms"):format(rows[2].duration_ms))
    end)

    it("records the checksum of the revision file as it was applied", function()
      assert.equal(core.checksum(helpers.read(path_of(dir, "aaaa00000001"))), rows[1].checksum)
      assert.equal(core.checksum(helpers.read(path_of(dir, "bbbb00000002"))), rows[2].checksum)
    end)
  end)

  it("gets no row for a revision that failed and was rolled back", function()
    helpers.write(path_of(dir, "bbbb00000002"), helpers.revision_source {
      id = "bbbb00000002", down = "aaaa00000001", up = [[error("no")]] })
    assert.equal(1, (run(dir, "upgrade head")))
    local steps = {}
    for i, r in ipairs(history(conn)) do steps[i] = r.revision end
    assert.same({ "aaaa00000001" }, steps)
  end)

  it("takes a message that is not UTF-8 text (Latin-1, a NUL byte) as UTF-8, and the upgrade is recorded", function()
    dir = project { url = url, revisions = {
      { id = "aaaa00000001", message = "caf\233 latin-1" },
      { id = "bbbb00000002", down = "aaaa00000001", message = "nul\0byte" },
    } }
    local code, _, err = run(dir, "upgrade head")
    assert.equal(0, code, err)
    assert.same({ "aaaa00000001", "bbbb00000002" }, { history(conn)[1].revision, history(conn)[2].revision })
    assert.equal("caf\u{FFFD} latin-1", history(conn)[1].message)
    assert.equal("nul\u{FFFD}byte", history(conn)[2].message)
    assert.same({ "bbbb00000002" }, helpers.versions(conn))
  end)

  it("gets no row for stamp, which runs nothing", function()
    assert.equal(0, (run(dir, "stamp head")))
    assert.same({}, history(conn))
  end)
end)

describe("a revision file edited after it was applied", function()
  local url, conn, dir
  local warning = "luamig: warning: revision aaaa00000001 %(migrations/versions/aaaa00000001_rev%.lua%) has changed since it was applied\n"
  before_each(function()
    url, conn = helpers.fresh_db()
    dir = project { url = url, revisions = revisions }
    assert.equal(0, (run(dir, "upgrade aaaa00000001")))
    local path = path_of(dir, "aaaa00000001")
    helpers.write(path, helpers.read(path) .. "-- edited after the fact\n")
  end)
  after_each(function() conn:close() end)

  it("makes status warn, naming the revision and its file", function()
    local code, _, err = run(dir, "status")
    assert.equal(0, code, err)
    assert.matches(warning, err)
  end)

  it("makes status warn also after another command has indexed the edited file", function()
    assert.equal(0, (run(dir, "heads")))  -- the index (and its map) now hold the edited file
    local code, _, err = run(dir, "status")
    assert.equal(0, code, err)
    assert.matches(warning, err)
  end)

  it("makes upgrade warn and still apply what is pending", function()
    local code, _, err = run(dir, "upgrade head")
    assert.equal(0, code, err)
    assert.matches(warning, err)
    assert.same({ "bbbb00000002" }, helpers.versions(conn))
  end)

  it("warns about no other revision", function()
    assert.equal(0, (run(dir, "upgrade head")))
    local _, _, err = run(dir, "status")
    local _, warnings = err:gsub("warning:", "")
    assert.equal(1, warnings)
  end)

  it("is no longer drift once downgraded and applied again", function()
    assert.equal(0, (run(dir, "downgrade base")))
    assert.equal(0, (run(dir, "upgrade aaaa00000001")))
    local _, _, err = run(dir, "status")
    assert.not_matches("warning", err)
  end)
end)

------------------------------------------------------------------ secrets

-- The password appears in none of these, whichever way the URL is given.
local commands = { "upgrade head", "current -v", "history -v", "status", "upgrade head --sql",
                   "downgrade base", "history -i", "heads -v", "upgrade head" }

local function assert_secret_kept(dir, how, url)
  local args, env = "", nil
  if how == "--url" then args = "--url " .. helpers.shell_quote(url) .. " " end
  if how == "LUAMIG_URL" then env = { LUAMIG_URL = url } end
  local ran = 0
  for _, cmd in ipairs(commands) do
    local _, out, err = run(dir, args .. cmd, { env = env })
    assert.not_matches("hunter2", out, cmd)
    assert.not_matches("hunter2", err, cmd)
    ran = ran + 1
  end
  return ran
end

describe("a password in the database URL", function()
  local conn, name, dir
  before_each(function()
    local url
    url, conn, name = helpers.fresh_db()
    dir = project { url = url, revisions = { revisions[1], {
      id = "bbbb00000002", down = "aaaa00000001", up = [[op.execute("SELECT 1")]],
      down_body = [[op.execute("SELEC 1")]] } } }  -- downgrade base fails with an SQL error
  end)
  after_each(function() conn:close() end)

  -- The test cluster trusts every connection, so the password is accepted
  -- and ignored: every command runs for real.
  local function uri(db) return ("postgresql://postgres:hunter2@/%s?host=%s&port=5432"):format(db, helpers.pghost()) end
  local function keywords(db) return ("host=%s port=5432 user=postgres password=hunter2 dbname=%s"):format(helpers.pghost(), db) end

  for _, how in ipairs({ "--url", "LUAMIG_URL", "config" }) do
    it(("given by %s appears in no output, on success or failure"):format(how), function()
      local d = dir
      if how == "config" then d = project { url = uri(name), revisions = { revisions[1] } } end
      assert.equal(#commands, assert_secret_kept(d, how, uri(name)))
    end)

    it(("given by %s in keyword form appears in no connection error"):format(how), function()
      local d = dir
      if how == "config" then d = project { url = keywords("no_such_db") } end
      local _, out, err = run(d, (how == "--url" and ("--url " .. helpers.shell_quote(keywords("no_such_db")) .. " ") or "") .. "current",
        { env = how == "LUAMIG_URL" and { LUAMIG_URL = keywords("no_such_db") } or nil })
      assert.matches('database "no_such_db" does not exist', err)
      assert.not_matches("hunter2", out .. err)
    end)
  end

  it("is hidden when libpq quotes it in a parse error", function()
    local bad = ("postgresql://postgres:hun%%zzter2@/%s?host=%s"):format(name, helpers.pghost())
    local code, out, err = run(dir, "--url " .. helpers.shell_quote(bad) .. " current")
    assert.equal(1, code)
    assert.matches("invalid percent%-encoded token", err)
    assert.not_matches("hun%%zzter2", out .. err)
  end)

  it("holding a raw @ is refused before libpq reads it, and no part of it is printed", function()
    local code, out, err = run(dir, "--url " .. helpers.shell_quote("postgresql://postgres:pa55@Zq7wd@127.0.0.1:1/db") .. " current")
    assert.equal(1, code)
    assert.equal("", out)
    assert.matches("^luamig: [^\n]*percent%-encode[^\n]*%%40[^\n]*\n$", err)
    assert.not_matches("pa55", err)
    assert.not_matches("Zq7wd", err)
  end)

  it("of one letter leaves libpq's message whole", function()
    local code, _, err = run(dir, "--url " .. helpers.shell_quote("postgresql://postgres:e@127.0.0.1:1/db") .. " current")
    assert.equal(1, code)
    assert.matches('^luamig: cannot connect to the database: connection to server at "127%.0%.0%.1", port 1 failed: Connection refused', err)
    assert.not_matches("*", err, 1, true)
  end)

  it("percent-encoded is hidden in both its forms", function()
    local code, _, err = run(dir, "--url " .. helpers.shell_quote("postgresql://postgres:s3cr%40tpw@127.0.0.1:1/db") .. " current")
    assert.equal(1, code)
    assert.matches("Connection refused", err)
    assert.not_matches("s3cr", err)
  end)
end)

-- A hostile revision file writes terminal escape codes into its message
-- and file name: the human-readable output shows them escaped (\x1b), in
-- every command and in progress lines; newlines and tabs stay as they are.
describe("control characters in a revision's message and path", function()
  local url, conn, dir
  local evil = "clear\27[2J\rback\0nul\127del\ttab\u{9b}2J\u{e9}"
  local shown = "clear\\x1b[2J\\x0dback\\x00nul\\x7fdel\ttab\\xc2\\x9b2J\u{e9}"
  setup(function()
    url, conn = helpers.fresh_db()
    dir = project { url = url, revisions = { { id = "aaaa00000001", slug = "x\27]0;t\7", message = evil } } }
  end)
  teardown(function() conn:close() end)

  it("escapes them in upgrade's progress line, history, heads, branches, show, current and status", function()
    local code, _, err = run(dir, "upgrade head")
    assert.equal(0, code, err)
    assert.equal("Running upgrade  -> aaaa00000001, " .. shown, (err:gsub("\nDone [^\n]*\n$", "")))
    for _, args in ipairs({ "history", "history -v", "heads", "heads -v", "show aaaa00000001", "current", "current -v",
                            "status", "branches -v" }) do
      local c, out, e = run(dir, args)
      assert.equal(0, c, e)
      assert.is_nil((out .. e):find("[%z\1-\8\11-\31\127]") or (out .. e):find("\194[\128-\159]"), args .. ": " .. out .. e)
    end
    local _, out = run(dir, "history")
    assert.equal("<base> -> aaaa00000001 (head), " .. shown .. "\n", out)
    _, out = run(dir, "show aaaa00000001")
    assert.truthy(out:find("Path: migrations/versions/aaaa00000001_x\\x1b]0;t\\x07.lua\n", 1, true), out)
  end)

  it("escapes them in a revision's error", function()
    local bad_url, bad_conn = helpers.fresh_db()
    bad_conn:close()
    local bad = project { url = bad_url, revisions = { { id = "bbbb00000001", up = [[error("boom\27[2J", 0)]] } } }
    local code, _, err = run(bad, "upgrade head")
    assert.equal(1, code)
    assert.matches("^Running upgrade  %-> bbbb00000001[^\n]*\nluamig: bbbb00000001 %(migrations/versions/bbbb00000001_rev%.lua:%d+%): boom\\x1b%[2J\n$", err)
  end)

  it("keeps them in --json output, escaped as JSON", function()
    local _, out = run(dir, "history --json")
    assert.truthy(out:find('"message":"clear\\u001b[2J\\rback\\u0000nul\\u007fdel\\ttab\\u009b2J\u{e9}"', 1, true), out)
  end)
end)
