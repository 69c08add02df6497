-- The operations revisions call: validate the arguments, build the SQL
-- through the dialect, and hand it to the migration context that the
-- runtime binds for the duration of a run (online: the connection;
-- offline: the SQL script being printed).
local ddl = require("luamig.ddl")

local M = {}

local context = nil

-- Called by the runtime around a run; ctx provides execute(sql, params),
-- query(sql, params), stream(sql, params), copy_in(sql, chunks),
-- autocommit(fn), in_transaction() and offline.
function M.bind(ctx) context = ctx end
function M.unbind() context = nil end

local function ctx(fname)
  if context == nil then
    error(("op.%s: no migration is running"):format(fname), 0)
  end
  return context
end

------------------------------------------------------------- validation

local function check(fname, cond, msg, ...)
  if not cond then error(("op.%s: " .. msg):format(fname, ...), 0) end
end

local function check_name(fname, argname, value)
  check(fname, type(value) == "string" and value ~= "", "%s must be a non-empty string, got %s",
    argname, type(value) == "string" and "an empty string" or type(value))
end

-- Checks that opts is nil or a table holding only known keys.
local function options(fname, opts, known)
  if opts == nil then return {} end
  check(fname, type(opts) == "table", "options must be a table, got %s", type(opts))
  for k in pairs(opts) do
    check(fname, known[k], "unknown option %q", tostring(k))
  end
  return opts
end

local function keys(...)
  local set = {}
  for _, k in ipairs({ ... }) do set[k] = true end
  return set
end

local function run_all(c, stmts)
  for _, sql in ipairs(stmts) do c:execute(sql) end
end

-- Wraps a dialect builder's plain error into "op.fname: ..." once.
local function build(fname, builder, ...)
  local ok, result = pcall(builder, ...)
  if not ok then
    local msg = tostring(result)
    if not msg:find("^op%.") then msg = ("op.%s: %s"):format(fname, msg) end
    error(msg, 0)
  end
  return result
end

----------------------------------------------------------------- SQL

local function check_params(fname, params)
  check(fname, params == nil or type(params) == "table", "params must be a table, got %s", type(params))
end

function M.execute(sql, params)
  check("execute", type(sql) == "string" and sql:find("%S"), "sql must be a non-empty string")
  check_params("execute", params)
  return ctx("execute"):execute(sql, params)
end

function M.query(sql, params)
  check("query", type(sql) == "string" and sql:find("%S"), "sql must be a non-empty string")
  check_params("query", params)
  return (ctx("query"):query(sql, params))
end

------------------------------------------------------------------ tables

local create_table_options = keys("schema", "if_not_exists", "constraints", "comment")

local function columns_of(fname, columns)
  check(fname, type(columns) == "table" and #columns > 0, "columns must be a non-empty list of column specs")
  local out = {}
  for i, spec in ipairs(columns) do
    out[i] = build(fname, ddl.column, "op." .. fname, spec)
  end
  return out
end

function M.create_table(name, columns, opts)
  check_name("create_table", "table name", name)
  opts = options("create_table", opts, create_table_options)
  local cols = columns_of("create_table", columns)
  run_all(ctx("create_table"), build("create_table", ddl.create_table, "op.create_table", name, cols, opts))
end

local drop_table_options = keys("schema", "if_exists", "cascade")

function M.drop_table(name, opts)
  check_name("drop_table", "table name", name)
  opts = options("drop_table", opts, drop_table_options)
  run_all(ctx("drop_table"), build("drop_table", ddl.drop_table, name, opts))
end

local add_column_options = keys("schema", "if_not_exists")

function M.add_column(table_name, column, opts)
  check_name("add_column", "table name", table_name)
  opts = options("add_column", opts, add_column_options)
  local col = build("add_column", ddl.column, "op.add_column", column)
  run_all(ctx("add_column"), build("add_column", ddl.add_column, "op.add_column", table_name, col, opts))
end

local drop_column_options = keys("schema", "if_exists", "cascade")

function M.drop_column(table_name, name, opts)
  check_name("drop_column", "table name", table_name)
  check_name("drop_column", "column name", name)
  opts = options("drop_column", opts, drop_column_options)
  run_all(ctx("drop_column"), build("drop_column", ddl.drop_column, table_name, name, opts))
end

return M
