-- Lua source text for values: the one writer of literals that luamig puts
-- into files users read and luamig loads again (revision templates,
-- autogenerate's rendered calls).
local M = {}

-- A string literal on one line: %q would continue a newline on the next
-- line, which would end a comment or read as two statements.
function M.string(s)
  return (("%q"):format(s):gsub("\\\n", "\\n"))
end

-- nil, booleans, numbers, strings, and lists of them (nested lists too).
function M.value(v)
  local t = type(v)
  if t == "string" then return M.string(v) end
  if t == "table" then
    local parts = {}
    for i, x in ipairs(v) do parts[i] = M.value(x) end
    return "{ " .. table.concat(parts, ", ") .. " }"
  end
  if t == "number" and math.type(v) == "float" then return ("%.17g"):format(v) end
  if t == "nil" or t == "boolean" or t == "number" then return tostring(v) end
  error("lualit.value: cannot write a " .. t, 2)
end

return M
