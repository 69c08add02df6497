-- The application still running during and after the deploy reads the old
-- name: every query that names it fails until the new code is out.
return {
  name = "renaming-column",
  level = "warning",
  kinds = { "RenameStmt" },
  check = function(stmt)
    local body = stmt.body
    if body.renameType ~= "OBJECT_COLUMN" then return nil end
    return {
      message = ("renaming column %s to %s breaks the clients that still use the old name"):format(body.subname, body.newname),
      hint = "add the new column, write both and backfill (op.backfill), move the readers, then drop the old one in a later revision",
    }
  end,
}
