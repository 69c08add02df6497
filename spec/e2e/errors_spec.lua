local helpers = require("support.helpers")

local run, project = helpers.run, helpers.project

local good = { id = "aaaa00000001", message = "create a",
               up = [[op.create_table("a", { { "id", "int" } })]], down_body = [[op.drop_table("a")]] }

describe("luamig errors", function()
  local url, conn
  before_each(function() url, conn = helpers.fresh_db() end)
  after_each(function() conn:close() end)

  it("a Lua error in a revision names the revision, file and line, exits 1 and rolls it back", function()
    local dir = project { url = url, revisions = { good,
      { id = "bbbb00000002", down = "aaaa00000001", slug = "boom",
        up = [[
    op.create_table("b", { { "id", "int" } })
    error("boom")]] } } }
    local code, out, err = run(dir, "upgrade head")
    assert.equal(1, code)
    assert.equal("", out)
    local file = "migrations/versions/bbbb00000002_boom.lua"
    assert.matches("luamig: bbbb00000002 %(" .. file:gsub("%p", "%%%0") .. ":10%): boom\n$", err)
    assert.not_matches("traceback", err)
    -- the earlier revision stays, the failed one is rolled back
    assert.same({ "a", "luamig_version" }, helpers.tables(conn))
    assert.same({ "aaaa00000001" }, helpers.versions(conn))
  end)

  it("os.exit in a revision is an error: the revision is rolled back and luamig exits 1", function()
    local dir = project { url = url, revisions = { good,
      { id = "bbbb00000002", down = "aaaa00000001", slug = "exits", up = [[
    op.create_table("b", { { "id", "int" } })
    os.exit(0)]] } } }
    local code, _, err = run(dir, "upgrade head")
    assert.equal(1, code)
    assert.matches("^Running upgrade  %-> aaaa00000001[^\n]*\nluamig: bbbb00000002 %(migrations/versions/bbbb00000002_exits%.lua:10%): "
      .. "os%.exit%(%) called; stop a migration run with error%(%) instead\n$", err)
    assert.same({ "a", "luamig_version" }, helpers.tables(conn))
    assert.same({ "aaaa00000001" }, helpers.versions(conn))
  end)

  it("os.exit in env.lua's on_connect is an error naming env.lua, exit 1", function()
    local dir = project { url = url, revisions = { good } }
    helpers.write(dir .. "/migrations/env.lua", "return {\n  on_connect = function(db)\n    os.exit(true)\n  end,\n}\n")
    local code, _, err = run(dir, "upgrade head")
    assert.equal(1, code)
    assert.equal("luamig: env.lua (migrations/env.lua:3): on_connect: os.exit() called; stop a migration run with error() instead\n", err)
    assert.same({}, helpers.tables(conn))
  end)

  it("debug.sethook in a revision is an error (the signals need the hook), exit 1", function()
    local dir = project { url = url, revisions = { good,
      { id = "bbbb00000002", down = "aaaa00000001", slug = "hook", up = [[
    op.create_table("b", { { "id", "int" } })
    debug.sethook()]] } } }
    local code, _, err = run(dir, "upgrade head")
    assert.equal(1, code)
    assert.matches("^Running upgrade  %-> aaaa00000001[^\n]*\nluamig: bbbb00000002 %(migrations/versions/bbbb00000002_hook%.lua:10%): "
      .. "debug%.sethook%(%) called; luamig needs the debug hook to stop a run on SIGINT/SIGTERM\n$", err)
    assert.same({ "a", "luamig_version" }, helpers.tables(conn))
  end)

  it("a statement sent from op.bulk_insert's row iterator is refused with one line naming the COPY", function()
    local dir = project { url = url, revisions = { good,
      { id = "bbbb00000002", down = "aaaa00000001", slug = "copy", up = [[
    op.create_table("b", { { "id", "int" } })
    local i = 0
    op.bulk_insert("b", function()
      i = i + 1
      if i == 3 then op.execute("SELECT 1") end
      if i < 5 then return { i } end
    end)]] } } }
    local code, _, err = run(dir, "upgrade head")
    assert.equal(1, code)
    assert.matches("^Running upgrade  %-> aaaa00000001[^\n]*\nluamig: bbbb00000002 %(migrations/versions/bbbb00000002_copy%.lua:11%): "
      .. "a COPY %(op%.bulk_insert%) is still being sent on this connection\n$", err)
    assert.same({ "a", "luamig_version" }, helpers.tables(conn))
  end)

  it("an error object whose __tostring fails is the revision's error, not an internal one", function()
    local dir = project { url = url, revisions = { good,
      { id = "bbbb00000002", down = "aaaa00000001", slug = "obj", up = [[
    op.create_table("b", { { "id", "int" } })
    error(setmetatable({}, { __tostring = function() error("no text", 0) end }))]] } } }
    local code, _, err = run(dir, "upgrade head")
    assert.equal(1, code)
    assert.matches("^Running upgrade  %-> aaaa00000001[^\n]*\nluamig: bbbb00000002 %(migrations/versions/bbbb00000002_obj%.lua:10%): "
      .. "error object is a table value %(its __tostring failed: no text%)\n$", err)
    assert.same({ "a", "luamig_version" }, helpers.tables(conn))
  end)

  it("a recursion through coroutines is one short stack overflow line, its position said once", function()
    local dir = project { url = url, revisions = { good,
      { id = "bbbb00000002", down = "aaaa00000001", slug = "deep", up = [[
    local function deeper() return coroutine.wrap(deeper)() end
    deeper()]] } } }
    local code, _, err = run(dir, "upgrade head")
    assert.equal(1, code)
    assert.matches("^Running upgrade  %-> aaaa00000001[^\n]*\nluamig: bbbb00000002 %(migrations/versions/bbbb00000002_deep%.lua:%d+%): "
      .. "[^\n]*stack overflow[^\n]*\n$", err)
    assert.is_true(#err < 300, err)
  end)

  -- Lua does not check bytecode: a crafted chunk crashes the process, so
  -- what a run loads is text only, through every way in
  for _, how in ipairs({ "load(string.dump(function() end))", "loadfile(\"dumped.lua\")", "dofile(\"dumped.lua\")",
                         "require(\"dumped\")" }) do
    it(("a binary chunk from %s is an error, never run"):format(how), function()
      local dir = project { url = url, revisions = { good,
        { id = "bbbb00000002", down = "aaaa00000001", slug = "binary", up = ([[
    op.create_table("b", { { "id", "int" } })
    local f, e = %s
    if f == nil and e then error(e, 0) end]]):format(how) } } }
      helpers.write(dir .. "/dumped.lua", string.dump(function() return 1 end))
      -- Lua's default path, without the specs' lua/: luamig's modules come from the binary
      local code, _, err = run(dir, "upgrade head", { env = { LUA_PATH = ";;" } })
      assert.equal(1, code, err)
      assert.matches("^Running upgrade  %-> aaaa00000001[^\n]*\nluamig: bbbb00000002 %(migrations/versions/bbbb00000002_binary%.lua:%d+%): "
        .. "[^\n]*attempt to load a binary chunk %(mode is 't'%)\n$", err)
      assert.same({ "a", "luamig_version" }, helpers.tables(conn))
    end)
  end

  it("an SQL error prints SQLSTATE, message and statement, exits 1 and rolls the revision back", function()
    local dir = project { url = url, revisions = {
      { id = "aaaa00000001", slug = "bad", up = [[
    op.create_table("a", { { "id", "int" } })
    op.execute("INSERT INTO nope VALUES (1)")]] } } }
    local code, _, err = run(dir, "upgrade head")
    assert.equal(1, code)
    assert.matches([[luamig: aaaa00000001 %(migrations/versions/aaaa00000001_bad%.lua:10%): ERROR 42P01: relation "nope" does not exist; statement: INSERT INTO nope VALUES %(1%)]], err)
    assert.same({ "luamig_version" }, helpers.tables(conn))
    assert.same({}, helpers.versions(conn))
  end)

  it("a bad op argument names the function and the revision line", function()
    local dir = project { url = url, revisions = {
      { id = "aaaa00000001", slug = "badop", up = [[
    op.create_table("a", { { "id" } })]] } } }
    local code, _, err = run(dir, "upgrade head")
    assert.equal(1, code)
    assert.matches('aaaa00000001 %(migrations/versions/aaaa00000001_badop%.lua:9%): op%.create_table: column "id": nil is not a PostgreSQL type name', err)
  end)

  it("an op.rows result left unread is dropped when the revision returns", function()
    local dir = project { url = url, revisions = {
      { id = "aaaa00000001", slug = "peek", up = [[
    op.create_table("a", { { "id", "int" } })
    local next_row = op.rows("SELECT g FROM generate_series(1, 100000) g")
    assert(next_row().g == 1)]] } } }
    local code, _, err = run(dir, "upgrade head")
    assert.equal(0, code, err)
    assert.same({ "a", "luamig_version" }, helpers.tables(conn))
    assert.same({ "aaaa00000001" }, helpers.versions(conn))
  end)

  it("a statement while an op.rows result is unread names the revision and says what to do", function()
    local dir = project { url = url, revisions = {
      { id = "aaaa00000001", slug = "peek", up = [[
    local next_row = op.rows("SELECT g FROM generate_series(1, 100000) g")
    next_row()
    op.create_table("a", { { "id", "int" } })]] } } }
    local code, out, err = run(dir, "upgrade head")
    assert.equal(1, code)
    assert.equal("", out)
    assert.equal("luamig: aaaa00000001 (migrations/versions/aaaa00000001_peek.lua:11): op.create_table: an op.rows "
      .. "loop is still reading its result on this connection; collect what you need and call op.create_table after the loop\n", err)
    assert.same({ "luamig_version" }, helpers.tables(conn))
    assert.same({}, helpers.versions(conn))
  end)

  it("a connection failure prints libpq's message without the password", function()
    local dir = project { url = url, revisions = { good } }
    local bad = ("postgresql://postgres:hunter2@/nosuchdb?host=%s&port=5432"):format(helpers.pghost())
    local code, out, err = run(dir, "--url " .. helpers.shell_quote(bad) .. " upgrade head")
    assert.equal(1, code)
    assert.equal("", out)
    assert.matches('^luamig: cannot connect to the database: .*database "nosuchdb" does not exist\n$', err)
    assert.not_matches("hunter2", err)
  end)

  it("an unknown target says so and exits 1", function()
    local dir = project { url = url, revisions = { good } }
    local code, _, err = run(dir, "upgrade zzz")
    assert.equal(1, code)
    assert.equal("luamig: Can't locate revision identified by 'zzz'\n", err)
  end)

  it("a revision file with a syntax error names the file and line", function()
    local dir = project { url = url, revisions = { { file = "aaaa_broken.lua", source = "return {\n  revision = 'x',,\n}\n" } } }
    local code, _, err = run(dir, "upgrade head")
    assert.equal(1, code)
    assert.matches("^luamig: revision file migrations/versions/aaaa_broken%.lua:2: unexpected symbol near ','\n$", err)
  end)

  it("a missing config file says how to make one", function()
    local code, _, err = run(helpers.tmpdir(), "current")
    assert.equal(1, code)
    assert.equal("luamig: config file luamig.lua not found (create one with 'luamig init DIR', or pass -c FILE)\n", err)
  end)
end)

-- A project of `good` and a second revision bbbb00000002 running `up`.
local function second_revision(url, up)
  return project { url = url, revisions = { good,
    { id = "bbbb00000002", down = "aaaa00000001", slug = "second", up = up } } }
end

local SECOND = ("\nluamig: bbbb00000002 %(migrations/versions/bbbb00000002_second.lua"):gsub("%.lua", "%%.lua")

describe("a revision that disturbs the runner's transaction or version table", function()
  local url, conn
  before_each(function() url, conn = helpers.fresh_db() end)
  after_each(function() conn:close() end)

  it("ending the transaction with COMMIT and then failing is named as such, exit 1", function()
    local code, _, err = run(second_revision(url, [[
    op.create_table("b", { { "id", "int" } })
    op.execute("COMMIT")
    error("boom")]]), "upgrade head")
    assert.equal(1, code)
    assert.matches(SECOND .. ":%d+%): the revision ended the runner's transaction %(COMMIT or ROLLBACK in op%.execute%); "
      .. "what it ran is committed as far as it got and the version table was not updated; [^\n]*; then it failed: boom\n$", "\n" .. err)
    assert.same({ "aaaa00000001" }, helpers.versions(conn))
  end)

  it("ending the transaction with COMMIT and returning fails the revision, exit 1", function()
    local code, _, err = run(second_revision(url, [[
    op.create_table("b", { { "id", "int" } })
    op.execute("COMMIT")]]), "upgrade head")
    assert.equal(1, code)
    assert.matches(SECOND .. "%): the revision ended the runner's transaction %(COMMIT or ROLLBACK in op%.execute%); "
      .. "what it ran is committed as far as it got and the version table was not updated; [^\n]*\n$", "\n" .. err)
    assert.same({ "aaaa00000001" }, helpers.versions(conn))
  end)

  it("swallowing an SQL error with pcall fails the revision naming the cause and rolls it back", function()
    local code, _, err = run(second_revision(url, [[
    op.create_table("b", { { "id", "int" } })
    pcall(op.execute, "INSERT INTO nope VALUES (1)")]]), "upgrade head")
    assert.equal(1, code)
    assert.matches(SECOND .. "%): an SQL error in the revision was caught %(pcall%) and the transaction is aborted; "
      .. "the revision was rolled back\n$", "\n" .. err)
    assert.same({ "a", "luamig_version" }, helpers.tables(conn))
    assert.same({ "aaaa00000001" }, helpers.versions(conn))
  end)

  it("deleting its own version row fails the step naming the row and rolls it back", function()
    local code, _, err = run(second_revision(url, [[
    op.create_table("b", { { "id", "int" } })
    op.execute("DELETE FROM luamig_version")]]), "upgrade head")
    assert.equal(1, code)
    assert.matches(SECOND .. "%): the version table public%.luamig_version has no row aaaa00000001 to change "
      .. "%(it was changed during the run%); the revision was rolled back\n$", "\n" .. err)
    assert.same({ "a", "luamig_version" }, helpers.tables(conn))
    assert.same({ "aaaa00000001" }, helpers.versions(conn))
  end)

  it("changing search_path does not redirect the version table or the history", function()
    local code, _, err = run(second_revision(url, [[
    op.execute("CREATE SCHEMA other")
    op.execute("SET search_path TO other")
    op.create_table("b", { { "id", "int" } })]]), "upgrade head")
    assert.equal(0, code, err)
    assert.same({ "bbbb00000002" }, helpers.versions(conn, "public.luamig_version"))
    assert.equal(2, conn:exec("SELECT count(*)::int AS n FROM public.luamig_history")[1].n)
    assert.same({ "b" }, helpers.tables(conn, "other"))
    assert.equal(0, conn:exec("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'other' AND tablename LIKE 'luamig%'")[1].n)
  end)
end)

describe("luamig usage errors", function()
  it("an unknown command prints usage and exits 2", function()
    local code, _, err = run(helpers.tmpdir(), "frobnicate")
    assert.equal(2, code)
    assert.matches('unknown command "frobnicate"', err)
    assert.matches("luamig %-%-help", err)
  end)

  it("an unknown option prints usage and exits 2", function()
    local code, _, err = run(helpers.tmpdir(), "upgrade --frob head")
    assert.equal(2, code)
    assert.matches("unknown option %-%-frob for upgrade", err)
  end)

  it("a missing argument exits 2", function()
    local code, _, err = run(helpers.tmpdir(), "upgrade")
    assert.equal(2, code)
    assert.matches("upgrade needs TARGET", err)
  end)

  it("no command prints usage and exits 2", function()
    local code, _, err = run(helpers.tmpdir(), "")
    assert.equal(2, code)
    assert.matches("^usage: luamig", err)
  end)
end)
