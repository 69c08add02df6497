-- luamig.revmap.names — the rules for the names in the graph: a revision
-- id and a branch label. One rule each, used by the reader of revision
-- files, by the map's own building and by every command that writes a
-- revision (--rev-id), as Alembic's Revision.verify_rev_id is used when a
-- script is loaded and when one is written.
local find = string.find

local M = {}

-- the width of the version table's version_num
local MAX_ID = 32

-- The rule for a revision id: the characters Alembic reserves for target
-- syntax (+ - @) first, with Alembic's message; then letters, digits and
-- _ only (no space, quote or ':' of a range); then at most 32 bytes, the
-- width of version_num. Returns the problem with `id` as one line, or nil.
function M.id_problem(id)
  local plain = find(id, "^[%w_]+$")
  if plain and #id <= MAX_ID then return nil end
  local reserved = {}
  for _, c in ipairs { "+", "-", "@" } do
    if find(id, c, 1, true) then reserved[#reserved + 1] = c end
  end
  if #reserved > 0 then
    return ("Character(s) '%s' not allowed in revision identifier '%s'"):format(table.concat(reserved, ", "), id)
  end
  if not plain then
    return ("revision identifier %s may hold only letters, digits and _"):format((("%q"):format(id):gsub("\\\n", "\\n")))
  end
  return ("revision identifier '%s' is longer than %d characters (the version table's version_num is varchar(%d))")
    :format(id, MAX_ID, MAX_ID)
end

-- The rule for a branch label: not empty, and no '@', which ends a label
-- in a target ("label@head"), so a label holding one could never be named.
function M.label_problem(label)
  if label == "" then return "a branch label must not be empty" end
  if find(label, "@", 1, true) then
    return ("Character '@' not allowed in branch label '%s'"):format(label)
  end
end

return M
