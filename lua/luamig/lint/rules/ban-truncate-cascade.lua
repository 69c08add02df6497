-- TRUNCATE ... CASCADE also empties every table whose foreign key points
-- at the truncated ones, and theirs in turn: more than the statement names.
return {
  name = "ban-truncate-cascade",
  level = "error",
  kinds = { "TruncateStmt" },
  check = function(stmt)
    if stmt.body.behavior ~= "DROP_CASCADE" then return nil end
    return {
      message = "TRUNCATE ... CASCADE also empties every table that references these, however far the foreign keys reach",
      hint = "TRUNCATE the tables you mean by name, without CASCADE",
    }
  end,
}
