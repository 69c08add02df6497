-- The index of a versions directory (.luamig-index beside the revision
-- files): each file's size and mtime, checksum and graph fields, so that
-- commands reading only the graph (heads, history, current, an upgrade
-- with nothing to do) need not compile ten thousand files. A file whose
-- size or mtime changed is read again; the index is a cache, never the
-- truth, and is rewritten whenever it is stale.
local M = {}

M.FILE = ".luamig-index"
local HEADER = "luamig-index 1"

-- Strings are stored with \, tab, newline and comma escaped; a field holds
-- nil (""), a string ("=s") or a list ("[a,b").
local escapes = { ["\\"] = "\\\\", ["\t"] = "\\t", ["\n"] = "\\n", [","] = "\\c" }
local unescapes = { ["\\\\"] = "\\", ["\\t"] = "\t", ["\\n"] = "\n", ["\\c"] = "," }

local function escape(s) return (s:gsub("[\\\t\n,]", escapes)) end
local function unescape(s) return (s:gsub("\\[\\tnc]", unescapes)) end

local function encode(v)
  if v == nil then return "" end
  if type(v) == "string" then return "=" .. escape(v) end
  local parts = {}
  for i, s in ipairs(v) do parts[i] = escape(s) end
  return "[" .. table.concat(parts, ",")
end

local function decode(field)
  local tag = field:sub(1, 1)
  if tag == "=" then return unescape(field:sub(2)) end
  if tag ~= "[" then return nil end
  local list = {}
  for item in (field:sub(2) .. ","):gmatch("([^,]*),") do list[#list + 1] = unescape(item) end
  return list
end

-- name -> { signature = "size:mtime", fields = { revision, down_revision,
-- branch_labels, depends_on, message, checksum } }, or {} without a usable index.
function M.read(dir)
  local f = io.open(dir .. "/" .. M.FILE, "rb")
  if f == nil then return {} end
  local text = f:read("a")
  f:close()
  if text:sub(1, #HEADER + 1) ~= HEADER .. "\n" then return {} end
  local entries = {}
  local pattern = "([^\t\n]*)\t([^\t\n]*)\t([^\t\n]*)\t([^\t\n]*)\t([^\t\n]*)\t([^\t\n]*)\t([^\t\n]*)\t([^\t\n]*)\n"
  for name, signature, checksum, revision, down, labels, depends, message in text:gmatch(pattern, #HEADER + 2) do
    entries[name] = { signature = signature, fields = {
      revision = unescape(revision), down_revision = decode(down), branch_labels = decode(labels),
      depends_on = decode(depends), message = decode(message), checksum = checksum,
    } }
  end
  return entries
end

-- Writes the index for entries { name, signature, rev } (rev a loaded
-- revision); atomically, and silently not at all where the directory is
-- read-only.
function M.write(dir, entries)
  local lines = { HEADER }
  for _, e in ipairs(entries) do
    local r = e.rev
    lines[#lines + 1] = table.concat({ e.name, e.signature, r.checksum, escape(r.revision), encode(r.down_revision),
      encode(r.branch_labels), encode(r.depends_on), encode(r.message) }, "\t")
  end
  local tmp = ("%s/%s.%d"):format(dir, M.FILE, math.random(1, 1 << 30))
  local f = io.open(tmp, "wb")
  if f == nil then return end
  local ok = f:write(table.concat(lines, "\n"), "\n")
  f:close()
  if not ok or not os.rename(tmp, dir .. "/" .. M.FILE) then os.remove(tmp) end
end

return M
