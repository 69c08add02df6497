-- Unit specs of revmap snapshots: the revision index keeps a built map as
-- data (Map:snapshot) and later runs restore it (revmap.restore) instead
-- of building it. A restored map must answer every question exactly as
-- the map it was taken from.

local core = require("luamig.core")
local revmap = require("luamig.revmap")

-- graph{ {"a"}, {"b", "a"}, {"c", "a", labels = "x"}, {"d", {"b", "c"}} }
local function revisions(spec)
  local out = {}
  for i, r in ipairs(spec) do
    out[i] = { revision = r[1], down_revision = r[2], branch_labels = r.labels, depends_on = r.deps,
      message = r.message or ("revision " .. r[1]), path = "versions/" .. r[1] .. ".lua" }
  end
  return out
end

local function ids(nodes)
  local out = {}
  for i, n in ipairs(nodes) do out[i] = n.revision end
  return out
end

local function copy(list) return table.move(list, 1, #list, 1, {}) end

-- the snapshot of map written out and read back, as the index does
local function stored(map)
  return assert(core.decode_index(core.encode_index(map:snapshot())))
end

local function round_trip(map, revs, rebase)
  return revmap.restore(stored(map), function(k) return revs[k] end, rebase)
end

local function steps_text(steps)
  local out = {}
  for i, s in ipairs(steps) do
    local ops = {}
    for j, op in ipairs(s.version_ops) do
      ops[j] = table.concat({ op.op, op.from or op.id, op.to or "" }, ":")
    end
    out[i] = s.node.revision .. " " .. s.direction .. " " .. table.concat(ops, ";")
  end
  return out
end

local function attempt(fn, ...)
  local ok, result = pcall(fn, ...)
  return ok and result or ("error: " .. tostring(result))
end

-- everything a command can ask of a map, as plain data
local function answers(map, revs)
  local out = {
    heads = map:heads(), bases = map:bases(), branch_points = ids(map:branch_points()),
    history = ids(map:history(nil, {})), revisions = ids(map:revisions()),
    up = attempt(function() return steps_text(map:upgrade_steps({}, "heads")) end),
    down = attempt(function() return steps_text(map:downgrade_steps(map:heads(), "base")) end),
    nodes = {}, resolved = {},
  }
  for i, n in ipairs(map:revisions()) do
    out.nodes[i] = {
      revision = n.revision, down_revisions = copy(n.down_revisions), children = copy(n.children),
      branch_labels = copy(n.branch_labels), depends_on = copy(n.depends_on),
      is_head = n.is_head, is_base = n.is_base, is_branch_point = n.is_branch_point,
      is_merge_point = n.is_merge_point, message = n.message, path = n.path,
      source = map:source(n),
      applied = attempt(function()
        local set, list = map:applied({ n.revision }), {}
        for id in pairs(set) do list[#list + 1] = id end
        table.sort(list)
        return list
      end),
      up_to = attempt(function() return steps_text(map:upgrade_steps({}, n.revision)) end),
      down_to = attempt(function() return steps_text(map:downgrade_steps(map:heads(), n.revision)) end),
    }
    for _, label in ipairs(n.branch_labels) do
      out.resolved[label .. "@head"] = attempt(map.resolve, map, label .. "@head", {})
    end
    out.resolved[n.revision:sub(1, 3)] = attempt(map.resolve, map, n.revision:sub(1, 3), {})
  end
  return out
end

local graphs = {
  ["a chain"] = { { "aaa1" }, { "bbb2", "aaa1" }, { "ccc3", "bbb2" } },
  ["a diamond with a labelled side"] = { { "aaa1" }, { "bbb2", "aaa1", labels = "feature" },
    { "ccc3", "aaa1" }, { "ddd4", { "bbb2", "ccc3" } } },
  ["two unmerged heads"] = { { "aaa1" }, { "bbb2", "aaa1" }, { "ccc3", "aaa1", labels = { "x", "y" } } },
  ["two independent bases"] = { { "aaa1", labels = "one" }, { "bbb2", labels = "two" }, { "ccc3", "aaa1" } },
  ["depends_on across branches"] = { { "aaa1", labels = "auth" }, { "bbb2", labels = "billing" },
    { "ccc3", "bbb2", deps = "aaa1" }, { "ddd4", "aaa1" }, { "eee5", "ccc3", deps = { "auth" } } },
  ["a merge of three heads"] = { { "aaa1" }, { "bbb2", "aaa1" }, { "ccc3", "aaa1" }, { "ddd4", "aaa1" },
    { "eee5", { "bbb2", "ccc3", "ddd4" } } },
  ["files listed out of id order"] = { { "ccc3", "aaa1" }, { "aaa1" }, { "bbb2", "ccc3" } },
}

describe("a revmap snapshot", function()
  for name, spec in pairs(graphs) do
    it("restores " .. name .. " to a map that answers as the built one", function()
      local revs = revisions(spec)
      local built = revmap.new(revs)
      local restored = round_trip(built, revs)
      assert.is_not_nil(restored)
      assert.same(answers(built, revs), answers(restored, revs))
    end)
  end

  it("gives each node the revision table it was built from as its source", function()
    local revs = revisions(graphs["files listed out of id order"])
    local restored = round_trip(revmap.new(revs), revs)
    for _, n in ipairs(restored:revisions()) do
      assert.equal(n.revision, restored:source(n).revision)
    end
  end)

  it("makes no revision table until one is asked for, when given a function for them", function()
    local revs = revisions(graphs["files listed out of id order"])
    local data = stored(revmap.new(revs))
    local asked = {}
    local map = revmap.restore(data, function(k) asked[#asked + 1] = k; return revs[k] end)
    assert.same({ "bbb2" }, map:heads())
    assert.same({ "bbb2", "ccc3", "aaa1" }, ids(map:history(nil, {})))
    assert.same({}, asked)
    local steps = map:upgrade_steps({}, "heads")
    assert.same({ "aaa1", "ccc3", "bbb2" }, ids((function()
      local nodes = {}
      for i, step in ipairs(steps) do nodes[i] = step.source end
      return nodes
    end)()))
    assert.equal(revs[1], map:source(map:get("ccc3")))
  end)

  it("gives each node its path as rebased (the files reached another way)", function()
    local revs = revisions(graphs["a chain"])
    local restored = round_trip(revmap.new(revs), revs, function(path) return "/elsewhere/" .. path end)
    assert.equal("/elsewhere/versions/aaa1.lua", restored:get("aaa1").path)
  end)

  it("gives back the graph fields of the revisions it was taken from, in their order", function()
    local revs = revisions(graphs["depends_on across branches"])
    local data = stored(revmap.new(revs))
    local back = revmap.snapshot_revisions(data)
    -- "x" and { "x" } declare the same; compare as lists
    local function fields(r)
      local function list(v) return type(v) == "string" and { v } or v end
      return { revision = r.revision, down_revision = list(r.down_revision), branch_labels = list(r.branch_labels),
        depends_on = list(r.depends_on), message = r.message, path = r.path }
    end
    for i, r in ipairs(revs) do assert.same(fields(r), fields(back[i])) end
  end)

  it("is refused from another version of revmap", function()
    local revs = revisions(graphs["a chain"])
    local old = stored(revmap.new(revs))
    old.version = revmap.SNAPSHOT_VERSION - 1
    assert.is_nil(revmap.restore(old, function(k) return revs[k] end))
    assert.is_nil(revmap.restore("not a snapshot", function(k) return revs[k] end))
  end)

  -- Data read from a file that decodes well but is not a snapshot revmap
  -- wrote: each is refused, so the index holding it is rebuilt.
  describe("from a file", function()
    local revs = revisions(graphs["depends_on across branches"])
    -- the position of id in the snapshot's columns
    local function at(data, id)
      for i, x in ipairs(data.ids) do if x == id then return i end end
    end
    -- where the parents of id start in downs
    local function parents_of(data, id)
      local start = 1
      for i = 1, at(data, id) - 1 do start = start + data.down_counts[i] end
      return start
    end
    local function extra(data, id)
      for k, i in ipairs(data.extra_at) do if i == at(data, id) then return data.extras[k] end end
    end
    local wrongs = {
      ["a down_revision naming no node"] = function(d) d.downs[parents_of(d, "ccc3")] = #d.ids + 1 end,
      ["a down_revision naming its own node"] = function(d) d.downs[parents_of(d, "ccc3")] = at(d, "ccc3") end,
      ["a down_revision named twice"] = function(d)
        d.down_counts[at(d, "ccc3")] = 2
        table.insert(d.downs, parents_of(d, "ccc3"), d.downs[parents_of(d, "ccc3")])
      end,
      ["more parents counted than listed"] = function(d) d.down_counts[#d.ids] = d.down_counts[#d.ids] + 1 end,
      ["a depends_on naming no node"] = function(d) extra(d, "ccc3").depends_on = { "zzz9" } end,
      ["a node missing from the list"] = function(d) table.remove(d.ids, 2) end,
      ["two nodes of one id"] = function(d) d.ids[2] = d.ids[1] end,
      ["nodes out of map order"] = function(d) d.ids[1], d.ids[2] = d.ids[2], d.ids[1] end,
      ["a label naming no node"] = function(d) d.labels.auth = "zzz9" end,
      ["a history position past the nodes"] = function(d) d.history[1] = #d.ids + 1 end,
      ["a history position twice"] = function(d) d.history[2] = d.history[1] end,
      ["a source position past the nodes"] = function(d) d.sources = { 1, 2, 3, 4, 9 } end,
      ["a child numbered below its parent"] = function(d) d.topo[at(d, "ccc3")] = 0 end,
      ["a dependency numbered above its dependent"] = function(d) d.topo[at(d, "aaa1")] = 99 end,
      ["a field of the wrong kind"] = function(d) d.messages[1] = true end,
      ["a path that is a table"] = function(d) d.paths[1] = { upgrade = "os.exit(1)" } end,
      ["a column missing"] = function(d) d.down_counts = nil end,
      ["a list holding a table"] = function(d) extra(d, "aaa1").branch_labels = { {} } end,
      ["extras at a position past the nodes"] = function(d) d.extra_at[1] = #d.ids + 1 end,
    }
    for what, spoil in pairs(wrongs) do
      it("is refused with " .. what, function()
        local data = stored(revmap.new(revs))
        assert.is_true(revmap.is_snapshot(stored(revmap.new(revs))))
        spoil(data)
        assert.is_false(revmap.is_snapshot(data))
        assert.is_nil(revmap.restore(data, function(k) return revs[k] end))
      end)
    end
  end)
end)

describe("the revision index's encoding", function()
  -- found by the fuzzer: with no string to list, the encoder copied from
  -- a buffer never allocated (memcpy from NULL, undefined behaviour that
  -- the sanitizer build stops on)
  it("round-trips values that hold no string at all", function()
    for _, value in ipairs({ {}, { 1, 2, 3 }, { true, false }, { { {} } } }) do
      assert.same(value, core.decode_index(core.encode_index(value)))
    end
  end)
end)
