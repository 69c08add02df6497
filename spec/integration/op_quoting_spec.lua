-- Hostile names in every identifier position: each object is created under
-- exactly the name given, and nothing else happens to the database.
local helpers = require("support.helpers")

local hostile = {
  'a"b; DROP TABLE x; --',
  "'); DROP TABLE x; --",
  "Mixed Case $1 \\ back",
  "名前 /* c */ ;",
}

describe("op quoting", function()
  local conn
  before_each(function()
    local _
    _, conn = helpers.fresh_db()
    conn:exec("CREATE TABLE x (id int)")
  end)
  after_each(function() conn:close() end)

  local function apply(fn) helpers.apply(conn, fn) end

  local function names(sql, params)
    local out = {}
    for i, r in ipairs(conn:query(sql, params)) do out[i] = r.name end
    return out
  end

  local function schemas()
    return names([[SELECT nspname AS name FROM pg_namespace
      WHERE nspname NOT LIKE 'pg\_%' AND nspname NOT IN ('information_schema', 'public') ORDER BY 1]])
  end

  local function relations(schema)
    return names([[SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'i') AND c.relname NOT LIKE 'luamig\_%' ORDER BY 1]], { schema })
  end

  local function constraint_names(schema)
    return names([[SELECT conname AS name FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
      WHERE n.nspname = $1 ORDER BY 1]], { schema })
  end

  local function column_names(schema, tbl)
    return names([[SELECT column_name AS name FROM information_schema.columns
      WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position]], { schema, tbl })
  end

  -- schema.name quoted by the server, to read a table back
  local function quoted(schema, name)
    return conn:query("SELECT format('%I.%I', $1::text, $2::text) AS q", { schema, name })[1].q
  end

  local function sorted(list)
    table.sort(list)
    return list
  end

  for _, name in ipairs(hostile) do
    describe(("with the name %q"):format(name), function()
      local s, t, c, ix = name, name .. " t", name .. " c", name .. " ix"
      local ref = name .. " ref"

      before_each(function()
        apply(function(op)
          op.create_schema(s)
          op.create_table(ref, { { "id", "int", primary_key = true } }, { schema = s })
          op.create_table(t, {
            { c, "int", nullable = false, unique = true, check = "true", comment = name },
            { "ref_id", "int", references = { table = ref, column = "id", schema = s } },
          }, { schema = s, comment = name })
          op.create_primary_key(name .. " pk", t, { c }, { schema = s })
          op.create_unique_constraint(name .. " uq", t, { c, "ref_id" }, { schema = s })
          op.create_check_constraint(name .. " ck", t, "ref_id > 0", { schema = s })
          op.create_foreign_key(name .. " fk", t, ref, { c }, { "id" }, { source_schema = s, referent_schema = s })
          op.create_index(ix, t, { c, { expr = "ref_id + 1" } }, { schema = s, where = "ref_id > 0" })
          op.bulk_insert(ref, { { 1 }, { 2 } }, { schema = s, columns = { "id" } })
          op.bulk_insert(t, { { [c] = 1, ref_id = 2 } }, { schema = s, columns = { c, "ref_id" } })
        end)
      end)

      it("creates every object under exactly that name", function()
        assert.same({ s }, schemas())
        assert.same(sorted({ ref, ref .. "_pkey", t, ix, name .. " pk", name .. " uq", t .. "_" .. c .. "_key" }),
          sorted(relations(s)))
        assert.same({ c, "ref_id" }, column_names(s, t))
        assert.same(sorted({ name .. " ck", name .. " fk", name .. " pk", name .. " uq", ref .. "_pkey",
          t .. "_check", t .. "_" .. c .. "_key", t .. "_ref_id_fkey" }),
          sorted(constraint_names(s)))
        assert.same({ "x" }, relations("public"))
        assert.same({ { [c] = 1, ref_id = 2 } }, (conn:exec("SELECT * FROM " .. quoted(s, t))))
      end)

      it("alters, renames and drops the objects by that name", function()
        apply(function(op)
          op.alter_column(t, c, { type = "bigint", default = "7", comment = op.NULL, new_name = c .. "2", schema = s })
          op.rename_table(t, t .. "2", { schema = s })
          op.create_table_comment(t .. "2", name, { schema = s })
          op.drop_constraint(name .. " ck", t .. "2", { schema = s })
          op.drop_index(ix, { schema = s })
          op.drop_column(t .. "2", "ref_id", { schema = s, cascade = true })
          op.drop_table(t .. "2", { schema = s })
          op.drop_table(ref, { schema = s })
        end)
        assert.same({}, relations(s))
        apply(function(op) op.drop_schema(s) end)
        assert.same({}, schemas())
        assert.same({ "x" }, relations("public"))
      end)
    end)
  end
end)
