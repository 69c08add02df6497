-- Each recorded statement through the real PostgreSQL parser
-- (core.parse_sql, libpg_query): one op.execute may hold several.
local core = require("luamig.core")
local tree = require("luamig.lint.tree")

local M = {}

local function trimmed(s)
  return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

-- The position's line within sql (1-based byte position), for a syntax error.
local function line_of(sql, position)
  local _, newlines = sql:sub(1, position):gsub("\n", "")
  return newlines + 1
end

-- recorded statements -> parsed { kind, body, sql, and the recorded
-- fields }, and the statements the parser refused, as findings' raw
-- material { recorded, message }.
function M.statements(recorded)
  local parsed, refused = {}, {}
  for _, r in ipairs(recorded) do
    local result, message, position = core.parse_sql(r.sql)
    if result == nil then
      refused[#refused + 1] = { recorded = r, message = ("%s (at line %d of the statement)"):format(message, line_of(r.sql, position)) }
    else
      for _, s in ipairs(result.stmts or {}) do
        local from = (s.stmt_location or 0) + 1
        local to = (s.stmt_len or 0) > 0 and from + s.stmt_len - 1 or #r.sql
        local kind, body = tree.node(s.stmt)
        parsed[#parsed + 1] = setmetatable({ kind = kind, body = body, sql = trimmed(r.sql:sub(from, to)) },
                                           { __index = r })
      end
    end
  end
  return parsed, refused
end

return M
