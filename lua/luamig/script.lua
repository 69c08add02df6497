-- The script directory: scanning versions/, loading revision files, and
-- writing new ones (and new projects) from templates.
local core = require("luamig.core")
local config = require("luamig.config")
local ddl = require("luamig.ddl")
local revindex = require("luamig.revindex")
local revmap = require("luamig.revmap")
local lualit = require("luamig.lualit")

local M = {}

------------------------------------------------------------------ loading

local function as_list(v)
  if v == nil then return {} end
  if type(v) == "table" then return v end
  return { v }
end

local function validate(rev, path)
  local function bad(msg) error(("revision file %s: %s"):format(path, msg), 0) end
  if type(rev.revision) ~= "string" or rev.revision == "" then
    bad("'revision' must be a non-empty string")
  end
  local problem = revmap.id_problem(rev.revision)
  if problem then bad(problem) end
  for _, field in ipairs({ "down_revision", "branch_labels", "depends_on" }) do
    for _, v in ipairs(as_list(rev[field])) do
      if type(v) ~= "string" then bad(("'%s' must be nil, a string or a list of strings"):format(field)) end
      if v == "" then bad(("'%s' must not name an empty string"):format(field)) end
    end
  end
  for _, label in ipairs(as_list(rev.branch_labels)) do
    local label_problem = revmap.label_problem(label)
    if label_problem then bad(label_problem) end
  end
  for _, fn in ipairs({ "upgrade", "downgrade" }) do
    if type(rev[fn]) ~= "function" then bad(("'%s' must be a function, got %s"):format(fn, type(rev[fn]))) end
  end
  if rev.message ~= nil and type(rev.message) ~= "string" then
    bad(("'message' must be a string, got %s"):format(type(rev.message)))
  end
  if rev.transaction ~= nil and type(rev.transaction) ~= "boolean" then
    bad("'transaction' must be true or false")
  end
  -- lint (#17): the rules this revision silences
  for _, rule in ipairs(rev.lint_ignore ~= nil and type(rev.lint_ignore) ~= "table" and { false } or rev.lint_ignore or {}) do
    if type(rule) ~= "string" then bad("'lint_ignore' must be a list of rule names (strings)") end
  end
end

-- Loads one revision file: it runs in its own environment (globals it sets
-- stay its own) and must return a table.
function M.load_revision(path)
  local rev, text = config.load_table_file(path, "revision file")
  validate(rev, path)
  rev.path = path
  rev.checksum = core.checksum(text)
  return rev
end

-- A revision known from the index: its graph fields now; its checksum
-- from the index when asked; the file itself (upgrade, downgrade,
-- transaction) loaded on first use. One metatable per index read.
local lazy_fields = { upgrade = true, downgrade = true, transaction = true, lint_ignore = true }

-- the graph fields a file declares, which its revision from the index must
-- declare alike (nil, a string or a list of strings each)
local GRAPH_FIELDS = { "revision", "down_revision", "branch_labels", "depends_on" }

local function declared_alike(a, b)
  a, b = as_list(a), as_list(b)
  if #a ~= #b then return false end
  for i = 1, #a do if a[i] ~= b[i] then return false end end
  return true
end

-- A file that declares another graph than the index said for it (an index
-- crafted with a valid checksum) is never run under the index's id: the
-- index of dir is removed, so that the next run rebuilds it from the files.
local function check_against_index(rev, loaded, dir)
  for _, field in ipairs(GRAPH_FIELDS) do
    if not declared_alike(rev[field], loaded[field]) then
      revindex.remove(dir)
      error(("revision file %s declares %s = %s where the revision index %s/%s said %s: the index was "
        .. "inconsistent with the files and has been removed; run the command again to rebuild it")
        :format(rev.path, field, M.graph_literal(loaded[field]), dir, revindex.FILE, M.graph_literal(rev[field])), 0)
    end
  end
end

local function indexed(index, dir)
  local files
  return { __index = function(rev, key)
    if key == "checksum" then
      files = files or revindex.files(index)
      local name = rev.path:match("[^/]*$")
      return files[name] and files[name].checksum
    end
    if not lazy_fields[key] then return nil end
    setmetatable(rev, nil)
    local loaded = M.load_revision(rev.path)
    check_against_index(rev, loaded, dir)
    for k, v in pairs(loaded) do
      if rawget(rev, k) == nil then rev[k] = v end
    end
    return rawget(rev, key)
  end }
end

-- The revisions of one directory, sorted by file name: from its index
-- while the directory's fingerprint matches it, else each file through
-- the index by its signature. Returns { write = function(graph) writing a
-- new index with a map snapshot (or none), stale = the index must be
-- written }. With want_graph and an index that keeps a snapshot of the
-- map, also { snapshot, source_at = the revision at a position (made when
-- first asked for), rebase = where a file the snapshot names is reached
-- now }, and the revisions are not appended.
local function load_dir(dir, revisions, want_graph)
  local fingerprint, err = core.fingerprint(dir, ".lua")
  if fingerprint == nil then error(("cannot read versions directory %s"):format(err), 0) end
  local index = revindex.read(dir)
  if index and revindex.matches(index, fingerprint) then
    local meta = indexed(index, dir)
    local moved = index.dir ~= dir and #index.dir + 2  -- the same files, reached another way
    local function rebase(path) return moved and dir .. "/" .. path:sub(moved) or path end
    local function write(graph) revindex.write(dir, fingerprint, revindex.entries(index), graph) end
    if want_graph and index.graph then
      local sources
      local function source_at(k)
        if not sources then
          sources = revindex.revisions(index)
          for _, rev in ipairs(sources) do
            rev.path = rebase(rev.path)
            setmetatable(rev, meta)
          end
        end
        return sources[k]
      end
      return { snapshot = index.graph, source_at = source_at, rebase = moved and rebase, write = write }
    end
    for _, rev in ipairs(revindex.revisions(index)) do
      rev.path = rebase(rev.path)
      revisions[#revisions + 1] = setmetatable(rev, meta)
    end
    return { write = write }
  end
  local names, signatures = core.listdir(dir, true)
  if names == nil then error(("cannot read versions directory %s"):format(signatures), 0) end
  table.sort(names)
  local known, meta, order = index and revindex.files(index) or {}, index and indexed(index, dir), {}
  for _, name in ipairs(names) do
    if name:sub(-4) == ".lua" then
      local e, was, path = { name = name, signature = signatures[name] }, known[name], dir .. "/" .. name
      if was and was.signature == e.signature and was.rev then
        was.rev.path = path
        e.rev, e.checksum = setmetatable(was.rev, meta), was.checksum
      elseif not core.isdir(path) then  -- a directory is no revision file (never indexed, so asked once)
        e.rev = M.load_revision(path)
      end
      if e.rev then
        order[#order + 1] = e
        revisions[#revisions + 1] = e.rev
      end
    end
  end
  return { write = function(graph) revindex.write(dir, fingerprint, order, graph) end, stale = true }
end

-- All revisions of the configured version directories.
function M.load_all(cfg)
  local revisions = {}
  for _, dir in ipairs(cfg.version_dirs) do
    local loaded = load_dir(dir, revisions, false)
    if loaded.stale then loaded.write(nil) end
  end
  return revisions
end

-- The revision map of the configured version directories. With a single
-- directory, its index keeps a snapshot of the map, restored instead of
-- built while the index is valid: building is most of the time of `heads`
-- or `history` over thousands of revisions, and a restored map makes a
-- revision's table only when a command runs it.
function M.load_map(cfg)
  local dirs, revisions = cfg.version_dirs, {}
  if #dirs ~= 1 then return revmap.new(M.load_all(cfg)) end
  local loaded = load_dir(dirs[1], revisions, true)
  if loaded.snapshot then  -- revindex.read let in only a snapshot of this revmap
    return assert(revmap.restore(loaded.snapshot, loaded.source_at, loaded.rebase))
  end
  local ok, map = pcall(revmap.new, revisions)
  if not ok then
    -- the files stay known, so that the next run need not compile them
    if loaded.stale then loaded.write(nil) end
    error(map, 0)
  end
  loaded.write(map:snapshot())
  return map
end

------------------------------------------------------------------ writing

local function read_file(path)
  local text, err = core.readfile(path)
  if not text then error(("cannot read %s"):format(err), 0) end
  return text
end

local function write_file(path, text)
  local f, err = io.open(path, "wb")
  if not f then error(("cannot write %s"):format(err), 0) end
  f:write(text)
  f:close()
end

M.read_file = read_file

-- A graph field (down_revision, branch_labels, depends_on) as a revision
-- file writes it: nil, an id, or a list (one id alone as a string).
function M.graph_literal(v)
  if type(v) == "table" and #v == 1 then v = v[1] end
  return lualit.value(v)
end

local function indent(body)
  return (body:gsub("\n", "\n    "))
end


-- 12 hex digits from /dev/urandom: math.random's seed can repeat between
-- two runs started in the same second.
function M.new_rev_id()
  local f = assert(io.open("/dev/urandom", "rb"))
  local bytes = f:read(6)
  f:close()
  return (bytes:gsub(".", function(c) return ("%02x"):format(c:byte()) end))
end

-- "Add Email to users!" -> "add_email_to_users"
function M.slug(message)
  local s = message:lower():gsub("[^%w]+", "_"):gsub("^_+", ""):gsub("_+$", "")
  return s:sub(1, 40):gsub("_+$", "")
end

-- A directory as a path names it: no "." segments, no doubled or
-- trailing "/".
local function normal_dir(path)
  local p = ("/" .. path .. "/"):gsub("/+", "/")
  repeat
    local n
    p, n = p:gsub("/%./", "/")
  until n == 0
  p = p:sub(2, -2)
  if path:sub(1, 1) == "/" then p = "/" .. p end
  return p == "" and "." or p
end

-- The version directory that `path` (from the command line, relative to
-- the config file's directory) names. A file written anywhere else would
-- never be loaded, so, as in Alembic, that is an error.
function M.version_dir(cfg, path)
  local wanted = normal_dir(config.join(cfg.dir, path))
  for _, dir in ipairs(cfg.version_dirs) do
    if normal_dir(dir) == wanted then return dir end
  end
  error(("Path %s is not represented in current version locations"):format(path), 0)
end

-- Renders the template with ${name} fields and writes the file, once the
-- file is one the reader takes (it loads, its fields pass the reader's
-- rules, and `map` with it is a graph): else nothing is written.
-- rev: { id, message, down_revision, branch_labels, depends_on, upgrades, downgrades }
function M.write_revision(cfg, map, rev, version_dir)
  local template = read_file(cfg.script_dir .. "/script.lua.tmpl")
  local down = rev.down_revision
  local fields = {
    -- the file's `message` field (a literal) keeps the exact text
    message = ddl.comment_text(rev.message or ""),
    message_literal = M.graph_literal(rev.message or ""),
    revision = rev.id,
    down_revision = M.graph_literal(down),
    down_revision_comment = down == nil and "<base>" or (type(down) == "table" and table.concat(down, ", ") or down),
    branch_labels = M.graph_literal(rev.branch_labels),
    depends_on = M.graph_literal(rev.depends_on),
    create_date = os.date("%Y-%m-%d %H:%M:%S"),
    upgrades = indent(rev.upgrades or "-- your migration here"),
    downgrades = indent(rev.downgrades or "-- the reverse of upgrade"),
  }
  local text = template:gsub("%${([%w_]+)}", function(name)
    if fields[name] == nil then error(("template %s/script.lua.tmpl: unknown field ${%s}"):format(cfg.script_dir, name), 0) end
    return fields[name]
  end)
  local slug = M.slug(rev.message or "")
  local dir = version_dir or cfg.version_dirs[1]
  local path = ("%s/%s%s.lua"):format(dir, rev.id, slug ~= "" and "_" .. slug or "")
  local ok, err = pcall(function()
    local written = config.load_table_text(text, path, "revision file")
    validate(written, path)
    map:with(written)
  end)
  if not ok then error(("%s (nothing was written)"):format(tostring(err)), 0) end
  write_file(path, text)
  return path
end

------------------------------------------------------------------ init

M.CONFIG_TEMPLATE = [[
return {
  -- the migrations directory, relative to this file
  script_location = "${script_location}",
  -- the database to migrate, handed to libpq: a URI or "key=value" string
  -- (e.g. "postgresql://app@localhost:5432/app"); PG* variables and
  -- ~/.pgpass apply. Overridden by --url and LUAMIG_URL. None by default:
  -- a new project touches no database until you name one.
  url = os.getenv("DATABASE_URL"),
  version_table = "luamig_version",
  -- version_table_schema = "public",
  -- false: the whole run in one transaction
  transaction_per_migration = true,
}
]]

M.ENV_TEMPLATE = [[
-- Hooks run by every command that touches the database.
return {
  -- target_metadata = require("models"),   -- for revision --autogenerate and check
  -- on_connect = function(db) db:execute("SET search_path TO app, public") end,
  -- include_object = function(obj) return obj.name ~= "spatial_ref_sys" end,
}
]]

M.SCRIPT_TEMPLATE = [[
-- ${message}
--
-- Revision ID: ${revision}
-- Revises: ${down_revision_comment}
-- Create Date: ${create_date}

return {
  revision = "${revision}",
  down_revision = ${down_revision},
  branch_labels = ${branch_labels},
  depends_on = ${depends_on},
  message = ${message_literal},

  upgrade = function(op)
    ${upgrades}
  end,

  downgrade = function(op)
    ${downgrades}
  end,
}
]]

local function is_empty_dir(path)
  local names = core.listdir(path)
  return names ~= nil and #names == 0
end

-- Creates luamig.lua (in the current directory) and DIR with env.lua,
-- script.lua.tmpl and versions/. Refuses a non-empty DIR.
function M.init(dir, config_path)
  if core.isdir(dir) and not is_empty_dir(dir) then
    error(("directory %s already exists and is not empty"):format(dir), 0)
  end
  local _, _, missing = core.readfile(config_path)
  if not missing then
    error(("config file %s already exists"):format(config_path), 0)
  end
  local created = {}
  local function mkdir(path)
    if core.isdir(path) then return end
    local ok, err = core.mkdir(path)
    if not ok then error(("cannot create directory %s"):format(err), 0) end
    created[#created + 1] = path
  end
  local function write(path, text)
    write_file(path, text)
    created[#created + 1] = path
  end
  mkdir(dir)
  mkdir(dir .. "/versions")
  write(dir .. "/env.lua", M.ENV_TEMPLATE)
  write(dir .. "/script.lua.tmpl", M.SCRIPT_TEMPLATE)
  -- the revision index is a cache of this machine's files, not source
  write(dir .. "/.gitignore", "versions/" .. revindex.FILE .. "\n")
  -- the directory becomes a Lua string literal; a function replacement
  -- keeps a '%' in it from being read as a capture
  local literal = ("%q"):format(dir)
  write(config_path, (M.CONFIG_TEMPLATE:gsub('"%${script_location}"', function() return literal end)))
  return created
end

return M
