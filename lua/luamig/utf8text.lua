-- Text that must be UTF-8 (a JSON document, a text column of a UTF-8
-- database) made from bytes that may not be (a revision message in
-- Latin-1, a cut sequence).
local M = {}

-- s with each byte that does not belong to a well-formed UTF-8 sequence
-- replaced by U+FFFD, the replacement character.
function M.repaired(s)
  if utf8.len(s) then return s end
  local parts, i = {}, 1
  while true do
    local n, bad = utf8.len(s, i)
    if n then parts[#parts + 1] = s:sub(i) break end
    parts[#parts + 1] = s:sub(i, bad - 1)
    parts[#parts + 1] = "\u{FFFD}"
    i = bad + 1
  end
  return table.concat(parts)
end

-- The first n characters of s (repaired first): what fits a terminal's
-- width without splitting a character.
function M.first(s, n)
  s = M.repaired(s)
  local stop = utf8.offset(s, n + 1)
  if stop == nil or stop > #s then return s end
  return s:sub(1, stop - 1)
end

return M
