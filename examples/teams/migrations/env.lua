-- Hooks run by every command that touches the database.
return {
  on_connect = function(db)
    db:exec("SET application_name = 'luamig teams example'")
  end,
}
