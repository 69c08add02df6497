-- The migration runtime, as commands.lua and the specs use it: connect,
-- the database handle, and the Migrator. Its rooms:
--   session      the connection, the run's session settings, the pooler check
--   lock         the migration lock (a session advisory lock)
--   targets      where statements go: the connection, or a --sql script
--   bookkeeping  the version and history tables
--   migrator     running steps in transactions, recording them, stamp
--   outcomes     what a failure or a signal leaves behind, in words
local session = require("luamig.runtime.session")
local targets = require("luamig.runtime.targets")
local migrator = require("luamig.runtime.migrator")

local M = {}

-- connect(url, timeout) -> connection; the error never shows a password
M.connect = session.connect

-- db_handle(conn) -> the db of env.lua's on_connect(db) and luamig.context().db
M.db_handle = targets.db_handle

-- new{ cfg, conn (nil for offline), out (offline), log } -> a Migrator
M.new = migrator.new

return M
