-- Autogenerate specs' shared steps: run a rendered body on a connection,
-- and the round trip of a model edit (detected, its upgrade leaves
-- nothing to detect, its downgrade brings the same differences back).
local helpers = require("support.helpers")
local autogen = require("luamig.autogen")
local assert = require("luassert")  -- the specs' assert: a required module sees the plain one

local M = {}

function M.run_body(conn, body)
  local fn = assert(load("return function(op)\n" .. body .. "\nend", "=rendered", "t", {}))()
  helpers.apply(conn, fn)
end

function M.describe_diffs(conn, model)
  return autogen.describe(autogen.compare(conn, model))
end

-- compare -> render -> upgrade -> check clean -> downgrade -> the first state again.
function M.round_trip(conn, model)
  local before = autogen.compare(conn, model)
  assert.is_true(#before > 0, "expected differences before the upgrade")
  local up, down = autogen.render(before)
  M.run_body(conn, up)
  assert.same({}, M.describe_diffs(conn, model))
  M.run_body(conn, down)
  assert.same(autogen.describe(before), M.describe_diffs(conn, model))
  return up, down
end

return M
