-- The strongest test of autogenerate (issue 15), needing no hand-written
-- model: a real schema loaded into database A; `revision --autogenerate`
-- against an empty model writes an upgrade that drops everything and a
-- downgrade that re-creates it; that downgrade runs on a bare database B;
-- then pg_dump --schema-only of A and B, entry by entry.
local helpers = require("support.helpers")

local M = {}

M.SCHEMA_DIR = "../shared/schemas/"

local function sh(cmd)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("a")
  local ok, _, code = p:close()
  return ok and 0 or code, out
end

local function psql(dbname, args)
  return sh(helpers.tool(("psql -X -q -v ON_ERROR_STOP=1 -h %s -p 5432 -U postgres -d %s %s"):format(
    helpers.shell_quote(helpers.pghost()), helpers.shell_quote(dbname), args)))
end

-- The roles graphile-starter's grants name (cluster-wide, made once).
local function ensure_roles(dbname)
  local code, out = psql(dbname, "-c " .. helpers.shell_quote([[DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'graphile_starter') THEN CREATE ROLE graphile_starter; END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'graphile_starter_visitor') THEN CREATE ROLE graphile_starter_visitor; END IF;
  END $$]]))
  assert(code == 0, out)
end

-- pg_dump --schema-only's entries: { ["TYPE\tschema.name"] = text }, and
-- their keys in dump order. luamig's own tables are left out.
function M.dump_entries(dbname)
  local code, text = sh(helpers.tool(("pg_dump --schema-only -h %s -p 5432 -U postgres %s"):format(
    helpers.shell_quote(helpers.pghost()), helpers.shell_quote(dbname))))
  assert(code == 0, "pg_dump failed: " .. text)
  local entries, order = {}, {}
  -- an entry's body runs to the next header (or the dump's last comment):
  -- not to a fixed number of blank lines, as ROW SECURITY entries end with
  -- one where the others end with two
  for header, body in (text .. "\n--\n"):gmatch("%-%- (Name: [^\n]*)\n%-%-\n\n(.-)\n+%-%-\n") do
    local name, kind, schema = header:match("^Name: (.-); Type: (.-); Schema: (.-);")
    if not name:find("luamig_", 1, true) then
      local key = kind .. "\t" .. schema .. "." .. name
      entries[key] = body
      order[#order + 1] = key
    end
  end
  return entries, order
end

-- Runs the round trip of shared/schemas/<name>.sql. schemas: the schemas
-- autogenerate reads (include_schemas); include_object: nil, or the Lua
-- source of env.lua's include_object hook. Returns { a, b, order, revision
-- = text of the rendered revision, errors = { stage = message } }.
function M.run(name, schemas, include_object)
  local url_a, conn_a, db_a = helpers.fresh_db()
  local url_b, conn_b, db_b = helpers.fresh_db()
  conn_a:close()
  conn_b:close()
  ensure_roles(db_a)
  local code, out = psql(db_a, "-f " .. helpers.shell_quote(M.SCHEMA_DIR .. name .. ".sql"))
  assert(code == 0, ("loading %s failed: %s"):format(name, out))
  local dir = helpers.project { url = url_a }
  helpers.write(dir .. "/migrations/env.lua", ("return { target_metadata = require(\"luamig.schema\").metadata {}, include_schemas = %s, include_object = %s }\n")
    :format(require("luamig.lualit").value(schemas), include_object or "nil"))
  local result = { errors = {} }
  local function step(stage, args)
    local c, _, err = helpers.run(dir, args)
    if c ~= 0 then result.errors[stage] = err end
    return c == 0
  end
  local b = "--url " .. helpers.shell_quote(url_b) .. " "
  local _ = step("stamp A", "stamp base")
    and step("revision", "revision --autogenerate -m all --rev-id r1")
    and step("stamp B", b .. "stamp r1")
    and step("downgrade", b .. "downgrade base")
  local path = dir .. "/migrations/versions/r1_all.lua"
  local f = io.open(path)
  if f then result.revision = f:read("a"); f:close() end
  result.a, result.order = M.dump_entries(db_a)
  result.b = M.dump_entries(db_b)
  return result
end

-- The entries of the given kinds (pg_dump's "Type:", e.g. "TABLE",
-- "FK CONSTRAINT") that B lacks or holds otherwise than A, or holds
-- beyond A: { "TYPE\tschema.name: missing|differs|extra" }.
function M.mismatches(result, kinds)
  local wanted = {}
  for _, k in ipairs(kinds) do wanted[k] = true end
  local out = {}
  for _, key in ipairs(result.order) do
    if wanted[key:match("^(.-)\t")] then
      if result.b[key] == nil then out[#out + 1] = key .. ": missing"
      elseif result.b[key] ~= result.a[key] then out[#out + 1] = key .. ": differs" end
    end
  end
  local extra = {}
  for key in pairs(result.b) do
    if result.a[key] == nil and wanted[key:match("^(.-)\t")] then extra[#extra + 1] = key .. ": extra" end
  end
  table.sort(extra)
  table.move(extra, 1, #extra, #out + 1, out)
  return out
end

-- A fresh database holding shared/schemas/<name>.sql (issue 15 item 7:
-- the reflected model of a real schema). Returns its url and a connection.
function M.load(name)
  local url, conn, db = helpers.fresh_db()
  ensure_roles(db)
  local code, out = psql(db, "-f " .. helpers.shell_quote(M.SCHEMA_DIR .. name .. ".sql"))
  assert(code == 0, ("loading %s failed: %s"):format(name, out))
  return url, conn
end

return M
