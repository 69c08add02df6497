-- Lint (#17): what the revisions of a run would do that is unsafe on a
-- live database. Its rooms:
--   record   the statements each step runs, from the runtime's --sql target
--   parse    each statement through the real PostgreSQL parser
--   facts    the live database: rows and size of the tables touched, version
--   check    the rules over the statements, with the facts
--   rules/   one module per rule (rules/init.lua lists them)
--   report   finding lines and --json
-- Rule code is pure: only facts talks to the database.
local record = require("luamig.lint.record")
local parse = require("luamig.lint.parse")
local facts = require("luamig.lint.facts")
local check = require("luamig.lint.check")
local report = require("luamig.lint.report")

local M = {}

M.DEFAULT_SMALL_TABLE_ROWS = 10000

-- the rule of a statement the parser refuses
M.SYNTAX_ERROR = "syntax-error"

-- A statement the parser refuses fails on the server too.
local function refused_finding(r)
  return { revision = r.recorded.revision, path = r.recorded.path, line = r.recorded.line, rule = M.SYNTAX_ERROR,
           level = "error", message = "the PostgreSQL parser refuses this statement: " .. r.message,
           hint = "fix the SQL; luamig --sql shows the statement as it would be sent", statement = r.recorded.sql }
end

-- opts: { cfg, steps (revmap's), conn (nil: offline, no live facts) }
-- -> { findings = {...}, stopped = {...} } in run order
function M.run(opts)
  local recorded, stopped = record.steps(opts.cfg, opts.steps)
  local stmts, refused = parse.statements(recorded)
  local live = opts.conn and facts.read(opts.conn, stmts, opts.cfg.lint_small_table_rows or M.DEFAULT_SMALL_TABLE_ROWS)
  local findings = check.run(stmts, opts.cfg, live)
  for _, r in ipairs(refused) do findings[#findings + 1] = refused_finding(r) end
  return { findings = findings, stopped = stopped }
end

M.lines = report.lines
M.json = report.json
M.has_error = report.has_error

return M
