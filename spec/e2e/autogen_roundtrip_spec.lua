-- Autogenerate on real schemas (issue 15), the round trip of
-- spec/support/roundtrip.lua over ../shared/schemas/: an empty model's
-- downgrade, run on a bare database, must re-create every pg_dump entry of
-- the kinds listed, byte for byte. The kinds grow as autogenerate learns
-- them (README, "Autogenerate": what is detected and what is not).
local roundtrip = require("support.roundtrip")

local TABLES = { "TABLE", "CONSTRAINT", "FK CONSTRAINT", "INDEX" }

-- the objects tables need (issue 15 items 1, 8, 10)
local SEQUENCES = { "SEQUENCE", "SEQUENCE OWNED BY" }
local function plus(...)
  local out = {}
  for _, list in ipairs { ... } do table.move(list, 1, #list, #out + 1, out) end
  return out
end

-- What is left out everywhere: grants (ACL, DEFAULT ACL) are not
-- autogenerate's; pagila's SCHEMA public entry is only its owner.
local CASES = {
  -- SEQUENCE: its identity columns' sequences (issue 15 item 6)
  { name = "chinook-identity-schema", schemas = { "public" }, kinds = plus(TABLES, { "SEQUENCE" }) },
  { name = "synapse-full72", schemas = { "public" }, kinds = plus(TABLES, SEQUENCES, { "FUNCTION", "TRIGGER" }) },
  -- its views call an aggregate (group_concat); its materialized view has an index
  { name = "pagila-schema", schemas = { "public" },
    kinds = plus(TABLES, { "TABLE ATTACH", "INDEX ATTACH", "TYPE", "DOMAIN", "FUNCTION", "TRIGGER", "DEFAULT",
                           "AGGREGATE", "VIEW", "MATERIALIZED VIEW" }, SEQUENCES) },
  { name = "graphile-starter-schema", schemas = { "public", "app_public", "app_private", "app_hidden" },
    kinds = plus(TABLES, SEQUENCES, { "SCHEMA", "EXTENSION", "FUNCTION", "TRIGGER", "POLICY", "ROW SECURITY",
                                        "COMMENT", "DEFAULT" }) },
}

describe("autogenerate's round trip over real schemas", function()
  for _, case in ipairs(CASES) do
    it(case.name .. ": " .. table.concat(case.kinds, ", "), function()
      local result = roundtrip.run(case.name, case.schemas, case.include_object)
      assert.same({}, result.errors)
      assert.same({}, roundtrip.mismatches(result, case.kinds))
    end)
  end
end)
