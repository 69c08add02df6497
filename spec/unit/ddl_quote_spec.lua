-- Unit specs of the dialect's quoting, literals and the $n lexer of
-- offline mode (luamig.ddl): exact SQL text, no database.
local ddl = require("luamig.ddl")

local error_of = require("support.expect").error_of

describe("ddl quoting", function()
  describe("ident", function()
    it("quotes a plain name", function()
      assert.equal('"users"', ddl.ident("users"))
    end)

    it("keeps upper case, spaces and doubles a quote", function()
      assert.equal('"My ""Odd"" Table"', ddl.ident('My "Odd" Table'))
    end)

    it("refuses an empty name and a NUL byte", function()
      assert.equal("identifier must be a non-empty string, got an empty string", error_of(ddl.ident, ""))
      assert.equal("identifier contains a NUL byte", error_of(ddl.ident, "a\0b"))
    end)
  end)

  describe("qualified", function()
    it("writes schema.name with each part quoted", function()
      assert.equal('"App"."a.b"', ddl.qualified("a.b", "App"))
      assert.equal('"t"', ddl.qualified("t"))
    end)
  end)

  describe("literal", function()
    it("writes NULL, booleans and integers as themselves", function()
      assert.same({ "NULL", "NULL", "true", "false", "-42" },
        { ddl.literal(nil), ddl.literal(ddl.NULL), ddl.literal(true), ddl.literal(false), ddl.literal(-42) })
    end)

    it("writes a float in its shortest round-trip text, and the special values cast", function()
      assert.same({ "0.1", "0.30000000000000004", "'NaN'::float8", "'-Infinity'::float8" },
        { ddl.literal(0.1), ddl.literal(0.1 + 0.2), ddl.literal(0 / 0), ddl.literal(-math.huge) })
    end)

    it("doubles a quote, and writes a backslash in an E'' string", function()
      assert.equal("'it''s'", ddl.literal("it's"))
      assert.equal([[E'a\\b''c']], ddl.literal([[a\b'c]]))
    end)
  end)

  describe("inline_params", function()
    local function inline(sql, ...) return ddl.inline_params(sql, table.pack(...)) end

    it("replaces $n outside quotes with literals", function()
      assert.equal("SELECT 'x''y', 2, NULL", inline("SELECT $1, $2, $3", "x'y", 2, nil))
    end)

    it("leaves $n inside a string, a quoted identifier and after an identifier character", function()
      assert.equal([[SELECT '$1', "$1", a$1, 7]], inline([[SELECT '$1', "$1", a$1, $1]], 7))
    end)

    it("reads an E'' string's backslash-escaped quote as part of the string", function()
      assert.equal([[SELECT E'\' $1', 7]], inline([[SELECT E'\' $1', $1]], 7))
    end)

    it("does not take a quote after an identifier ending in E for an E'' string", function()
      assert.equal([[SELECT note'\', 7]], inline([[SELECT note'\', $1]], 7))
    end)

    it("leaves dollar-quoted strings alone, tagged or not", function()
      assert.equal("SELECT $$ $1 $$, $f$ $1 $f$, 7", inline("SELECT $$ $1 $$, $f$ $1 $f$, $1", 7))
    end)

    it("leaves line comments and nested block comments alone", function()
      assert.equal("SELECT 7 -- $1\n, /* $1 /* $1 */ $1 */ 8",
        inline("SELECT $1 -- $1\n, /* $1 /* $1 */ $1 */ $2", 7, 8))
    end)

    it("returns the text unchanged without params", function()
      assert.equal("SELECT $1", ddl.inline_params("SELECT $1", nil))
    end)
  end)

  describe("bind_params", function()
    it("turns op.NULL into a hole and keeps n", function()
      local p = ddl.bind_params("op.execute", { 1, ddl.NULL, "x", n = 3 })
      assert.same({ 1, nil, "x", n = 3 }, p)
    end)

    it("names the parameter that cannot be bound", function()
      assert.equal("op.execute: parameter $2: cannot bind a table", error_of(ddl.bind_params, "op.execute", { 1, {} }))
      assert.equal("op.execute: params must be a table, got op.NULL", error_of(ddl.bind_params, "op.execute", ddl.NULL))
    end)
  end)
end)
