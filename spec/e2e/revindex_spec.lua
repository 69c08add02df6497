-- The revision index (.luamig-index) is a cache: whatever happens to it or
-- to the files, commands see the files as they are.
local helpers = require("support.helpers")
local process = require("support.process")

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

-- Thirty revisions, each creating table t<i>: a chain with a branch
-- (p15, p16 from p14) that p17 merges.
local function thirty(url)
  local revisions = {}
  for i = 1, 30 do
    local down = i > 1 and ("p%011d"):format(i - 1) or nil
    if i == 16 then down = ("p%011d"):format(14) end
    if i == 17 then down = { ("p%011d"):format(15), ("p%011d"):format(16) } end
    revisions[i] = { id = ("p%011d"):format(i), down = down, message = "table t" .. i,
      up = ('op.create_table("t%d", { { "id", "int" } })'):format(i) }
  end
  return helpers.project { url = url, revisions = revisions }
end

local HEAD = ("p%011d"):format(30)

-- The index as the run left it, and a way to put other bytes in its place.
local function index_file(dir) return dir .. "/migrations/versions/.luamig-index" end

-- heads and history exit 0 with what they print for the files themselves.
local function assert_graph(dir, expected, what)
  for _, cmd in ipairs({ "heads", "history" }) do
    local code, out, err = run(dir, cmd)
    assert.equal(0, code, what .. ": " .. err)
    assert.equal(expected[cmd], out, what)
    assert.equal("", err, what)
  end
end

-- upgrade head on a fresh database applies all thirty and records the head.
local function assert_upgrades_all(index_bytes, what)
  local url, conn = helpers.fresh_db()
  local dir = thirty(url)
  assert.equal(0, (run(dir, "heads")))  -- the index exists, then is replaced
  helpers.write(index_file(dir), index_bytes(helpers.read(index_file(dir))))
  local code, _, err = run(dir, "upgrade head")
  assert.equal(0, code, what .. ": " .. err)
  assert.equal(31, #helpers.tables(conn), what)
  assert.same({ HEAD }, helpers.versions(conn), what)
  conn:close()
end

describe("a damaged or crafted revision index", function()
  local dir, expected, pristine
  setup(function()
    dir = thirty("")
    expected = { heads = select(2, run(dir, "heads")), history = select(2, run(dir, "history")) }
    pristine = helpers.read(index_file(dir))
  end)

  -- the index's bytes with the last byte of revision 11's id (not of its
  -- file name) xor-ed: an id renamed throughout a format that keeps each
  -- string once
  local function flipped(bytes)
    local at = assert(bytes:find(("p%011d[^_]"):format(11))) + 11
    return bytes:sub(1, at - 1) .. string.char(bytes:byte(at) ~ 8) .. bytes:sub(at + 1)
  end

  it("with one flipped byte is not trusted: heads and history see the files", function()
    helpers.write(index_file(dir), flipped(pristine))
    assert_graph(dir, expected, "flipped byte")
  end)

  it("with one flipped byte is not trusted: upgrade head applies all thirty revisions and records the head", function()
    assert_upgrades_all(flipped, "flipped byte")
  end)

  it("with 150 random 3-byte corruptions never crashes or misleads heads, history or upgrade head", function()
    math.randomseed(20261130)
    local function corrupt(bytes)
      for _ = 1, 3 do
        local at = math.random(1, #bytes)
        bytes = bytes:sub(1, at - 1) .. string.char(math.random(0, 255)) .. bytes:sub(at + 1)
      end
      return bytes
    end
    for i = 1, 150 do
      local bytes = corrupt(pristine)
      helpers.write(index_file(dir), bytes)
      assert_graph(dir, expected, ("corruption %d"):format(i))
      if i % 50 == 0 then assert_upgrades_all(function() return bytes end, ("corruption %d"):format(i)) end
    end
  end)

  it("cut short at any of a dozen places is rebuilt", function()
    for i = 0, 11 do
      helpers.write(index_file(dir), pristine:sub(1, #pristine * i // 12))
      assert_graph(dir, expected, ("cut at %d/12"):format(i))
    end
    assert.equal(#pristine, #helpers.read(index_file(dir)))  -- written anew
  end)

  -- whatever stands in the index's place, heads answers from the files
  local function heads_within_10s()
    local p = process.spawn(dir, "heads")
    local code = p:wait(10)
    local out, err = p:stdout(), p:stderr()
    p:cleanup()
    os.remove(index_file(dir))  -- the next case writes an index of its own
    assert.equal(0, code, err)
    assert.equal(expected.heads, out)
  end

  it("that is a FIFO is never waited on: heads answers within 10 s", function()
    os.remove(index_file(dir))
    assert(os.execute("mkfifo " .. helpers.shell_quote(index_file(dir))))
    heads_within_10s()
  end)

  it("linked to /dev/zero is never read: heads answers within 10 s", function()
    os.remove(index_file(dir))
    assert(os.execute("ln -s /dev/zero " .. helpers.shell_quote(index_file(dir))))
    heads_within_10s()
  end)

  it("holding Lua bytecode that loops forever is never run: heads answers within 10 s", function()
    helpers.write(index_file(dir), string.dump(load("while true do end")))
    local p = process.spawn(dir, "heads")
    local code = p:wait(10)
    local out, err = p:stdout(), p:stderr()
    p:cleanup()
    assert.equal(0, code, err)
    assert.equal(expected.heads, out)
  end)

  it("with a valid checksum but two revisions' files swapped never runs a file under another id", function()
    local core = require("luamig.core")
    local url, conn = helpers.fresh_db()
    local d = thirty(url)
    assert.equal(0, (run(d, "heads")))
    local index = assert(core.decode_index(helpers.read(index_file(d))))
    local paths = index.graph.paths
    paths[5], paths[6] = paths[6], paths[5]  -- p05's node now names p06's file
    helpers.write(index_file(d), core.encode_index(index))
    local code, _, err = run(d, "upgrade head")
    assert.equal(1, code, err)
    -- one line naming the index: upgrade's lint (#17) reads every file
    -- before the run, so nothing ran (not even the version table's creation)
    assert.matches("^luamig: [^\n]*p00000000006_rev%.lua[^\n]*revision index[^\n]*inconsistent[^\n]*\n$", err)
    assert.not_matches("table t6", err)
    assert.not_matches("%.lua:%d+:", err)
    assert.same({}, helpers.tables(conn))
    assert.is_nil(io.open(index_file(d), "rb"))                   -- removed: the next run rebuilds it
    code, _, err = run(d, "upgrade head")
    assert.equal(0, code, err)
    assert.equal(31, #helpers.tables(conn))
    assert.same({ HEAD }, helpers.versions(conn))
    conn:close()
  end)

  it("with a valid checksum but a file outside its directory is not used: upgrade head applies all thirty", function()
    local core = require("luamig.core")
    assert_upgrades_all(function(bytes)
      local index = assert(core.decode_index(bytes))
      index.graph.paths[5] = index.graph.paths[5]:gsub("/([^/]*)$", "/../../%1")
      return core.encode_index(index)
    end, "a path outside")
  end)

  it("with a valid checksum and fingerprint but a revision left out is not used: upgrade head applies all thirty", function()
    local core = require("luamig.core")
    local url, conn = helpers.fresh_db()
    local d = thirty(url)
    local versions = d .. "/migrations/versions"
    local last = versions .. "/" .. HEAD .. "_rev.lua"
    assert(os.rename(last, d .. "/aside.lua"))
    assert.equal(0, (run(d, "heads")))  -- an index of the other twenty-nine
    assert(os.rename(d .. "/aside.lua", last))
    local index = assert(core.decode_index(helpers.read(index_file(d))))
    index.fingerprint = assert(core.fingerprint(versions, ".lua"))  -- claims to be of all thirty
    helpers.write(index_file(d), core.encode_index(index))
    local code, out, err = run(d, "heads")
    assert.equal(0, code, err)
    assert.matches("^" .. HEAD, out)
    code, _, err = run(d, "upgrade head")
    assert.equal(0, code, err)
    assert.equal(31, #helpers.tables(conn))
    assert.same({ HEAD }, helpers.versions(conn))
    conn:close()
  end)

  it("holding Lua source is never run", function()
    helpers.write(index_file(dir), "os.exit(7) return {}")
    assert_graph(dir, expected, "Lua source")
  end)
end)
