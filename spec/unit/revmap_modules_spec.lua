-- Unit specs of the shape of the luamig.revmap package: the one rule for
-- a revision id and a branch label, used by the map's building as by the
-- reader and the writers; and a command reading only a restored graph
-- (heads, history) loads neither the building nor the version table's
-- bookkeeping.

local core = require("luamig.core")
local revmap = require("luamig.revmap")

local function revisions(ids)
  local out = {}
  for i, id in ipairs(ids) do
    out[i] = { revision = id, down_revision = ids[i - 1], path = "versions/" .. id .. ".lua" }
  end
  return out
end

-- the modules of the package loaded now
local function loaded_parts()
  local out = {}
  for name in pairs(package.loaded) do
    local part = name:match("^luamig%.revmap%.(.+)$")
    if part then out[part] = true end
  end
  return out
end

-- runs fn with the package loaded anew (and as before afterwards)
local function with_fresh_revmap(fn)
  local saved = {}
  for name, mod in pairs(package.loaded) do
    if name:find("^luamig%.revmap") then saved[name] = mod; package.loaded[name] = nil end
  end
  local ok, err = pcall(fn, require("luamig.revmap"))
  for name in pairs(package.loaded) do
    if name:find("^luamig%.revmap") then package.loaded[name] = nil end
  end
  for name, mod in pairs(saved) do package.loaded[name] = mod end
  assert(ok, err)
end

describe("revmap's names", function()
  for _, id in ipairs { "a-b", "a@b", "c+1", "a b", "it's", "a:b", ("x"):rep(33) } do
    it(("refuses the id %q in a map with the problem id_problem names"):format(id), function()
      local problem = revmap.id_problem(id)
      assert.is_string(problem)
      assert.has_error(function() revmap.new(revisions { "aaaa", id }) end, problem)
    end)
  end

  it("lets through letters, digits and _ up to 32 characters", function()
    for _, id in ipairs { "a", "ae1027a6acf", "rev_2", ("x"):rep(32) } do
      assert.is_nil(revmap.id_problem(id))
    end
    assert.same({ ("x"):rep(32) }, revmap.new(revisions { "aaaa", ("x"):rep(32) }):heads())
  end)

  it("refuses an empty branch label and one holding '@'", function()
    assert.equal("a branch label must not be empty", revmap.label_problem(""))
    assert.equal("Character '@' not allowed in branch label 'a@b'", revmap.label_problem("a@b"))
    assert.is_nil(revmap.label_problem("feature"))
  end)
end)

describe("revmap's modules", function()
  local revs = revisions { "aaaa", "bbbb", "cccc" }
  local stored = assert(core.decode_index(core.encode_index(revmap.new(revs):snapshot())))

  it("a restored map answers heads and history without building or the version table's bookkeeping", function()
    with_fresh_revmap(function(fresh)
      local map = assert(fresh.restore(stored, function(k) return revs[k] end))
      assert.same({ "cccc" }, map:heads())
      assert.equal(3, #map:history(nil, {}))
      local parts = loaded_parts()
      assert.is_nil(parts.build)
      assert.is_nil(parts.versions)
      assert.is_true(parts.snapshot)
    end)
  end)

  it("loads the bookkeeping when a command plans steps", function()
    with_fresh_revmap(function(fresh)
      local map = assert(fresh.restore(stored, function(k) return revs[k] end))
      local rows = { "aaaa" }
      for _, step in ipairs(map:upgrade_steps(rows, "heads")) do
        rows = fresh.apply_version_ops(rows, step.version_ops)
      end
      assert.same({ "cccc" }, rows)
      assert.is_true(loaded_parts().versions)
    end)
  end)
end)
