-- require("luamig"): what env.lua and revisions may ask of the running
-- migration.
local M = {}

local current = { x = {} }

-- The runtime sets the context; users read it with luamig.context():
-- { x = {-x options}, revision = id, direction = "upgrade"|"downgrade",
--   db = connection (db:query, db:execute) or nil offline, offline = bool }
function M.set_context(ctx) current = ctx end

function M.context() return current end

return M
