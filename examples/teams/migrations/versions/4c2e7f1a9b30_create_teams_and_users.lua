-- create teams and users
--
-- Revision ID: 4c2e7f1a9b30
-- Revises: <base>
-- Create Date: 2026-11-26 09:00:00

return {
  revision = "4c2e7f1a9b30",
  down_revision = nil,
  message = "create teams and users",

  upgrade = function(op)
    op.create_table("teams", {
      { "id", "bigserial", primary_key = true },
      { "name", "text", nullable = false, unique = true },
      { "created_at", "timestamptz", nullable = false, default = "now()" },
    })
    op.create_table("users", {
      { "id", "bigserial", primary_key = true },
      { "team_id", "bigint", nullable = false, references = { "teams", "id", ondelete = "CASCADE" } },
      { "email", "text", nullable = false },
    })
    -- one address per person, whatever its case
    op.create_index("ux_users_email", "users", { { expr = "lower(email)" } }, { unique = true })
    op.bulk_insert("teams", { { name = "core" }, { name = "growth" } }, { columns = { "name" } })
    op.execute([[INSERT INTO users (team_id, email)
      SELECT id, name || '@example.org' FROM teams]])
  end,

  downgrade = function(op)
    op.drop_table("users")
    op.drop_table("teams")
  end,
}
