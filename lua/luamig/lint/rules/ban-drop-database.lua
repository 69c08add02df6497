-- A migration has no business dropping a database: it loses everything in it.
return {
  name = "ban-drop-database",
  level = "error",
  kinds = { "DropdbStmt" },
  check = function(stmt)
    return {
      message = ("dropping database %s loses everything in it"):format(stmt.body.dbname),
      hint = "drop databases by hand, not in a revision",
    }
  end,
}
