-- How revisions are written on the screen, as Alembic writes them:
-- "a1 -> b2 (label) (head) (current) (branchpoint), message".
local M = {}

local function comma(list)
  return table.concat(list, ", ")
end

function M.down_revisions(node)
  if #node.down_revisions == 0 then return "<base>" end
  return comma(node.down_revisions)
end

-- opts: parents, branches (labels), doc, tree (branchpoint/mergepoint),
-- heads (head/current), current = set of current ids
function M.line(node, opts)
  local text = node.revision
  if opts.parents then
    if #node.depends_on > 0 then
      text = ("%s (%s) -> %s"):format(M.down_revisions(node), comma(node.depends_on), text)
    else
      text = ("%s -> %s"):format(M.down_revisions(node), text)
    end
  end
  if opts.branches and #node.branch_labels > 0 then
    text = text .. (" (%s)"):format(comma(node.branch_labels))
  end
  if opts.heads ~= false then
    if node.is_head then text = text .. " (head)" end
    if opts.current and opts.current[node.revision] then text = text .. " (current)" end
  end
  if opts.tree ~= false then
    if node.is_branch_point then text = text .. " (branchpoint)" end
    if node.is_merge_point then text = text .. " (mergepoint)" end
  end
  if opts.doc then text = text .. ", " .. (node.message or "") end
  return text
end

-- The -v form: a block per revision.
function M.entry(node, current)
  local out = { ("Rev: %s%s%s%s%s"):format(node.revision,
    node.is_head and " (head)" or "",
    node.is_branch_point and " (branchpoint)" or "",
    node.is_merge_point and " (mergepoint)" or "",
    current and current[node.revision] and " (current)" or "") }
  out[#out + 1] = (node.is_merge_point and "Merges: %s" or "Parent: %s"):format(M.down_revisions(node))
  if #node.depends_on > 0 then out[#out + 1] = "Also depends on: " .. comma(node.depends_on) end
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

local function encode(v, out)
  local t = type(v)
  if v == nil then out[#out + 1] = "null"
  elseif t == "boolean" then out[#out + 1] = tostring(v)
  elseif t == "number" then out[#out + 1] = math.type(v) == "integer" and tostring(v) or ("%.17g"):format(v)
  elseif t == "string" then
    out[#out + 1] = '"' .. v:gsub('[%c"\\]', json_escape) .. '"'
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

-- The JSON form of a revision.
function M.revision_json(node, current)
  return {
    revision = node.revision,
    down_revisions = setmetatable(node.down_revisions, M.array),
    branch_labels = setmetatable(node.branch_labels, M.array),
    depends_on = setmetatable(node.depends_on, M.array),
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
