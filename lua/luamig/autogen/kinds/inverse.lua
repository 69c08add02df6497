-- The records that undo others, shared by every kind's entry.
local M = {}

-- d with its kind replaced: the inverse of an add is the remove, and back.
function M.as_kind(kind)
  return function(d)
    local r = {}
    for k, v in pairs(d) do r[k] = v end
    r.kind = kind
    return r
  end
end

-- The inverse of a change from d.from to d.to.
function M.swap_ends(d)
  local r = M.as_kind(d.kind)(d)
  r.from, r.to = d.to, d.from
  return r
end

-- The inverse of each change of d.changes.
function M.swap_changes(d)
  local r = M.as_kind(d.kind)(d)
  r.changes = {}
  for k, c in pairs(d.changes) do r.changes[k] = { from = c.to, to = c.from } end
  return r
end

return M
