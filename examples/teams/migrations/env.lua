-- Hooks run by every command that touches the database.
return {
  on_connect = function(db)
    db:execute("SET application_name = 'luamig teams example'")
  end,
}
