-- Autogenerate on real schemas (issue 15), the round trip of
-- spec/support/roundtrip.lua over ../shared/schemas/: an empty model's
-- downgrade, run on a bare database, must re-create every pg_dump entry of
-- the kinds listed, byte for byte. The kinds grow as autogenerate learns
-- them (README, "Autogenerate": what is detected and what is not).
local roundtrip = require("support.roundtrip")

local TABLES = { "TABLE", "CONSTRAINT", "FK CONSTRAINT", "INDEX" }

local CASES = {
  { name = "chinook-identity-schema", schemas = { "public" }, kinds = TABLES },
  { name = "synapse-full72", schemas = { "public" }, kinds = { "TABLE", "CONSTRAINT", "FK CONSTRAINT", "INDEX",
                                                               "FUNCTION", "TRIGGER" } },
}

describe("autogenerate's round trip over real schemas", function()
  for _, case in ipairs(CASES) do
    it(case.name .. ": " .. table.concat(case.kinds, ", "), function()
      local result = roundtrip.run(case.name, case.schemas)
      assert.same({}, result.errors)
      assert.same({}, roundtrip.mismatches(result, case.kinds))
    end)
  end
end)
