-- The index of a versions directory (.luamig-index beside the revision
-- files): each file's size and mtime, checksum and graph fields, so that
-- commands reading only the graph (heads, history, current, an upgrade
-- with nothing to do) need not compile ten thousand files. A file whose
-- size or mtime changed is read again; the index is a cache, never the
-- truth, and is rewritten whenever it is stale.
--
-- It is stored as Lua bytecode of `return { [file] = { signature, fields } }`:
-- loading that is ten times faster than parsing any text format in Lua.
-- The versions directory already runs as code (the revisions), so the
-- index trusts nothing that the revisions do not; a truncated or foreign
-- index fails to load and is rebuilt.
local M = {}

M.FILE = ".luamig-index"

-- file name -> { signature = "size:mtime", fields = { revision,
-- down_revision, branch_labels, depends_on, message, checksum } }, or {}
-- without a usable index.
function M.read(dir)
  local f = io.open(dir .. "/" .. M.FILE, "rb")
  if f == nil then return {} end
  local bytes = f:read("a")
  f:close()
  local chunk = load(bytes, "=" .. M.FILE, "b", {})
  local ok, entries = pcall(chunk or error)
  if not ok or type(entries) ~= "table" then return {} end
  return entries
end

local function literal(v)
  if v == nil then return "nil" end
  if type(v) == "string" then return ("%q"):format(v) end
  local parts = {}
  for i, s in ipairs(v) do parts[i] = ("%q"):format(s) end
  return "{" .. table.concat(parts, ",") .. "}"
end

-- Writes the index for entries { name, signature, rev } (rev a loaded
-- revision); atomically, and silently not at all where the directory is
-- read-only.
function M.write(dir, entries)
  local lines = { "return {" }
  for _, e in ipairs(entries) do
    local r = e.rev
    lines[#lines + 1] = ("[%q]={signature=%q,fields={revision=%q,down_revision=%s,branch_labels=%s,depends_on=%s,message=%s,checksum=%q}},")
      :format(e.name, e.signature, r.revision, literal(r.down_revision), literal(r.branch_labels),
        literal(r.depends_on), literal(r.message), r.checksum)
  end
  lines[#lines + 1] = "}"
  local chunk = load(table.concat(lines, "\n"), "=" .. M.FILE, "t", {})
  if chunk == nil then return end
  local tmp = ("%s/%s.%d"):format(dir, M.FILE, math.random(1, 1 << 30))
  local f = io.open(tmp, "wb")
  if f == nil then return end
  local ok = f:write(string.dump(chunk, true))
  f:close()
  if not ok or not os.rename(tmp, dir .. "/" .. M.FILE) then os.remove(tmp) end
end

return M
