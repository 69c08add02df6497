-- Fleets (DESIGN.md §12): one command over many databases and tenants.
-- The command line asks run_if_fleet first; it returns nil when the
-- config has no targets (and no --targets FILE is given), and the
-- command runs on one database as ever.
local core = require("luamig.core")
local member = require("luamig.fleet.member")
local report = require("luamig.fleet.report")
local runner = require("luamig.fleet.runner")
local targets = require("luamig.fleet.targets")

local M = {}

M.commands = require("luamig.fleet.commands")

-- The options that only mean something with targets.
local fleet_options = { { "jobs", "-j" }, { "shard", "--shard" }, { "target", "--target" }, { "fail_fast", "--fail-fast" } }

-- Checks -j and --shard, turning them into numbers; usage(msg) raises.
local function check_options(opts, usage)
  if opts.jobs ~= nil then
    local n = tonumber(opts.jobs)
    if not n or n < 1 or n ~= math.floor(n) or n > 256 then usage(("-j needs a whole number of processes from 1 to 256, got %q"):format(opts.jobs)) end
    opts.jobs = math.tointeger(n)
  end
  if type(opts.shard) == "string" then
    local k, n = opts.shard:match("^(%d+)/(%d+)$")
    k, n = tonumber(k), tonumber(n)
    if not k or n == 0 or k >= n then usage(("--shard needs K/N with 0 <= K < N, got %q"):format(opts.shard)) end
    opts.shard = { index = k, of = n }
  end
end

local function fleet_option_given(opts)
  for _, o in ipairs(fleet_options) do
    if opts[o[1]] ~= nil then return o[2] end
  end
end

-- A terminal's progress line on stderr (none with -q or when stderr is
-- not a terminal); clear() before a line goes to stdout.
local function progress_line(quiet)
  local shown = not quiet and core.isatty(2)
  return {
    show = function(text) if shown then io.stderr:write("\r\27[K", text) io.stderr:flush() end end,
    clear = function() if shown then io.stderr:write("\r\27[K") io.stderr:flush() end end,
  }
end

local function width_of(list)
  local width = 1
  for _, t in ipairs(list) do width = math.max(width, #t.name) end
  return width
end

-- Runs the command on every picked target and prints the report.
local function run_fleet(command, s, picked, argv)
  local started, by_name, done = core.clock(), {}, 0
  local progress, width = progress_line(s.opts.quiet), width_of(picked)
  local results_list, signal = runner.run(picked, { jobs = s.opts.jobs or 1, fail_fast = s.opts.fail_fast, argv = argv },
    function(r, running)
      done = done + 1
      by_name[r.name] = r
      progress.clear()
      if not s.opts.json then
        s.out(report.line(r, width, M.commands[command]))
        io.stdout:flush()  -- as it finishes, into a pipe (a CI log) too
      end
      progress.show(report.progress(done, #picked, running))
    end)
  progress.clear()
  local seconds = core.clock() - started
  if s.opts.json then s.out(report.json(command, picked, by_name, seconds))
  else s.out(report.summary(results_list, #picked, seconds)) end
  if signal then
    local ok, failed, skipped = report.counts(results_list, #picked)
    io.stdout:flush()
    io.stderr:write(("luamig: interrupted by %s: %d target(s) finished, %d failed or interrupted (rolled back), %d not started\n")
      :format(signal, ok, failed, skipped))
  end
  local _, failed = report.counts(results_list, #picked)
  return (failed > 0 or signal) and 1 or 0
end

-- The fleet's run of command, or nil when this is no fleet. In a child
-- it sets s up for its target and returns nil, true: the command runs
-- (--json of any command included: the runner reads it). argv: the
-- command line, which the children get as it is.
function M.run_if_fleet(command, s, argv, usage)
  local name = os.getenv(member.VARIABLE)
  if name and name ~= "" then
    member.prepare(s, name)
    return nil, true
  end
  check_options(s.opts, usage)
  local list = targets.load(s.opts)
  if list == nil then
    local option = fleet_option_given(s.opts)
    if option then usage(("%s needs targets: a targets list in the config, or --targets FILE"):format(option)) end
    return nil
  end
  local picked = targets.pick(list, s.opts, usage)
  return run_fleet(command, s, picked, argv)
end

return M
