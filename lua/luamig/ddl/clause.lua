-- The checked pieces the dialect's statements are built from: SQL written
-- by the user (type names, defaults, checks, index expressions and
-- predicates, which are the user's SQL by design), keywords from a fixed
-- set, lists of column names, COMMENT ON. `what` is the "op.fn" prefix of
-- messages.
local args = require("luamig.args")
local quote = require("luamig.ddl.quote")

local fail = args.fail
local M = {}

-- SQL fragments written by the user (types, defaults, checks, index
-- expressions and predicates) may be any expression, but never a second
-- statement: no ';' and no comment that could hide the rest of ours.
function M.fragment(what, label, sql)
  if type(sql) ~= "string" or sql:match("^%s*$") then
    fail(what, "%s must be a non-empty string of SQL, got %s", label,
      type(sql) == "string" and "a blank string" or type(sql))
  end
  if sql:find(";", 1, true) or sql:find("--", 1, true) or sql:find("/*", 1, true) then
    fail(what, "%s %q may not contain ';' or comments", label, sql)
  end
  return sql
end

-- A type name as PostgreSQL writes one: numeric(10, 2), timestamp with
-- time zone, int[], "Mixed Case", app.money; never an expression.
function M.type_name(what, t)
  if type(t) ~= "string" or not t:match("^[%a_][%w_ %.,%(%)%[%]\"]*$") then
    fail(what, "%s is not a PostgreSQL type name", type(t) == "string" and ("%q"):format(t) or type(t))
  end
  return t
end

-- One of a fixed set of keywords, in any case; returns it upper-cased.
function M.keyword(what, label, value, allowed)
  local word = type(value) == "string" and (value:upper():gsub("%s+", " ")) or nil
  for _, a in ipairs(allowed) do
    if word == a then return a end
  end
  fail(what, "unknown %s %q (%s)", label, tostring(value), table.concat(allowed, ", "))
end

-- A list of column names (a single name is a list of one).
function M.ident_list(what, label, cols)
  if type(cols) == "string" then cols = { cols } end
  if type(cols) ~= "table" or #cols == 0 then
    fail(what, "%s must be a non-empty list of column names", label)
  end
  local out = {}
  for i, c in ipairs(cols) do
    if type(c) ~= "string" or c == "" then
      fail(what, "%s must be a non-empty list of column names, item %d is %s", label, i,
        c == "" and "an empty string" or type(c))
    end
    out[i] = quote.ident(c)
  end
  return table.concat(out, ", ")
end

function M.comment_on(kind, target, comment)
  return ("COMMENT ON %s %s IS %s"):format(kind, target, quote.literal(comment))
end

-- A storage option's value: a number or boolean as written, a string
-- as a literal.
local function storage_value(what, k, v)
  if type(v) == "number" or type(v) == "boolean" then return tostring(v) end
  if type(v) == "string" then return quote.literal(v) end
  fail(what, "storage option %s must be a number, boolean or string, got %s", k, args.type_of(v))
end

-- WITH (fillfactor = 70, ...) of with = { fillfactor = 70, ... }, in
-- name order (an index's or a table's storage options); "" for none.
function M.storage_options(what, with)
  local names = {}
  for k in pairs(with) do
    if type(k) ~= "string" or not k:match("^[%a_][%w_]*$") then
      fail(what, "with must map storage option names to values, got key %s", tostring(k))
    end
    names[#names + 1] = k
  end
  if #names == 0 then return "" end
  table.sort(names)
  local parts = {}
  for i, k in ipairs(names) do parts[i] = ("%s = %s"):format(k, storage_value(what, k, with[k])) end
  return (" WITH (%s)"):format(table.concat(parts, ", "))
end

return M
