-- REINDEX without CONCURRENTLY locks out writes to the table (and reads
-- through the index) while it rebuilds; CONCURRENTLY exists from
-- PostgreSQL 12.
local function concurrent(params)
  for _, p in ipairs(params or {}) do
    if p.DefElem and p.DefElem.defname == "concurrently" then return true end
  end
  return false
end

return {
  name = "require-concurrent-reindex",
  level = "error",
  kinds = { "ReindexStmt" },
  check = function(stmt, ctx)
    if concurrent(stmt.body.params) or not stmt.body.relation then return nil end
    return {
      table = stmt.body.relation,
      message = "REINDEX without CONCURRENTLY blocks writes to the table while the index rebuilds",
      hint = ctx.server_version >= 120000
        and "REINDEX (CONCURRENTLY) ... in a revision with transaction = false or inside op.autocommit(function() ... end)"
        or "create a new index CONCURRENTLY, drop the old one CONCURRENTLY (REINDEX CONCURRENTLY needs PostgreSQL 12)",
    }
  end,
}
