-- The statements each step would run, recorded by the runtime's --sql
-- target (targets.recorder): the same op calls, op.execute SQL and
-- transactions as `upgrade --sql` prints, each with the line of the
-- revision file it came from and whether it runs in a transaction.
local runtime = require("luamig.runtime")
local targets = require("luamig.runtime.targets")
local errors = require("luamig.errors")
local core = require("luamig.core")

local M = {}

-- Why a step's recording stopped early: it needs the database (op.query,
-- op.rows) or it failed; { revision, path, line, message }.
local function stop_of(node, err)
  if errors.is_revision_error(err) and targets.needs_database(err.cause) then
    return { revision = node.revision, path = node.path, line = err.cause.line,
             message = ("%s needs the database: linted up to this line"):format(err.cause.what) }
  end
  local line = errors.is_revision_error(err) and err.line or nil
  return { revision = node.revision, path = node.path, line = line,
           message = "the revision fails before the end: " .. errors.describe(errors.is_revision_error(err) and err.cause or err) }
end

-- What ends the recording of every step: a signal (Ctrl-C stops lint as
-- it stops a run), or an error outside the revision's own code (its file
-- cannot be loaded), which the real run must not meet as something else.
local function stops_all(node, err)
  if core.interrupted() then
    return errors.revision_error(node, "upgrade", ("interrupted by %s while lint recorded it before the run: nothing was applied")
      :format(core.interrupted()), errors.is_revision_error(err) and err.line or nil)
  end
  if not errors.is_revision_error(err) then return err end
  return nil
end

-- The step with its upgrade function wrapped to mark target.inside while
-- it runs (the rest of the revision file's table as it is). No pcall: the
-- runner's message handler must see the revision's frames on an error
-- (its line); after one, the next step clears the mark.
local function marked(step, target)
  local source = step.source or step.node
  local upgrade = source.upgrade
  local copy = setmetatable({}, { __index = step })
  copy.source = setmetatable({ upgrade = upgrade and function(...)
    target.inside = true
    upgrade(...)
    target.inside = false
  end }, { __index = source })
  return copy
end

-- steps (revmap's) -> statements { source, revision, path, line, sql, in_transaction }, stops
function M.steps(cfg, steps)
  local statements, stops = {}, {}
  local node, source
  local target = targets.recorder(function(sql, line, in_transaction)
    statements[#statements + 1] = { source = source, revision = node.revision, path = node.path, line = line,
                                    sql = sql, in_transaction = in_transaction }
  end)
  local m = runtime.new({ cfg = cfg, target = target })
  for _, step in ipairs(steps) do
    node, source = step.node, step.source or step.node
    target.path, target.inside = node.path, false
    local ok, err = pcall(m.run, m, { marked(step, target) })
    if not ok then
      local fatal = stops_all(node, err)
      if fatal then error(fatal, 0) end
      stops[#stops + 1] = stop_of(node, err)
    end
  end
  return statements, stops
end

return M
