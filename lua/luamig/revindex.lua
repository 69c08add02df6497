-- The index of a versions directory (.luamig-index beside the revision
-- files): the graph fields of every file, so that commands reading only
-- the graph (heads, history, current, an upgrade with nothing to do) need
-- not compile ten thousand files. The index is a cache, never the truth:
-- it is used whole only while the directory's fingerprint (every file's
-- name, size and mtime, summed in C) is the one it was written for;
-- otherwise each file whose size or mtime changed is read again and the
-- index is rewritten.
--
-- It is stored as Lua bytecode of
--   return { dir = DIR, fingerprint = FP,
--            files = "name\tsignature\tchecksum\n...",    -- by file name
--            graph = a revmap snapshot of those revisions }
-- or, for a project of several versions directories (whose map spans
-- them), with the revisions themselves instead of a graph:
--            revisions = { { path, revision, down_revision, branch_labels,
--                            depends_on, message }, ... }    -- same order
-- Loading that is ten times faster than parsing any text format in Lua;
-- what only a stale index or a run's history rows need (signatures,
-- checksums) stays one string, split when asked for. The versions directory
-- already runs as code (the revisions), so the index trusts nothing that
-- the revisions do not; a truncated or foreign index fails to load and is
-- rebuilt.
local revmap = require("luamig.revmap")

local M = {}

M.FILE = ".luamig-index"

-- The index of dir as written, or nil without a usable one.
function M.read(dir)
  -- loadfile streams the file: no copy of its megabytes as a string
  local chunk = loadfile(dir .. "/" .. M.FILE, "b", {})
  if chunk == nil then return nil end
  local ok, index = pcall(chunk)
  if not ok or type(index) ~= "table" or type(index.files) ~= "string" then return nil end
  if index.graph ~= nil and not revmap.is_snapshot(index.graph) then
    return nil  -- written by another version of luamig
  end
  if index.graph == nil and type(index.revisions) ~= "table" then return nil end
  return index
end

-- The index's revisions in file-name order (from its graph: made anew,
-- once per index).
function M.revisions(index)
  if index.revisions == nil then index.revisions = revmap.snapshot_revisions(index.graph) end
  return index.revisions
end

-- The index's entries in file-name order: { name, signature, checksum,
-- rev }, where rev is the index's revision for that file.
function M.entries(index)
  local entries, revisions, i = {}, M.revisions(index), 0
  for name, signature, checksum in index.files:gmatch("([^\t\n]*)\t([^\t\n]*)\t([^\t\n]*)\n") do
    i = i + 1
    entries[i] = { name = name, signature = signature, checksum = checksum, rev = revisions[i] }
  end
  return entries
end

-- The same entries by file name.
function M.files(index)
  local by_name = {}
  for _, e in ipairs(M.entries(index)) do by_name[e.name] = e end
  return by_name
end

-- "key=value," for a string or list of strings; nothing for nil (a nil in
-- the constructor would still cost a slot in each of the 10,000 tables)
local function field(key, v)
  if v == nil then return "" end
  if type(v) == "string" then return ("%s=%q,"):format(key, v) end
  local parts = {}
  for i, s in ipairs(v) do parts[i] = ("%q"):format(s) end
  return ("%s={%s},"):format(key, table.concat(parts, ","))
end

-- Writes the index of dir, as of fingerprint, for entries { name,
-- signature, rev, checksum? } in file-name order (the checksum is the
-- rev's unless given): with graph (the text of a revmap snapshot of these
-- revisions) when there is one, else with the revisions; atomically, and
-- silently not at all where the directory is read-only.
function M.write(dir, fingerprint, entries, graph)
  local revisions, files = {}, {}
  for i, e in ipairs(entries) do
    if e.name:find("[\t\n]") then return end  -- not representable in files
    local r = e.rev
    if not graph then
      revisions[i] = ("{path=%q,revision=%q,%s%s%s%s},"):format(r.path, r.revision,
        field("down_revision", r.down_revision), field("branch_labels", r.branch_labels),
        field("depends_on", r.depends_on), field("message", r.message))
    end
    files[i] = ("%s\t%s\t%s\n"):format(e.name, e.signature, e.checksum or r.checksum)
  end
  local contents = graph and "graph=" .. graph or "revisions={\n" .. table.concat(revisions, "\n") .. "\n}"
  local source = ("return {dir=%q,fingerprint=%q,files=%q,%s}")
    :format(dir, fingerprint, table.concat(files), contents)
  local chunk = load(source, "=" .. M.FILE, "t", {})
  if chunk == nil then return end
  local tmp = ("%s/%s.%d"):format(dir, M.FILE, math.random(1, 1 << 30))
  local f = io.open(tmp, "wb")
  if f == nil then return end
  local ok = f:write(string.dump(chunk, true))
  f:close()
  if not ok or not os.rename(tmp, dir .. "/" .. M.FILE) then os.remove(tmp) end
end

return M
