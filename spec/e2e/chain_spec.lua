local helpers = require("support.helpers")

local run, project = helpers.run, helpers.project

-- Three revisions on a chain, each creating one table.
local function chain(url)
  return project {
    url = url,
    revisions = {
      { id = "aaaa00000001", message = "create a", up = [[op.create_table("a", { { "id", "serial", primary_key = true } })]], down_body = [[op.drop_table("a")]] },
      { id = "bbbb00000002", down = "aaaa00000001", message = "create b", up = [[op.create_table("b", { { "id", "int" } })]], down_body = [[op.drop_table("b")]] },
      { id = "cccc00000003", down = "bbbb00000002", message = "create c", up = [[op.create_table("c", { { "id", "int" } })]], down_body = [[op.drop_table("c")]] },
    },
  }
end

describe("luamig on a chain of revisions", function()
  local url, conn, dir
  before_each(function()
    url, conn = helpers.fresh_db()
    dir = chain(url)
  end)
  after_each(function() conn:close() end)

  it("upgrade head applies every revision and records the head", function()
    local code, _, err = run(dir, "upgrade head")
    assert.equal(0, code, err)
    assert.same({ "a", "b", "c", "luamig_version" }, helpers.tables(conn))
    assert.same({ "cccc00000003" }, helpers.versions(conn))
    assert.matches("Running upgrade  %-> aaaa00000001, create a\nDone upgrade  %-> aaaa00000001 %(%d+ ms%)\n", err)
    assert.matches("Running upgrade bbbb00000002 %-> cccc00000003, create c", err)
  end)

  it("creates the version table as Alembic does", function()
    run(dir, "upgrade head")
    local rows = conn:exec([[SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull,
      (SELECT conname FROM pg_constraint WHERE conrelid = 'luamig_version'::regclass AND contype = 'p') AS pk
      FROM pg_attribute a WHERE a.attrelid = 'luamig_version'::regclass AND a.attnum > 0]])
    assert.same({ { attname = "version_num", type = "character varying(32)", attnotnull = true, pk = "luamig_version_pkc" } }, rows)
  end)

  it("downgrade -1 reverts the newest revision and upgrade +1 reapplies it", function()
    run(dir, "upgrade head")
    local code, _, err = run(dir, "downgrade -1")
    assert.equal(0, code, err)
    assert.same({ "bbbb00000002" }, helpers.versions(conn))
    assert.same({ "a", "b", "luamig_version" }, helpers.tables(conn))
    code = run(dir, "upgrade +1")
    assert.equal(0, code)
    assert.same({ "cccc00000003" }, helpers.versions(conn))
  end)

  it("upgrade to a partial id stops there", function()
    local code, _, err = run(dir, "upgrade bbbb")
    assert.equal(0, code, err)
    assert.same({ "bbbb00000002" }, helpers.versions(conn))
  end)

  it("downgrade base reverts everything and empties the version table", function()
    run(dir, "upgrade head")
    local code, _, err = run(dir, "downgrade base")
    assert.equal(0, code, err)
    assert.same({ "luamig_version" }, helpers.tables(conn))
    assert.same({}, helpers.versions(conn))
  end)

  it("current prints the applied head", function()
    run(dir, "upgrade bbbb00000002")
    local code, out = run(dir, "current")
    assert.equal(0, code)
    assert.equal("bbbb00000002\n", out)
    run(dir, "upgrade head")
    _, out = run(dir, "current")
    assert.equal("cccc00000003 (head)\n", out)
  end)

  it("current prints nothing before the first upgrade", function()
    local code, out = run(dir, "current")
    assert.equal(0, code)
    assert.equal("", out)
  end)

  it("history lists the chain newest first as Alembic does", function()
    local code, out = run(dir, "history")
    assert.equal(0, code)
    assert.equal(table.concat({
      "bbbb00000002 -> cccc00000003 (head), create c",
      "aaaa00000001 -> bbbb00000002, create b",
      "<base> -> aaaa00000001, create a",
      "" }, "\n"), out)
  end)

  it("a second upgrade head does nothing", function()
    run(dir, "upgrade head")
    local code, _, err = run(dir, "upgrade head")
    assert.equal(0, code)
    assert.not_matches("Running", err)
  end)

  for _, target in ipairs({ "-9223372036854775808", "-99999999999999999999", "-4" }) do
    it("downgrade " .. target .. " beyond the applied revisions is an error and downgrades nothing", function()
      assert.equal(0, (run(dir, "upgrade head")))
      local code, _, err = run(dir, "downgrade " .. target)
      assert.equal(1, code)
      assert.equal(("luamig: Relative revision %s didn't produce %s migrations\n"):format(target, target:sub(2)), err)
      assert.same({ "cccc00000003" }, helpers.versions(conn))
    end)
  end

  it("upgrade +9223372036854775808 beyond the graph is an error and upgrades nothing", function()
    local code, _, err = run(dir, "upgrade +9223372036854775808")
    assert.equal(1, code)
    assert.equal("luamig: Relative revision +9223372036854775808 didn't produce 9223372036854775808 migrations\n", err)
    assert.same({}, helpers.tables(conn))
  end)

  it("status warns of a version row that no revision file defines, as current flags it", function()
    assert.equal(0, (run(dir, "upgrade head")))
    conn:exec("UPDATE luamig_version SET version_num = 'ffff00000009'")
    local code, out, err = run(dir, "status")
    assert.equal(0, code, err)
    assert.matches("^pending  aaaa00000001, create a\n", out)
    assert.equal("luamig: warning: the version table names revision ffff00000009, which no revision file defines\n"
      .. "0 applied, 3 pending\n", err)
    local _, current = run(dir, "current")
    assert.equal("ffff00000009 (not found in the revision files)\n", current)
  end)

  it("loads a revision file, env.lua and luamig.lua that start with a UTF-8 byte order mark", function()
    local bom = "\239\187\191"
    for _, path in ipairs({ "/luamig.lua", "/migrations/env.lua", "/migrations/versions/aaaa00000001_rev.lua" }) do
      helpers.write(dir .. path, bom .. helpers.read(dir .. path))
    end
    local code, _, err = run(dir, "upgrade head")
    assert.equal(0, code, err)
    assert.same({ "cccc00000003" }, helpers.versions(conn))
  end)

  it("ignores a directory named like a revision file in versions/", function()
    assert(os.execute("mkdir " .. helpers.shell_quote(dir .. "/migrations/versions/notes.lua")))
    local code, _, err = run(dir, "upgrade head")
    assert.equal(0, code, err)
    assert.equal("", (err:gsub("Running[^\n]*\n", ""):gsub("Done[^\n]*\n", "")))
    assert.same({ "cccc00000003" }, helpers.versions(conn))
  end)

  it("-q silences progress", function()
    local code, out, err = run(dir, "-q upgrade head")
    assert.equal(0, code)
    assert.equal("", out .. err)
  end)
end)

describe("luamig init and revision", function()
  it("init creates the project files and refuses a non-empty directory", function()
    local dir = helpers.tmpdir()
    local code, _, err = run(dir, "init migrations")
    assert.equal(0, code, err)
    for _, f in ipairs({ "luamig.lua", "migrations/env.lua", "migrations/script.lua.tmpl" }) do
      assert.truthy(io.open(dir .. "/" .. f), f)
    end
    assert.equal("versions/.luamig-index\n", helpers.read(dir .. "/migrations/.gitignore"))
    local again, _, err2 = run(dir, "init migrations")
    assert.equal(1, again)
    assert.matches("not empty", err2)
  end)

  it("init writes a config that names no database, so a command needs a URL from the user", function()
    local dir = helpers.tmpdir()
    assert.equal(0, (run(dir, "init migrations")))
    assert.matches('\n  url = os.getenv%("DATABASE_URL"%),\n', helpers.read(dir .. "/luamig.lua"))
    assert.equal(0, (run(dir, "revision -m first")))
    local code, out, err = run(dir, "current", { env = { DATABASE_URL = "" } })
    assert.equal(1, code)
    assert.equal("", out)
    assert.equal("luamig: no database URL: pass --url, set LUAMIG_URL, or set url in the config file\n", err)
  end)

  it("three revisions written by revision -m form a chain that upgrades and downgrades", function()
    local url, conn = helpers.fresh_db()
    local dir = helpers.tmpdir()
    run(dir, "init migrations")
    local paths = {}
    for i, msg in ipairs({ "create users", "add email", "create posts" }) do
      local code, out, err = run(dir, ("revision -m %q"):format(msg))
      assert.equal(0, code, err)
      paths[i] = out:gsub("\n$", "")
      assert.matches("^migrations/versions/%x+_" .. msg:gsub(" ", "_") .. "%.lua$", paths[i])
    end
    -- fill the bodies in, as a user would
    local bodies = {
      { [[op.create_table("users", { { "id", "serial", primary_key = true } })]], [[op.drop_table("users")]] },
      { [[op.add_column("users", { "email", "text" })]], [[op.drop_column("users", "email")]] },
      { [[op.create_table("posts", { { "id", "serial", primary_key = true }, { "user_id", "int", references = "users.id" } })]], [[op.drop_table("posts")]] },
    }
    for i, path in ipairs(paths) do
      local text = helpers.read(dir .. "/" .. path)
      text = text:gsub("%-%- your migration here", bodies[i][1], 1):gsub("%-%- the reverse of upgrade", bodies[i][2], 1)
      helpers.write(dir .. "/" .. path, text)
    end
    local env = { env = { LUAMIG_URL = url } }
    local code, _, err = run(dir, "upgrade head", env)
    assert.equal(0, code, err)
    assert.same({ "luamig_version", "posts", "users" }, helpers.tables(conn))
    assert.truthy(helpers.columns(conn, "users").email)
    local head = paths[3]:match("versions/(%x+)_")
    assert.same({ head }, helpers.versions(conn))
    assert.equal(0, (run(dir, "downgrade -1", env)))
    assert.same({ "luamig_version", "users" }, helpers.tables(conn))
    assert.equal(0, (run(dir, "downgrade base", env)))
    assert.same({ "luamig_version" }, helpers.tables(conn))
    conn:close()
  end)

  it("revision --rev-id names the revision", function()
    local dir = helpers.project {}
    local code, out = run(dir, "revision -m first --rev-id 000000000001")
    assert.equal(0, code)
    assert.equal("migrations/versions/000000000001_first.lua\n", out)
    local text = helpers.read(dir .. "/migrations/versions/000000000001_first.lua")
    assert.matches('revision = "000000000001"', text)
    assert.matches("down_revision = nil", text)
    _, out = run(dir, "revision -m second --rev-id 000000000002")
    assert.matches('down_revision = "000000000001"', helpers.read(dir .. "/" .. out:gsub("\n", "")))
  end)
end)
