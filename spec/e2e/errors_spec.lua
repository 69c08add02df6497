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
    assert.matches("^Running upgrade  %-> aaaa00000001[^\n]*\nDone upgrade  %-> aaaa00000001 %(%d+ ms%)\nRunning upgrade aaaa00000001 %-> bbbb00000002[^\n]*\nluamig: bbbb00000002 %(migrations/versions/bbbb00000002_exits%.lua:10%): "
      .. "os%.exit%(%) called; stop a migration run with error%(%) instead\n$", err)
    assert.same({ "a", "luamig_version" }, helpers.tables(conn))
    assert.same({ "aaaa00000001" }, helpers.versions(conn))
  end)

  it("env.lua's on_connect leaving a transaction open is an error naming env.lua, before the lock, exit 1", function()
    local dir = project { url = url, revisions = { good } }
    helpers.write(dir .. "/migrations/env.lua", "return {\n  on_connect = function(db)\n    db:execute('BEGIN')\n  end,\n}\n")
    local code, _, err = run(dir, "upgrade head")
    assert.equal(1, code)
    assert.equal("luamig: env.lua (migrations/env.lua): on_connect: it left a transaction open; "
      .. "luamig opens its own (waiting for the lock inside one would hold a snapshot): COMMIT it in on_connect\n", err)
    assert.same({}, helpers.tables(conn))
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
    assert.matches("^Running upgrade  %-> aaaa00000001[^\n]*\nDone upgrade  %-> aaaa00000001 %(%d+ ms%)\nRunning upgrade aaaa00000001 %-> bbbb00000002[^\n]*\nluamig: bbbb00000002 %(migrations/versions/bbbb00000002_hook%.lua:10%): "
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
    assert.matches("^Running upgrade  %-> aaaa00000001[^\n]*\nDone upgrade  %-> aaaa00000001 %(%d+ ms%)\nRunning upgrade aaaa00000001 %-> bbbb00000002[^\n]*\nluamig: bbbb00000002 %(migrations/versions/bbbb00000002_copy%.lua:11%): "
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
    assert.matches("^Running upgrade  %-> aaaa00000001[^\n]*\nDone upgrade  %-> aaaa00000001 %(%d+ ms%)\nRunning upgrade aaaa00000001 %-> bbbb00000002[^\n]*\nluamig: bbbb00000002 %(migrations/versions/bbbb00000002_obj%.lua:10%): "
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
    assert.matches("^Running upgrade  %-> aaaa00000001[^\n]*\nDone upgrade  %-> aaaa00000001 %(%d+ ms%)\nRunning upgrade aaaa00000001 %-> bbbb00000002[^\n]*\nluamig: bbbb00000002 %(migrations/versions/bbbb00000002_deep%.lua:%d+%): "
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
      assert.matches("^Running upgrade  %-> aaaa00000001[^\n]*\nDone upgrade  %-> aaaa00000001 %(%d+ ms%)\nRunning upgrade aaaa00000001 %-> bbbb00000002[^\n]*\nluamig: bbbb00000002 %(migrations/versions/bbbb00000002_binary%.lua:%d+%): "
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
    assert.equal("Running upgrade  -> aaaa00000001, revision aaaa00000001\n"
      .. "luamig: aaaa00000001 (migrations/versions/aaaa00000001_peek.lua:11): op.create_table: an op.rows "
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

  it("a connection string typed where luamig expects none is echoed without its password", function()
    local dir = project { url = url, revisions = { good } }
    local q = helpers.shell_quote
    local uri, kw, raw = "postgresql://app:Sekr1tQ@db.example:5432/app", "host=db password=Sekr1tQ dbname=app",
      "postgresql://app:Sekr1tQ@pwTail9@db.example/app"
    for _, args in ipairs({
      q(uri) .. " upgrade head",          -- --url forgotten: an unknown command
      "current " .. q(uri),               -- an unexpected argument
      "upgrade " .. q(uri),               -- a target
      "stamp " .. q(uri),                 -- a target cut at its '@'
      "history -r " .. q(uri .. ":"),     -- a range cut at its ':'
      "show " .. q(kw),                   -- a key=value string
      "-c " .. q(uri) .. " current",      -- a config file name
      "stamp " .. q(raw),                 -- a raw '@' in the password
      "current " .. q(raw),
    }) do
      local code, _, err = run(dir, args)
      assert.is_true(code == 1 or code == 2, args)
      assert.matches("^luamig: ", err, 1, args)
      assert.not_matches("Sekr1tQ", err, 1, true)
      assert.not_matches("pwTail9", err, 1, true)
    end
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

  it("ending the transaction and opening another in one op.execute, then returning, fails the revision, exit 1", function()
    local code, _, err = run(second_revision(url, [[
    op.execute("CREATE TABLE b (id int); COMMIT; BEGIN; CREATE TABLE c (id int)")]]), "upgrade head")
    assert.equal(1, code)
    assert.matches(SECOND .. "%): the revision ended the runner's transaction %(COMMIT or ROLLBACK in op%.execute%); "
      .. "what it ran is committed as far as it got and the version table was not updated; [^\n]*\n$", "\n" .. err)
    assert.same({ "a", "b", "luamig_version" }, helpers.tables(conn))
    assert.same({ "aaaa00000001" }, helpers.versions(conn))
  end)

  it("COMMIT and BEGIN in two op.execute calls, then an SQL error, is named as such, exit 1", function()
    local code, _, err = run(second_revision(url, [[
    op.create_table("b", { { "id", "int" } })
    op.execute("COMMIT")
    op.execute("BEGIN")
    op.execute("INSERT INTO nope VALUES (1)")]]), "upgrade head")
    assert.equal(1, code)
    assert.matches(SECOND .. ":%d+%): the revision ended the runner's transaction %(COMMIT or ROLLBACK in op%.execute%); "
      .. "what it ran is committed as far as it got and the version table was not updated; [^\n]*; then it failed: "
      .. "ERROR 42P01: [^\n]*\n$", "\n" .. err)
    assert.same({ "aaaa00000001" }, helpers.versions(conn))
  end)

  it("COMMIT and BEGIN through luamig.context().db, then an error, is named as such, exit 1", function()
    local code, _, err = run(second_revision(url, [[
    op.create_table("b", { { "id", "int" } })
    require("luamig").context().db:execute("COMMIT; BEGIN")
    error("boom")]]), "upgrade head")
    assert.equal(1, code)
    assert.matches(SECOND .. ":%d+%): the revision ended the runner's transaction %(COMMIT or ROLLBACK in op%.execute%); "
      .. "[^\n]*; then it failed: boom\n$", "\n" .. err)
    assert.same({ "aaaa00000001" }, helpers.versions(conn))
  end)

  it("with one transaction for the run, a revision's COMMIT; BEGIN fails it before a later revision runs", function()
    local dir = project { url = url, transaction_per_migration = false, revisions = { good,
      { id = "bbbb00000002", down = "aaaa00000001", slug = "second",
        up = [[op.execute("CREATE TABLE b (id int); COMMIT; BEGIN")]] },
      { id = "cccc00000003", down = "bbbb00000002", slug = "third", up = [[op.create_table("c", { { "id", "int" } })]] } } }
    local code, _, err = run(dir, "upgrade head")
    assert.equal(1, code)
    assert.matches(SECOND .. "%): the revision ended the runner's transaction [^\n]*for work that must commit\n$", "\n" .. err)
    -- what the first revision did was committed by the second's COMMIT, with its version row
    assert.same({ "a", "b", "luamig_version" }, helpers.tables(conn))
    assert.same({ "aaaa00000001" }, helpers.versions(conn))
  end)

  it("releasing the migration lock fails the step before it is recorded and rolls it back", function()
    local code, _, err = run(second_revision(url, [[
    op.create_table("b", { { "id", "int" } })
    op.execute("SELECT pg_advisory_unlock_all()")]]), "upgrade head")
    assert.equal(1, code)
    assert.matches(SECOND .. "%): the revision released luamig's migration lock on public%.luamig_version "
      .. "%(pg_advisory_unlock_all or DISCARD ALL%): another run may have run revisions at the same time; "
      .. "the revision was rolled back\n$", "\n" .. err)
    assert.same({ "a", "luamig_version" }, helpers.tables(conn))
    assert.same({ "aaaa00000001" }, helpers.versions(conn))
  end)

  it("DISCARD ALL in a transaction = false revision fails it, saying what stays applied", function()
    local dir = project { url = url, revisions = { good,
      { id = "bbbb00000002", down = "aaaa00000001", slug = "second", transaction = false,
        up = [[op.execute("CREATE TABLE b (id int)") op.execute("DISCARD ALL")]] } } }
    local code, _, err = run(dir, "upgrade head")
    assert.equal(1, code)
    assert.matches(SECOND .. "%): the revision released luamig's migration lock on public%.luamig_version "
      .. "%(pg_advisory_unlock_all or DISCARD ALL%): another run may have run revisions at the same time; "
      .. "the revision runs outside a transaction %(transaction = false or op%.autocommit%): the statements it ran stay applied "
      .. "and the version table was not updated; check them before running it again\n$", "\n" .. err)
    assert.same({ "aaaa00000001" }, helpers.versions(conn))
  end)

  it("with one transaction for the run, releasing the migration lock fails the run at its COMMIT and applies nothing", function()
    local dir = project { url = url, transaction_per_migration = false, revisions = { good,
      { id = "bbbb00000002", down = "aaaa00000001", slug = "second",
        up = [[op.create_table("b", { { "id", "int" } }) op.execute("SELECT pg_advisory_unlock_all()")]] },
      { id = "cccc00000003", down = "bbbb00000002", slug = "third", up = [[op.create_table("c", { { "id", "int" } })]] } } }
    local code, _, err = run(dir, "upgrade head")
    assert.equal(1, code)
    assert.matches("^[^\n]*luamig: the migration lock on public%.luamig_version was released during the run "
      .. "%(pg_advisory_unlock_all or DISCARD ALL in a revision%): another run may have run revisions at the same time; "
      .. "the run's transaction was rolled back\n$", err:match("[^\n]*\n$"))
    assert.same({}, helpers.tables(conn))
  end)

  -- with one transaction for the run: good, then bbbb00000002 committing
  -- work of its own (up), then a third revision failing
  local function committing_then_failing(up, transaction)
    return project { url = url, transaction_per_migration = false, revisions = { good,
      { id = "bbbb00000002", down = "aaaa00000001", slug = "second", transaction = transaction, up = up },
      { id = "cccc00000003", down = "bbbb00000002", slug = "third",
        up = [[op.create_table("c", { { "id", "int" } }) op.execute("SELECT 1/0")]] } } }
  end

  it("with one transaction for the run, a transaction = false revision's version row commits with it", function()
    local code, _, err = run(committing_then_failing([[op.create_table("b", { { "id", "int" } })]], false), "upgrade head")
    assert.equal(1, code)
    assert.matches("\nluamig: cccc00000003 [^\n]*ERROR 22012", "\n" .. err)
    assert.same({ "a", "b", "luamig_version" }, helpers.tables(conn))
    assert.same({ "bbbb00000002" }, helpers.versions(conn))
  end)

  it("with one transaction for the run, a revision's op.autocommit commits its version row with it", function()
    local code, _, err = run(committing_then_failing([[
    op.create_table("b", { { "id", "int" } })
    op.autocommit(function() op.execute("CREATE INDEX CONCURRENTLY b_id ON b (id)") end)]]), "upgrade head")
    assert.equal(1, code)
    assert.matches("\nluamig: cccc00000003 [^\n]*ERROR 22012", "\n" .. err)
    assert.same({ "a", "b", "luamig_version" }, helpers.tables(conn))
    assert.same({ "bbbb00000002" }, helpers.versions(conn))
  end)

  it("with one transaction for the run, a failure says that the run's earlier revisions were rolled back too", function()
    local dir = project { url = url, transaction_per_migration = false, revisions = { good,
      { id = "bbbb00000002", down = "aaaa00000001", slug = "second", up = [[error("boom")]] } } }
    local code, _, err = run(dir, "upgrade head")
    assert.equal(1, code)
    assert.matches(SECOND .. ":%d+%): boom; 1 revision applied before it in the run's transaction was rolled back too "
      .. "%(transaction_per_migration = false%)\n$", "\n" .. err)
    assert.same({}, helpers.tables(conn))
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

  it("a search path that leads to the session's temporary schema is refused before anything runs", function()
    local dir = project { url = url, revisions = { good } }
    helpers.write(dir .. "/migrations/env.lua",
      [[return { on_connect = function(db) db:execute("CREATE TEMP TABLE x (); SET search_path = pg_temp, public") end }]])
    local code, _, err = run(dir, "upgrade head")
    assert.equal(1, code)
    assert.matches("^luamig: the version table would be in pg_temp_%d+, the session's temporary schema, which goes "
      .. "when luamig disconnects: set version_table_schema or fix search_path\n$", err)
    assert.same({}, helpers.tables(conn))
  end)

  it("version_table_schema = \"pg_temp\" is refused before anything runs", function()
    local dir = project { url = url, revisions = { good }, settings = { version_table_schema = "pg_temp" } }
    local code, _, err = run(dir, "upgrade head")
    assert.equal(1, code)
    assert.matches("^luamig: the version table would be in pg_temp, the session's temporary schema", err)
    code, _, err = run(dir, "upgrade head --sql")
    assert.equal(1, code)
    assert.matches("^luamig: the version table would be in pg_temp, the session's temporary schema", err)
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
