-- Describing: diff records as the lines `check` prints and autogenerate
-- logs after "Detected " (each kind's lines are its entry in
-- luamig.autogen.kinds).
local kinds = require("luamig.autogen.kinds")

local M = {}

-- One line per change (an alter_column record may hold several).
function M.describe(diffs)
  local out = {}
  for _, d in ipairs(diffs) do
    for _, line in ipairs(kinds.of(d).describe(d)) do out[#out + 1] = line end
  end
  return out
end

return M
