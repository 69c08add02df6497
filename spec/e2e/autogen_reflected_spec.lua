-- The reflected model of each real schema (issue 15 item 7): a model
-- written from what the catalog reads of ../shared/schemas/<name>.sql,
-- compared with that database, finds nothing, so that the server's
-- equality of defaults, checks and index expressions adds no false
-- difference on real schemas. The model is the models.lua source that
-- bench/autogen_schemas.sh times check with (spec/support/reflected.lua).
local roundtrip = require("support.roundtrip")
local reflected = require("support.reflected")
local autogen = require("luamig.autogen")

describe("the reflected model of a real schema", function()
  for _, case in ipairs(reflected.SCHEMAS) do
    it(case.name .. ": check finds nothing", function()
      local _, conn = roundtrip.load(case.name)
      local ok, result = pcall(function()
        return autogen.compare(conn, reflected.metadata(conn, case.schemas), { schemas = case.schemas })
      end)
      conn:close()
      assert(ok, result)
      assert.same({}, autogen.describe(result))
    end)
  end
end)
