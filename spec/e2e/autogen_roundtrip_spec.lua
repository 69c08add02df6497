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

-- graphile-starter's tables need its functions, which autogenerate does
-- not re-create yet: its schemas and extensions go round alone.
local SCHEMAS_AND_EXTENSIONS_ONLY = 'function(o) return o.type == "schema" or o.type == "extension" end'

-- pagila's views call an aggregate (group_concat), which autogenerate
-- does not re-create yet: its views stay out of the round trip.
local NO_VIEWS = 'function(o) return o.type ~= "view" end'

local CASES = {
  -- SEQUENCE: its identity columns' sequences (issue 15 item 6)
  { name = "chinook-identity-schema", schemas = { "public" }, kinds = plus(TABLES, { "SEQUENCE" }) },
  { name = "synapse-full72", schemas = { "public" }, kinds = plus(TABLES, SEQUENCES, { "FUNCTION", "TRIGGER" }) },
  { name = "pagila-schema", schemas = { "public" }, include_object = NO_VIEWS,
    kinds = { "SEQUENCE", "TYPE", "DOMAIN", "FUNCTION", "TRIGGER" } },
  { name = "graphile-starter-schema", schemas = true, include_object = SCHEMAS_AND_EXTENSIONS_ONLY,
    kinds = { "SCHEMA", "EXTENSION" } },
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
