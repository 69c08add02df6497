-- add posts.word_count and backfill it
--
-- Revision ID: 9d3c4b5a6e7f
-- Revises: 5b7e2a8f9c01
-- Create Date: 2026-11-25 10:10:00

return {
  revision = "9d3c4b5a6e7f",
  down_revision = "5b7e2a8f9c01",
  message = "add posts.word_count and backfill it",

  upgrade = function(op)
    op.add_column("posts", { "word_count", "integer" })
    -- the data migration: compute the count for every existing post
    op.execute([[UPDATE posts
      SET word_count = coalesce(array_length(regexp_split_to_array(trim(body), '\s+'), 1), 0)]])
    op.execute("ALTER TABLE posts ALTER COLUMN word_count SET NOT NULL")
  end,

  downgrade = function(op)
    op.drop_column("posts", "word_count")
  end,
}
