-- Findings as users read them: two lines each, or one JSON document.
local display = require("luamig.display")

local M = {}

local function where(revision, path, line)
  return ("%s (%s%s)"):format(revision, path, line and (":" .. line) or "")
end

-- "luamig: lint: <revision> (<file>:<line>): <rule>: <message>" and
-- "  hint: <hint>" (DESIGN.md §11; the level is in --json and the README).
function M.lines(result)
  local lines = {}
  for _, f in ipairs(result.findings) do
    lines[#lines + 1] = ("luamig: lint: %s: %s: %s"):format(where(f.revision, f.path, f.line), f.rule, f.message)
    lines[#lines + 1] = "  hint: " .. f.hint
  end
  for _, s in ipairs(result.stopped) do
    lines[#lines + 1] = ("luamig: lint: %s: %s"):format(where(s.revision, s.path, s.line), s.message)
  end
  return lines
end

-- {"findings": [...], "stopped": [...]}
function M.json(result)
  local findings, stopped = setmetatable({}, display.array), setmetatable({}, display.array)
  for i, f in ipairs(result.findings) do
    findings[i] = { revision = f.revision, path = f.path, line = f.line, rule = f.rule, level = f.level,
                    message = f.message, hint = f.hint, statement = f.statement }
  end
  for i, s in ipairs(result.stopped) do
    stopped[i] = { revision = s.revision, path = s.path, line = s.line, message = s.message }
  end
  return display.json({ findings = findings, stopped = stopped })
end

-- Whether any finding is an error (lint exits 1, upgrade with lint = "error" refuses).
function M.has_error(result)
  for _, f in ipairs(result.findings) do
    if f.level == "error" then return true end
  end
  return false
end

return M
