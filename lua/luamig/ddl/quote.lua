-- Identifiers, literals and parameters: how a name or a value gets into
-- SQL text. Identifiers go through ident, values become $n parameters
-- (bind_params) or literals (literal; inline_params puts them in place of
-- the $n of a statement for offline mode, --sql).
local args = require("luamig.args")

local fail = args.fail
local M = {}

M.NULL = args.NULL

-- name as a quoted identifier, its case, spaces and quotes kept
function M.ident(name)
  if type(name) ~= "string" or name == "" then
    error(("identifier must be a non-empty string, got %s"):format(
      type(name) == "string" and "an empty string" or type(name)), 0)
  end
  if name:find("\0", 1, true) then error("identifier contains a NUL byte", 0) end
  return '"' .. name:gsub('"', '""') .. '"'
end

-- name, or schema.name when a schema is given
function M.qualified(name, schema)
  if schema == nil then return M.ident(name) end
  return M.ident(schema) .. "." .. M.ident(name)
end

local function float_text(value, nan, inf, ninf)
  if value ~= value then return nan end
  if value == math.huge then return inf end
  if value == -math.huge then return ninf end
  -- the shortest text that reads back as the same double: 0.1, not 0.10000000000000001
  for digits = 15, 16 do
    local text = ("%." .. digits .. "g"):format(value)
    if tonumber(text) == value then return text end
  end
  return ("%.17g"):format(value)
end

-- A value as an SQL literal, for offline mode and COMMENT (which cannot
-- take parameters). A string holding a backslash becomes an E'' literal,
-- so its meaning does not depend on standard_conforming_strings.
function M.literal(value)
  local t = type(value)
  if value == nil or value == M.NULL then return "NULL" end
  if t == "boolean" then return value and "true" or "false" end
  if t == "number" then
    if math.type(value) == "integer" then return tostring(value) end
    return float_text(value, "'NaN'::float8", "'Infinity'::float8", "'-Infinity'::float8")
  end
  if t == "string" then
    if value:find("\0", 1, true) then error("a string value contains a NUL byte", 0) end
    local quoted = "'" .. value:gsub("'", "''") .. "'"
    if value:find("\\", 1, true) then return "E" .. quoted:gsub("\\", "\\\\") end
    return quoted
  end
  error(("cannot write a %s as an SQL literal"):format(t), 0)
end

-- Replaces $n placeholders with literals, for offline mode, wherever the
-- server reads a parameter: not inside a quoted string (an E'' string
-- with its backslash escapes), a quoted identifier, a dollar-quoted
-- string, a comment (block comments nest) or an identifier (`a$1`).
local IDENT_CHAR = "[%w_\128-\255]"

function M.inline_params(sql, params)
  if params == nil then return sql end
  local out, i, n = {}, 1, #sql
  local function copy_to(j)
    out[#out + 1] = sql:sub(i, j)
    i = j + 1
  end
  while i <= n do
    local c, next_c = sql:sub(i, i), sql:sub(i + 1, i + 1)
    if c == "'" or c == '"' then
      local escapes = c == "'" and sql:sub(i - 1, i - 1):find("^[Ee]") and not sql:sub(i - 2, i - 2):find(IDENT_CHAR)
      local j = i + 1
      while j <= n do
        local d = sql:sub(j, j)
        if escapes and d == "\\" then
          j = j + 1
        elseif d == c then
          if sql:sub(j + 1, j + 1) ~= c then break end
          j = j + 1
        end
        j = j + 1
      end
      copy_to(j)
    elseif c == "-" and next_c == "-" then
      copy_to(sql:find("\n", i, true) or n)
    elseif c == "/" and next_c == "*" then
      local depth, j = 1, i + 2
      while j <= n and depth > 0 do
        local two = sql:sub(j, j + 1)
        if two == "/*" then depth, j = depth + 1, j + 2
        elseif two == "*/" then depth, j = depth - 1, j + 2
        else j = j + 1 end
      end
      copy_to(j - 1)
    elseif c == "$" and not sql:sub(i - 1, i - 1):find(IDENT_CHAR) then
      local digits = sql:match("^%d+", i + 1)
      local tag = not digits and (sql:match("^%$[%a_\128-\255][%w_\128-\255]*%$", i) or sql:match("^%$%$", i))
      if digits then
        out[#out + 1] = M.literal(params[tonumber(digits)])
        i = i + 1 + #digits
      elseif tag then
        local close = sql:find(tag, i + #tag, true)
        copy_to(close and close + #tag - 1 or n)
      else
        copy_to(i)
      end
    else
      copy_to((sql:find("[\"'/$-]", i + 1) or n + 1) - 1)
    end
  end
  return table.concat(out)
end

-- What a parameter can be: the protocol counts parameters in 16 bits, and
-- a value must have a text form (nil and NULL are NULL).
local MAX_PARAMS = 65535
local BINDABLE = { boolean = true, number = true, string = true }

-- The list bound to $1..$n (n = params.n or #params), with NULL where a
-- nil would leave a hole turned into nil; nil stays nil. `what` names the
-- caller in errors: "op.execute", "db:execute".
function M.bind_params(what, params)
  if params == nil then return nil end
  if type(params) ~= "table" or params == M.NULL then
    fail(what, "params must be a table, got %s", args.type_of(params))
  end
  local n = params.n or #params
  if math.type(n) ~= "integer" or n < 0 then fail(what, "params.n must be a non-negative integer") end
  if n > MAX_PARAMS then fail(what, "%d parameters, more than the %d PostgreSQL allows", n, MAX_PARAMS) end
  local out = { n = n }
  for i = 1, n do
    local v = params[i]
    if v ~= M.NULL then
      if v ~= nil and not BINDABLE[type(v)] then
        fail(what, "parameter $%d: cannot bind a %s", i, type(v))
      end
      out[i] = v
    end
  end
  return out
end

-- Text as the rest of a "-- " comment, of SQL or of Lua: every line break
-- either lexer knows (\n, \r, \r\n) starts another comment line, so no
-- line of a revision's message is ever read as code.
function M.comment_text(text)
  return (text:gsub("\r\n?", "\n"):gsub("\n", "\n-- "))
end

return M
