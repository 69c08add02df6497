-- The index of a versions directory (.luamig-index beside the revision
-- files): the graph fields of every file, so that commands reading only
-- the graph (heads, history, current, an upgrade with nothing to do) need
-- not compile ten thousand files. The index is a cache, never the truth:
-- it is used whole only while the directory's fingerprint (every file's
-- name, size and mtime, summed in C) is the one it was written for;
-- otherwise each file whose size or mtime changed is read again and the
-- index is rewritten.
--
-- It is data, never code: core.encode_index's format (runtime/index.c),
-- a header with a checksum of the bytes, then
--   { dir = DIR, fingerprint = FP,
--     files = "name\tsignature\tchecksum\n...",    -- by file name
--     graph = a snapshot of the map of those revisions (luamig.revmap.snapshot) }
-- or, for a project of several versions directories (whose map spans
-- them), with the revisions themselves instead of a graph:
--     revisions = { { path, revision, down_revision, branch_labels,
--                     depends_on, message }, ... }    -- same order
-- What only a stale index or a run's history rows need (signatures,
-- checksums) stays one string, split when asked for. decode_index gives
-- nil for bytes that are not what encode_index wrote (cut short, a byte
-- changed, another format); what it gives is then checked as data from a
-- file: a snapshot through snapshot.is_snapshot, every revision's file in
-- this directory. An index failing any of it is not used, and rewritten.
local core = require("luamig.core")
local snapshot = require("luamig.revmap.snapshot")

local M = {}

M.FILE = ".luamig-index"
-- An index is read only up to this size (10,000 revisions take 2.5 MB): a
-- file linked to something huge is ignored, not read whole.
M.MAX_BYTES = 256 * 1024 * 1024

local function is_list_of_strings(v)
  if type(v) ~= "table" then return false end
  for i = 1, #v do if type(v[i]) ~= "string" then return false end end
  return true
end

-- nil, a string or a list of strings, as a revision file declares them
local function is_declared(v) return v == nil or type(v) == "string" or is_list_of_strings(v) end

-- every path a file of dir: "DIR/NAME" with NAME holding no "/" (in C:
-- ten thousand of them)
local function in_dir(paths, prefix) return core.index_column(paths, #paths, "files", prefix) end

local function is_revision(r)
  return type(r) == "table" and type(r.revision) == "string"
    and is_declared(r.down_revision) and is_declared(r.branch_labels) and is_declared(r.depends_on)
    and (r.message == nil or type(r.message) == "string")
end

-- Whether the decoded data is an index this version writes: every field
-- of its kind, and every revision's file one of the index's directory.
local function is_index(index)
  if type(index) ~= "table" or type(index.dir) ~= "string" or type(index.fingerprint) ~= "string"
    or type(index.files) ~= "string" then
    return false
  end
  local prefix = index.dir .. "/"
  if index.graph ~= nil then
    return index.revisions == nil and snapshot.is_snapshot(index.graph) and in_dir(index.graph.paths, prefix)
  end
  local revisions = index.revisions
  if type(revisions) ~= "table" then return false end
  local paths = {}
  for i = 1, #revisions do
    if not is_revision(revisions[i]) then return false end
    paths[i] = revisions[i].path
  end
  return in_dir(paths, prefix)
end

-- The index of dir as written, or nil without a usable one.
function M.read(dir)
  local bytes = core.readfile(dir .. "/" .. M.FILE, M.MAX_BYTES)
  local index = bytes and core.decode_index(bytes)
  if not is_index(index) then return nil end
  return index
end

-- Whether index is the index of a directory whose fingerprint is
-- `fingerprint`: written for it, and holding one revision for each of the
-- files the fingerprint counts (a crafted index could leave one out).
function M.matches(index, fingerprint)
  if index.fingerprint ~= fingerprint then return false end
  local count = index.graph and #index.graph.ids or #index.revisions
  return count == tonumber(fingerprint:match("^(%d+):"))
end

-- Removes the index of dir, found not to match its files, so that the
-- next run rebuilds it.
function M.remove(dir) os.remove(dir .. "/" .. M.FILE) end

-- The index's revisions in file-name order (from its graph: made anew,
-- once per index).
function M.revisions(index)
  if index.revisions == nil then index.revisions = snapshot.revisions(index.graph) end
  return index.revisions
end

-- The index's entries in file-name order: { name, signature, checksum,
-- rev }, where rev is the index's revision for that file; none when the
-- files and the revisions do not pair up, one to one and by name.
function M.entries(index)
  local entries, revisions, i = {}, M.revisions(index), 0
  for name, signature, checksum in index.files:gmatch("([^\t\n]*)\t([^\t\n]*)\t([^\t\n]*)\n") do
    i = i + 1
    local rev = revisions[i]
    if rev == nil or rev.path:sub(-#name - 1) ~= "/" .. name then return {} end
    entries[i] = { name = name, signature = signature, checksum = checksum, rev = rev }
  end
  if i ~= #revisions then return {} end
  return entries
end

-- The same entries by file name.
function M.files(index)
  local by_name = {}
  for _, e in ipairs(M.entries(index)) do by_name[e.name] = e end
  return by_name
end

-- Writes the index of dir, as of fingerprint, for entries { name,
-- signature, rev, checksum? } in file-name order (the checksum is the
-- rev's unless given): with graph (a snapshot of the map of these revisions)
-- when there is one, else with the revisions; atomically, and silently
-- not at all where the directory is read-only.
function M.write(dir, fingerprint, entries, graph)
  local revisions, files = {}, {}
  for i, e in ipairs(entries) do
    if e.name:find("[\t\n]") then return end  -- not representable in files
    local r = e.rev
    if not graph then
      revisions[i] = { path = r.path, revision = r.revision, down_revision = r.down_revision,
        branch_labels = r.branch_labels, depends_on = r.depends_on, message = r.message }
    end
    files[i] = ("%s\t%s\t%s\n"):format(e.name, e.signature, e.checksum or r.checksum)
  end
  local bytes = core.encode_index({ dir = dir, fingerprint = fingerprint, files = table.concat(files),
    graph = graph, revisions = not graph and revisions or nil })
  local tmp = ("%s/%s.%d"):format(dir, M.FILE, math.random(1, 1 << 30))
  local f = io.open(tmp, "wb")
  if f == nil then return end
  local ok = f:write(bytes)
  f:close()
  if not ok or not os.rename(tmp, dir .. "/" .. M.FILE) then os.remove(tmp) end
end

return M
