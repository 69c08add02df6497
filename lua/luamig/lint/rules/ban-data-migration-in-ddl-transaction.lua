-- A data migration (UPDATE, DELETE, INSERT ... SELECT) and blocking DDL
-- (ALTER TABLE, CREATE INDEX) on the same table in one transaction: the
-- DDL's lock is held until COMMIT, so the table is locked for as long as
-- the data takes, or the data's row locks are held while the DDL waits
-- for every other transaction on the table.
local tree = require("luamig.lint.tree")

local DATA = { UpdateStmt = "UPDATE", DeleteStmt = "DELETE", InsertStmt = "INSERT" }
local SEEN = "data-and-ddl-tables"

-- "data" or "ddl" for stmt, or nil
local function role(stmt)
  if stmt.kind == "InsertStmt" then
    local select = tree.as(stmt.body.selectStmt, "SelectStmt")
    return select and not select.valuesLists and "data" or nil  -- INSERT ... VALUES is not a migration of data
  end
  if DATA[stmt.kind] then return "data" end
  if stmt.kind == "AlterTableStmt" then return "ddl" end
  if stmt.kind == "IndexStmt" and not stmt.body.concurrent then return "ddl" end
  return nil
end

return {
  name = "ban-data-migration-in-ddl-transaction",
  level = "error",
  kinds = { "UpdateStmt", "DeleteStmt", "InsertStmt", "AlterTableStmt", "IndexStmt" },
  check = function(stmt, ctx)
    local r = stmt.in_transaction and role(stmt)
    if not r then return nil end
    local key = tree.relation_name(stmt.body.relation)
    local seen = ctx.revision_state[SEEN] or {}
    ctx.revision_state[SEEN] = seen
    seen[key] = seen[key] or {}
    local other = r == "data" and "ddl" or "data"
    local first = seen[key][other]
    seen[key][r] = seen[key][r] or true
    if not first or seen[key].reported then return nil end
    seen[key].reported = true
    return {
      table = stmt.body.relation,
      message = ("a data migration and blocking DDL on %s in one transaction: the DDL's lock is held while the data is written")
        :format(key),
      hint = "put the data migration in its own revision with transaction = false and use op.backfill (batches, each "
        .. "committed); keep the DDL in a revision of its own",
    }
  end,
}
