-- op.backfill (issue 16, DESIGN.md §10): a large table updated in
-- batches that walk its key in order, each batch one short transaction
-- with its progress row in luamig_backfill, so that a kill loses at most
-- the batch in flight and a rerun of the revision continues after the
-- last key committed. luamig.op installs it with its own checks.
local core = require("luamig.core")
local ddl = require("luamig.ddl")
local display = require("luamig.display")
local errors = require("luamig.errors")
local luamig = require("luamig")

local F = {}

-- luamig.op's helpers, bound by luamig.op
local check, options, ctx, progress

local DEFAULT_BATCH = 5000
-- lock_timeout (55P03): tries of one batch, and the first wait (doubling)
local LOCK_TRIES, FIRST_BACKOFF = 5, 0.1

local spec_options = { set = "table", fn = "function", where = "string", key = "string|table", batch = "number",
                       pause = "number", name = "string", schema = "string" }

-- "backfill items: 60 rows done, last key {"id": 60}": how far it got,
-- as a failure and an interruption (the migrator's) tell it.
local function how_far(b)
  if b.last_key == nil then return ("backfill %s: no batch done yet"):format(b.name) end
  return ("backfill %s: %d rows done, last key %s"):format(b.name, b.rows_done, b.last_key)
end

local function fail(b, msg, ...)
  error(("op.backfill %s: " .. msg):format(b.name, ...), 0)
end

-- The table's columns ({ name = {generated} }) and its key: spec.key's
-- names, else the primary key's.
local function read_table(c, b, spec_key)
  local rows = c:query(ddl.backfill_columns_query(b.table, b.schema))
  if #rows == 0 then fail(b, "no table %s", b.label) end
  local columns, primary = {}, {}
  for _, row in ipairs(rows) do
    columns[row.name] = row
    if row.key_position then primary[row.key_position] = row.name end
  end
  local key = spec_key
  if type(key) == "string" then key = { key } end
  if key == nil then
    if #primary == 0 then fail(b, "table %s has no primary key: give spec.key (columns that order and identify its rows)", b.label) end
    key = primary
  end
  check("backfill", #key > 0, "spec.key must name at least one column")
  for _, k in ipairs(key) do
    if not columns[k] then fail(b, "table %s has no column %s (spec.key)", b.label, tostring(k)) end
  end
  b.columns, b.key = columns, key
end

-- spec.set as { {column, expr} } in column-name order, each column checked.
local function set_list(b, set)
  local out = {}
  for column, expr in pairs(set) do
    check("backfill", type(column) == "string" and type(expr) == "string",
      "spec.set must map column names to SQL expressions")
    if not b.columns[column] then fail(b, "table %s has no column %s", b.label, column) end
    out[#out + 1] = { column, expr }
  end
  check("backfill", #out > 0, "spec.set must set at least one column")
  table.sort(out, function(x, y) return x[1] < y[1] end)
  return out
end

-- The backfill's state from its progress row (made when missing).
local function start(c, b)
  local books_name, books_schema = c:backfill_table()
  b.books_table, b.books_schema = books_name, books_schema
  local row = c:query(ddl.backfill_start(books_schema, b.revision, b.name))[1]
  b.rows_done, b.batches, b.last_key, b.final = row.rows_done, row.batches, row.last_key, row.finished
  local estimate = not b.where and c:query(ddl.row_estimate_query(b.table, b.schema))[1]
  b.total = estimate and estimate.n >= 0 and estimate.n or nil
end

-- After a batch committed: its progress row's state, told to the runtime
-- (for an interruption's message) and shown as progress.
local function moved(c, b, row)
  b.rows_done, b.batches, b.last_key = row.rows_done, row.batches, row.last_key
  c.backfill_note = how_far(b)
  progress(b.rows_done, b.total and math.max(b.total, b.rows_done), "backfill " .. b.name)
end

local function is_lock_timeout(err)
  return errors.is_db_error(err) and err.sqlstate == "55P03"
end

-- Runs one batch (attempt()), again after a lock_timeout with a doubling
-- wait; rollback() (Lua path) ends the transaction of a failed try.
local function with_retries(b, attempt, rollback)
  local wait = FIRST_BACKOFF
  for try = 1, LOCK_TRIES do
    local ok, result = pcall(attempt)
    if ok then return result end
    if rollback then rollback() end
    -- op.backfill's own refusals (fn's result) say what is wrong already
    if type(result) == "string" and result:find("^op%.backfill[ :]") then error(result, 0) end
    if not is_lock_timeout(result) or try == LOCK_TRIES then
      local cause = errors.describe(result)
      if is_lock_timeout(result) then cause = ("batch %d hit lock_timeout %d times: %s"):format(b.batches + 1, try, cause) end
      fail(b, "%s; %s; %s", cause, how_far(b), b.last_key and "a rerun continues after it" or "a rerun starts it")
    end
    core.sleep(wait)
    wait = wait * 2
  end
end

------------------------------------------------------------------ SQL path

-- One statement per batch: the bound of the batch (the batch-th key),
-- then the UPDATE with its progress row.
local function sql_batch(c, b, set)
  return with_retries(b, function()
    local bound = c:query(ddl.backfill_bound(b, b.last_key, b.batch))[1]
    b.final = bound == nil
    return c:query(ddl.backfill_sql_batch(b, set, b.last_key, bound and bound.key))[1]
  end)
end

------------------------------------------------------------------ Lua path

-- A value as JSON: an integer or a plain string (the common case, a
-- million times per backfill) directly, the rest by display.json.
local function json_value(v)
  if math.type(v) == "integer" then return tostring(v) end
  if type(v) == "string" and not v:find('[%c"\\\128-\255]') then return '"' .. v .. '"' end
  if v == ddl.NULL then return "null" end
  return display.json(v)
end

-- fn's result for row i, checked: nil or a table of known columns that
-- are neither key nor generated.
local function checked_change(b, i, change)
  check("backfill", change == nil or type(change) == "table", "fn's result for row %d must be a table or nil", i)
  for column in pairs(change or {}) do
    local col = type(column) == "string" and b.columns[column]
    if not col then fail(b, "fn's result for row %d sets %s, which table %s has no column of", i, tostring(column), b.label) end
    if col.generated or b.is_key[column] then fail(b, "fn's result for row %d sets %s, a key or generated column", i, column) end
  end
  return change ~= nil and next(change) ~= nil and change or nil
end

-- The batch's write (ddl.backfill_lua_batch's w): the keys of the rows
-- fn changed and, per column any of them sets, the new values and (when
-- not all set it) which rows do.
local function writes_of(b, rows, results)
  check("backfill", type(results) == "table", "spec.fn must return a list of tables, got %s", type(results))
  local changed, columns, seen = {}, {}, {}
  for i = 1, #rows do
    local change = checked_change(b, i, results[i])
    if change then
      changed[#changed + 1] = i
      for column in pairs(change) do
        if not seen[column] then seen[column], columns[#columns + 1] = true, column end
      end
    end
  end
  table.sort(columns)
  local n, w = #changed, { keys = {}, sets = {} }
  for k, key in ipairs(b.key) do
    local values = {}
    for j, i in ipairs(changed) do values[j] = rows[i][key] end
    w.keys[k] = ddl.text_array(values, n)
  end
  for c, column in ipairs(columns) do
    local values, flags, all = {}, {}, true
    for j, i in ipairs(changed) do
      local v = results[i][column]
      values[j], flags[j] = v, v ~= nil
      all = all and v ~= nil
    end
    w.sets[c] = { column, b.columns[column].type, ddl.text_array(values, n, ddl.NULL), not all and ddl.text_array(flags, n) or nil }
  end
  return w
end

-- The key of a row as a jsonb object's text.
local function key_of(b, row)
  local fields = {}
  for i, k in ipairs(b.key) do fields[i] = json_value(k) .. ":" .. json_value(row[k]) end
  return "{" .. table.concat(fields, ",") .. "}"
end

-- One transaction per batch: read the rows (locked), fn, one write.
local function lua_batch(c, b, fn)
  return with_retries(b, function()
    c:execute(ddl.BEGIN)
    local rows = c:query(ddl.backfill_read(b, b.last_key, b.batch))
    b.final = #rows < b.batch
    local w = writes_of(b, rows, fn(rows))
    local row = c:query(ddl.backfill_lua_batch(b, w, b.last_key, rows[1] and key_of(b, rows[#rows])))[1]
    c:execute(ddl.COMMIT)
    return row
  end, function() pcall(c.execute, c, ddl.ROLLBACK) end)
end

------------------------------------------------------------------ op.backfill

-- The names the backfills of each running revision took, per run
-- (context): two backfills of one name would share a progress row, and
-- the second would find the first one's done.
local names_taken = setmetatable({}, { __mode = "k" })

local function take_name(c, b)
  local run = luamig.context()
  local step = ("%s %s"):format(run.revision, run.direction)
  local taken = names_taken[c] or {}
  names_taken[c] = taken
  taken[step] = taken[step] or {}
  if taken[step][b.name] then
    fail(b, "another op.backfill of this revision is named %s: give each its own spec.name", b.name)
  end
  taken[step][b.name] = true
end

local function checked_spec(table_name, spec)
  check("backfill", type(table_name) == "string" and table_name ~= "", "table name must be a non-empty string")
  spec = options("backfill", spec, spec_options)
  check("backfill", (spec.set == nil) ~= (spec.fn == nil), "give spec.set or spec.fn, not both")
  check("backfill", spec.batch == nil or (math.type(spec.batch) == "integer" and spec.batch > 0),
    "spec.batch must be a positive integer")
  check("backfill", spec.pause == nil or spec.pause >= 0, "spec.pause must be a non-negative number of seconds")
  return spec
end

-- spec: set = { col = "SQL expression" } or fn = function(rows) ... end;
-- where, key, batch, pause, name, schema (DESIGN.md §10). Returns the rows
-- the backfill updated, in this run and the ones it continues.
function F.backfill(table_name, spec)
  spec = checked_spec(table_name, spec)
  local c = ctx("backfill")
  if c.offline then error("op.backfill needs a database connection; it cannot run in --sql mode", 0) end
  check("backfill", not c:in_transaction(), "only in a revision with transaction = false: each batch commits on its own")
  local b = { what = "op.backfill", table = table_name, schema = spec.schema, where = spec.where,
              name = spec.name or table_name, batch = spec.batch or DEFAULT_BATCH, is_key = {},
              label = spec.schema and (spec.schema .. "." .. table_name) or table_name,
              revision = luamig.context().revision }
  take_name(c, b)
  read_table(c, b, spec.key)
  b.key_types = {}
  for i, k in ipairs(b.key) do b.is_key[k], b.key_types[i] = true, b.columns[k].type end
  local set = spec.set and set_list(b, spec.set)
  start(c, b)
  while not b.final do
    local row = set and sql_batch(c, b, set) or lua_batch(c, b, spec.fn)
    moved(c, b, row)
    if spec.pause and spec.pause > 0 and not b.final then core.sleep(spec.pause) end
  end
  c.backfill_note = nil
  return b.rows_done
end

return {
  functions = F,
  bind = function(kit) check, options, ctx, progress = kit.check, kit.options, kit.ctx, kit.progress end,
}
