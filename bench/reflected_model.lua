-- Writes the reflected model of a database (spec/support/reflected.lua,
-- the one the reflected-model spec checks) as a models.lua.
--   lua5.4 bench/reflected_model.lua URL SCHEMA-NAME OUT
-- with LUA_PATH reaching lua/ and spec/, LUA_CPATH the built luamig.core;
-- SCHEMA-NAME is a shared schema's name (its entry names what to read).
local core = require("luamig.core")
local reflected = require("support.reflected")

local url, name, out = arg[1], arg[2], arg[3]
local case
for _, c in ipairs(reflected.SCHEMAS) do
  if c.name == name then case = c end
end
if not case then
  io.stderr:write(("reflected_model: %s is not one of the shared schemas\n"):format(name))
  os.exit(1)
end
local conn = assert(core.connect(url))
conn:set_notices(false)
local f = assert(io.open(out, "w"))
f:write(reflected.source(conn, case.schemas))
f:close()
conn:close()
-- the schemas read, for env.lua's include_schemas
print(require("luamig.lualit").value(case.schemas))
