-- Unit specs of op.backfill's statements (luamig.ddl.backfill): keys and
-- names quoted, key values and names bound, the user's SQL checked.
local ddl = require("luamig.ddl")

local error_of = require("support.expect").error_of

local function batch_spec(extra)
  local t = { what = "op.backfill", table = "Order Lines", schema = "app", key = { "order id", "line" },
              books_schema = "public", revision = "r1", name = "lines", final = false }
  for k, v in pairs(extra or {}) do t[k] = v end
  return t
end

describe("ddl.backfill", function()
  it("compares a composite key as a row, each key value read from its jsonb by the table's row type", function()
    local sql, params = ddl.backfill_bound(batch_spec(), '{"line": 3, "order id": 7}', 100)
    assert.equal('SELECT pg_catalog.to_jsonb(luamig_key)::pg_catalog.text AS key FROM (SELECT "order id", "line" '
      .. 'FROM "app"."Order Lines" WHERE ("order id", "line") > (SELECT "order id", "line" FROM '
      .. 'pg_catalog.jsonb_populate_record(NULL::"app"."Order Lines", $1::pg_catalog.jsonb)) ORDER BY "order id", "line" '
      .. 'OFFSET $2 LIMIT 1) luamig_key', sql)
    assert.same({ '{"line": 3, "order id": 7}', 99, n = 2 }, params)
  end)

  it("writes the Lua path's values as text arrays, cast to the columns' types, within the batch's key range", function()
    local t = batch_spec({ final = true, key_types = { "bigint", "integer" } })
    local w = { keys = { ddl.text_array({ 7, 7 }, 2), ddl.text_array({ 1, 2 }, 2) },
                sets = { { "it's", "numeric(10,2)", ddl.text_array({ 'a"b\\', nil }, 2), ddl.text_array({ true, false }, 2) } } }
    local sql, params = ddl.backfill_lua_batch(t, w, nil, '{"line": 2, "order id": 7}')
    assert.matches([["it's" = CASE WHEN u%.luamig_s1::boolean THEN u%.luamig_v1::numeric%(10,2%) ELSE luamig_target%."it's" END]], sql)
    assert.matches([[FROM unnest%(%$1::pg_catalog%.text%[%], %$2::pg_catalog%.text%[%], %$3::pg_catalog%.text%[%], %$4::pg_catalog%.text%[%]%) ]]
      .. [[AS u%(luamig_k1, luamig_k2, luamig_v1, luamig_s1%) WHERE %("order id", "line"%) <= ]], sql)
    assert.matches([[luamig_target%."order id" = u%.luamig_k1::bigint AND luamig_target%."line" = u%.luamig_k2::integer]], sql)
    assert.same({ '{"7","7"}', '{"1","2"}', '{"a\\"b\\\\",NULL}', '{"true","false"}', '{"line": 2, "order id": 7}',
                  '{"line": 2, "order id": 7}', "true", "r1", "lines", n = 9 }, params)
  end)

  it("refuses a where or a set expression that could end the statement", function()
    assert.matches("op%.backfill: where .* may not contain ';' or comments",
      error_of(ddl.backfill_read, batch_spec({ where = "true; DROP TABLE x" }), nil, 10))
    assert.matches("op%.backfill: set%.v .* may not contain ';' or comments",
      error_of(ddl.backfill_sql_batch, batch_spec(), { { "v", "1 -- x" } }, nil, nil))
  end)
end)
