-- Errors users see: one line saying what failed and where. Database errors
-- arrive as structured objects from luamig.core; failures inside a revision
-- are wrapped with its id, file and line.
local core = require("luamig.core")
local one_line = require("luamig.text").one_line

local M = {}

local RevisionError = {}
RevisionError.__index = RevisionError

local function shorten(s, max)
  if #s <= max then return s end
  return s:sub(1, max - 3) .. "..."
end

function M.is_db_error(err)
  return type(err) == "table" and getmetatable(err) == core.pgerror
end

-- "ERROR 42P01: relation "x" does not exist (detail; hint) in: <statement>"
function M.describe_db_error(err)
  local parts = { err.sqlstate and ("ERROR %s: %s"):format(err.sqlstate, one_line(err.message or ""))
                  or ("ERROR: %s"):format(one_line(err.message or "database error")) }
  if err.detail then parts[#parts + 1] = "; detail: " .. one_line(err.detail) end
  if err.hint then parts[#parts + 1] = "; hint: " .. one_line(err.hint) end
  if err.statement then parts[#parts + 1] = "; statement: " .. shorten(one_line(err.statement), 300) end
  return table.concat(parts)
end

-- A value raised with error(): a string or number as it is, an object by
-- its __tostring, anything else by its type (as lua.c says it), never an
-- address like "table: 0x55...". A __tostring that fails (or loops until
-- Ctrl-C) is the revision's error, not luamig's.
local function describe_value(err)
  local t = type(err)
  if t == "string" or t == "number" then return one_line(err) end
  local mt = getmetatable(err)
  if type(mt) == "table" and mt.__tostring then
    local ok, text = pcall(tostring, err)
    if ok then return one_line(text) end
    return ("error object is a %s value (its __tostring failed: %s)"):format(t,
      type(text) == "string" and one_line(text) or type(text))
  end
  return ("error object is a %s value"):format(t)
end

function M.describe(err)
  if M.is_db_error(err) then return M.describe_db_error(err) end
  if getmetatable(err) == RevisionError then return err:describe() end
  return describe_value(err)
end

function M.is_revision_error(err)
  return getmetatable(err) == RevisionError
end

-- A failure inside revision `rev` (a node with revision and path), at
-- `line` of its file when known; `context`, when given, is said before the
-- cause; a field `also`, set later, after it (what else the failure undid).
function M.revision_error(rev, direction, cause, line, context)
  return setmetatable({ revision = rev.revision, path = rev.path, direction = direction,
                        cause = cause, line = line, context = context }, RevisionError)
end

-- A failure inside a hook of env.lua (at path), e.g. on_connect:
-- "env.lua (migrations/env.lua:4): on_connect: ...".
function M.hook_error(path, hook, cause, line)
  return setmetatable({ revision = path:match("[^/]*$"), path = path, context = hook .. ": ",
                        cause = cause, line = line }, RevisionError)
end

-- The line of `path` an error is being raised from, for a message handler
-- of xpcall: the innermost frame of that file on the stack.
function M.line_in(path)
  local source = "@" .. path
  for level = 2, 60 do
    local info = debug.getinfo(level, "Sl")
    if info == nil then break end
    if info.source == source and info.currentline > 0 then return info.currentline end
  end
  return nil
end

function RevisionError:describe()
  local where = self.path and (self.line and ("%s:%d"):format(self.path, self.line) or self.path) or "?"
  local msg = M.describe(self.cause)
  -- a Lua error already carrying "file:line: " says it twice otherwise;
  -- each coroutine.wrap an error passed through added one more
  if type(self.cause) == "string" and self.path then
    local prefix = "^" .. self.path:gsub("%p", "%%%0") .. ":%d+: "
    local stripped = 1
    while stripped > 0 do msg, stripped = msg:gsub(prefix, "") end
  end
  return ("%s (%s): %s%s%s"):format(self.revision, where, self.context or "", msg,
    self.also and ("; " .. self.also) or "")
end

RevisionError.__tostring = RevisionError.describe

------------------------------------------------------ connection strings

-- What follows the scheme of a URI connection string (libpq knows these
-- two prefixes; anything else is a "key=value" string), or nil.
local function uri_rest(url)
  return url:match("^postgresql://(.*)$") or url:match("^postgres://(.*)$")
end

local function percent_decoded(s)
  return (s:gsub("%%(%x%x)", function(hex) return string.char(tonumber(hex, 16)) end))
end

-- The passwords of a URI as libpq reads them: the user info ends at the
-- first '@' met before any '/', the password at its first ':'; and
-- ?password= among the parameters. Each as written and decoded. A raw '@'
-- in the password (refused as a URL, but echoed when typed elsewhere)
-- makes the user info run to the authority's last '@': that cut too.
local function uri_passwords(rest, found)
  local cut = rest:find("[@/]")
  if cut and rest:sub(cut, cut) == "@" then
    for _, userinfo in ipairs({ rest:sub(1, cut - 1), rest:match("^([^/?]*)@") }) do
      local password = userinfo:match("^[^:]*:(.*)$")
      if password then found[#found + 1] = password; found[#found + 1] = percent_decoded(password) end
    end
  end
  local query = rest:match("%?(.*)$")
  for key, value in (query or ""):gmatch("([^&=]*)=([^&]*)") do
    if percent_decoded(key) == "password" then found[#found + 1] = value; found[#found + 1] = percent_decoded(value) end
  end
end

-- The password values of a "key=value" string, read as libpq's
-- conninfo_parse reads them: a value is 'single quoted' or runs to the
-- next space, and a backslash takes the next character as it is. Each as
-- written and as meant. Returns whether every word was a key=value pair.
local function keyword_passwords(url, found)
  local i = 1
  while true do
    if i > #url or url:find("^%s*$", i) then return true end
    local key_end = select(2, url:find("^%s*[^%s=]*", i))
    local key = url:sub(i, key_end):match("%S+")
    local value_at = select(2, url:find("^%s*=%s*", key_end + 1))
    if key == nil or value_at == nil then return false end
    local quoted = url:sub(value_at + 1, value_at + 1) == "'"
    local j, value = value_at + (quoted and 2 or 1), {}
    while j <= #url do
      local c = url:sub(j, j)
      if c == "\\" then
        value[#value + 1] = url:sub(j + 1, j + 1)
        j = j + 2
      elseif (quoted and c == "'") or (not quoted and c:match("%s")) then
        break
      else
        value[#value + 1] = c
        j = j + 1
      end
    end
    if key == "password" then
      found[#found + 1] = url:sub(value_at + (quoted and 2 or 1), j - 1)
      found[#found + 1] = table.concat(value)
    end
    i = j + (quoted and 1 or 0)
  end
end

-- Refuses a URI whose user name or password holds a raw '@' or '/': libpq
-- would end the user info at the wrong character and read the rest of the
-- password as host, port or database name, and then print it in its
-- error. Percent-encoded, libpq reads them right.
function M.check_url(url)
  local rest = uri_rest(url)
  if rest == nil then return end
  local cut = rest:find("[@/]")
  local stray
  if cut and rest:sub(cut, cut) == "@" then  -- the rest of the authority
    stray = rest:sub(cut + 1):match("^[^/?]*"):find("@", 1, true)
  elseif cut then                             -- no user info: the path
    stray = rest:sub(cut + 1):match("^[^?]*"):find("@", 1, true)
  end
  if stray then
    error("cannot connect to the database: the URL holds a raw '@' or '/' in its user name, password or database name;"
      .. " percent-encode them ('@' as %40, '/' as %2F)", 0)
  end
end

-- A byte that continues a word: a password is hidden where it stands as
-- a whole (not inside a longer word), so that hiding the password "e"
-- leaves "connect" whole.
local WORD = "[%w_\128-\255]"

local function hide(msg, secret)
  local out, i = {}, 1
  local open_start, open_end = secret:sub(1, 1):match(WORD), secret:sub(-1):match(WORD)
  while true do
    local at, last = msg:find(secret, i, true)
    if at == nil then break end
    local joined = (open_start and msg:sub(at - 1, at - 1):match(WORD)) or (open_end and msg:sub(last + 1, last + 1):match(WORD))
    out[#out + 1] = msg:sub(i, joined and at or at - 1)
    if not joined then out[#out + 1] = "****" end
    i = joined and at + 1 or last + 1
  end
  out[#out + 1] = msg:sub(i)
  return table.concat(out)
end

-- The passwords of the connection string `url` (a URI's user info and
-- ?password=, a key=value string's password=), as written and as decoded.
-- A string that is neither but holds an '@' (a mistyped URI, which libpq
-- quotes whole: missing "=" after "postgres:/u:pw@h") is a secret whole,
-- since which part of it is secret cannot be told; true as the second
-- result then.
local function passwords(url)
  local found, rest = {}, uri_rest(url)
  if rest then
    uri_passwords(rest, found)
  elseif not keyword_passwords(url, found) and url:find("@", 1, true) then
    return { url }, true
  end
  return found, false
end

-- Hides from a message every password of the connection string `url`,
-- longest first.
function M.redact(msg, url)
  msg = tostring(msg)
  if type(url) ~= "string" then return msg end
  local found = passwords(url)
  table.sort(found, function(a, b) return #a > #b end)
  for _, secret in ipairs(found) do
    if secret ~= "" then msg = hide(msg, secret) end
  end
  return msg
end

-- Hides from a message every command-line argument that is a connection
-- string holding a password: one typed without --url, or after -c, is
-- echoed by "unknown command", "unexpected argument", "Can't locate
-- revision" or "config file ... not found". The argument is hidden whole,
-- then its passwords wherever a message quotes a piece of it. (Only an
-- unmistakable one: "feature@head" is a target, not a mistyped URI.)
function M.redact_args(msg, argv)
  msg = tostring(msg)
  for _, arg in ipairs(argv) do
    local found, whole = passwords(arg)
    if not whole and #found > 0 then msg = M.redact(hide(msg, arg), arg) end
  end
  return msg
end

return M
