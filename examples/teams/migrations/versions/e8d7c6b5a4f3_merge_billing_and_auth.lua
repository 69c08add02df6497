-- merge billing and auth
--
-- Revision ID: e8d7c6b5a4f3
-- Revises: 8b04f6a2d7e1, c6e2b9047f15
-- Create Date: 2026-11-26 09:30:00

return {
  revision = "e8d7c6b5a4f3",
  down_revision = { "8b04f6a2d7e1", "c6e2b9047f15" },
  message = "merge billing and auth",

  -- a merge joins the two heads into one; it needs no operations itself
  upgrade = function(op)
  end,

  downgrade = function(op)
  end,
}
