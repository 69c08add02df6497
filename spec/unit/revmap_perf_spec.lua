-- Unit specs of luamig.revmap on a large graph: 10,000 revisions shaped as
-- bench/gen.lua's "branchy" project (every 10th revision starts a side
-- branch of 5 that a merge joins back in).  These guard the linear-time
-- walks and sorts on a graph of realistic size; they assert results only,
-- never timings.

local revmap = require("luamig.revmap")

---------------------------------------------------------------------------
-- helpers
---------------------------------------------------------------------------

local N = 10000

local function id(i) return ("%012x"):format(i) end

-- the revision tables of bench/gen.lua's branchy shape, and how many
-- side branches (each one branch point and one merge) it has
local function branchy(n)
  local out, bubbles = {}, 0
  local function add(i, down)
    out[#out + 1] = { revision = id(i), down_revision = down, message = "revision " .. i,
      path = "versions/" .. id(i) .. ".lua" }
  end
  local prev, i = nil, 1
  while i <= n do
    if i % 10 == 0 and i + 6 <= n and prev then
      local side_prev = prev
      for k = 1, 5 do add(i + k, id(side_prev)); side_prev = i + k end
      add(i, id(prev))
      add(i + 6, { id(i), id(side_prev) })
      bubbles = bubbles + 1
      prev, i = i + 6, i + 7
    else
      add(i, prev and id(prev) or nil)
      prev, i = i, i + 1
    end
  end
  return out, bubbles
end

-- id -> position in a list of nodes or steps
local function positions(list)
  local at = {}
  for i, x in ipairs(list) do at[(x.node or x).revision] = i end
  return at
end

-- true when every revision comes after (newest_first: before) its parents
local function parents_first(list, newest_first)
  local at = positions(list)
  for i, x in ipairs(list) do
    for _, d in ipairs((x.node or x).down_revisions) do
      if (at[d] < i) == newest_first then return false end
    end
  end
  return true
end

local function rows_after(current, steps)
  local rows = current
  for _, s in ipairs(steps) do rows = revmap.apply_version_ops(rows, s.version_ops) end
  return rows
end

---------------------------------------------------------------------------

describe("revmap on 10,000 revisions", function()
  local revisions, bubbles = branchy(N)
  local map = revmap.new(revisions)
  local head = id(N)

  it("has the last revision as its one head and the first as its base", function()
    assert.same({ head }, map:heads())
    assert.same({ id(1) }, map:bases())
  end)

  it("has a branch point for every side branch", function()
    assert.equal(bubbles, #map:branch_points())
  end)

  it("lists every revision in the history, newest first", function()
    local history = map:history(nil, {})
    assert.equal(N, #history)
    assert.equal(head, history[1].revision)
    assert.equal(id(1), history[N].revision)
    assert.is_true(parents_first(history, true))
  end)

  -- 5008 is on the main line between two side branches: all above it
  -- descends from it
  it("lists the history above a revision on the main line", function()
    assert.equal(N - 5008 + 1, #map:history(id(5008) .. ":", {}))
  end)

  it("upgrades from base to heads in one step per revision, parents first", function()
    local steps = map:upgrade_steps({}, "heads")
    assert.equal(N, #steps)
    assert.is_true(parents_first(steps, false))
    assert.same({ head }, rows_after({}, steps))
  end)

  it("downgrades from the head to base in one step per revision, children first", function()
    local steps = map:downgrade_steps({ head }, "base")
    assert.equal(N, #steps)
    assert.is_true(parents_first(steps, true))
    assert.same({}, rows_after({ head }, steps))
  end)

  it("downgrades to a revision in the middle, leaving it as the one row", function()
    local steps = map:downgrade_steps({ head }, id(5008))
    assert.equal(N - 5008, #steps)
    assert.same({ id(5008) }, rows_after({ head }, steps))
  end)

  it("resolves the usual targets", function()
    assert.same({ head }, map:resolve("heads"))
    assert.same({ head }, map:resolve("head"))
    assert.same({}, map:resolve("base"))
    assert.same({ id(N - 1) }, map:resolve("-1", { head }))
    assert.same({ id(2) }, map:resolve("+2", {}))
    assert.same({ id(4997) }, map:resolve(id(5000) .. "-3"))
  end)
end)
