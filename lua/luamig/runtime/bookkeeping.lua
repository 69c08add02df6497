-- The version table (which revisions the database is at) and the history
-- table (what ran, when, from which file): where they are, creating them,
-- reading them, and the statements that record a step in them.
local ddl = require("luamig.ddl")
local lock = require("luamig.runtime.lock")

local M = {}

local Bookkeeping = {}
Bookkeeping.__index = Bookkeeping

-- target: where statements go (luamig.runtime.targets); conn: the
-- connection online, nil offline.
function M.new(cfg, conn, target)
  return setmetatable({ cfg = cfg, conn = conn, target = target }, Bookkeeping)
end

-- The version and history tables as { name, schema }, the schema as the
-- server resolves it, once per run (after env.lua's on_connect): every
-- later statement names it, so a revision changing search_path cannot
-- redirect them, and the lock is the same however the config spells the
-- table. Offline, the names stay as configured.
function Bookkeeping:tables()
  if self.resolved == nil then
    local cfg = self.cfg
    local tables = { version = { cfg.version_table, cfg.version_table_schema },
                     history = { cfg.history_table, cfg.version_table_schema } }
    if not self.target.offline and cfg.version_table_schema == nil then
      local sql, params = ddl.resolve_schemas_query({ cfg.version_table, cfg.history_table })
      local row = self.conn:query(sql, params)[1]
      if row.s1 == nil or row.s2 == nil then
        error("the search path names no existing schema for the version table: set version_table_schema or fix search_path", 0)
      end
      tables.version[2], tables.history[2] = row.s1, row.s2
    end
    -- PostgreSQL's names for the session's own schema: tables there go
    -- with the session, and every run would apply everything again
    for _, t in pairs(tables) do
      if t[2] and t[2]:find("^pg_temp") then
        error(("the version table would be in %s, the session's temporary schema, which goes when luamig "
          .. "disconnects: set version_table_schema or fix search_path"):format(t[2]), 0)
      end
    end
    self.resolved = tables
  end
  return self.resolved
end

-- name, schema
function Bookkeeping:version_table()
  local t = self:tables().version
  return t[1], t[2]
end

-- name, schema
function Bookkeeping:history_table()
  local t = self:tables().history
  return t[1], t[2]
end

-- The version table as messages name it: public.luamig_version.
function Bookkeeping:version_label()
  local name, schema = self:version_table()
  return schema and (schema .. "." .. name) or name
end

-- Which of the version and history tables exist (one query, remembered).
function Bookkeeping:present()
  if self.found == nil then
    local sql, params = ddl.tables_exist_query({ self:version_table() }, { self:history_table() })
    local row = self.conn:query(sql, params)[1]
    self.found = { version = row.t1, history = row.t2 }
  end
  return self.found
end

-- The version rows, or {} when the table does not exist yet.
function Bookkeeping:current_heads()
  if self.target.offline or not self:present().version then return {} end
  local heads = {}
  for i, row in ipairs(self.conn:exec(ddl.select_versions(self:version_table()))) do
    heads[i] = row.version_num
  end
  table.sort(heads)
  return heads
end

-- Creates what is missing of the version and history tables, in one
-- statement batch, so a kill cannot leave one without the other.
function Bookkeeping:ensure()
  local present = self.target.offline and {} or self:present()
  local stmts = {}
  if not self.target.offline and not (present.version and present.history) then
    stmts[1] = lock.bookkeeping_statement()
  end
  if not present.version then stmts[#stmts + 1] = { ddl.create_version_table(self:version_table()) } end
  if not present.history then stmts[#stmts + 1] = { ddl.create_history_table(self:history_table()) } end
  if #stmts > 0 then self.target:execute_all(stmts) end
  self.found = { version = true, history = true }
end

-- op.backfill's progress table (issue 16), beside the version table:
-- created by the first backfill of a run, under the bookkeeping lock;
-- returns its name and schema.
function Bookkeeping:ensure_backfill()
  local _, schema = self:version_table()
  if not self.backfill_ready then
    self.target:execute_all({ lock.bookkeeping_statement(), { ddl.create_backfill_table(schema) } })
    self.backfill_ready = true
  end
  return ddl.BACKFILL_TABLE, schema
end

-- The progress rows of the backfills not yet recorded with their
-- revision (status), or {} when there is no progress table.
function Bookkeeping:backfills()
  if self.target.offline then return {} end
  local _, schema = self:version_table()
  if not self.conn:query(ddl.table_present_query(ddl.BACKFILL_TABLE, schema))[1].present then return {} end
  return self.conn:exec(ddl.backfills_query(schema))
end

-- The statements recording a step, as { sql, params } pairs: its
-- version-table changes and (when a revision ran) its history row
-- { revision, direction, ms, checksum, message }. transaction_id (online):
-- the transaction they must still be in.
function Bookkeeping:record_statements(version_ops, history_row, transaction_id)
  local name, schema = self:version_table()
  -- online, first of all: still the transaction the runner opened, and
  -- still the only run
  local stmts = {}
  if transaction_id then stmts[1] = { ddl.same_transaction(transaction_id) } end
  for _, change in ipairs(version_ops) do
    stmts[#stmts + 1] = { ddl.version_change(name, schema, change) }
  end
  if history_row then
    local history, history_schema = self:history_table()
    stmts[#stmts + 1] = { ddl.history_insert(history, history_schema, history_row) }
    -- a revision's backfills are done once its step is recorded: a later
    -- run of it (after a downgrade) starts them again
    if self.backfill_ready then stmts[#stmts + 1] = { ddl.delete_backfills(schema, history_row[1]) } end
  end
  return stmts
end

-- The statement emptying the version table (stamp --purge).
function Bookkeeping:purge_statement()
  return ddl.delete_all_versions(self:version_table())
end

-- Applied revisions whose file changed since they last ran: { {revision, path} }.
function Bookkeeping:drift(map, applied)
  if self.target.offline or not self:present().history then return {} end
  local changed = {}
  for _, row in ipairs(self.conn:exec(ddl.latest_history_query(self:history_table()))) do
    local node = applied[row.revision] and map:get(row.revision)
    local checksum = node and map:source(node).checksum
    if checksum and row.direction == "upgrade" and row.checksum and row.checksum ~= checksum then
      changed[#changed + 1] = { revision = row.revision, path = node.path }
    end
  end
  table.sort(changed, function(a, b) return a.revision < b.revision end)
  return changed
end

return M
