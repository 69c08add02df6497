-- The SQL of indexes: the index column (one rule for op.create_index and
-- the model DSL), create and drop index.
local args = require("luamig.args")
local clause = require("luamig.ddl.clause")
local keys = require("luamig.ddl.keys")
local quote = require("luamig.ddl.quote")

local fail, ident = args.fail, quote.ident
local M = {}

-- An index column: a plain string is a column name (quoted); a table is
-- { "name" } or { expr = "<SQL>" } (a raw expression, checked like a
-- default and wrapped in parentheses), with optional desc = true and
-- opclass = "text_pattern_ops". Returns the name, or the table as
-- { name =, expr =, desc =, opclass = }.
function M.index_column(what, col)
  if type(col) == "string" then return col end
  if type(col) ~= "table" then
    fail(what, "an index column must be a name or a table { name | expr = ..., desc =, opclass = }, got %s",
      type(col))
  end
  args.known_keys(what, "index column option", col, keys.index_column, 1)
  local name, expr = col[1] or col.name, col.expr
  if (name == nil) == (expr == nil) then fail(what, "an index column needs exactly one of a name or expr") end
  if expr ~= nil then clause.fragment(what, "index expression", expr) end
  if col.desc ~= nil and type(col.desc) ~= "boolean" then
    fail(what, "desc must be a boolean, got %s", args.type_of(col.desc))
  end
  return { name = name, expr = expr, desc = col.desc or nil, opclass = col.opclass }
end

local function index_column_sql(col)
  if type(col) == "string" then return ident(col) end
  local sql = col.name ~= nil and ident(col.name) or ("(%s)"):format(col.expr)
  if col.opclass ~= nil then sql = sql .. " " .. ident(col.opclass) end
  if col.desc then sql = sql .. " DESC" end
  return sql
end

-- An access method (btree, hash, gin, gist, brin, ...): a bare word.
local function access_method(what, using)
  if type(using) ~= "string" or not using:match("^[%a_][%w_]*$") then
    fail(what, "using %s is not an index access method name",
      type(using) == "string" and ("%q"):format(using) or type(using))
  end
  return " USING " .. using:lower()
end

-- opts: unique, where, using, concurrently, if_not_exists, schema.
function M.create_index(what, name, table_name, columns, opts)
  if type(columns) == "string" then columns = { columns } end
  if type(columns) ~= "table" or #columns == 0 then fail(what, "columns must be a non-empty list") end
  local elems = {}
  for i, col in ipairs(columns) do elems[i] = index_column_sql(M.index_column(what, col)) end
  local sql = ("CREATE %sINDEX %s%s%s ON %s%s (%s)"):format(
    opts.unique and "UNIQUE " or "", opts.concurrently and "CONCURRENTLY " or "",
    opts.if_not_exists and "IF NOT EXISTS " or "", ident(name), quote.qualified(table_name, opts.schema),
    opts.using ~= nil and access_method(what, opts.using) or "", table.concat(elems, ", "))
  if opts.where ~= nil then sql = sql .. " WHERE " .. clause.fragment(what, "where", opts.where) end
  return { sql }
end

function M.drop_index(name, opts)
  return { ("DROP INDEX %s%s%s%s"):format(opts.concurrently and "CONCURRENTLY " or "",
    opts.if_exists and "IF EXISTS " or "", quote.qualified(name, opts.schema), opts.cascade and " CASCADE" or "") }
end

return M
