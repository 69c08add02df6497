-- The fleet runner: each target in a child process (luamig itself, the
-- target named in $LUAMIG_FLEET_MEMBER), at most `jobs` at once; their
-- output captured, a result per target as it finishes. Ctrl-C (or
-- SIGTERM) starts nothing more, forwards the signal once to the children
-- running (each rolls back its revision in flight) and waits for them.
local core = require("luamig.core")
local member = require("luamig.fleet.member")

local M = {}

local POLL_MS = 200  -- how long a wait for output lasts before looking again

-- The self this process runs as: the children are the same binary.
local SELF = "/proc/self/exe"

local function start(t, argv)
  local child_argv = { "luamig" }
  table.move(argv, 1, #argv, 2, child_argv)
  local pid, out, err, report = core.spawn(SELF, child_argv, { member.VARIABLE .. "=" .. t.name })
  if pid == nil then
    return nil, { name = t.name, status = "failed", seconds = 0, error = "cannot start its process: " .. out }
  end
  return { target = t, pid = pid, started = core.clock(), open = { [out] = "stdout", [err] = "stderr", [report] = "report" },
           text = { stdout = {}, stderr = {}, report = {} } }
end

-- The facts the child reported on fd 3 (member.lua).
local function parse_report(text, r)
  for key, value in text:gmatch("(%S+) ?([^\n]*)\n") do
    if key == "revisions" then r.revisions = tonumber(value)
    elseif key == "from" or key == "to" then
      local list = {}
      for id in value:gmatch("%S+") do list[#list + 1] = id end
      r[key] = list
    end
  end
end

-- The child's one-line error: its last "luamig: " line, else its last
-- line on stderr (check's count of differences), else its exit code.
local function error_line(stderr, code)
  local last, said
  for line in stderr:gmatch("[^\n]+") do
    last = line
    if line:find("^luamig: ") and not line:find("^luamig: warning:") then said = line:sub(9) end
  end
  return said or last or ("exited with code " .. code)
end

local function result_of(run, code)
  local stdout, stderr = table.concat(run.text.stdout), table.concat(run.text.stderr)
  local r = { name = run.target.name, code = code, seconds = core.clock() - run.started,
              status = code == 0 and "ok" or "failed", stdout = stdout, stderr = stderr }
  parse_report(table.concat(run.text.report), r)
  if code ~= 0 then r.error = error_line(stderr, code) end
  return r
end

-- Reads what is there from the ready fds; a run whose pipes all closed is
-- reaped (it is exiting) and returned.
local function drain(running, ready)
  local is_ready = {}
  for _, fd in ipairs(ready) do is_ready[fd] = true end
  local finished = {}
  for i = #running, 1, -1 do
    local run = running[i]
    for fd, stream in pairs(run.open) do
      if is_ready[fd] then
        local bytes = core.read(fd)
        if bytes == "" then core.close(fd) run.open[fd] = nil
        elseif bytes then table.insert(run.text[stream], bytes) end
      end
    end
    if next(run.open) == nil then
      table.remove(running, i)
      finished[#finished + 1] = result_of(run, core.reap(run.pid, true))
    end
  end
  return finished
end

local function open_fds(running)
  local fds = {}
  for _, run in ipairs(running) do
    for fd in pairs(run.open) do fds[#fds + 1] = fd end
  end
  return fds
end

-- Runs every target of list; on_finish(result, n_running) tells the
-- caller of each. opts: jobs, fail_fast, argv (the children's command line).
-- Returns the results in finishing order and the signal that stopped the
-- run, if one did.
function M.run(list, opts, on_finish)
  core.poll_interrupts()
  local running, results, next_index, forwarded, failed = {}, {}, 1, false, false
  while true do
    local signal = core.interrupted()
    if signal and not forwarded then
      for _, run in ipairs(running) do core.signal(run.pid, signal) end
      forwarded = true
    end
    local stop = signal or (opts.fail_fast and failed)
    while not stop and #running < opts.jobs and next_index <= #list do
      local run, unstarted = start(list[next_index], opts.argv)
      next_index = next_index + 1
      if run then running[#running + 1] = run
      else
        results[#results + 1] = unstarted
        failed = true
        on_finish(unstarted, #running)
      end
    end
    if #running == 0 then return results, signal end
    for _, r in ipairs(drain(running, core.poll(open_fds(running), POLL_MS))) do
      results[#results + 1] = r
      failed = failed or r.status ~= "ok"
      on_finish(r, #running)
    end
  end
end

return M
