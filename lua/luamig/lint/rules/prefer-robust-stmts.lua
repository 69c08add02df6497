-- Outside a transaction (transaction = false, op.autocommit) a failure
-- leaves what ran before it in place, and the rerun trips over it: a
-- CREATE without IF NOT EXISTS fails on what the first run created. For
-- CREATE INDEX CONCURRENTLY a failed build leaves an INVALID index that
-- IF NOT EXISTS would keep: DROP INDEX CONCURRENTLY IF EXISTS it first.
local tree = require("luamig.lint.tree")

local DROPPED = "dropped-if-exists"

local function fragile(stmt)
  local body, kind = stmt.body, stmt.kind
  if kind == "CreateStmt" and not body.if_not_exists then return "CREATE TABLE " .. tree.relation_name(body.relation) end
  if kind == "IndexStmt" and not body.if_not_exists then return "CREATE INDEX " .. (body.idxname or "(unnamed)") end
  if kind == "DropStmt" and not body.missing_ok then return "DROP without IF EXISTS" end
  if kind == "AlterTableStmt" then
    for _, cmd in ipairs(tree.alter_commands(body)) do
      if (cmd.subtype == "AT_AddColumn" or cmd.subtype == "AT_DropColumn") and not cmd.missing_ok then
        return (cmd.subtype == "AT_AddColumn" and "ADD COLUMN " or "DROP COLUMN ")
          .. (cmd.name or (tree.as(cmd.def, "ColumnDef") or {}).colname or "?")
      end
    end
  end
  return nil
end

-- the names a DROP ... IF EXISTS removed, so that a CREATE after it is robust
local function note_dropped(stmt, state)
  if stmt.kind ~= "DropStmt" or not stmt.body.missing_ok then return end
  state[DROPPED] = state[DROPPED] or {}
  for _, object in ipairs(stmt.body.objects or {}) do
    local list = tree.as(object, "List")
    state[DROPPED][tree.qualified_name(list and list.items).relname] = true
  end
end

return {
  name = "prefer-robust-stmts",
  level = "warning",
  kinds = { "CreateStmt", "IndexStmt", "DropStmt", "AlterTableStmt" },
  check = function(stmt, ctx)
    note_dropped(stmt, ctx.revision_state)
    if stmt.in_transaction then return nil end
    local what = fragile(stmt)
    local dropped = ctx.revision_state[DROPPED] or {}
    local name = stmt.kind == "IndexStmt" and stmt.body.idxname or stmt.kind == "CreateStmt" and stmt.body.relation.relname
    if not what or (name and dropped[name]) then return nil end
    return {
      message = ("%s runs outside a transaction: if the revision fails after it, the rerun fails on it"):format(what),
      hint = "use IF NOT EXISTS / IF EXISTS (op: if_not_exists = true, if_exists = true); before CREATE INDEX CONCURRENTLY, "
        .. "DROP INDEX CONCURRENTLY IF EXISTS the same name (a failed build leaves an INVALID index)",
    }
  end,
}
