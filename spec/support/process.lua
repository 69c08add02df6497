-- Background runs of the built binary, for the specs that need two runners
-- at once, a signal sent mid-run or a server restart: spawn with a pid file,
-- wait with a bound, signal, kill. Every wait here ends.
local core = require("luamig.core")
local helpers = require("support.helpers")

local quote = helpers.shell_quote

local M = {}

local Proc = {}
Proc.__index = Proc

local function read_if_present(path)
  local f = io.open(path, "rb")
  if f == nil then return nil end
  local text = f:read("a")
  f:close()
  return text
end

-- Polls pred() every `step` seconds until it returns a true value (which is
-- returned) or `timeout` seconds pass (nil).
function M.wait_until(pred, timeout, step)
  local deadline = core.clock() + (timeout or 10)
  repeat
    local v = pred()
    if v then return v end
    core.sleep(step or 0.05)
  until core.clock() > deadline
  return pred() or nil
end

-- Starts `luamig ARGS` in dir in the background, as helpers.run would run
-- it (opts.env adds variables). The binary itself is the child whose pid
-- we keep (the subshell execs it), so signals reach luamig, not a shell.
function M.spawn(dir, args, opts)
  opts = opts or {}
  local base = os.tmpname()
  local envs = ""
  for k, v in pairs(opts.env or {}) do envs = envs .. k .. "=" .. quote(v) .. " " end
  local script = ("(cd %s && exec env -u LUAMIG_URL -u LUAMIG_CONFIG -u LUA_PATH -u LUA_CPATH %s %s %s) >%s 2>%s </dev/null & "
    .. "echo $! >%s.pid; wait $!; echo $? >%s.rc"):format(
    quote(dir), envs, quote(helpers.bin()), args, quote(base .. ".out"), quote(base .. ".err"),
    quote(base), quote(base))
  os.execute(("sh -c %s >/dev/null 2>&1 &"):format(quote(script)))
  local pid = M.wait_until(function()
    local text = read_if_present(base .. ".pid")
    return text and tonumber(text:match("^(%d+)\n"))
  end, 5)
  assert(pid, "the background luamig did not start within 5 s")
  return setmetatable({ pid = pid, base = base, started = core.clock() }, Proc)
end

-- The exit code once the process ended, else nil.
function Proc:exit_code()
  local text = read_if_present(self.base .. ".rc")
  return text and tonumber(text:match("^(%d+)\n"))
end

-- Waits at most `timeout` seconds; returns the exit code, or nil when the
-- process is still running (it is then killed, so no spec leaves it behind).
function Proc:wait(timeout)
  local code = M.wait_until(function() return self:exit_code() end, timeout or 30)
  if code == nil then self:kill() end
  return code
end

function Proc:signal(name)
  os.execute(("kill -%s %d 2>/dev/null"):format(name, self.pid))
end

-- SIGKILL if still running (for cleanup).
function Proc:kill()
  if self:exit_code() == nil then
    self:signal("KILL")
    M.wait_until(function() return self:exit_code() end, 5)
  end
end

function Proc:stdout() return read_if_present(self.base .. ".out") or "" end
function Proc:stderr() return read_if_present(self.base .. ".err") or "" end

function Proc:cleanup()
  self:kill()
  for _, ext in ipairs({ "", ".pid", ".rc", ".out", ".err" }) do os.remove(self.base .. ext) end
end

------------------------------------------------------------- the server

-- A TCP listener on 127.0.0.1 that accepts connections and never answers
-- (perl is part of every Debian system). Returns its port and a stop().
function M.silent_server()
  local base = os.tmpname()
  local script = [[
use IO::Socket::INET;
my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 16, ReuseAddr => 1) or die "listen: $!";
open(my $f, ">", "$ARGV[0].tmp") or die; print $f $s->sockport, "\n"; close $f; rename("$ARGV[0].tmp", "$ARGV[0].port");
my @held; while (1) { my $c = $s->accept or next; push @held, $c }
]]
  os.execute(("env -u LD_PRELOAD perl -e %s %s >/dev/null 2>&1 </dev/null & echo $! >%s.pid"):format(
    quote(script), quote(base), quote(base)))
  local port = M.wait_until(function()
    local text = read_if_present(base .. ".port")
    return text and tonumber(text:match("^(%d+)\n"))
  end, 5)
  assert(port, "the silent server did not start within 5 s")
  local pid = tonumber(read_if_present(base .. ".pid"):match("^(%d+)"))
  return { port = port, stop = function()
    os.execute(("kill -KILL %d 2>/dev/null"):format(pid))
    for _, ext in ipairs({ "", ".pid", ".port" }) do os.remove(base .. ext) end
  end }
end

-- Whether a session of the database behind conn runs a statement matching
-- the LIKE pattern (another session: this one's own query is left out).
function M.server_runs(conn, pattern)
  local rows = conn:query("SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid() AND state = 'active'",
    { pattern })
  return rows[1].n > 0
end

-- Whether a session of the database behind conn has application_name
-- `name` (a revision sets it to say it got somewhere).
function M.server_has_session(conn, name)
  local rows = conn:query("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1", { name })
  return rows[1].n > 0
end

return M
