-- The projects of the op.backfill specs (issue 16): a table of n rows
-- whose every UPDATE a trigger counts into a side table, and a
-- transaction = false revision backfilling it by the SQL or the Lua path.
local helpers = require("support.helpers")

local M = {}

M.SETUP, M.BACKFILL = "bf0000000001", "bf0000000002"

-- The revision creating items (id bigint primary key, v text) with n rows
-- and the trigger: each update of a row inserts its id into updates.
local function setup_revision(n)
  return { id = M.SETUP, message = "items", up = ([[
    op.execute("CREATE TABLE items (id bigint PRIMARY KEY, v text, w text)")
    op.execute("INSERT INTO items (id) SELECT generate_series(1, %d)")
    op.execute("CREATE TABLE updates (id bigint NOT NULL)")
    op.execute([=[CREATE FUNCTION count_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO updates VALUES (NEW.id); RETURN NEW; END $$]=])
    op.execute("CREATE TRIGGER count_update AFTER UPDATE ON items FOR EACH ROW EXECUTE FUNCTION count_update()")]])
    :format(n) }
end

-- The body of op.backfill's spec: the SQL path sets v = 'done-' || id,
-- the Lua path computes the same in Lua.
M.PATHS = {
  sql = [[set = { v = "'done-' || id" }]],
  lua = [[fn = function(rows)
      local out = {}
      for i, row in ipairs(rows) do out[i] = { v = "done-" .. row.id } end
      return out
    end]],
}

-- A project at url: setup, then a backfill revision whose op.backfill
-- spec is `spec_text` (Lua table fields), transaction = false unless
-- opts.transaction; opts.before: Lua run before op.backfill.
function M.project(url, n, spec_text, opts)
  opts = opts or {}
  return helpers.project { url = url, revisions = {
    setup_revision(n),
    { id = M.BACKFILL, down = M.SETUP, message = "backfill items", transaction = opts.transaction or false,
      up = ("    %s\n    local n = op.backfill(%q, { %s })\n    op.execute(\"CREATE TABLE returned (n bigint)\")\n"
        .. "    op.execute(\"INSERT INTO returned VALUES ($1)\", { n })"):format(opts.before or "", opts.table or "items",
        spec_text) },
  } }
end

-- { rows (updated once), twice (rows updated more than once), done (v set) }
function M.counts(conn)
  return conn:exec([[SELECT (SELECT count(*) FROM (SELECT id FROM updates GROUP BY id HAVING count(*) = 1) o) AS once,
    (SELECT count(*) FROM (SELECT id FROM updates GROUP BY id HAVING count(*) > 1) t) AS twice,
    (SELECT count(*) FROM items WHERE v = 'done-' || id) AS done]])[1]
end

-- The luamig_backfill rows, or {} when the table does not exist.
function M.progress_rows(conn)
  if not conn:exec("SELECT to_regclass('luamig_backfill') IS NOT NULL AS t")[1].t then return {} end
  return conn:exec("SELECT revision, name, rows_done, batches, last_key::text AS last_key, "
    .. "finished_at IS NOT NULL AS finished FROM luamig_backfill ORDER BY name")
end

return M
