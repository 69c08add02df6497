-- luamig.revmap.errors — how the revision graph fails. Graph-walking code
-- raises typed error objects (the RevisionError family of Alembic); the
-- public methods turn them into the one-line messages Alembic's command
-- layer prints (ScriptDirectory's _catch_revision_errors), raised with
-- error(msg, 0). A user's mistake in the files (a missing parent, a
-- cycle) is a plain message from the start (fail).
local is_node = require("luamig.revmap.map").is_node

local M = {}

function M.fail(fmt, ...)
  error(fmt:format(...), 0)
end

local RevError = {}
RevError.__index = RevError
RevError.__tostring = function(e) return e.msg end

function M.raise(kind, msg, fields)
  local e = setmetatable(fields or {}, RevError)
  e.kind, e.msg = kind, msg
  error(e, 0)
end
local raise = M.raise

function M.revision_error(msg) raise("revision", msg) end

-- whether err is a typed error of this kind
function M.is(err, kind)
  return getmetatable(err) == RevError and err.kind == kind
end

-- ids, nodes or a list of them as Alembic prints them
function M.fmt_ids(v)
  if type(v) == "table" then
    if is_node(v) then return v.revision end
    local parts = {}
    for i, x in ipairs(v) do parts[i] = is_node(x) and x.revision or tostring(x) end
    return table.concat(parts, ", ")
  end
  return v == nil and "base" or tostring(v)
end
local fmt_ids = M.fmt_ids

local MULTIPLE_HEADS = "Multiple head revisions are present for given argument "
  .. "'%s'; please specify a specific target revision, '<branchname>@%s' to "
  .. "narrow to a specific head, or 'heads' for all heads"

-- ctx: { ancestor = fmt with %{start} %{end}, start, end_, multiple_heads }
local function translate(err, ctx)
  if getmetatable(err) ~= RevError then return err end
  if err.kind == "range" then
    local start = ctx.start or err.lower
    local end_ = ctx.end_ or err.upper
    local tmpl = ctx.ancestor or "Requested range %{start}:%{end} does not refer "
      .. "to ancestor/descendant revisions along the same branch"
    -- a table replacement: a '%' in a target the user typed stays literal
    return (tmpl:gsub("%%{(%a+)}", { start = fmt_ids(start), ["end"] = fmt_ids(end_) }))
  elseif err.kind == "multiple_heads" then
    local present = " (heads: " .. table.concat(err.heads, ", ") .. ")"
    if ctx.multiple_heads then return ctx.multiple_heads .. present end
    local arg = ctx.end_ or err.argument
    return MULTIPLE_HEADS:format(arg, arg) .. present
  elseif err.kind == "resolution" then
    -- Alembic prints only the first sentence; we keep the reason when it
    -- helps (an ambiguous prefix lists its candidates).
    local msg = ("Can't locate revision identified by '%s'"):format(err.argument)
    if err.detail then msg = msg .. "; " .. err.detail end
    return msg
  end
  return err.msg
end

-- run fn(...) and turn a typed error into Alembic's command-level message
function M.guarded(ctx, fn, ...)
  local res = table.pack(pcall(fn, ...))
  if res[1] then return table.unpack(res, 2, res.n) end
  error(translate(res[2], ctx), 0)
end

return M
