-- billing: subscribe every team
--
-- Revision ID: 8b04f6a2d7e1
-- Revises: 7a91d3e5c2b8
-- Create Date: 2026-11-26 09:20:00

return {
  revision = "8b04f6a2d7e1",
  down_revision = "7a91d3e5c2b8",
  message = "billing: subscribe every team",

  upgrade = function(op)
    op.add_column("teams", { "plan_code", "text", references = "plans.code" })
    -- a data migration: every existing team starts on the free plan
    for _, team in ipairs(op.query("SELECT id FROM teams ORDER BY id")) do
      op.execute("UPDATE teams SET plan_code = $1 WHERE id = $2", { "free", team.id })
    end
    op.alter_column("teams", "plan_code", { nullable = false, default = "'free'" })
  end,

  downgrade = function(op)
    op.drop_column("teams", "plan_code")
  end,
}
