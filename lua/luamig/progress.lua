-- How a progress line reads and how often one is drawn (DESIGN.md §10):
-- "backfill users.email_lower: 1,234,000/5,000,000 rows (24%), 41,000
-- rows/s, ETA 1m32s". Pure: the clock is the caller's.
local M = {}

-- 1234000 -> "1,234,000"
function M.thousands(n)
  local digits = tostring(math.floor(n))
  local sign, body = digits:match("^(%-?)(%d+)$")
  local head = #body % 3
  local groups = { head > 0 and body:sub(1, head) or nil }
  for i = head + 1, #body, 3 do groups[#groups + 1] = body:sub(i, i + 2) end
  return sign .. table.concat(groups, ",")
end

-- Seconds as "45s", "1m32s" or "2h03m", rounded up: an ETA that says 0s
-- while work remains would be wrong.
function M.duration(seconds)
  local s = math.ceil(seconds)
  if s < 60 then return ("%ds"):format(s) end
  if s < 3600 then return ("%dm%02ds"):format(s // 60, s % 60) end
  return ("%dh%02dm"):format(s // 3600, s % 3600 // 60)
end

-- The line for done (of total, when known) at rate rows a second (nil
-- before one is known), under label (nil: none).
function M.line(label, done, total, rate)
  local parts = { label and (label .. ": ") or "", M.thousands(done) }
  if total then
    parts[#parts + 1] = "/" .. M.thousands(total)
  end
  parts[#parts + 1] = " rows"
  if total and total > 0 then
    parts[#parts + 1] = (" (%d%%)"):format(done * 100 // total)
  end
  if rate then
    parts[#parts + 1] = (", %s rows/s"):format(M.thousands(rate + 0.5))
    if total and done < total and rate > 0 then
      parts[#parts + 1] = ", ETA " .. M.duration((total - done) / rate)
    end
  end
  return table.concat(parts)
end

------------------------------------------------------------------ meter

local Meter = {}
Meter.__index = Meter

-- opts: clock = function() -> seconds, interval = seconds between two
-- lines, eager = true to draw a series' first report and its completion
-- at once (a terminal, where the line is rewritten in place; a log waits
-- one interval, so a short loop writes nothing).
function M.meter(opts)
  return setmetatable({ clock = opts.clock, interval = opts.interval, eager = opts.eager == true }, Meter)
end

-- Rows a second since the series began, or nil before time has passed.
function Meter:rate(now)
  local elapsed = now - self.started
  if elapsed <= 0 then return nil end
  return (self.done - self.first_done) / elapsed
end

function Meter:draw(now)
  return M.line(self.label, self.done, self.total, self:rate(now))
end

-- Notes a report; returns the line to draw now (nil: too soon since the
-- last) and whether it began a new series (a new label, or done went
-- back: another loop).
function Meter:update(done, total, label)
  local now = self.clock()
  local fresh = self.started == nil or label ~= self.label or done < self.done
  if fresh then
    self.started, self.first_done, self.label, self.last_drawn = now, done, label, now
  end
  self.done, self.total, self.now = done, total, now
  local due = now - self.last_drawn >= self.interval
  if self.eager and (fresh or (total and done >= total)) then due = true end
  if not due then return nil, fresh end
  self.last_drawn = now
  return self:draw(now), fresh
end

-- The line of the last report, drawn or not (nil before any).
function Meter:latest()
  if self.started == nil then return nil end
  return self:draw(self.now)
end

-- Forgets the series: the next report begins a new one.
function Meter:reset()
  self.started = nil
end

return M
