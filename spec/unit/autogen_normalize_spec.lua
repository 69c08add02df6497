-- Unit specs of luamig.autogen.normalize, autogenerate's rules of
-- equality: pure, no database.
local normalize = require("luamig.autogen.normalize")

describe("autogen.normalize", function()
  describe("type", function()
    it("spells a type as format_type() does", function()
      local cases = {
        int = "integer", ["INT4"] = "integer", int8 = "bigint", bool = "boolean",
        ["varchar(10)"] = "character varying(10)", ["VARCHAR ( 10 )"] = "character varying(10)",
        ["numeric(5)"] = "numeric(5,0)", ["decimal(8, 2)"] = "numeric(8,2)",
        ["timestamptz(3)"] = "timestamp(3) with time zone", timestamp = "timestamp without time zone",
        ["float(10)"] = "real", ["float(30)"] = "double precision", char = "character(1)",
        ["int[][]"] = "integer[]", ["integer ARRAY"] = "integer[]", ["pg_catalog.int4"] = "integer",
        ['"text"'] = "text", ["  double   precision "] = "double precision",
      }
      for input, want in pairs(cases) do assert.equal(want, (normalize.type(input)), input) end
    end)

    it("says which types are serials and spells them as their integer", function()
      assert.same({ "integer", true }, { normalize.type("serial") })
      assert.same({ "bigint", true }, { normalize.type("BIGSERIAL") })
      assert.same({ "smallint", true }, { normalize.type("serial2") })
      assert.same({ "integer", false }, { normalize.type("int4") })
    end)
  end)

  describe("expr_key", function()
    it("equals what the user wrote and what the server gives back", function()
      local same = {
        { "email LIKE '%@%'", "(email ~~ '%@%'::text)" },
        { "name NOT ILIKE 'x'", "(name !~~* 'x'::text)" },
        { "a != 1", "(a <> 1)" },
        { "now()", "CURRENT_TIMESTAMP" },
        { "'x'", "'x'::text" },
        { "'{}'", "'{}'::jsonb" },
        { "'2'", "2" },
        { '"col" > 0', "(col > 0)" },
        { "x::character varying(10)", "(x)::varchar(10)" },
      }
      for _, pair in ipairs(same) do
        assert.equal(normalize.expr_key(pair[1]), normalize.expr_key(pair[2]), pair[1] .. " / " .. pair[2])
      end
    end)

    it("keeps what differs apart", function()
      local differ = {
        { "'x'", "'X'" }, { "'a b'", "'ab'" }, { '"Col" > 0', "col > 0" }, { "a < 1", "a > 1" },
        { "'it''s'", "'its'" },
      }
      for _, pair in ipairs(differ) do
        assert.are_not.equal(normalize.expr_key(pair[1]), normalize.expr_key(pair[2]), pair[1] .. " / " .. pair[2])
      end
    end)
  end)

  describe("default_key", function()
    it("treats no default and DEFAULT NULL alike", function()
      assert.is_nil(normalize.default_key(nil))
      assert.is_nil(normalize.default_key("NULL"))
      assert.is_nil(normalize.default_key("NULL::text"))
      assert.equal(normalize.default_key("0"), normalize.default_key("'0'::integer"))
    end)
  end)

  describe("comment", function()
    it("treats an empty comment as none", function()
      assert.is_nil(normalize.comment(""))
      assert.is_nil(normalize.comment(nil))
      assert.equal("x", normalize.comment("x"))
    end)
  end)

  describe("default_name", function()
    it("names constraints as the server does", function()
      assert.equal("users_pkey", normalize.default_name("users", nil, "pkey"))
      assert.equal("users_email_key", normalize.default_name("users", { "email" }, "key"))
      assert.equal("t_a_b_fkey", normalize.default_name("t", { "a", "b" }, "fkey"))
    end)

    it("shortens the longer of table and column parts until the name fits in 63 bytes", function()
      local name = normalize.default_name(("t"):rep(50), { ("c"):rep(50) }, "key")
      assert.equal(63, #name)
      assert.equal(("t"):rep(29) .. "_" .. ("c"):rep(29) .. "_key", name)
      assert.equal(("t"):rep(58) .. "_pkey", normalize.default_name(("t"):rep(70), nil, "pkey"))
    end)
  end)

  describe("action", function()
    it("writes referential actions in upper case, NO ACTION as none", function()
      assert.equal("SET NULL", normalize.action("set   null"))
      assert.equal("CASCADE", normalize.action("cascade"))
      assert.is_nil(normalize.action("no action"))
      assert.is_nil(normalize.action(nil))
    end)
  end)

  describe("table_key", function()
    it("tells a table of the current schema from one of a named schema", function()
      assert.are_not.equal(normalize.table_key(nil, "t"), normalize.table_key("app", "t"))
      assert.equal(normalize.table_key(nil, "t"), normalize.table_key(nil, "t"))
    end)
  end)
end)
