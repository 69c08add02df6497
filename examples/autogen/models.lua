-- The model autogenerate compares with the database.
local schema = require("luamig.schema")

return schema.metadata {
  schema.table("teams", {
    { "id", "serial", primary_key = true },
    { "name", "text", nullable = false, unique = true },
  }, { comment = "who works together" }),

  schema.table("users", {
    { "id", "bigserial", primary_key = true },
    { "email", "varchar(200)", nullable = false },
    { "team_id", "integer", references = { "teams", "id", ondelete = "SET NULL" } },
    { "active", "boolean", nullable = false, default = "true" },
    { "created_at", "timestamptz", nullable = false, default = "now()" },
  }, {
    indexes = {
      { "ix_users_email", { "email" }, unique = true },
      { "ix_users_active_team", { "team_id" }, where = "active" },
    },
    constraints = { { type = "check", name = "email_has_at", expr = "email LIKE '%@%'" } },
  }),
}
