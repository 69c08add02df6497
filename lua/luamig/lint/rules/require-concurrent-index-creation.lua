-- CREATE INDEX without CONCURRENTLY holds a SHARE lock on the table for
-- the whole build: no INSERT, UPDATE or DELETE until it is done.
return {
  name = "require-concurrent-index-creation",
  level = "error",
  kinds = { "IndexStmt" },
  check = function(stmt)
    if stmt.body.concurrent then return nil end
    return {
      table = stmt.body.relation,
      message = "CREATE INDEX without CONCURRENTLY blocks writes to the table while the index builds",
      hint = "op.create_index(name, table, columns, { concurrently = true }) in a revision with "
        .. "transaction = false or inside op.autocommit(function() ... end)",
    }
  end,
}
