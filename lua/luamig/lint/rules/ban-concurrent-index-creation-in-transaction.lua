-- PostgreSQL refuses CREATE INDEX CONCURRENTLY inside a transaction block
-- (SQLSTATE 25001): the revision would fail on every database.
return {
  name = "ban-concurrent-index-creation-in-transaction",
  level = "error",
  kinds = { "IndexStmt" },
  check = function(stmt)
    if not (stmt.body.concurrent and stmt.in_transaction) then return nil end
    return {
      message = "CREATE INDEX CONCURRENTLY cannot run inside a transaction block, and this one runs in the revision's transaction",
      hint = "set transaction = false on the revision, or run the statement inside op.autocommit(function() ... end)",
    }
  end,
}
