-- Fleets (DESIGN.md §12): one command over many databases and tenants,
-- on the private cluster scripts/test started.
local helpers = require("support.helpers")
local fleet_support = require("support.fleet")
local process = require("support.process")
local core_sleep = require("luamig.core").sleep

describe("luamig.lua and -x", function()
  it("sees the -x values as luamig.context().x while it is evaluated", function()
    local url, conn = helpers.fresh_db()
    local dir = helpers.project { revisions = { { id = "aaaa00000001", up = [[op.create_table("t", { { "id", "int" } })]] } } }
    helpers.write(dir .. "/luamig.lua", ([[
local x = require("luamig").context().x
return { script_location = "migrations", url = %q, version_table_schema = x.schema }
]]):format(url))
    conn:exec("CREATE SCHEMA tenant_a")
    local code, _, err = helpers.run(dir, "-x schema=tenant_a upgrade head")
    assert.equal(0, code, err)
    assert.same({ "aaaa00000001" }, helpers.versions(conn, "tenant_a.luamig_version"))
    conn:close()
  end)
end)

describe("a fleet command without targets", function()
  it("refuses --json of upgrade and the fleet options, exit 2", function()
    local url, conn = helpers.fresh_db()
    local dir = helpers.project { url = url }
    local code, _, err = helpers.run(dir, "--json upgrade head")
    assert.equal(2, code)
    assert.matches("%-%-json works with current, heads, history, status and lint, not with upgrade", err)
    code, _, err = helpers.run(dir, "-j 4 upgrade head")
    assert.equal(2, code)
    assert.matches("%-j needs targets: a targets list in the config, or %-%-targets FILE", err)
    assert.same({}, require("support.fleet").state(conn).versions)
    conn:close()
  end)
end)

describe("a fleet on one server", function()
  local dbs, dir
  before_each(function()
    dbs = {}
    for i = 1, 4 do
      local url, conn, name = helpers.fresh_db()
      dbs[i] = { url = url, conn = conn, name = "db" .. i, dbname = name }
    end
    dir = fleet_support.project(dbs, { fail_on = "db3" })
  end)
  after_each(function()
    for _, db in ipairs(dbs) do db.conn:close() end
  end)

  it("upgrades every target, one line each and a summary, and names the one that failed (exit 1)", function()
    local code, out, err = helpers.run(dir, "-j 2 upgrade head")
    assert.equal(1, code, err)
    for _, i in ipairs({ 1, 2, 4 }) do
      assert.matches("\ndb" .. i .. "%s+ok%s+base %-> bbbb00000002 %(2 revisions, %d+ ms%)", "\n" .. out)
      assert.same({ "bbbb00000002" }, helpers.versions(dbs[i].conn))
    end
    assert.matches("\ndb3%s+FAILED%s+bbbb00000002 %([^\n]*%): fails on db3", "\n" .. out)
    assert.same({ "aaaa00000001" }, helpers.versions(dbs[3].conn))
    assert.matches("\n3 ok, 1 failed, 0 skipped in [%d.]+ s\n$", out)
  end)

  it("--fail-fast starts no target after a failure and counts the rest skipped", function()
    local code, out = helpers.run(dir, "-j 1 --fail-fast upgrade head")
    assert.equal(1, code)
    assert.matches("2 ok, 1 failed, 1 skipped", out)
    assert.same({}, fleet_support.state(dbs[4].conn).versions)
  end)

  it("--target picks targets by name, --shard K/N by position", function()
    assert.equal(0, (helpers.run(dir, "--target db1 --target db4 upgrade aaaa00000001")))
    assert.same({ "aaaa00000001" }, helpers.versions(dbs[1].conn))
    assert.same({}, fleet_support.state(dbs[2].conn).versions)
    local code, out = helpers.run(dir, "--shard 1/2 upgrade aaaa00000001")
    assert.equal(0, code)
    assert.matches("db2%s+ok", out)
    assert.matches("db4%s+ok%s+aaaa00000001 %-> aaaa00000001 %(0 revisions", out)
    assert.not_matches("db1", out)
    assert.same({ "aaaa00000001" }, helpers.versions(dbs[2].conn))
    assert.same({}, fleet_support.state(dbs[3].conn).versions)
  end)

  it("refuses a --target that names no target and a bad --shard or -j, exit 2", function()
    local code, _, err = helpers.run(dir, "--target nope upgrade head")
    assert.equal(2, code)
    assert.matches("%-%-target nope names no target", err)
    code, _, err = helpers.run(dir, "--shard 2/2 upgrade head")
    assert.equal(2, code)
    assert.matches("%-%-shard needs K/N with 0 <= K < N", err)
    code, _, err = helpers.run(dir, "-j 0 upgrade head")
    assert.equal(2, code)
    assert.matches("%-j needs a whole number of processes", err)
  end)

  it("--json prints one report document", function()
    local code, out = helpers.run(dir, "--json --target db1 --target db3 upgrade head")
    assert.equal(1, code)
    local report = fleet_support.json(out)
    assert.equal("upgrade", report.command)
    assert.equal(1, report.ok)
    assert.equal(1, report.failed)
    assert.equal("db1", report.targets[1].name)
    assert.equal("ok", report.targets[1].status)
    assert.same({ "bbbb00000002" }, report.targets[1].to)
    assert.equal(2, report.targets[1].revisions)
    assert.equal("failed", report.targets[2].status)
    assert.matches("fails on db3", report.targets[2].error)
  end)

  it("shows progress on a terminal (targets done of total), none with -q or when piped", function()
    local function on_a_terminal(args)
      local q = helpers.shell_quote
      local p = io.popen(("cd %s && env -u LUAMIG_URL script -qec %s /dev/null"):format(q(dir), q(q(helpers.bin()) .. " " .. args)))
      local out = p:read("a")
      p:close()
      return out
    end
    local shown = on_a_terminal("--target db1 --target db2 current")
    assert.matches("1/2 targets done, %d running", shown)
    assert.matches("2/2 targets done, 0 running", shown)
    assert.not_matches("targets done", on_a_terminal("-q --target db1 current"))
    local _, out, err = helpers.run(dir, "--target db1 current")
    assert.not_matches("targets done", out .. err)
  end)

  it("takes targets from a function of the -x values, whose x reaches the revisions", function()
    local text = helpers.read(dir .. "/luamig.lua")
    text = text:gsub("targets = {.-\n  },", ([[targets = function(x)
    return { { name = "only", url = %q, x = { tenant = x.who } } }
  end,]]):format(dbs[1].url))
    helpers.write(dir .. "/luamig.lua", text)
    local code, out = helpers.run(dir, "-x who=db3 upgrade head")
    assert.equal(1, code)
    assert.matches("^only%s+FAILED%s+[^\n]*fails on db3\n", out)
    code, out = helpers.run(dir, "-x who=other upgrade head")
    assert.equal(0, code)
    assert.matches("^only%s+ok%s+aaaa00000001 %-> bbbb00000002 %(1 revision,", out)
  end)

  it("runs current on every target from a --targets FILE", function()
    local lines = {}
    for _, db in ipairs(dbs) do lines[#lines + 1] = "f" .. db.name .. " " .. db.url end
    helpers.write(dir .. "/fleet.txt", "# name url\n" .. table.concat(lines, "\n") .. "\n")
    assert.equal(1, (helpers.run(dir, "upgrade head")))
    local code, out, err = helpers.run(dir, "--targets fleet.txt current")
    assert.equal(0, code, err)
    assert.matches("fdb1%s+ok%s+bbbb00000002 %(%d+ ms%)", out)
    assert.matches("fdb3%s+ok%s+aaaa00000001", out)
  end)
end)

describe("Ctrl-C of a fleet run", function()
  it("starts no new target, interrupts the running ones (each rolls back), says which finished, exit 1", function()
    local dbs = {}
    for i = 1, 6 do
      local url, conn = helpers.fresh_db()
      dbs[i] = { url = url, conn = conn, name = "db" .. i }
    end
    local dir = fleet_support.project(dbs, { sleep = 0.6 })
    local p = process.spawn(dir, "-j 2 upgrade head")
    -- the first two finish (two revisions of 0.6 s each), the next two are inside one
    assert.truthy(process.wait_until(function() return p:stdout():find("db2%s+ok") end, 20), p:stderr())
    core_sleep(0.3)
    local signalled = os.time()
    p:signal("INT")
    local code = p:wait(20)
    local out, err = p:stdout(), p:stderr()
    p:cleanup()
    assert.equal(1, code, out .. err)
    assert.is_true(os.time() - signalled < 10)
    assert.matches("db1%s+ok", out)
    assert.matches("db3%s+FAILED%s+[^\n]*interrupted by SIGINT", out)
    assert.matches("db4%s+FAILED%s+[^\n]*interrupted by SIGINT", out)
    assert.not_matches("db5", out)
    assert.matches("2 ok, 2 failed, 2 skipped", out)
    assert.matches("luamig: interrupted by SIGINT: 2 target%(s%) finished, 2 failed or interrupted %(rolled back%), 2 not started", err)
    for i, db in ipairs(dbs) do
      fleet_support.assert_consistent(db.conn, nil, nil, db.name)
      if i <= 2 then fleet_support.assert_at_head(db.conn, nil, nil, db.name) end
      db.conn:close()
    end
  end)
end)
