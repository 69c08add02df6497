-- Small expectations the unit specs share.
local M = {}

-- The error fn(...) raises; fails the spec when it raises none.
function M.error_of(fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error")
  return err
end

return M
