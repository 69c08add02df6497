local helpers = require("support.helpers")

local run = helpers.run

-- A copy of examples/autogen with no revisions yet.
local function autogen_project()
  local dir = helpers.tmpdir()
  os.execute(("cp -r examples/autogen/. %s && rm -f %s/migrations/versions/*.lua"):format(
    helpers.shell_quote(dir), helpers.shell_quote(dir)))
  return dir
end

describe("revision --autogenerate and check on examples/autogen", function()
  local url, conn, dir, env
  before_each(function()
    url, conn = helpers.fresh_db()
    dir = autogen_project()
    env = { env = { LUAMIG_URL = url } }
  end)
  after_each(function() conn:close() end)

  it("check exits 1 and lists what differs from the model", function()
    local code, out = run(dir, "check", env)
    assert.equal(1, code)
    assert.matches("Detected add table teams", out)
    assert.matches("Detected add table users", out)
  end)

  it("round trip: autogenerate, upgrade, check finds nothing, downgrade leaves nothing", function()
    local code, out, err = run(dir, "revision --autogenerate -m initial --rev-id 0000000000a1", env)
    assert.equal(0, code, err)
    assert.equal("migrations/versions/0000000000a1_initial.lua\n", out)
    local text = helpers.read(dir .. "/migrations/versions/0000000000a1_initial.lua")
    assert.matches('op.create_table%("teams"', text)
    assert.matches('op.drop_table%("users"%)', text)
    code, _, err = run(dir, "upgrade head", env)
    assert.equal(0, code, err)
    code, out = run(dir, "check", env)
    assert.equal(0, code, out)
    assert.equal("No new upgrade operations detected.\n", out)
    assert.equal(0, (run(dir, "downgrade base", env)))
    assert.same({ "luamig_version" }, helpers.tables(conn))
  end)

  it("detects a column added to the model after the first revision", function()
    run(dir, "revision --autogenerate -m initial", env)
    run(dir, "upgrade head", env)
    local models = helpers.read(dir .. "/models.lua")
    helpers.write(dir .. "/models.lua", (models:gsub('{ "active", "boolean"', '{ "nickname", "text" },\n    { "active", "boolean"', 1)))
    local code, out = run(dir, "check", env)
    assert.equal(1, code)
    assert.equal("Detected add column users.nickname\n", out)
  end)

  it("refuses to autogenerate against a database that is not at head", function()
    run(dir, "revision --autogenerate -m initial", env)
    local code, _, err = run(dir, "revision --autogenerate -m next", env)
    assert.equal(1, code)
    assert.matches("Target database is not up to date", err)
  end)

  it("says so when env.lua names no model", function()
    helpers.write(dir .. "/migrations/env.lua", "return {}\n")
    local code, _, err = run(dir, "check", env)
    assert.equal(1, code)
    assert.matches("sets no target_metadata", err)
  end)
end)
