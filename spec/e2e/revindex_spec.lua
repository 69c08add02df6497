-- The revision index (.luamig-index) is a cache: whatever happens to it or
-- to the files, commands see the files as they are.
local helpers = require("support.helpers")

local run = helpers.run

local function chain()
  return helpers.project { revisions = {
    { id = "aaaa00000001", message = "first" },
    { id = "bbbb00000002", down = "aaaa00000001", message = "second" },
  } }
end

local function history(dir)
  local code, out, err = run(dir, "history")
  assert.equal(0, code, err)
  return out
end

describe("the revision index", function()
  local dir, versions
  before_each(function()
    dir = chain()
    versions = dir .. "/migrations/versions/"
  end)

  it("is written by the first command that reads the revisions", function()
    history(dir)
    assert.truthy(io.open(versions .. ".luamig-index", "rb"))
  end)

  it("sees a revision file edited after the index was written", function()
    history(dir)
    local path = versions .. "bbbb00000002_rev.lua"
    helpers.write(path, (helpers.read(path):gsub('message = "second"', 'message = "second, renamed"')))
    assert.matches("aaaa00000001 %-> bbbb00000002 %(head%), second, renamed\n", history(dir))
  end)

  it("sees a revision file rewritten with the same size", function()
    history(dir)
    local path = versions .. "bbbb00000002_rev.lua"
    helpers.write(path, (helpers.read(path):gsub('message = "second"', 'message = "secont"')))
    assert.matches("aaaa00000001 %-> bbbb00000002 %(head%), secont\n", history(dir))
  end)

  it("sees a revision file renamed", function()
    history(dir)
    os.rename(versions .. "bbbb00000002_rev.lua", versions .. "bbbb00000002_renamed.lua")
    local code, out, err = run(dir, "history -v")
    assert.equal(0, code, err)
    assert.matches("Path: [^\n]*bbbb00000002_renamed%.lua\n", out)
  end)

  it("gives the files' paths as reached when the project is run from elsewhere", function()
    history(dir)  -- the index now records the paths as seen from dir
    local code, out, err = run("/", ("-c %s history -v"):format(helpers.shell_quote(dir .. "/luamig.lua")))
    assert.equal(0, code, err)
    for path in out:gmatch("Path: ([^\n]*)") do
      assert.truthy(io.open(path, "rb"), path)
    end
    assert.matches("Path: " .. (versions .. "aaaa00000001_rev.lua"):gsub("%p", "%%%0"), out)
  end)

  it("forgets a revision file that was removed", function()
    history(dir)
    os.remove(versions .. "bbbb00000002_rev.lua")
    assert.equal("<base> -> aaaa00000001 (head), first\n", history(dir))
  end)

  it("is written even when the revisions do not form a graph, and then reports the same error", function()
    local path = versions .. "bbbb00000002_rev.lua"
    helpers.write(path, (helpers.read(path):gsub('"aaaa00000001"', '"ffff00000009"')))
    local code, _, err = run(dir, "heads")
    assert.equal(1, code)
    assert.matches("Revision ffff00000009 referenced from bbbb00000002", err)
    assert.truthy(io.open(versions .. ".luamig-index", "rb"))
    local again_code, _, again_err = run(dir, "heads")
    assert.equal(1, again_code)
    assert.equal(err, again_err)
  end)

  it("is rebuilt when it is not a valid index", function()
    history(dir)
    helpers.write(versions .. ".luamig-index", "garbage")
    assert.matches("^aaaa00000001 %-> bbbb00000002 %(head%), second\n", history(dir))
    assert.not_equal("garbage", helpers.read(versions .. ".luamig-index"))
  end)

  it("still loads a revision's upgrade from its file when the index says the rest", function()
    local url, conn = helpers.fresh_db()
    local d = helpers.project { url = url, revisions = {
      { id = "aaaa00000001", up = [[op.create_table("from_file", { { "id", "int" } })]] } } }
    history(d)  -- the index now knows the revision
    assert.equal(0, (run(d, "upgrade head")))
    assert.same({ "from_file", "luamig_version" }, helpers.tables(conn))
    conn:close()
  end)
end)
