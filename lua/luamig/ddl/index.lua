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
-- default and wrapped in parentheses), with optional desc = true,
-- opclass = "text_pattern_ops", nulls = "first"|"last" and collation =
-- "C". Returns the name, or the table as { name =, expr =, desc =,
-- opclass =, nulls = ("first"|"last"), collation = }.
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
  local nulls = col.nulls ~= nil and clause.keyword(what, "nulls", col.nulls, { "FIRST", "LAST" }):lower() or nil
  return { name = name, expr = expr, desc = col.desc or nil, opclass = col.opclass, nulls = nulls,
           collation = col.collation }
end

local function index_column_sql(col)
  if type(col) == "string" then return ident(col) end
  local sql = col.name ~= nil and ident(col.name) or ("(%s)"):format(col.expr)
  if col.collation ~= nil then sql = sql .. " COLLATE " .. ident(col.collation) end
  if col.opclass ~= nil then sql = sql .. " " .. ident(col.opclass) end
  if col.desc then sql = sql .. " DESC" end
  if col.nulls ~= nil then sql = sql .. " NULLS " .. col.nulls:upper() end
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

-- INCLUDE (...), NULLS NOT DISTINCT and WITH (...), in the order CREATE INDEX takes them.
local function index_tail(what, opts)
  local sql = ""
  if opts.include ~= nil then sql = (" INCLUDE (%s)"):format(clause.ident_list(what, "include", opts.include)) end
  if opts.nulls_not_distinct then sql = sql .. " NULLS NOT DISTINCT" end
  if opts.with ~= nil then sql = sql .. clause.storage_options(what, opts.with) end
  return sql
end

-- opts: unique, where, using, include, nulls_not_distinct, with,
-- concurrently, if_not_exists, schema.
function M.create_index(what, name, table_name, columns, opts)
  if type(columns) == "string" then columns = { columns } end
  if type(columns) ~= "table" or #columns == 0 then fail(what, "columns must be a non-empty list") end
  local elems = {}
  for i, col in ipairs(columns) do elems[i] = index_column_sql(M.index_column(what, col)) end
  local sql = ("CREATE %sINDEX %s%s%s ON %s%s (%s)%s"):format(
    opts.unique and "UNIQUE " or "", opts.concurrently and "CONCURRENTLY " or "",
    opts.if_not_exists and "IF NOT EXISTS " or "", ident(name), quote.qualified(table_name, opts.schema),
    opts.using ~= nil and access_method(what, opts.using) or "", table.concat(elems, ", "), index_tail(what, opts))
  if opts.where ~= nil then sql = sql .. " WHERE " .. clause.fragment(what, "where", opts.where) end
  return { sql }
end

----------------------------------- exclusion constraints (#15 item 11)

-- An element of an exclusion constraint: an index column given as a
-- table ({ "name" } or { expr = "<SQL>" }, with desc, opclass, nulls,
-- collation) and with = the operator ("&&", "="). Returns the index
-- column's table with `with`.
function M.exclude_element(what, e)
  if type(e) ~= "table" then
    fail(what, 'an exclusion element must be a table { "column" | expr = ..., with = "operator" }, got %s',
      args.type_of(e))
  end
  local with = e.with
  if type(with) ~= "string" or not with:match("^[%+%-%*/<>=~!@#%%%^&|`%?]+$") then
    fail(what, "an exclusion element needs with = an operator such as \"&&\" or \"=\", got %s",
      type(with) == "string" and ("%q"):format(with) or args.type_of(with))
  end
  local col = {}
  for k, v in pairs(e) do if k ~= "with" then col[k] = v end end
  local out = M.index_column(what, col)
  out.with = with
  return out
end

-- EXCLUDE [USING method] (element WITH operator, ...) [WHERE (predicate)].
function M.exclude_clause(what, c)
  if type(c.elements) ~= "table" or #c.elements == 0 then fail(what, "elements must be a non-empty list") end
  local parts = {}
  for i, e in ipairs(c.elements) do
    local el = M.exclude_element(what, e)
    parts[i] = ("%s WITH %s"):format(index_column_sql(el), el.with)
  end
  local sql = ("EXCLUDE%s (%s)"):format(c.using ~= nil and access_method(what, c.using) or "", table.concat(parts, ", "))
  if c.where ~= nil then sql = sql .. (" WHERE (%s)"):format(clause.fragment(what, "where", c.where)) end
  return sql
end

function M.drop_index(name, opts)
  return { ("DROP INDEX %s%s%s%s"):format(opts.concurrently and "CONCURRENTLY " or "",
    opts.if_exists and "IF EXISTS " or "", quote.qualified(name, opts.schema), opts.cascade and " CASCADE" or "") }
end

return M
