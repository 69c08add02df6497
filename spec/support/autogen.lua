-- Autogenerate specs' shared steps: run a rendered body on a connection,
-- the round trip of a model's differences (detected, its upgrade leaves
-- nothing to detect, its downgrade brings the same differences back), and
-- an edit from one model to another.
local helpers = require("support.helpers")
local autogen = require("luamig.autogen")
local assert = require("luassert")  -- the specs' assert: a required module sees the plain one

local M = {}

-- Runs a rendered body as a revision's upgrade; error is there, as in a
-- revision file, for the steps autogenerate refuses.
function M.run_body(conn, body)
  local fn = assert(load("return function(op)\n" .. body .. "\nend", "=rendered", "t", { error = error }))()
  helpers.apply(conn, fn)
end

function M.describe_diffs(conn, model, opts)
  return autogen.describe(autogen.compare(conn, model, opts))
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

-- The rendered upgrade and downgrade from the database to model.
function M.render_of(conn, model, opts)
  return autogen.render(autogen.compare(conn, model, opts))
end

-- `before` made in the database (nothing to do when it is there already),
-- then the edit to `after`: detected exactly as `expected`, the upgrade
-- leaves nothing to detect, the downgrade brings `before` back.
-- Returns the rendered upgrade and downgrade.
function M.edit(conn, before, after, expected, opts)
  M.run_body(conn, (M.render_of(conn, before, opts)))
  assert.same({}, M.describe_diffs(conn, before, opts))
  local diffs = autogen.compare(conn, after, opts)
  assert.same(expected, autogen.describe(diffs))
  local up, down = autogen.render(diffs)
  M.run_body(conn, up)
  assert.same({}, M.describe_diffs(conn, after, opts))
  M.run_body(conn, down)
  assert.same({}, M.describe_diffs(conn, before, opts))
  return up, down
end

return M
