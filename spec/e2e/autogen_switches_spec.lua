-- env.lua's switches of autogenerate (issue 15 item 12), through the
-- command line: compare_server_default, compare_type and include_name.
local helpers = require("support.helpers")

local run = helpers.run

-- examples/autogen, upgraded to the revision of its model.
local function upgraded_project(env)
  local dir = helpers.tmpdir()
  os.execute(("cp -r examples/autogen/. %s && rm -f %s/migrations/versions/*.lua"):format(
    helpers.shell_quote(dir), helpers.shell_quote(dir)))
  assert.equal(0, (run(dir, "revision --autogenerate -m initial", env)))
  assert.equal(0, (run(dir, "upgrade head", env)))
  return dir
end

local function set_env(dir, fields)
  helpers.write(dir .. "/migrations/env.lua", "return { target_metadata = require(\"models\"), " .. fields .. " }\n")
end

describe("env.lua's autogenerate switches", function()
  local url, conn, dir, env
  before_each(function()
    url, conn = helpers.fresh_db()
    env = { env = { LUAMIG_URL = url } }
    dir = upgraded_project(env)
    local models = helpers.read(dir .. "/models.lua")
    helpers.write(dir .. "/models.lua", (models:gsub('default = "true"', 'default = "false"', 1)))
  end)
  after_each(function() conn:close() end)

  it("compare_server_default = false hides a changed default; a function returning nil keeps the default rule", function()
    set_env(dir, "compare_server_default = false")
    local code, out = run(dir, "check", env)
    assert.equal(0, code, out)
    set_env(dir, "compare_server_default = function() return nil end")
    code, out = run(dir, "check", env)
    assert.equal(1, code)
    assert.equal("Detected change default of users.active: true -> false\n", out)
  end)

  it("include_name keeps a table out before it is read", function()
    conn:exec("CREATE TABLE tmp_scratch (a int)")
    set_env(dir, [[compare_server_default = false,
      include_name = function(name, type) return type ~= "table" or not name:find("^tmp_") end]])
    local code, out = run(dir, "check", env)
    assert.equal(0, code, out)
  end)

  it("refuses a switch that is neither a boolean nor a function, in one line", function()
    set_env(dir, 'compare_type = "yes"')
    local code, _, err = run(dir, "check", env)
    assert.equal(1, code)
    assert.equal("luamig: env.lua: compare_type must be true, false or a function, got string\n", err)
  end)
end)
