-- The exact SQL of autogenerate's scratch objects (luamig.ddl.scratch,
-- issue 15 item 7).
local ddl = require("luamig.ddl")

describe("ddl scratch objects", function()
  it("copies a live table's columns into a partitioned temporary table", function()
    assert.equal('CREATE TEMPORARY TABLE "luamig_scratch_1" (LIKE "app"."Orders", luamig_scratch_key integer) '
      .. "PARTITION BY LIST (luamig_scratch_key)", ddl.scratch_table("luamig_scratch_1", "app", "Orders"))
  end)

  it("sets the model's default and adds its check on the scratch table", function()
    assert.equal([[ALTER TABLE "pg_temp"."s" ALTER COLUMN "At" SET DEFAULT '12:00']],
      ddl.scratch_default("s", "At", "'12:00'"))
    assert.equal([[ALTER TABLE "pg_temp"."s" ADD CONSTRAINT "c" CHECK (price > 0)]],
      ddl.scratch_check("s", "c", "price > 0"))
  end)

  it("refuses an expression holding a second statement", function()
    assert.has_error(function() ddl.scratch_check("s", "c", "true); DROP TABLE x; --") end)
  end)
end)
