-- An UPDATE or DELETE of a whole big table (no WHERE, or one the planner
-- estimates touches most rows) is one long transaction: its row locks
-- block every writer of those rows until it commits, and it bloats the
-- table and holds back vacuum while it runs. op.backfill does it in short
-- batches, each its own transaction, and can be resumed.
local tree = require("luamig.lint.tree")

-- the share of the table's estimated rows from which a WHERE is "most"
local MOST = 0.5

local function whole_table(stmt, ctx)
  if not stmt.body.whereClause then return "has no WHERE" end
  local planned = ctx.planned_rows[stmt]
  local known = ctx.tables[tree.relation_name(stmt.body.relation)]
  if planned and known and known.rows > 0 and planned >= MOST * known.rows then
    return ("touches ~%d%% of the rows, the planner estimates"):format(math.floor(100 * planned / known.rows + 0.5))
  end
  return nil
end

return {
  name = "ban-whole-table-write",
  level = "error",
  kinds = { "UpdateStmt", "DeleteStmt" },
  check = function(stmt, ctx)
    local why = whole_table(stmt, ctx)
    if not why then return nil end
    local verb = stmt.kind == "UpdateStmt" and "UPDATE" or "DELETE"
    return {
      table = stmt.body.relation,
      message = ("%s of %s %s: one long transaction whose row locks block writers of the whole table until it commits")
        :format(verb, tree.relation_name(stmt.body.relation), why),
      hint = "op.backfill(table, { set = { col = \"expr\" }, where = ..., batch = 5000 }) in a revision with transaction = false "
        .. "(short batches, each committed, resumable)",
    }
  end,
}
