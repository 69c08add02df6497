-- Connecting: a server that never answers is given up on after a timeout
-- or at a signal, and a killed run's session does not outlive it.
local helpers = require("support.helpers")
local process = require("support.process")
local core = require("luamig.core")

local run, project = helpers.run, helpers.project

-- A project whose luamig.lua points at url, with extra config lines.
local function configured(url, extra)
  local dir = project {}
  helpers.write(dir .. "/luamig.lua", ("return {\n  script_location = \"migrations\",\n  url = %q,\n%s}\n")
    :format(url, extra or ""))
  return dir
end

describe("a server that accepts and never answers", function()
  local server, url
  setup(function()
    server = process.silent_server()
    url = ("host=127.0.0.1 port=%d user=postgres dbname=postgres"):format(server.port)
  end)
  teardown(function() server.stop() end)

  it("is given up on after the config's connect_timeout, with one line naming it", function()
    local started = core.clock()
    local code, out, err = run(configured(url, "  connect_timeout = 1,\n"), "current")
    local elapsed = core.clock() - started
    assert.equal(1, code)
    assert.equal("", out)
    assert.equal("luamig: cannot connect to the database: no answer from the server within 1 s (connect_timeout)\n", err)
    assert.is_true(elapsed < 3, ("took %.1f s"):format(elapsed))
  end)

  it("is given up on after the URL's connect_timeout, which wins over the config's", function()
    local started = core.clock()
    local code, _, err = run(configured(url .. " connect_timeout=2", "  connect_timeout = 60,\n"), "current")
    local elapsed = core.clock() - started
    assert.equal(1, code)
    assert.equal("luamig: cannot connect to the database: no answer from the server within 2 s (connect_timeout)\n", err)
    assert.is_true(elapsed > 1.5 and elapsed < 4, ("took %.1f s"):format(elapsed))
  end)

  it("is given up on after PGCONNECT_TIMEOUT, libpq's own variable, which wins over the config's", function()
    local code, _, err = run(configured(url, "  connect_timeout = 60,\n"), "current", { env = { PGCONNECT_TIMEOUT = "1" } })
    assert.equal(1, code)
    assert.equal("luamig: cannot connect to the database: no answer from the server within 1 s (connect_timeout)\n", err)
  end)

  it("refuses a connect_timeout that is not a positive number of seconds", function()
    local code, _, err = run(configured(url, "  connect_timeout = -1,\n"), "current")
    assert.equal(1, code)
    assert.matches("^luamig: config luamig%.lua: connect_timeout must be a positive number of seconds, got %-1\n$", err)
  end)

  for _, signal in ipairs({ "INT", "TERM" }) do
    it(("ends the wait at once on SIG%s, exit 1"):format(signal), function()
      local p = process.spawn(configured(url, "  connect_timeout = 30,\n"), "current")
      core.sleep(0.5)
      local sent = core.clock()
      p:signal(signal)
      local code = p:wait(5)
      local elapsed = core.clock() - sent
      local err = p:stderr()
      p:cleanup()
      assert.equal(1, code, err)
      assert.equal(("luamig: cannot connect to the database: interrupted by SIG%s\n"):format(signal), err)
      assert.is_true(elapsed < 1, ("took %.1f s"):format(elapsed))
    end)
  end
end)

describe("a run killed with SIGKILL during a long statement", function()
  it("leaves no lock behind for long: the next run gets it within seconds", function()
    local url, conn = helpers.fresh_db()
    local sleeper = { id = "aaaa00000001", slug = "slow", up = [[op.execute("SELECT pg_sleep(60)")]] }
    local dir = project { url = url, revisions = { sleeper } }
    local p = process.spawn(dir, "upgrade head")
    assert(process.wait_until(function() return process.server_runs(conn, "SELECT pg_sleep(60)%") end, 10),
      "the run never reached its sleep: " .. p:stderr())
    p:kill()
    local killed = core.clock()
    helpers.write(dir .. "/migrations/versions/aaaa00000001_slow.lua",
      helpers.revision_source({ id = "aaaa00000001", up = [[op.execute("SELECT 1")]] }))
    local code, _, err = run(dir, "--lock-timeout 20 upgrade head")
    local elapsed = core.clock() - killed
    p:cleanup()
    assert.equal(0, code, err)
    assert.same({ "aaaa00000001" }, helpers.versions(conn))
    assert.is_true(elapsed < 8, ("took %.1f s"):format(elapsed))
    conn:close()
  end)
end)
