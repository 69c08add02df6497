-- The checks of arguments and option tables that op, the dialect, the
-- model DSL and the config share, so each bad input becomes the same kind
-- of one-line error: "<what>: <what is wrong>", where `what` names the
-- caller ("op.create_table", 'table "users"', "config luamig.lua").
local M = {}

-- SQL NULL where a Lua nil cannot stand (a hole in a params list, a
-- positional bulk_insert row, `default = op.NULL` in alter_column); op and
-- the dialect hand out this one value as op.NULL.
M.NULL = setmetatable({}, {
  __name = "luamig.NULL",
  __tostring = function() return "op.NULL" end,
  __newindex = function() error("op.NULL is read-only", 2) end,
})

-- Raises "<what>: <msg>" at level 0 (our own position would only confuse);
-- with more arguments, msg is a format for them.
function M.fail(what, msg, ...)
  if select("#", ...) > 0 then msg = msg:format(...) end
  error(("%s: %s"):format(what, msg), 0)
end

-- The type of v as messages name it: op.NULL is not a "table".
function M.type_of(v)
  return v == M.NULL and "op.NULL" or type(v)
end

-- What a bad string is, for "..., got <it>" messages.
local function got(v)
  return v == "" and "an empty string" or M.type_of(v)
end

function M.non_empty_string(what, label, v)
  if type(v) ~= "string" or v == "" then
    M.fail(what, "%s must be a non-empty string, got %s", label, got(v))
  end
  return v
end

-- Whether key k is a positional argument: any number when npos is nil,
-- else an integer 1..npos.
local function positional(k, npos)
  if npos == nil then return type(k) == "number" end
  return math.type(k) == "integer" and k >= 1 and k <= npos
end

-- Refuses any key of t that is neither positional nor in `known` ({ [key]
-- = anything }): 'unknown <label> "k"'.
function M.known_keys(what, label, t, known, npos)
  for k in pairs(t) do
    if known[k] == nil and not positional(k, npos) then
      M.fail(what, "unknown %s %q", label, tostring(k))
    end
  end
end

-- A list of names; a single name stands for a list of one. Returns the list.
function M.name_list(what, label, list)
  if type(list) == "string" then list = { list } end
  if type(list) ~= "table" or #list == 0 then M.fail(what, "%s must be a non-empty list of names", label) end
  for i, v in ipairs(list) do
    if type(v) ~= "string" or v == "" then M.fail(what, "%s[%d] must be a non-empty string, got %s", label, i, got(v)) end
  end
  return list
end

-- Whether v is one of `types`, "string", "boolean|number", "string|op.NULL"...
function M.is_a(v, types)
  local t = M.type_of(v)
  for alt in types:gmatch("[^|]+") do
    if alt == t then return true end
  end
  return false
end

-- Checks an options table: nil (as {}) or a table holding only keys of
-- `known`, each of the types known[key] names ("string", "string|table",
-- "string|op.NULL"...). Returns the options.
function M.options(what, opts, known)
  if opts == nil then return {} end
  if type(opts) ~= "table" then M.fail(what, "options must be a table, got %s", M.type_of(opts)) end
  for k, v in pairs(opts) do
    local want = known[k]
    if want == nil then M.fail(what, "unknown option %q", tostring(k)) end
    if not M.is_a(v, want) then
      M.fail(what, "option %s must be a %s, got %s", k, (want:gsub("|", " or ")), M.type_of(v))
    end
  end
  return opts
end

return M
