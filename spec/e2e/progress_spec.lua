-- What `upgrade` shows while it works (issue 16 items 1-2): each step's
-- Running line before the step's statements run and its time after; live
-- progress, rewritten in place on a real pseudo-terminal (script(1)),
-- one line an interval through a pipe, none with -q.
local helpers = require("support.helpers")
local process = require("support.process")

local q = helpers.shell_quote

-- A revision reporting its own loop: 50 rounds of a 20 ms sleep.
local looping = { id = "aaaa00000001", message = "fill", up = [[
    for i = 0, 50 do
      op.progress(i * 1000, 50000, "fill t")
      if i < 50 then op.execute("SELECT pg_sleep(0.02)") end
    end]] }

-- Runs luamig ARGS in dir with stdout and stderr on a terminal (script(1)
-- gives it a pty) in the background; returns the file the terminal's
-- output goes to and that of script's exit code.
local function start_on_a_terminal(dir, args, env)
  local base = os.tmpname()
  local cmd = ("cd %s && env -u LUAMIG_URL -u NO_COLOR -u LUA_PATH -u LUA_CPATH %s script -qec %s /dev/null >%s 2>&1; echo $? >%s.rc"):format(
    q(dir), env or "", q(q(helpers.bin()) .. " " .. args), q(base), q(base))
  os.execute(("sh -c %s >/dev/null 2>&1 &"):format(q(cmd)))
  return base
end

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  return text
end

-- Runs it to the end (at most 30 s); returns the exit code and what the terminal showed.
local function on_a_terminal(dir, args, env)
  local base = start_on_a_terminal(dir, args, env)
  local rc = process.wait_until(function() return read(base .. ".rc") end, 30)
  local shown = read(base) or ""
  os.remove(base)
  os.remove(base .. ".rc")
  return rc and tonumber(rc:match("%d+")), shown
end

local function count(text, plain)
  local n, at = 0, 1
  while true do
    local i = text:find(plain, at, true)
    if not i then return n end
    n, at = n + 1, i + #plain
  end
end

describe("upgrade on a terminal", function()
  local url, conn
  before_each(function() url, conn = helpers.fresh_db() end)
  after_each(function() conn:close() end)

  it("shows the Running line while the step's statement runs, and completes it with the time", function()
    local dir = helpers.project { url = url, revisions = { { id = "aaaa00000001", message = "slow",
      up = [[op.execute("SELECT pg_sleep(1.5)")]] } } }
    local base = start_on_a_terminal(dir, "upgrade head", "NO_COLOR=1")
    local seen = process.wait_until(function()
      return (read(base) or ""):find("Running upgrade  -> aaaa00000001, slow", 1, true)
        and process.server_runs(conn, "SELECT pg_sleep(1.5)%")
    end, 10)
    assert.is_truthy(seen, "the Running line was not on the terminal while pg_sleep ran: " .. (read(base) or ""))
    assert.is_truthy(process.wait_until(function() return read(base .. ".rc") end, 10))
    assert.matches("^Running upgrade  %-> aaaa00000001, slow %(1%d%d%d ms%)\r\n$", read(base))
    os.remove(base)
    os.remove(base .. ".rc")
  end)

  it("rewrites one progress line in place, at most ten times a second, then ends it before the step's end", function()
    local dir = helpers.project { url = url, revisions = { looping } }
    local code, shown = on_a_terminal(dir, "upgrade head", "NO_COLOR=1")
    assert.equal(0, code)
    assert.matches("^Running upgrade  %-> aaaa00000001, fill\r\n\rfill t: 0/50,000 rows %(0%%%)\27%[K\r", shown)
    assert.matches("\rfill t: 50,000/50,000 rows %(100%%%), [%d,]+ rows/s\27%[K\r\nDone upgrade  %-> aaaa00000001 %(%d+ ms%)\r\n$", shown)
    local ms = tonumber(shown:match("%((%d+) ms%)"))
    local drawn = count(shown, "\rfill t: ")
    assert.is_true(drawn >= 3, shown)
    assert.is_true(drawn <= ms / 100 + 2, ("%d redraws in %d ms"):format(drawn, ms))
  end)

  it("shows op.bulk_insert's rows of a list against its length", function()
    local dir = helpers.project { url = url, revisions = { { id = "aaaa00000001", message = "load", up = [[
      op.create_table("t", { { "id", "int" } })
      local rows = {}
      for i = 1, 5000 do rows[i] = { i } end
      op.bulk_insert("t", rows)]] } } }
    local code, shown = on_a_terminal(dir, "upgrade head", "NO_COLOR=1")
    assert.equal(0, code)
    assert.matches("\rop.bulk_insert t: 5,000/5,000 rows %(100%%%)[^\27]*\27%[K\r\nDone upgrade", shown)
  end)

  it("shows no progress and no Running line with -q", function()
    local dir = helpers.project { url = url, revisions = { looping } }
    local code, shown = on_a_terminal(dir, "-q upgrade head")
    assert.equal(0, code)
    assert.equal("", shown)
    assert.equal(1, #helpers.versions(conn))
  end)
end)

describe("upgrade through a pipe", function()
  local url, conn
  before_each(function() url, conn = helpers.fresh_db() end)
  after_each(function() conn:close() end)

  it("writes a progress line at most once per interval, as whole lines", function()
    local dir = helpers.project { url = url, revisions = { looping } }
    local code, out, err = helpers.run(dir, "upgrade head", { env = { LUAMIG_PROGRESS_INTERVAL = "0.5" } })
    assert.equal(0, code, err)
    assert.equal("", out)
    assert.not_matches("\r", err, nil, true)
    assert.matches("^Running upgrade  %-> aaaa00000001, fill\n", err)
    assert.matches("\nDone upgrade  %-> aaaa00000001 %(%d+ ms%)\n$", err)
    local ms = tonumber(err:match("%((%d+) ms%)"))
    local lines = count(err, "\nfill t: ")
    assert.is_true(lines >= 1, err)
    assert.is_true(lines <= ms / 500 + 1, ("%d lines in %d ms: %s"):format(lines, ms, err))
  end)

  it("writes none in 10 s when the loop takes less (the default interval)", function()
    local dir = helpers.project { url = url, revisions = { looping } }
    local code, _, err = helpers.run(dir, "upgrade head")
    assert.equal(0, code, err)
    assert.matches("^Running upgrade  %-> aaaa00000001, fill\nDone upgrade  %-> aaaa00000001 %(%d+ ms%)\n$", err)
  end)

  it("shows the rows op.rows read so far", function()
    local dir = helpers.project { url = url, revisions = { { id = "aaaa00000001", message = "read", up = [[
      local n = 0
      for _ in op.rows("SELECT g FROM generate_series(1, 2500) g") do n = n + 1 end]] } } }
    local code, _, err = helpers.run(dir, "upgrade head", { env = { LUAMIG_PROGRESS_INTERVAL = "0" } })
    assert.equal(0, code, err)
    assert.matches("\nop.rows: 1,000 rows\nop.rows: 2,000 rows[^\n]*\nop.rows: 2,500 rows[^\n]*\nDone upgrade", err)
  end)

  it("writes nothing with -q", function()
    local dir = helpers.project { url = url, revisions = { looping } }
    local code, _, err = helpers.run(dir, "-q upgrade head", { env = { LUAMIG_PROGRESS_INTERVAL = "0" } })
    assert.equal(0, code)
    assert.equal("", err)
  end)
end)
