-- luamig runs the revision (and its version row) in its own transaction:
-- a BEGIN inside it is ignored with a warning, and a COMMIT or ROLLBACK
-- ends it half way, so the rest runs outside and the version row may not
-- match what was applied.
local NESTING = { TRANS_STMT_BEGIN = "BEGIN", TRANS_STMT_START = "START TRANSACTION", TRANS_STMT_COMMIT = "COMMIT",
                  TRANS_STMT_ROLLBACK = "ROLLBACK", TRANS_STMT_PREPARE = "PREPARE TRANSACTION" }

return {
  name = "transaction-nesting",
  level = "error",
  kinds = { "TransactionStmt" },
  check = function(stmt)
    local what = NESTING[stmt.body.kind]
    if not (what and stmt.in_transaction) then return nil end
    return {
      message = ("%s inside the revision's transaction, which luamig opens and commits itself"):format(what),
      hint = "leave transactions to luamig: set transaction = false on the revision to manage them yourself, "
        .. "or use op.autocommit(function() ... end) for what must run outside",
    }
  end,
}
