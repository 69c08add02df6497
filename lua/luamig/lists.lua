-- The few list helpers every layer needs, written once.
local M = {}

-- { [item] = true } for each item of a list
function M.set_of(list)
  local set = {}
  for _, item in ipairs(list) do set[item] = true end
  return set
end

-- a shallow copy of a list
function M.copy(list)
  return table.move(list, 1, #list, 1, {})
end

-- a new table with the entries of each table given (a later one wins)
function M.merge(...)
  local out = {}
  for i = 1, select("#", ...) do
    for k, v in pairs((select(i, ...))) do out[k] = v end
  end
  return out
end

return M
