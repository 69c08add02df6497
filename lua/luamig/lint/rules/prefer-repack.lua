-- VACUUM FULL and CLUSTER rewrite the whole table while holding an ACCESS
-- EXCLUSIVE lock: no reads or writes until done. pg_repack (or
-- pg_squeeze) rewrites it online.
local function full(options)
  for _, o in ipairs(options or {}) do
    if o.DefElem and o.DefElem.defname == "full" then return true end
  end
  return false
end

local HINT = "pg_repack (or pg_squeeze) rewrites the table online; a plain VACUUM reclaims space for reuse without the lock"

return {
  name = "prefer-repack",
  level = "error",
  kinds = { "VacuumStmt", "ClusterStmt" },
  check = function(stmt)
    local body = stmt.body
    if stmt.kind == "ClusterStmt" then
      return { table = body.relation, hint = HINT,
               message = "CLUSTER rewrites the whole table while holding an ACCESS EXCLUSIVE lock, which blocks reads and writes" }
    end
    if not full(body.options) then return nil end
    local found = {}
    for _, r in ipairs(body.rels or {}) do
      found[#found + 1] = { table = r.VacuumRelation.relation, hint = HINT,
                            message = "VACUUM FULL rewrites the whole table while holding an ACCESS EXCLUSIVE lock, which blocks reads and writes" }
    end
    if #found == 0 then
      found[1] = { hint = HINT, message = "VACUUM FULL of the whole database rewrites every table under ACCESS EXCLUSIVE locks" }
    end
    return found
  end,
}
