-- Text helpers for messages, written once.
local M = {}

-- s on one line: each run of whitespace (newlines too) one space, none at
-- either end
function M.one_line(s)
  return (tostring(s):gsub("%s+", " "):gsub("^ ", ""):gsub(" $", ""))
end

return M
