-- libpq is loaded when a command first connects, not when luamig starts:
-- the commands that need no database run where libpq.so.5 cannot be
-- loaded, and a command that connects says so in one line. "Cannot be
-- loaded" is a real dlopen failure: LD_LIBRARY_PATH names a directory
-- whose libpq.so.5 is an empty file.
local helpers = require("support.helpers")

local run = helpers.run

-- A directory holding an empty libpq.so.5; returns the env for helpers.run.
local function without_libpq()
  local dir = helpers.tmpdir()
  helpers.write(dir .. "/libpq.so.5", "")
  return { LD_LIBRARY_PATH = dir }
end

describe("luamig where libpq.so.5 cannot be loaded", function()
  local url, conn, dir, env
  setup(function()
    url, conn = helpers.fresh_db()
    dir = helpers.project { url = url, revisions = {
      { id = "aaaa00000001", up = 'op.execute("CREATE TABLE t (id int)")', down_body = 'op.drop_table("t")' } } }
    env = without_libpq()
  end)
  teardown(function() conn:close() end)

  it("--version prints the version", function()
    local code, out, err = run(dir, "--version", { env = env })
    assert.equal(0, code, err)
    assert.matches("^luamig %d+%.%d+%.%d+\n$", out)
    assert.equal("", err)
  end)

  it("heads reads the revision files", function()
    local code, out, err = run(dir, "heads", { env = env })
    assert.equal(0, code, err)
    assert.equal("aaaa00000001 (head)\n", out)
  end)

  it("upgrade --sql prints the SQL without connecting", function()
    local code, out, err = run(dir, "upgrade head --sql", { env = env })
    assert.equal(0, code, err)
    assert.matches("CREATE TABLE t (id int)", out, nil, true)
  end)

  it("a command that connects fails with one line naming libpq.so.5 and exits 1", function()
    local code, out, err = run(dir, "current", { env = env })
    assert.equal(1, code)
    assert.equal("", out)
    assert.matches("^luamig: cannot connect to the database: cannot load libpq%.so%.5: [^\n]*libpq%.so%.5: file too short\n$", err)
  end)

  it("the same command connects when libpq.so.5 loads", function()
    local code, _, err = run(dir, "current")
    assert.equal(0, code, err)
  end)
end)
