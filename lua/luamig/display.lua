-- How revisions are written on the screen, as Alembic writes them:
-- "a1 -> b2 (label) (head) (current) (branchpoint), message".
local core = require("luamig.core")
local utf8text = require("luamig.utf8text")
local lists = require("luamig.lists")

local M = {}

local function comma(list)
  return table.concat(list, ", ")
end

function M.down_revisions(node)
  local downs = node.down_revisions
  if #downs == 1 then return downs[1] end
  if #downs == 0 then return "<base>" end
  return comma(downs)
end

-- Text for a terminal: the C0 control characters but newline and tab, DEL
-- and the C1 ones (U+0080-U+009F, which UTF-8 terminals may obey: U+009B
-- is CSI) as \xHH per byte (ESC as \x1b), so that a revision's message,
-- file name or error cannot move the cursor, clear the screen or retitle
-- the window. Newlines stay: a multi-line message prints as its lines, as
-- Alembic's do. The scan is in C: history writes ten thousand lines.
M.printable = core.printable

-- A head that something depends on is Alembic's "effective head": it
-- ends its branch, yet upgrading to the heads does not stop at it.
local function head_mark(node)
  if not node.is_head then return "" end
  return #node.dependents == 0 and " (head)" or " (effective head)"
end

-- opts: parents, branches (labels), doc, tree (branchpoint/mergepoint),
-- heads (head/current), current = set of current ids. Built as one
-- concatenation: history writes ten thousand of these. depends_on is
-- shown as written (a label stays a label), as Alembic shows it.
function M.line(node, opts)
  local parents, arrow = "", ""
  if opts.parents then
    parents, arrow = M.down_revisions(node), " -> "
    local deps = node.declared_depends_on
    if #deps > 0 then parents = parents .. " (" .. comma(deps) .. ")" end
  end
  local labels = opts.branches and #node.branch_labels > 0 and " (" .. comma(node.branch_labels) .. ")" or ""
  local marks = opts.heads ~= false
  local tree = opts.tree ~= false
  local sep, doc = "", ""
  if opts.doc then sep, doc = ", ", node.message or "" end
  return parents .. arrow .. node.revision .. labels
    .. (marks and head_mark(node) or "")
    .. (marks and opts.current and opts.current[node.revision] and " (current)" or "")
    .. (tree and node.is_branch_point and " (branchpoint)" or "")
    .. (tree and node.is_merge_point and " (mergepoint)" or "")
    .. sep .. doc
end

-- The -v form: a block per revision (where, as in Alembic, an effective
-- head is a head).
function M.entry(node, current)
  local out = { ("Rev: %s%s%s%s%s"):format(node.revision,
    node.is_head and " (head)" or "",
    node.is_branch_point and " (branchpoint)" or "",
    node.is_merge_point and " (mergepoint)" or "",
    current and current[node.revision] and " (current)" or "") }
  out[#out + 1] = (node.is_merge_point and "Merges: %s" or "Parent: %s"):format(M.down_revisions(node))
  local deps = node.declared_depends_on
  if #deps > 0 then out[#out + 1] = "Also depends on: " .. comma(deps) end
  if node.is_branch_point then out[#out + 1] = "Branches into: " .. comma(node.children) end
  if #node.branch_labels > 0 then out[#out + 1] = "Branch names: " .. comma(node.branch_labels) end
  out[#out + 1] = "Path: " .. (node.path or "?")
  out[#out + 1] = ""
  for para in ((node.message or "") .. "\n"):gmatch("(.-)\n") do out[#out + 1] = "    " .. para end
  out[#out + 1] = ""
  return table.concat(out, "\n")
end

-- A minimal JSON encoder for --json output: tables with only positive
-- integer keys are arrays; keys are sorted for stable output.
local json_named = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\t"] = "\\t", ["\r"] = "\\r" }

local function json_escape(c)
  return json_named[c] or ("\\u%04x"):format(c:byte())
end

local function json_c1(c)
  return ("\\u%04x"):format(c:byte(2))
end

-- JSON text is UTF-8 (RFC 8259 §8.1): each byte of a string that does not
-- belong to a well-formed UTF-8 sequence becomes U+FFFD.
local as_utf8 = utf8text.repaired

local function encode(v, out)
  local t = type(v)
  if v == nil then out[#out + 1] = "null"
  elseif t == "boolean" then out[#out + 1] = tostring(v)
  elseif t == "number" then
    -- JSON has no infinity or NaN: %.17g would write inf or nan, which no parser reads
    if v ~= v or v == math.huge or v == -math.huge then error("cannot encode " .. tostring(v) .. " as JSON") end
    out[#out + 1] = math.type(v) == "integer" and tostring(v) or ("%.17g"):format(v)
  elseif t == "string" then
    -- C1 characters too (U+009B is CSI to some terminals), so that the
    -- text passes display.printable unchanged
    out[#out + 1] = '"' .. as_utf8(v):gsub('[%c"\\]', json_escape):gsub("\194[\128-\159]", json_c1) .. '"'
  elseif t == "table" then
    if next(v) == nil or #v > 0 or getmetatable(v) == M.array then
      out[#out + 1] = "["
      for i, item in ipairs(v) do
        if i > 1 then out[#out + 1] = "," end
        encode(item, out)
      end
      out[#out + 1] = "]"
    else
      local keys = {}
      for k in pairs(v) do keys[#keys + 1] = tostring(k) end
      table.sort(keys)
      out[#out + 1] = "{"
      for i, k in ipairs(keys) do
        if i > 1 then out[#out + 1] = "," end
        encode(k, out)
        out[#out + 1] = ":"
        encode(v[k], out)
      end
      out[#out + 1] = "}"
    end
  else
    error("cannot encode a " .. t .. " as JSON")
  end
end

M.array = {}

function M.json(value)
  local out = {}
  encode(value, out)
  return table.concat(out)
end

-- a copy of a list that encodes as a JSON array even when empty (the
-- graph's own lists may be shared, so they are not marked)
local function array_of(list)
  return setmetatable(lists.copy(list), M.array)
end

-- The JSON form of a revision.
function M.revision_json(node, current)
  return {
    revision = node.revision,
    down_revisions = array_of(node.down_revisions),
    branch_labels = array_of(node.branch_labels),
    depends_on = array_of(node.depends_on),
    message = node.message or "",
    path = node.path,
    is_head = node.is_head,
    is_current = current ~= nil and current[node.revision] == true,
    is_branch_point = node.is_branch_point,
    is_merge_point = node.is_merge_point,
  }
end

------------------------------------------------------------------ colour

-- SGR codes of the few colours luamig uses on stderr.
local SGR = { error = "1;31", warning = "33", upgrade = "32", downgrade = "33", dim = "2" }

-- A palette: palette.error(text) etc. return text coloured, or untouched
-- when colour is off, so that piped output stays byte-identical.
function M.palette(enabled)
  local p = {}
  for name, code in pairs(SGR) do
    p[name] = enabled and function(text) return "\27[" .. code .. "m" .. text .. "\27[0m" end
                      or function(text) return text end
  end
  return p
end

-- A progress line on stderr: "Running upgrade a -> b, msg (3 ms)" with the
-- verb in green (upgrade) or yellow (downgrade) and the time dimmed; other
-- lines pass through.
function M.progress(line, paint)
  local verb, direction, rest = line:match("^(Running (%a+))(.*)$")
  if verb == nil or paint[direction] == nil then return line end
  local body, time = rest:match("^(.-)( %(%d+ ms%))$")
  if body == nil then body, time = rest, "" end
  return paint[direction](verb) .. body .. (time ~= "" and (" " .. paint.dim(time:sub(2))) or "")
end

return M
