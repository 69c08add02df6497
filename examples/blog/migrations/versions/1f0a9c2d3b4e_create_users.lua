-- create users
--
-- Revision ID: 1f0a9c2d3b4e
-- Revises: <base>
-- Create Date: 2026-11-25 10:00:00

return {
  revision = "1f0a9c2d3b4e",
  down_revision = nil,
  message = "create users",

  upgrade = function(op)
    op.create_table("users", {
      { "id", "bigserial", primary_key = true },
      { "email", "text", nullable = false, unique = true },
      { "name", "text", nullable = false },
      { "created_at", "timestamptz", nullable = false, default = "now()" },
    })
  end,

  downgrade = function(op)
    op.drop_table("users")
  end,
}
