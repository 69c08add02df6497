-- auth: create sessions
--
-- Revision ID: a3f58c1e6d92
-- Revises: 4c2e7f1a9b30
-- Create Date: 2026-11-26 09:15:00

return {
  revision = "a3f58c1e6d92",
  down_revision = "4c2e7f1a9b30",
  branch_labels = "auth",         -- starts the auth branch
  message = "auth: create sessions",

  upgrade = function(op)
    op.create_table("sessions", {
      { "token", "text", primary_key = true },
      { "user_id", "bigint", nullable = false, references = { "users", "id", ondelete = "CASCADE" } },
      { "expires_at", "timestamptz", nullable = false },
    })
  end,

  downgrade = function(op)
    op.drop_table("sessions")
  end,
}
