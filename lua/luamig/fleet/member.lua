-- One target's run inside a child of the fleet runner: the runner names
-- the target in $LUAMIG_FLEET_MEMBER and reads what the child reports on
-- fd 3, a line per fact ("from ID...", "to ID...", "revisions N"); the
-- command itself runs as it runs on one database.
local targets = require("luamig.fleet.targets")

local M = {}

M.VARIABLE = "LUAMIG_FLEET_MEMBER"

local function reporter()
  local f = io.open("/dev/fd/3", "w")
  return function(key, value)
    if f == nil then return end
    f:write(key, " ", value, "\n")
    f:flush()
  end
end

local function ids(list) return table.concat(list, " ") end

-- Watches the migrator a command makes (commands.lua calls s.observe):
-- the version rows read first, the steps run, and the rows after them.
local function observer(report)
  local first = true
  return function(migrator)
    local current_heads, run, stamp = migrator.current_heads, migrator.run, migrator.stamp
    function migrator.current_heads(self)
      local heads = current_heads(self)
      if first then report("from", ids(heads)) end
      first = false
      return heads
    end
    local function counted(original)
      return function(self, steps, ...)
        original(self, steps, ...)
        report("revisions", #steps)
        report("to", ids(current_heads(self)))
      end
    end
    migrator.run, migrator.stamp = counted(run), counted(stamp)
  end
end

-- Sets s up for the target named name: its url (over the config's) and
-- its x values over the command line's.
function M.prepare(s, name)
  local target = targets.named(s.opts, name)
  s.opts.x = targets.x_of(target, s.opts.x)
  if target.url then s.opts.url = target.url end
  s.observe = observer(reporter())
end

return M
