-- create posts
--
-- Revision ID: 5b7e2a8f9c01
-- Revises: 1f0a9c2d3b4e
-- Create Date: 2026-11-25 10:05:00

return {
  revision = "5b7e2a8f9c01",
  down_revision = "1f0a9c2d3b4e",
  message = "create posts",

  upgrade = function(op)
    op.create_table("posts", {
      { "id", "bigserial", primary_key = true },
      { "author_id", "bigint", nullable = false, references = { "users", "id", ondelete = "CASCADE" } },
      { "title", "text", nullable = false },
      { "body", "text", nullable = false, default = "''" },
      { "published", "boolean", nullable = false, default = "false" },
    })
    -- some content for the data migration that follows
    op.execute([[INSERT INTO users (email, name) VALUES
      ('ada@example.org', 'Ada'), ('alan@example.org', 'Alan')]])
    op.execute([[INSERT INTO posts (author_id, title, body, published)
      SELECT id, 'Hello from ' || name, 'First post. It has a few words.', true FROM users]])
  end,

  downgrade = function(op)
    op.drop_table("posts")
    op.execute("DELETE FROM users WHERE email IN ($1, $2)", { "ada@example.org", "alan@example.org" })
  end,
}
