local helpers = require("support.helpers")

-- env.lua and a revision that write down what luamig.context() tells them.
local ENV = [[
local luamig = require("luamig")
return {
  on_connect = function(db)
    db:query("SELECT set_config('application_name', $1, false)", { "env-" .. (luamig.context().x.tag or "none") })
  end,
}
]]

local UP = [[
    local ctx = require("luamig").context()
    op.create_table("seen", { { "rev", "text" }, { "dir", "text" }, { "tag", "text" }, { "app", "text" } })
    ctx.db:execute("INSERT INTO seen VALUES ($1, $2, $3, current_setting('application_name'))",
      { ctx.revision, ctx.direction, ctx.x.tag, n = 3 })]]

describe("luamig.context()", function()
  local url, conn, dir
  before_each(function()
    url, conn = helpers.fresh_db()
    dir = helpers.project { url = url, revisions = { { id = "aaaa00000001", up = UP, down_body = [[op.drop_table("seen")]] } } }
    helpers.write(dir .. "/migrations/env.lua", ENV)
  end)
  after_each(function() conn:close() end)

  it("gives revisions the -x options, the revision, the direction and the connection", function()
    local code, _, err = helpers.run(dir, "-x tag=blue upgrade head")
    assert.equal(0, code, err)
    assert.same({ { rev = "aaaa00000001", dir = "upgrade", tag = "blue", app = "env-blue" } },
      (conn:exec("SELECT rev, dir, tag, app FROM seen")))
  end)

  it("gives env.lua's on_connect the -x options and db:query", function()
    assert.equal(0, (helpers.run(dir, "upgrade head")))
    assert.equal("env-none", conn:exec("SELECT app FROM seen")[1].app)
  end)
end)
