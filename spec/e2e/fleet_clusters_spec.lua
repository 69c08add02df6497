-- A fleet over three private clusters (DESIGN.md §12, issue 18): twenty
-- databases on each, ten schema-per-tenant targets in one database of
-- the first. Each `it` works in its own round (-x round=R: fresh version,
-- history and data tables in the same databases), so none depends on
-- another's leftovers.
local core = require("luamig.core")
local helpers = require("support.helpers")
local process = require("support.process")
local clusters = require("support.clusters")
local fleet = require("support.fleet")

local DBS_PER_CLUSTER, TENANTS = 20, 10

describe("a fleet over three clusters", function()
  local servers, targets, dir = {}, {}, nil

  -- every target's connection, opened for the checks and closed after
  local function each_target(fn)
    for _, t in ipairs(targets) do
      local conn = assert(core.connect(t.url))
      conn:set_notices(false)
      local ok, err = pcall(fn, conn, t)
      conn:close()
      if not ok then error(err, 0) end
    end
  end

  setup(function()
    for i = 1, 3 do
      local c = clusters.start()
      servers[i] = c
      for _, t in ipairs(clusters.databases(c, "db", DBS_PER_CLUSTER, "c" .. i)) do targets[#targets + 1] = t end
    end
    servers[1].admin:exec('CREATE DATABASE "tenants"')
    local conn = assert(core.connect(servers[1].url("tenants")))
    for i = 1, TENANTS do
      conn:exec(('CREATE SCHEMA "tenant%d"'):format(i))
      targets[#targets + 1] = { name = "tenant" .. i, url = servers[1].url("tenants"), schema = "tenant" .. i }
    end
    conn:close()
    dir = fleet.project(targets, { sleep = 0.05 })
  end)

  teardown(function()
    for _, c in ipairs(servers) do c.stop() end
  end)

  it("-j 8 upgrade head brings all 70 targets to head", function()
    assert.equal(70, #targets)
    local code, out, err = helpers.run(dir, "-x round=1 -j 8 upgrade head", { timeout = 300 })
    assert.equal(0, code, err)
    assert.matches("\n70 ok, 0 failed, 0 skipped in [%d.]+ s\n$", out)
    each_target(function(conn, t) fleet.assert_at_head(conn, t.schema, 1, t.name) end)
  end)

  it("kill -9 of the runner at random moments, then a rerun, five times: every target at head, each revision once", function()
    math.randomseed(os.time())
    local left_behind = 0  -- targets a kill stopped short of head: the kills landed mid-run
    for round = 2, 6 do
      local p = process.spawn(dir, ("-x round=%d -j 8 upgrade head"):format(round))
      core.sleep(0.3 + math.random() * 1.5)
      p:signal("KILL")
      p:wait(10)
      p:cleanup()
      -- the children notice (SIGTERM on the parent's death) and roll back
      for _, c in ipairs(servers) do
        assert.truthy(process.wait_until(function() return clusters.sessions(c) == 0 end, 20),
          "children left running after kill -9 of the runner")
      end
      each_target(function(conn, t)
        fleet.assert_consistent(conn, t.schema, round, t.name)
        if fleet.state(conn, t.schema, round).versions[1] ~= "bbbb00000002" then left_behind = left_behind + 1 end
      end)
      local code, out, err = helpers.run(dir, ("-x round=%d -j 8 upgrade head"):format(round), { timeout = 300 })
      assert.equal(0, code, out .. err)
      each_target(function(conn, t) fleet.assert_at_head(conn, t.schema, round, t.name) end)
    end
    assert.is_true(left_behind > 0, "no kill stopped any target short of head")
  end)

  it("two --shard runs at once, and an overlapping third: every target migrated exactly once", function()
    local runs = {
      process.spawn(dir, "-x round=7 -j 4 --shard 0/2 upgrade head"),
      process.spawn(dir, "-x round=7 -j 4 --shard 1/2 upgrade head"),
      process.spawn(dir, "-x round=7 -j 4 --shard 1/2 upgrade head"),
    }
    for _, p in ipairs(runs) do
      local code = p:wait(300)
      local out, err = p:stdout(), p:stderr()
      p:cleanup()
      assert.equal(0, code, out .. err)
      assert.matches("\n35 ok, 0 failed, 0 skipped", out)
    end
    each_target(function(conn, t) fleet.assert_at_head(conn, t.schema, 7, t.name) end)
  end)
end)
