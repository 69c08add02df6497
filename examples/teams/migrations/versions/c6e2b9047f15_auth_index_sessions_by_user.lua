-- auth: index sessions by user
--
-- Revision ID: c6e2b9047f15
-- Revises: a3f58c1e6d92
-- Create Date: 2026-11-26 09:25:00

return {
  revision = "c6e2b9047f15",
  down_revision = "a3f58c1e6d92",
  message = "auth: index sessions by user",

  upgrade = function(op)
    -- CREATE INDEX CONCURRENTLY cannot run in a transaction block:
    -- op.autocommit runs it outside the revision's transaction
    op.autocommit(function()
      op.create_index("ix_sessions_user", "sessions", { "user_id", { "expires_at", desc = true } },
        { concurrently = true, if_not_exists = true })
    end)
  end,

  downgrade = function(op)
    op.drop_index("ix_sessions_user")
  end,
}
