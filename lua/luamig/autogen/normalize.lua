-- Autogenerate's rules of equality, shared by the catalog reader, the
-- model side and the comparer: type names as format_type() spells them,
-- comparison keys for SQL expressions and defaults, comments, the names
-- PostgreSQL gives unnamed constraints, referential actions, and the key of
-- a table.
local lists = require("luamig.lists")
local text = require("luamig.text")

local M = {}

-- The key of a table in the maps of both sides; schema nil is the
-- connection's current schema.
function M.table_key(schema, name) return (schema or "") .. "\0" .. name end

-- A name or a list of names, as a list.
function M.name_list(v)
  if type(v) == "string" then return { v } end
  return v
end

-------------------------------------------------------------------- types

local type_aliases = {
  int = "integer", int4 = "integer", int2 = "smallint", int8 = "bigint",
  serial = "integer", serial4 = "integer", bigserial = "bigint", serial8 = "bigint",
  smallserial = "smallint", serial2 = "smallint",
  float8 = "double precision", float = "double precision", float4 = "real",
  bool = "boolean", varchar = "character varying", char = "character", bpchar = "character",
  decimal = "numeric", varbit = "bit varying",
  timestamptz = "timestamp with time zone", timestamp = "timestamp without time zone",
  timetz = "time with time zone", time = "time without time zone",
}
local serials = lists.set_of { "serial", "serial4", "bigserial", "serial8", "smallserial", "serial2" }

-- The modifier goes after the first word of these: timestamp(3) with time zone.
local function with_modifier(name, mods)
  if mods == nil then return name end
  local first, rest = name:match("^(%a+) (with.*)$")
  if first then return ("%s(%s) %s"):format(first, mods, rest) end
  return ("%s(%s)"):format(name, mods)
end

-- A type as format_type() spells it: "varchar(200)" -> "character
-- varying(200)", "int4[]" -> "integer[]", "serial" -> "integer". Returns
-- the name and whether it was a serial (an integer with a sequence default).
local function spelled_type(t)
  local s = text.one_line(t:lower():gsub('"', "")):gsub("%s*([%(%),%[%]])%s*", "%1")
  s = s:gsub("^pg_catalog%.", ""):gsub(" array$", "[]")
  local array = false
  while s:find("%[%d*%]$") do s, array = s:gsub("%[%d*%]$", ""), true end
  local head, mods, tail = s:match("^([%a_][%w_ ]-)%(([%d,]+)%)(.*)$")
  if head == nil then head, tail = s, "" end
  local name = text.one_line(head .. " " .. tail)
  local serial = serials[name] ~= nil
  if name == "float" and mods then
    name, mods = tonumber(mods) <= 24 and "real" or "double precision", nil
  end
  name = type_aliases[name] or name
  if name == "numeric" and mods and not mods:find(",", 1, true) then mods = mods .. ",0" end
  if name == "character" and mods == nil then mods = "1" end
  return with_modifier(name, mods) .. (array and "[]" or ""), serial
end

-- Memoized: a comparison asks for the same few spellings thousands of
-- times (3,700 calls for synapse's 900 columns).
local spelled, was_serial = {}, {}
function M.type(t)
  local s = spelled[t]
  if s == nil then
    s, was_serial[t] = spelled_type(t)
    spelled[t] = s
  end
  return s, was_serial[t]
end

-------------------------------------------------------------- expressions

local multiword_types = {
  { "character varying", "varchar" }, { "double precision", "float8" },
  { "timestamp with time zone", "timestamptz" }, { "timestamp without time zone", "timestamp" },
  { "time with time zone", "timetz" }, { "time without time zone", "time" }, { "bit varying", "varbit" },
}
-- the operators the server writes for LIKE and friends
local operators = {
  { "!~~%*", " not ilike " }, { "~~%*", " ilike " }, { "!~~", " not like " }, { "~~", " like " },
  { "!=", "<>" },
}
local casts = { "::%s*[%w_%.]+%s*%b()%s*%[%]", "::%s*[%w_%.]+%s*%[%]", "::%s*[%w_%.]+%s*%b()", "::%s*[%w_%.]+" }

-- SQL outside quotes: lower-cased, casts, spaces and parentheses gone.
local function plain_key(s)
  s = s:lower()
  for _, m in ipairs(multiword_types) do s = s:gsub(m[1], m[2]) end
  for _, c in ipairs(casts) do s = s:gsub(c, "") end
  for _, o in ipairs(operators) do s = s:gsub(o[1], o[2]) end
  return (s:gsub("[%s%(%)]", ""):gsub("current_timestamp", "now"):gsub("transaction_timestamp", "now"))
end

-- Where a quoted string or identifier starting at i ends (after it).
local function quoted_end(sql, i)
  local q, j = sql:sub(i, i), i + 1
  while true do
    local k = sql:find(q, j, true)
    if k == nil then return #sql + 1 end
    if sql:sub(k + 1, k + 1) ~= q then return k + 1 end
    j = k + 2
  end
end

local function quoted_key(lit)
  local inner = lit:sub(2, -2)
  if lit:sub(1, 1) == '"' and inner:match("^[a-z_][a-z0-9_]*$") then return inner end
  if lit:sub(1, 1) == "'" and inner:match("^%-?%d+%.?%d*$") then return inner end
  return lit
end

-- A comparison key for an SQL expression, so that what the user wrote
-- ("email LIKE '%@%'", "'x'", "now()") equals what the server gives back
-- ("(email ~~ '%@%'::text)", "'x'::text", "CURRENT_TIMESTAMP").
local function expr_key(sql)
  local out, i = {}, 1
  while i <= #sql do
    local q = sql:find("['\"]", i)
    out[#out + 1] = plain_key(sql:sub(i, (q or #sql + 1) - 1))
    if q == nil then break end
    i = quoted_end(sql, q)
    out[#out + 1] = quoted_key(sql:sub(q, i - 1))
  end
  return table.concat(out)
end

-- Memoized, as the comparison asks again for the same expressions (each
-- side's defaults, checks and index expressions, several times each).
local expr_keys = {}
function M.expr_key(sql)
  local k = expr_keys[sql]
  if k == nil then
    k = expr_key(sql)
    expr_keys[sql] = k
  end
  return k
end

-- A default's comparison key; nil for none (DEFAULT NULL is none too).
function M.default_key(sql)
  if sql == nil then return nil end
  local k = M.expr_key(sql)
  if k == "null" then return nil end
  return k
end

-- A comment, nil for none (the catalog never stores an empty one).
function M.comment(c)
  if c == "" then return nil end
  return c
end

------------------------------------------------------------ names, actions

-- The name PostgreSQL gives an unnamed constraint (makeObjectName): the
-- table and column parts are shortened in turn until it fits in 63 bytes.
function M.default_name(table_name, cols, label)
  local name2 = cols and table.concat(cols, "_") or nil
  local avail = 63 - #label - 1 - (name2 and 1 or 0)
  local n1, n2 = #table_name, name2 and #name2 or 0
  while n1 + n2 > avail do
    if n1 > n2 then n1 = n1 - 1 else n2 = n2 - 1 end
  end
  local parts = { table_name:sub(1, n1) }
  if name2 then parts[2] = name2:sub(1, n2) end
  parts[#parts + 1] = label
  return table.concat(parts, "_")
end

-- A referential action as the catalog reader writes it: upper case, one
-- space between words, nil for NO ACTION (the default).
function M.action(a)
  if a == nil then return nil end
  a = a:upper():gsub("%s+", " ")
  if a == "NO ACTION" then return nil end
  return a
end

--------------------------- identity, deferral, match (issue 15 items 4, 6)

-- the bounds of the types an identity may have
local type_bounds = {
  smallint = { -32768, 32767 }, integer = { -2147483648, 2147483647 },
  bigint = { math.mininteger, math.maxinteger },
}

-- An identity { generation, start =, ... } with the sequence options that
-- equal PostgreSQL's defaults for the column's type left out, so that the
-- model's { "always" } equals the catalog's every option spelled out; nil
-- for none.
function M.identity(type_name, identity)
  if identity == nil then return nil end
  local defaults = M.identity_options(type_name, { increment = identity.increment })
  -- START's default follows the bounds actually given
  defaults.start = M.identity_options(type_name, { increment = identity.increment, minvalue = identity.minvalue,
                                                   maxvalue = identity.maxvalue }).start
  local out = { identity[1] }
  for k, v in pairs(defaults) do
    if k ~= 1 and identity[k] ~= nil and identity[k] ~= v then out[k] = identity[k] end
  end
  return out
end

-- An identity with every sequence option given, PostgreSQL's defaults
-- filled in for the type: what a change must set to reach it.
function M.identity_options(type_name, identity)
  local bounds = type_bounds[M.type(type_name)] or type_bounds.bigint
  local inc = identity.increment or 1
  local up = inc > 0
  local full = { identity[1], increment = inc, minvalue = identity.minvalue or (up and 1 or bounds[1]),
                 maxvalue = identity.maxvalue or (up and bounds[2] or -1), cache = identity.cache or 1,
                 cycle = identity.cycle or false }
  full.start = identity.start or (up and full.minvalue or full.maxvalue)
  return full
end

-- A comparison key of an identity, "" for none.
function M.identity_key(type_name, identity)
  local id = M.identity(type_name, identity)
  if id == nil then return "" end
  local parts = { id[1] }
  for _, k in ipairs { "start", "increment", "minvalue", "maxvalue", "cache", "cycle" } do
    parts[#parts + 1] = tostring(id[k])
  end
  return table.concat(parts, "\0")
end

-- A constraint's deferral as the catalog reader writes it: deferrable
-- true or nil (NOT DEFERRABLE), initially "DEFERRED" or nil (IMMEDIATE);
-- INITIALLY DEFERRED implies DEFERRABLE.
function M.deferral(deferrable, initially)
  local deferred = type(initially) == "string" and initially:upper() == "DEFERRED"
  return (deferrable == true or deferred) or nil, deferred and "DEFERRED" or nil
end

-- A foreign key's MATCH: "FULL", or nil for SIMPLE (the default).
function M.match(m)
  if m == nil or m:upper() == "SIMPLE" then return nil end
  return m:upper()
end

---------------------------------------------------------- sequences (#15)

local type_min = { smallint = -32768, integer = -2147483648, bigint = math.mininteger }
local type_max = { smallint = 32767, integer = 2147483647, bigint = math.maxinteger }

-- What CREATE SEQUENCE makes of the clauses left out, given the type and
-- the increment: { minvalue, maxvalue, start }.
function M.sequence_defaults(as_type, increment)
  if increment > 0 then return { minvalue = 1, maxvalue = type_max[as_type], start = 1 } end
  return { minvalue = type_min[as_type], maxvalue = -1, start = -1 }
end

------------------------------------------------- index details (#15 item 3)

-- The comparison key of an index column's operator class, collation and
-- null order, with the defaults written as nothing: NULLS FIRST is DESC's.
function M.index_column_details(e)
  local nulls_first = e.nulls == "first" or (e.nulls == nil and e.desc == true)
  local parts = {}
  if e.opclass then parts[#parts + 1] = "opclass=" .. e.opclass end
  if e.collation then parts[#parts + 1] = "collate=" .. e.collation end
  if nulls_first ~= (e.desc == true) then parts[#parts + 1] = nulls_first and "nulls=first" or "nulls=last" end
  if #parts == 0 then return "" end
  return ":" .. table.concat(parts, ":")
end

-- The comparison key of an index's INCLUDE columns, NULLS NOT DISTINCT
-- and storage options (values as the catalog stores them: text).
function M.index_details(i)
  return table.concat({ table.concat(i.include or {}, ","), tostring(i.nulls_not_distinct == true),
                        M.storage_key(i.with) }, "\1")
end

-- The comparison key of an index's or a table's storage options.
function M.storage_key(with)
  local parts = {}
  for k, v in pairs(with or {}) do parts[#parts + 1] = k:lower() .. "=" .. tostring(v):lower() end
  table.sort(parts)
  return table.concat(parts, ",")
end

return M
