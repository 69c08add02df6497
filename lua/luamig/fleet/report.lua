-- What the fleet runner prints: a line per target as it finishes, the
-- summary, the --json document, and the progress line on a terminal.
local display = require("luamig.display")

local M = {}

local function heads_text(list)
  if list == nil or #list == 0 then return "base" end
  return table.concat(list, ",")
end

local function plural(n, word) return ("%d %s%s"):format(n, word, n == 1 and "" or "s") end

-- changes: whether the command moves the version rows (upgrade, ...).
local function detail(r, changes)
  local ms = ("%.0f ms"):format(r.seconds * 1000)
  if r.status == "failed" then return r.error end
  if changes and r.to then
    return ("%s -> %s (%s, %s)"):format(heads_text(r.from), heads_text(r.to), plural(r.revisions or 0, "revision"), ms)
  end
  return ("%s (%s)"):format(heads_text(r.to or r.from), ms)
end

-- `acme  ok  a1 -> c3 (3 revisions, 120 ms)` or `acme  FAILED  error`.
function M.line(r, width, changes)
  local word = r.status == "ok" and "ok" or "FAILED"
  return ("%-" .. width .. "s  %s  %s"):format(r.name, word, detail(r, changes))
end

function M.counts(results, total)
  local ok, failed = 0, 0
  for _, r in ipairs(results) do
    if r.status == "ok" then ok = ok + 1 else failed = failed + 1 end
  end
  return ok, failed, total - ok - failed
end

function M.summary(results, total, seconds)
  local ok, failed, skipped = M.counts(results, total)
  return ("%d ok, %d failed, %d skipped in %.1f s"):format(ok, failed, skipped, seconds)
end

-- The --json document: every target in the fleet's order, those never
-- started as "skipped".
function M.json(command, picked, by_name, seconds)
  local list = setmetatable({}, display.array)
  for _, t in ipairs(picked) do
    local r = by_name[t.name]
    list[#list + 1] = r and {
      name = t.name, status = r.status, exit_code = r.code, error = r.error,
      from = r.from and setmetatable(r.from, display.array), to = r.to and setmetatable(r.to, display.array),
      revisions = r.revisions, ms = math.floor(r.seconds * 1000 + 0.5), output = r.stdout,
    } or { name = t.name, status = "skipped" }
  end
  local results = {}
  for _, r in pairs(by_name) do results[#results + 1] = r end
  local ok, failed, skipped = M.counts(results, #picked)
  return display.json({ command = command, targets = list, ok = ok, failed = failed, skipped = skipped,
                        seconds = math.floor(seconds * 1000 + 0.5) / 1000 })
end

-- The progress text: targets done of total, and how many run.
function M.progress(done, total, running)
  return ("%d/%d targets done, %d running"):format(done, total, running)
end

return M
