-- Unit specs of luamig.revmap, the revision graph.
--
-- Expectations are Alembic 1.8.1's behaviour, and were checked against it:
-- * the ALEMBIC-OUTPUT.md graph with the real `alembic` command (Debian's
--   1.8.1): `upgrade head --sql` and `downgrade ddd0000000d4:base --sql`
--   emit exactly the steps and version_ops asserted below (INSERT a1,
--   UPDATE a1->c3, INSERT b2, DELETE b2 + UPDATE c3->d4; then INSERT b2 +
--   UPDATE d4->c3, DELETE b2, UPDATE c3->a1, DELETE a1), and the recorded
--   PostgreSQL 15 run in that file (upgrade bbb, feature@head, -1, zzz);
-- * every other graph here, and ~40,000 random graph/target cases, against
--   Alembic's own RevisionMap, ScriptDirectory._upgrade_revs/_downgrade_revs/
--   _stamp_revs/walk_revisions and HeadMaintainer, driven from Python.

local revmap = require("luamig.revmap")

---------------------------------------------------------------------------
-- helpers
---------------------------------------------------------------------------

-- graph{ {"a"}, {"b", "a"}, {"c", "a", labels = "x"}, {"d", {"b", "c"}} }
local function revisions(spec)
  local out = {}
  for i, r in ipairs(spec) do
    out[i] = {
      revision = r[1], down_revision = r[2], branch_labels = r.labels,
      depends_on = r.deps, message = r.message or ("revision " .. r[1]),
      path = "versions/" .. r[1] .. ".lua",
    }
  end
  return out
end

local function graph(spec) return revmap.new(revisions(spec)) end

local function ids(nodes)
  local out = {}
  for i, n in ipairs(nodes) do out[i] = n.revision end
  return out
end

-- "id up" / "id down" for each step
local function trace(steps)
  local out = {}
  for i, s in ipairs(steps) do out[i] = s.node.revision .. " " .. s.direction end
  return out
end

-- the version table after each step, as Alembic leaves it
local function rows_after(current, steps)
  local rows, out = current, {}
  for i, s in ipairs(steps) do
    rows = revmap.apply_version_ops(rows, s.version_ops)
    out[i] = table.concat(rows, ",")
  end
  return out
end

local error_of = require("support.expect").error_of

-- the graph of ALEMBIC-OUTPUT.md
local A, B, C, D = "aaa0000000a1", "bbb0000000b2", "ccc0000000c3", "ddd0000000d4"
local function diamond()
  return graph { { A }, { B, A }, { C, A, labels = "feature" }, { D, { B, C } } }
end

local function chain(n)
  local spec = {}
  for i = 1, n do spec[i] = { ("r%05d"):format(i), i > 1 and ("r%05d"):format(i - 1) or nil } end
  return graph(spec)
end

---------------------------------------------------------------------------

describe("revmap", function()

  describe("building a graph", function()
    it("rejects a duplicate revision id, naming both files", function()
      local revs = revisions { { "aaaa" }, { "bbbb", "aaaa" } }
      revs[3] = { revision = "aaaa", path = "versions/other.lua" }
      assert.equal("duplicate revision id aaaa in versions/aaaa.lua and versions/other.lua",
        error_of(revmap.new, revs))
    end)

    it("rejects a down_revision naming a missing revision, with its path", function()
      assert.equal("Revision zzzz referenced from bbbb (versions/bbbb.lua) is not present",
        error_of(graph, { { "aaaa" }, { "bbbb", "zzzz" } }))
    end)

    it("rejects depends_on naming a missing revision, with its path", function()
      assert.equal("revision bbbb (versions/bbbb.lua): depends_on names 'zzzz', which is not a revision or branch label",
        error_of(graph, { { "aaaa" }, { "bbbb", "aaaa", deps = "zzzz" } }))
    end)

    it("rejects a cycle, listing its members", function()
      assert.equal("Cycle is detected in revisions (bbbb, cccc)",
        error_of(graph, { { "aaaa" }, { "bbbb", { "aaaa", "cccc" } }, { "cccc", "bbbb" }, { "dddd", "aaaa" } }))
    end)

    it("rejects a revision that is its own parent", function()
      assert.equal("Self-loop is detected in revisions (aaaa)", error_of(graph, { { "aaaa", "aaaa" } }))
    end)

    it("rejects a cycle through depends_on", function()
      -- no revision is a "real" head, so Alembic lists them all
      assert.equal("Dependency cycle is detected in revisions (aaaa, bbbb, cccc)",
        error_of(graph, { { "aaaa" }, { "bbbb", "aaaa", deps = "cccc" }, { "cccc", "aaaa", deps = "bbbb" } }))
    end)

    it("rejects a branch label used twice, naming both revisions", function()
      assert.equal("Branch name 'x' in revision cccc already used by revision bbbb",
        error_of(graph, { { "aaaa" }, { "bbbb", "aaaa", labels = "x" }, { "cccc", "aaaa", labels = "x" } }))
    end)

    it("rejects a branch label equal to a revision id", function()
      assert.equal("Branch name 'aaaa' in revision bbbb already used by revision aaaa",
        error_of(graph, { { "aaaa" }, { "bbbb", "aaaa", labels = "aaaa" } }))
    end)

    it("rejects the characters Alembic reserves for targets", function()
      assert.equal("Character(s) '+, @' not allowed in revision identifier 'a+b@c'",
        error_of(graph, { { "a+b@c" } }))
    end)

    it("keeps the loaded table as node.source", function()
      local revs = revisions { { "aaaa" } }
      revs[1].upgrade = function() end
      assert.equal(revs[1].upgrade, revmap.new(revs):get("aaaa").source.upgrade)
    end)
  end)

  describe("a diamond with a labelled side (ALEMBIC-OUTPUT.md)", function()
    local map = diamond()

    it("has one head and one base", function()
      assert.same({ D }, map:heads())
      assert.same({ A }, map:bases())
    end)

    it("describes each node", function()
      local d = map:get(D)
      assert.same({ B, C }, d.down_revisions)
      assert.is_true(d.is_head and d.is_merge_point)
      assert.is_false(d.is_base or d.is_branch_point)
      assert.same({ B, C }, map:get(A).children)
      assert.equal("versions/" .. D .. ".lua", d.path)
    end)

    it("lets the merge inherit its parent's branch label", function()
      assert.same({ "feature" }, map:get(D).branch_labels)
      assert.same({ "feature" }, map:get(C).branch_labels)
      assert.same({}, map:get(B).branch_labels)
    end)

    it("lists the branch point", function()
      assert.same({ A }, ids(map:branch_points()))
    end)

    it("upgrades head from empty as a1, c3, b2, d4 (verified with alembic upgrade head --sql)", function()
      local steps = map:upgrade_steps({}, "head")
      assert.same({ A .. " up", C .. " up", B .. " up", D .. " up" }, trace(steps))
      assert.same({ { op = "insert", id = A } }, steps[1].version_ops)
      assert.same({ { op = "update", from = A, to = C } }, steps[2].version_ops)
      assert.same({ { op = "insert", id = B } }, steps[3].version_ops)
      assert.same({ A, C, B .. "," .. C, D }, rows_after({}, steps))
    end)

    it("collapses two rows into one at the merge", function()
      local steps = map:upgrade_steps({}, "head")
      assert.same({ D }, rows_after({ B, C }, { steps[4] }))
      assert.equal(2, #steps[4].version_ops)
      assert.same({ B, C }, steps[4].from)
      assert.same({ D }, steps[4].to)
    end)

    it("upgrades a prefix, then feature@head, as the real alembic run did", function()
      local first = map:upgrade_steps({}, "bbb")
      assert.same({ A .. " up", B .. " up" }, trace(first))
      assert.same({ A, B }, rows_after({}, first))
      local second = map:upgrade_steps({ B }, "feature@head")
      assert.same({ C .. " up", D .. " up" }, trace(second))
      assert.same({ B .. "," .. C, D }, rows_after({ B }, second))
      assert.same({ A }, second[1].from)
    end)

    it("does nothing when upgrading to what is applied", function()
      assert.same({}, map:upgrade_steps({ D }, "head"))
      assert.same({}, map:upgrade_steps({ D }, "heads"))
    end)

    it("refuses downgrade -1 at the merge point: Ambiguous walk", function()
      assert.equal("Ambiguous walk", error_of(map.downgrade_steps, map, { D }, "-1"))
    end)

    it("unmerges and walks both sides back on downgrade base", function()
      local steps = map:downgrade_steps({ D }, "base")
      assert.same({ D .. " down", B .. " down", C .. " down", A .. " down" }, trace(steps))
      assert.same({ B .. "," .. C, C, A, "" }, rows_after({ D }, steps))
      assert.same({ { op = "insert", id = B }, { op = "update", from = D, to = C } }, steps[1].version_ops)
    end)

    it("drops both sides on downgrade REV-1 to the branch point (its target is a1)", function()
      local steps = map:downgrade_steps({ B, C }, C .. "-1")
      assert.same({ B .. " down", C .. " down" }, trace(steps))
      assert.same({ C, A }, rows_after({ B, C }, steps))
    end)

    it("downgrades one branch by label with feature@-1", function()
      local steps = map:downgrade_steps({ B, C }, "feature@-1")
      assert.same({ C .. " down" }, trace(steps))
      assert.same({ { op = "delete", id = C } }, steps[1].version_ops)
    end)

    it("downgrades to a revision on one branch by undoing only what is above it", function()
      local steps = map:downgrade_steps({ D }, B)
      assert.same({ D .. " down" }, trace(steps))
      assert.same({ B .. "," .. C }, rows_after({ D }, steps))
    end)

    it("drops everything on downgrade feature@base when there is a single base (as Alembic)", function()
      assert.same({ D .. " down", B .. " down", C .. " down", A .. " down" },
        trace(map:downgrade_steps({ D }, "feature@base")))
    end)

    it("reports a downgrade target that is not below the current heads", function()
      assert.equal("Destination " .. D .. " is not a valid downgrade target from current head(s)",
        error_of(map.downgrade_steps, map, { B }, D))
    end)

    it("lists history newest first", function()
      assert.same({ D, B, C, A }, ids(map:history()))
      assert.same({ D, B, C, A }, ids(map:history("base:heads")))
    end)
  end)

  describe("resolving targets", function()
    local map = diamond()

    it("resolves head, heads and base", function()
      assert.same({ D }, map:resolve("head"))
      assert.same({ D }, map:resolve("heads"))
      assert.same({}, map:resolve("base"))
    end)

    it("resolves a full id and a unique prefix of any length", function()
      assert.same({ C }, map:resolve(C))
      assert.same({ C }, map:resolve("c"))
    end)

    it("resolves a branch label to the labelled revision itself, not its head", function()
      assert.same({ C }, map:resolve("feature"))
    end)

    it("resolves label@head, label@base and label@rev", function()
      assert.same({ D }, map:resolve("feature@head"))
      assert.same({}, map:resolve("feature@base"))
      assert.same({ D }, map:resolve("feature@ddd"))
    end)

    it("refuses label@rev when rev is not on that branch", function()
      local g = graph { { "aaaa" }, { "bbbb", "aaaa" }, { "cccc", "aaaa", labels = "x" } }
      assert.equal("Can't locate revision identified by 'bbbb'; revision bbbb is not a member of branch 'x'",
        error_of(g.resolve, g, "x@bbbb"))
    end)

    it("resolves +N and -N relative to the current heads", function()
      assert.same({ A }, map:resolve("+1", {}))
      assert.same({ D }, map:resolve("+1", { B }))
      assert.same({ A }, map:resolve("-1", { B }))
    end)

    it("resolves REV+N and REV-N", function()
      assert.same({ D }, map:resolve("bbb0000000b2+1"))
      assert.same({ A }, map:resolve("ccc-1"))
    end)

    it("resolves label@+N and label@-N", function()
      assert.same({ C }, map:resolve("feature@+1", { A }))
      assert.same({ A }, map:resolve("feature@-1", { C, B }))
    end)

    it("resolves current to the applied heads", function()
      assert.same({ B, C }, map:resolve("current", { B, C }))
    end)

    it("says it cannot locate an unknown target", function()
      assert.equal("Can't locate revision identified by 'zzz'", error_of(map.resolve, map, "zzz"))
    end)

    it("lists the candidates of an ambiguous prefix", function()
      local g = graph { { "abc1" }, { "abc2", "abc1" }, { "abd3", "abc2" } }
      assert.equal("Can't locate revision identified by 'ab'; multiple revisions start with 'ab': 'abc1', 'abc2', 'abd3'",
        error_of(g.resolve, g, "ab"))
    end)

    it("never prefix-matches ids of three characters or fewer", function()
      local g = graph { { "abc" } }
      assert.equal("Can't locate revision identified by 'ab'", error_of(g.resolve, g, "ab"))
      assert.same({ "abc" }, g:resolve("abc"))
    end)

    it("says how far a relative target fell short", function()
      assert.equal("Relative revision +5 didn't produce 5 migrations", error_of(map.resolve, map, "+5", { B }))
      assert.equal("Relative revision -1 didn't produce 1 migrations", error_of(map.resolve, map, "-1", {}))
      assert.equal("Walked too far", error_of(map.resolve, map, B .. "+2"))
    end)

    it("walks a relative step beyond Lua's integers as far as the graph goes, never wrapping around", function()
      assert.equal("Relative revision -9223372036854775808 didn't produce 9223372036854775808 migrations",
        error_of(map.resolve, map, "-9223372036854775808", { B }))
      assert.equal("Relative revision +99999999999999999999 didn't produce 99999999999999999999 migrations",
        error_of(map.resolve, map, "+99999999999999999999", { B }))
      assert.equal("Walked too far", error_of(map.resolve, map, B .. "-9223372036854775808"))
    end)
  end)

  describe("two unmerged heads", function()
    local map = graph { { "aaaa" }, { "bbbb", "aaaa" }, { "cccc", "aaaa" } }

    it("refuses head, naming the heads", function()
      local err = error_of(map.upgrade_steps, map, {}, "head")
      assert.equal("Multiple head revisions are present for given argument 'head'; please specify a "
        .. "specific target revision, '<branchname>@head' to narrow to a specific head, or 'heads' "
        .. "for all heads (heads: bbbb, cccc)", err)
    end)

    it("upgrades heads, creating one row per branch, the later branch first", function()
      local steps = map:upgrade_steps({}, "heads")
      assert.same({ "aaaa up", "cccc up", "bbbb up" }, trace(steps))
      assert.same({ "aaaa", "cccc", "bbbb,cccc" }, rows_after({}, steps))
    end)

    it("applies the other side of a branch point with one side applied", function()
      local steps = map:upgrade_steps({ "bbbb" }, "cccc")
      assert.same({ "cccc up" }, trace(steps))
      assert.same({ { op = "insert", id = "cccc" } }, steps[1].version_ops)
    end)

    it("stops at the branch point on downgrade aaaa, deleting one row", function()
      local steps = map:downgrade_steps({ "bbbb", "cccc" }, "aaaa")
      assert.same({ "bbbb down", "cccc down" }, trace(steps))
      assert.same({ "cccc", "aaaa" }, rows_after({ "bbbb", "cccc" }, steps))
      assert.same({ { op = "delete", id = "bbbb" } }, steps[1].version_ops)
    end)
  end)

  describe("two independent bases", function()
    local map = graph { { "aaaa" }, { "bbbb", "aaaa" }, { "xxxx", labels = "other" }, { "yyyy", "xxxx" } }

    it("has two bases and two heads", function()
      assert.same({ "aaaa", "xxxx" }, map:bases())
      assert.same({ "bbbb", "yyyy" }, map:heads())
    end)

    it("gives a whole labelled chain the label", function()
      assert.same({ "other" }, map:get("yyyy").branch_labels)
      assert.same({}, map:get("bbbb").branch_labels)
    end)

    it("upgrades heads one tree after the other", function()
      local steps = map:upgrade_steps({}, "heads")
      assert.same({ "xxxx up", "yyyy up", "aaaa up", "bbbb up" }, trace(steps))
      assert.same({ "xxxx", "yyyy", "aaaa,yyyy", "bbbb,yyyy" }, rows_after({}, steps))
    end)

    it("downgrades one tree by label to its base", function()
      local steps = map:downgrade_steps({ "bbbb", "yyyy" }, "other@base")
      assert.same({ "yyyy down", "xxxx down" }, trace(steps))
      assert.same({ "bbbb,xxxx", "bbbb" }, rows_after({ "bbbb", "yyyy" }, steps))
    end)
  end)

  describe("depends_on across branches", function()
    -- users: aaaa <- bbbb ; billing: xxxx <- yyyy, where yyyy needs bbbb
    local map = graph { { "aaaa" }, { "bbbb", "aaaa" }, { "xxxx", labels = "billing" },
      { "yyyy", "xxxx", deps = "bbbb" } }

    it("resolves depends_on to ids without making it a parent", function()
      assert.same({ "bbbb" }, map:get("yyyy").depends_on)
      assert.same({ "xxxx" }, map:get("yyyy").down_revisions)
      assert.is_true(map:get("bbbb").is_head)
    end)

    it("applies the dependency first when upgrading one branch", function()
      local steps = map:upgrade_steps({}, "billing@head")
      assert.same({ "aaaa up", "bbbb up", "xxxx up", "yyyy up" }, trace(steps))
    end)

    it("folds the dependency's row into the dependent's, as Alembic does", function()
      local steps = map:upgrade_steps({}, "billing@head")
      assert.same({ "aaaa", "bbbb", "bbbb,xxxx", "yyyy" }, rows_after({}, steps))
    end)

    it("takes the dependent down with the dependency", function()
      local steps = map:downgrade_steps({ "yyyy" }, "aaaa")
      assert.same({ "yyyy down", "bbbb down" }, trace(steps))
      assert.same({ "bbbb,xxxx", "aaaa,xxxx" }, rows_after({ "yyyy" }, steps))
    end)

    it("accepts a branch label in depends_on", function()
      local g = graph { { "aaaa", labels = "core" }, { "xxxx" }, { "yyyy", "xxxx", deps = "core" } }
      assert.same({ "aaaa" }, g:get("yyyy").depends_on)
    end)
  end)

  describe("a merge of three heads", function()
    local map = graph { { "aaaa" }, { "bbbb", "aaaa" }, { "cccc", "aaaa" }, { "dddd", "aaaa" },
      { "mmmm", { "bbbb", "cccc", "dddd" } } }

    it("collapses three rows into one", function()
      local steps = map:upgrade_steps({ "bbbb", "cccc", "dddd" }, "head")
      assert.same({ "mmmm up" }, trace(steps))
      assert.same({ "mmmm" }, rows_after({ "bbbb", "cccc", "dddd" }, steps))
      assert.equal(3, #steps[1].version_ops)
    end)

    it("restores three rows when the merge is undone", function()
      local steps = map:downgrade_steps({ "mmmm" }, "bbbb")
      assert.same({ "bbbb,cccc,dddd" }, rows_after({ "mmmm" }, { steps[1] }))
    end)

    it("refuses downgrade -1 from it", function()
      assert.equal("Ambiguous walk", error_of(map.downgrade_steps, map, { "mmmm" }, "-1"))
    end)
  end)

  describe("a chain", function()
    local map = chain(5)

    it("upgrades +2 from the current head", function()
      local steps = map:upgrade_steps({ "r00001" }, "+2")
      assert.same({ "r00002 up", "r00003 up" }, trace(steps))
      assert.same({ "r00002", "r00003" }, rows_after({ "r00001" }, steps))
      assert.same({ { op = "update", from = "r00001", to = "r00002" } }, steps[1].version_ops)
    end)

    it("downgrades -2 and then to base", function()
      assert.same({ "r00005 down", "r00004 down" }, trace(map:downgrade_steps({ "r00005" }, "-2")))
      assert.same({ "r00002", "r00001", "" }, rows_after({ "r00003" }, map:downgrade_steps({ "r00003" }, "base")))
    end)

    it("shows the log sides of each step", function()
      local step = map:upgrade_steps({}, "r00001")[1]
      assert.same({}, step.from)
      assert.same({ "r00001" }, step.to)
      assert.equal("up", step.direction)
    end)

    it("says when a relative downgrade goes past base", function()
      assert.equal("Relative revision -9 didn't produce 9 migrations",
        error_of(map.downgrade_steps, map, { "r00003" }, "-9"))
    end)

    it("lists history ranges newest first", function()
      assert.same({ "r00004", "r00003", "r00002" }, ids(map:history("r00002:r00004")))
      assert.same({ "r00002", "r00001" }, ids(map:history(":r00002")))
      assert.same({ "r00005", "r00004" }, ids(map:history("r00004:")))
      assert.same({ "r00005", "r00004", "r00003" }, ids(map:history("current:", { "r00003" })))
      assert.same({ "r00005", "r00004", "r00003", "r00002" }, ids(map:history("-3:")))
    end)

    it("refuses a history range that is not a range", function()
      assert.equal("History range requires [start]:[end], [start]:, or :[end]", error_of(map.history, map, "r00002"))
    end)
  end)

  describe("stamping", function()
    local map = graph { { "aaaa" }, { "bbbb", "aaaa" }, { "cccc", "aaaa" }, { "dddd", "cccc" } }

    -- every step's version_ops, in order
    local function stamp_ops(current, targets)
      local ops = {}
      for _, step in ipairs(map:stamp_steps(current, targets)) do
        table.move(step.version_ops, 1, #step.version_ops, #ops + 1, ops)
      end
      return ops
    end

    -- "FROM -> TO" of each step, as "Running stamp_revision" names it
    local function moves(current, targets)
      local out = {}
      for i, step in ipairs(map:stamp_steps(current, targets)) do
        out[i] = table.concat(step.from, ", ") .. " -> " .. table.concat(step.to, ", ")
      end
      return out
    end

    it("stamps a revision on an empty table as a new row", function()
      assert.same({ { op = "insert", id = "bbbb" } }, stamp_ops({}, "bbbb"))
      assert.same({ " -> bbbb" }, moves({}, "bbbb"))
    end)

    it("replaces only the head of the branch it belongs to", function()
      local ops = stamp_ops({ "bbbb", "cccc" }, "dddd")
      assert.same({ { op = "update", from = "cccc", to = "dddd" } }, ops)
      assert.same({ "bbbb", "dddd" }, revmap.apply_version_ops({ "bbbb", "cccc" }, ops))
      assert.same({ "cccc -> dddd" }, moves({ "bbbb", "cccc" }, "dddd"))
    end)

    it("moves a branch head back down", function()
      assert.same({ "bbbb", "cccc" }, revmap.apply_version_ops({ "bbbb", "dddd" }, stamp_ops({ "bbbb", "dddd" }, "cccc")))
    end)

    it("empties the table on stamp base, a step per row", function()
      assert.same({}, revmap.apply_version_ops({ "bbbb", "dddd" }, stamp_ops({ "bbbb", "dddd" }, "base")))
      assert.same({ "bbbb -> ", "dddd -> " }, moves({ "bbbb", "dddd" }, "base"))
    end)

    it("stamps several targets, a step each", function()
      assert.same({ " -> bbbb", " -> dddd" }, moves({}, { "bbbb", "dddd" }))
      assert.same({ "bbbb", "dddd" }, revmap.apply_version_ops({}, stamp_ops({}, { "bbbb", "dddd" })))
    end)

    it("stamps one revision below several rows in one step", function()
      assert.same({ "bbbb, dddd -> aaaa" }, moves({ "bbbb", "dddd" }, "aaaa"))
      assert.same({ "aaaa" }, revmap.apply_version_ops({ "bbbb", "dddd" }, stamp_ops({ "bbbb", "dddd" }, "aaaa")))
    end)

    it("stamps heads as one row per head", function()
      assert.same({ "bbbb", "dddd" }, revmap.apply_version_ops({}, stamp_ops({}, "heads")))
    end)
  end)

  -- Alembic 1.8.1 on the same graphs: spec/fixtures/alembic/alembic-1.8.1.txt
  describe("effective heads and the current set", function()
    -- lb labels aaaa; bbbb depends on aaaa through the label; cccc is a
    -- head nothing depends on
    local map = graph { { "aaaa", labels = "lb" }, { "bbbb", deps = { "lb" } }, { "cccc", "aaaa" } }

    it("keeps a head that something depends on among the heads, and out of the real heads", function()
      local dep = graph { { "aaaa", labels = "lb" }, { "bbbb", deps = { "lb" } } }
      assert.same({ "aaaa", "bbbb" }, dep:heads())
      assert.same({ "bbbb" }, dep:real_heads())
      assert.same({ "bbbb", "cccc" }, map:heads())
      assert.same({ "bbbb", "cccc" }, map:real_heads())
    end)

    it("shows depends_on as written: a label stays a label", function()
      assert.same({ "lb" }, map:get("bbbb").declared_depends_on)
      assert.same({ "aaaa" }, map:get("bbbb").depends_on)
    end)

    it("adds to the current set what a row depends on, through a label", function()
      local dep = graph { { "aaaa", labels = "lb" }, { "bbbb", deps = { "lb" } } }
      assert.same({ "aaaa", "bbbb" }, dep:current_set({ "bbbb" }))
      assert.same({ "aaaa" }, dep:current_set({ "aaaa" }))
    end)

    it("leaves out of the current set what another current revision descends from", function()
      local chain = graph { { "aaaa", labels = "lb" }, { "bbbb", "aaaa" }, { "cccc", "bbbb", deps = { "lb" } } }
      assert.same({ "bbbb" }, chain:current_set({ "bbbb" }))
      assert.same({ "cccc" }, chain:current_set({ "cccc" }))
      assert.same({}, chain:current_set({}))
    end)
  end)

  describe("identifiers, as show takes them", function()
    local map = graph { { "aaaa", labels = "lb" }, { "bbbb", "aaaa" }, { "cccc", "aaaa" } }

    it("names revisions by id, prefix, label and heads, not by a step from one", function()
      assert.same({ "aaaa" }, map:lookup("lb"))
      assert.same({ "bbbb" }, map:lookup("bbb"))
      assert.same({ "bbbb", "cccc" }, map:lookup("heads"))
      assert.equal("Can't locate revision identified by 'bbbb-1'", error_of(map.lookup, map, "bbbb-1"))
    end)

    it("names one revision to start a downgrade from, refusing several heads", function()
      assert.same({ "bbbb" }, map:resolve_single("bbbb"))
      assert.same({}, map:resolve_single("base"))
      assert.matches("^Multiple head revisions are present for given argument 'heads'; please specify a specific target revision, '<branchname>@heads' to narrow to a specific head, or 'heads' for all heads",
        error_of(map.resolve_single, map, "heads"))
    end)
  end)

  describe("a 10,000-revision chain", function()
    local map = chain(10000)

    it("resolves head and base and plans the whole upgrade", function()
      assert.same({ "r10000" }, map:resolve("head"))
      assert.same({}, map:resolve("base"))
      local steps = map:upgrade_steps({}, "head")
      assert.equal(10000, #steps)
      assert.equal("r00001", steps[1].node.revision)
      assert.equal("r10000", steps[10000].node.revision)
      assert.same({ { op = "update", from = "r09999", to = "r10000" } }, steps[10000].version_ops)
    end)

    it("plans the whole downgrade", function()
      local steps = map:downgrade_steps({ "r10000" }, "base")
      assert.equal(10000, #steps)
      assert.same({ { op = "delete", id = "r00001" } }, steps[10000].version_ops)
    end)
  end)
end)
