-- billing: create plans
--
-- Revision ID: 7a91d3e5c2b8
-- Revises: 4c2e7f1a9b30
-- Create Date: 2026-11-26 09:10:00

return {
  revision = "7a91d3e5c2b8",
  down_revision = "4c2e7f1a9b30",
  branch_labels = "billing",      -- starts the billing branch: billing@head, billing@-1 ...
  message = "billing: create plans",

  upgrade = function(op)
    op.create_table("plans", {
      { "code", "text", primary_key = true },
      { "monthly_cents", "integer", nullable = false, check = "monthly_cents >= 0" },
    })
    -- positional rows, in the order of columns
    op.bulk_insert("plans", { { "free", 0 }, { "team", 1900 } }, { columns = { "code", "monthly_cents" } })
  end,

  downgrade = function(op)
    op.drop_table("plans")
  end,
}
