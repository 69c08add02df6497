-- Autogenerate's round trip (spec/support/roundtrip.lua) over a cut-down
-- copy of pagila's partitioned payment table (issue 15 item 9), until
-- pagila itself round-trips: range, list and hash parents, their
-- partitions (TABLE and TABLE ATTACH entries), the partitions' primary
-- keys attached to the parent's (INDEX ATTACH), their own indexes and
-- foreign keys.
local roundtrip = require("support.roundtrip")

local KINDS = { "TABLE", "TABLE ATTACH", "CONSTRAINT", "FK CONSTRAINT", "INDEX", "INDEX ATTACH" }

describe("autogenerate's round trip of partitioned tables", function()
  it("pagila's payment, cut down: " .. table.concat(KINDS, ", "), function()
    local dir = roundtrip.SCHEMA_DIR
    roundtrip.SCHEMA_DIR = "spec/fixtures/schemas/"
    local ok, result = pcall(roundtrip.run, "pagila-payment", { "public" })
    roundtrip.SCHEMA_DIR = dir
    assert(ok, result)
    assert.same({}, result.errors)
    assert.same({}, roundtrip.mismatches(result, KINDS))
  end)
end)
