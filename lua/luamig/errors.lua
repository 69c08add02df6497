-- Errors users see: one line saying what failed and where. Database errors
-- arrive as structured objects from luamig.core; failures inside a revision
-- are wrapped with its id, file and line.
local core = require("luamig.core")

local M = {}

local RevisionError = {}
RevisionError.__index = RevisionError

local function one_line(s)
  return (tostring(s):gsub("%s+", " "):gsub("^ ", ""):gsub(" $", ""))
end

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
-- address like "table: 0x55...".
local function describe_value(err)
  local t = type(err)
  if t == "string" or t == "number" then return one_line(err) end
  local mt = getmetatable(err)
  if type(mt) == "table" and mt.__tostring then return one_line(tostring(err)) end
  return ("error object is a %s value"):format(t)
end

function M.describe(err)
  if M.is_db_error(err) then return M.describe_db_error(err) end
  if getmetatable(err) == RevisionError then return err:describe() end
  return describe_value(err)
end

-- A failure inside revision `rev` (a node with revision and path), at
-- `line` of its file when known.
function M.revision_error(rev, direction, cause, line)
  return setmetatable({ revision = rev.revision, path = rev.path, direction = direction,
                        cause = cause, line = line }, RevisionError)
end

-- A failure inside a hook of env.lua (at path), e.g. on_connect:
-- "env.lua (migrations/env.lua:4): on_connect: ...".
function M.hook_error(path, hook, cause, line)
  return setmetatable({ revision = path:match("[^/]*$"), path = path, hook = hook,
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
  -- a Lua error already carrying "file:line: " says it twice otherwise
  if type(self.cause) == "string" and self.path then
    msg = msg:gsub("^" .. self.path:gsub("%p", "%%%0") .. ":%d+: ", "")
  end
  return ("%s (%s): %s%s"):format(self.revision, where, self.hook and (self.hook .. ": ") or "", msg)
end

RevisionError.__tostring = RevisionError.describe

-- Removes a password written in a connection string from a message:
-- postgresql://user:secret@host and password=secret.
function M.redact(msg, url)
  msg = tostring(msg)
  if type(url) ~= "string" then return msg end
  local secrets = {}
  local uri_pw = url:match("^%a+://[^:/@]*:([^@]*)@")
  if uri_pw and uri_pw ~= "" then secrets[#secrets + 1] = uri_pw end
  for pw in url:gmatch("password%s*=%s*'([^']*)'") do secrets[#secrets + 1] = pw end
  for pw in url:gmatch("password%s*=%s*([^%s']+)") do secrets[#secrets + 1] = pw end
  for pw in url:gmatch("[?&]password=([^&]*)") do secrets[#secrets + 1] = pw end
  for _, secret in ipairs(secrets) do
    if secret ~= "" then
      msg = msg:gsub(secret:gsub("%p", "%%%0"), "****")
    end
  end
  return msg
end


return M
