-- Unit specs of luamig.progress (how a progress line reads, and how often
-- it is drawn) and luamig.console (the stderr sink: the step's Running
-- line and the progress line, on a terminal and in a log), with a fake
-- clock and a fake stderr.
local progress = require("luamig.progress")
local console = require("luamig.console")
local display = require("luamig.display")

describe("progress.thousands", function()
  it("groups digits by three with commas", function()
    assert.equal("0", progress.thousands(0))
    assert.equal("999", progress.thousands(999))
    assert.equal("1,000", progress.thousands(1000))
    assert.equal("1,234,000", progress.thousands(1234000))
    assert.equal("12,345,678,901", progress.thousands(12345678901))
  end)
end)

describe("progress.duration", function()
  it("writes seconds, minutes and seconds, or hours and minutes", function()
    assert.equal("0s", progress.duration(0))
    assert.equal("45s", progress.duration(44.2))
    assert.equal("1m32s", progress.duration(91.85))
    assert.equal("2h03m", progress.duration(2 * 3600 + 3 * 60 + 5))
  end)
end)

describe("progress.line", function()
  it("writes done/total, %, rate and ETA as DESIGN.md shows them", function()
    assert.equal("backfill users.email_lower: 1,234,000/5,000,000 rows (24%), 41,000 rows/s, ETA 1m32s",
      progress.line("backfill users.email_lower", 1234000, 5000000, 41000))
  end)

  it("leaves out the total, % and ETA when the total is unknown", function()
    assert.equal("op.rows: 12,000 rows, 3,000 rows/s", progress.line("op.rows", 12000, nil, 3000))
  end)

  it("leaves out rate and ETA before a rate is known, and the label when there is none", function()
    assert.equal("0/10 rows (0%)", progress.line(nil, 0, 10, nil))
  end)

  it("has no ETA once done reaches the total", function()
    assert.equal("x: 10/10 rows (100%), 5 rows/s", progress.line("x", 10, 10, 5))
  end)
end)

-- A clock the spec moves by hand.
local function fake_clock()
  local t = { now = 0 }
  return t, function() return t.now end
end

describe("progress.meter", function()
  it("eager (a terminal): draws the first report, then at most once per interval, and the last", function()
    local t, clock = fake_clock()
    local m = progress.meter({ clock = clock, interval = 0.1, eager = true })
    assert.equal("a: 0/100 rows (0%)", m:update(0, 100, "a"))
    t.now = 0.0625
    assert.is_nil(m:update(5, 100, "a"))
    t.now = 0.125
    assert.equal("a: 10/100 rows (10%), 80 rows/s, ETA 2s", m:update(10, 100, "a"))
    t.now = 0.1875
    assert.equal("a: 100/100 rows (100%), 533 rows/s", m:update(100, 100, "a"))
  end)

  it("not eager (a log): the first line only after one interval, then once per interval", function()
    local t, clock = fake_clock()
    local m = progress.meter({ clock = clock, interval = 10 })
    local drawn = {}
    for i = 1, 250 do
      t.now = i * 0.125  -- 31 s of reports, eight a second
      drawn[#drawn + 1] = m:update(i, nil, "loop")
    end
    assert.same({ "loop: 81 rows, 8 rows/s", "loop: 161 rows, 8 rows/s", "loop: 241 rows, 8 rows/s" }, drawn)
  end)

  it("starts a new series (and its rate) when the label changes or done goes back", function()
    local t, clock = fake_clock()
    local m = progress.meter({ clock = clock, interval = 0.1, eager = true })
    m:update(0, nil, "a")
    t.now = 10
    local line, fresh = m:update(50, nil, "b")
    assert.equal("b: 50 rows", line)
    assert.is_true(fresh)
    t.now = 11
    line, fresh = m:update(40, nil, "b")
    assert.equal("b: 40 rows", line)
    assert.is_true(fresh)
  end)

  it("latest() is the last state reported, drawn or not", function()
    local t, clock = fake_clock()
    local m = progress.meter({ clock = clock, interval = 10 })
    m:update(0, 4, "z")
    t.now = 1
    assert.is_nil(m:update(2, 4, "z"))
    assert.equal("z: 2/4 rows (50%), 2 rows/s, ETA 1s", m:latest())
  end)
end)

-- A console writing into a list, on a terminal (tty) or not.
local function fake_console(tty, opts)
  opts = opts or {}
  local out = {}
  local t, clock = fake_clock()
  local c = console.new({ write = function(s) out[#out + 1] = s end, tty = tty, quiet = opts.quiet,
                          paint = display.palette(false), clock = clock, interval = opts.interval or 10,
                          columns = function() return opts.columns end })
  return c, function() return table.concat(out) end, t
end

describe("console on a terminal", function()
  it("writes the Running line before the step and completes it in place with its time", function()
    local c, shown = fake_console(true)
    c:step_began("Running upgrade  -> a1, create a")
    assert.equal("Running upgrade  -> a1, create a", shown())
    c:step_ended("upgrade  -> a1", 0.0123)
    assert.equal("Running upgrade  -> a1, create a (12 ms)\n", shown())
  end)

  it("ends the Running line before a progress line, which is rewritten in place", function()
    local c, shown, t = fake_console(true)
    c:step_began("Running upgrade  -> a1")
    c:progress(0, 10, "fill")
    t.now = t.now + 1
    c:progress(5, 10, "fill")
    assert.equal("Running upgrade  -> a1\n\rfill: 0/10 rows (0%)\27[K\rfill: 5/10 rows (50%), 5 rows/s, ETA 1s\27[K",
      shown())
  end)

  it("finishes the progress line with its latest state and a newline before the step's end line", function()
    local c, shown, t = fake_console(true)
    c:step_began("Running upgrade  -> a1")
    c:progress(0, 10, "fill")
    t.now = t.now + 0.01
    c:progress(3, 10, "fill")  -- too soon to draw
    c:step_ended("upgrade  -> a1", 2)
    assert.matches("\rfill: 3/10 rows %(30%%%), 300 rows/s, ETA 1s\27%[K\nDone upgrade  %-> a1 %(2000 ms%)\n$", shown())
  end)

  it("ends an open line before a normal line (a warning)", function()
    local c, shown = fake_console(true)
    c:step_began("Running upgrade  -> a1")
    c:line("luamig: warning: w")
    assert.equal("Running upgrade  -> a1\nluamig: warning: w\n", shown())
  end)

  it("cuts a progress line to the terminal's width", function()
    local c, shown = fake_console(true, { columns = 12 })
    c:progress(0, 10, "a long label")
    assert.equal("\ra long labe\27[K", shown())
  end)

  it("cuts by characters, not bytes: a UTF-8 label keeps whole characters", function()
    local c, shown = fake_console(true, { columns = 6 })
    c:progress(0, 10, "ééééééé")
    assert.equal("\rééééé\27[K", shown())
  end)
end)

describe("console in a log", function()
  it("writes the Running line whole before the step and a short line with its time after", function()
    local c, shown = fake_console(false)
    c:step_began("Running upgrade  -> a1, create a")
    assert.equal("Running upgrade  -> a1, create a\n", shown())
    c:step_ended("upgrade  -> a1", 0.0123)
    assert.equal("Running upgrade  -> a1, create a\nDone upgrade  -> a1 (12 ms)\n", shown())
  end)

  it("writes a progress line at most once per interval, each on its own line", function()
    local c, shown, t = fake_console(false, { interval = 10 })
    for i = 1, 150 do
      t.now = i * 0.125
      c:progress(i, 1000, "fill")
    end
    assert.equal("fill: 81/1,000 rows (8%), 8 rows/s, ETA 1m55s\n", shown())
  end)
end)

describe("console with -q", function()
  it("writes neither step lines nor progress", function()
    local c, shown = fake_console(true, { quiet = true })
    c:step_began("Running upgrade  -> a1")
    c:progress(1, 2, "x")
    c:step_ended("upgrade  -> a1", 1)
    assert.equal("", shown())
  end)
end)
