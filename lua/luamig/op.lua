-- The operations revisions call: validate the arguments, build the SQL
-- through the dialect, and hand it to the migration context that the
-- runtime binds for the duration of a run (online: the connection;
-- offline: the SQL script being printed).
local args = require("luamig.args")
local ddl = require("luamig.ddl")
local lists = require("luamig.lists")
local own_progress = require("luamig.op_progress")

local keys, type_of = ddl.keys, args.type_of

local M = {}

-- SQL NULL where a Lua nil cannot stand: a hole in a params list or in a
-- positional bulk_insert row, `default = op.NULL` (drop the default) and
-- `comment = op.NULL` (drop the comment) in alter_column.
M.NULL = ddl.NULL

local context = nil

-- true while an op.rows loop is reading its result: the connection can
-- carry nothing else until it is done.
local reading = false

-- Called by the runtime around a run; ctx provides execute(sql, params),
-- query(sql, params), stream(sql, params), copy_in(sql, chunks),
-- autocommit(fn), in_transaction() and offline.
function M.bind(ctx) context, reading = ctx, false end
function M.unbind() context, reading = nil, false end

local function ctx(fname)
  if context == nil then
    error(("op.%s: no migration is running"):format(fname), 0)
  end
  if reading then
    error(("op.%s: an op.rows loop is still reading its result on this connection; "
      .. "collect what you need and call op.%s after the loop"):format(fname, fname), 0)
  end
  return context
end

------------------------------------------------------------- validation

local function check(fname, cond, msg, ...)
  if not cond then args.fail("op." .. fname, msg, ...) end
end

local function check_name(fname, argname, value)
  args.non_empty_string("op." .. fname, argname, value)
end

-- A constraint name may be nil: the server then picks one.
local function check_optional_name(fname, argname, value)
  if value ~= nil then check_name(fname, argname, value) end
end

-- opts (nil: {}) with only keys of known, each of the types it names
-- ("string", "string|op.NULL"...).
local function options(fname, opts, known)
  return args.options("op." .. fname, opts, known)
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

-- Builds the statements with ddl[fname] and runs them: the shape of most
-- DDL operations once their arguments are checked.
local function ddl_op(fname, ...)
  run_all(ctx(fname), build(fname, ddl[fname], ...))
end

----------------------------------------------------------------- SQL

local function check_sql(fname, sql)
  check(fname, type(sql) == "string" and sql:find("%S") ~= nil, "sql must be a non-empty string")
end

function M.execute(sql, params)
  check_sql("execute", sql)
  return ctx("execute"):execute(sql, ddl.bind_params("op.execute", params))
end

-- Rows as tables keyed by column name. The C binding converts by type:
-- int2/int4/int8/oid to integers, float4/float8 to floats, bool to
-- booleans, everything else (numeric included, to keep its digits) to
-- strings; a NULL field is absent from its row (nil).
function M.query(sql, params)
  check_sql("query", sql)
  return (ctx("query"):query(sql, ddl.bind_params("op.query", params)))
end

-- An iterator over a large result, read row by row (libpq single-row
-- mode), so memory stays bounded whatever the size of the result:
--   for row in op.rows("SELECT ...") do ... end
-- With batch = n it yields lists of up to n rows instead.
-- The connection is busy until the loop ends, so the loop body cannot run
-- other op calls; leaving the loop early (break, error) reads and drops
-- the rest of the result (a cancel would abort the revision's transaction);
-- the runtime closes an iterator left unfinished when the revision ends.
function M.rows(sql, params, batch)
  check_sql("rows", sql)
  check("rows", batch == nil or (math.type(batch) == "integer" and batch > 0),
    "batch must be a positive integer, got %s", tostring(batch))
  local c = ctx("rows")
  local fetch = c:stream(sql, ddl.bind_params("op.rows", params))
  local finished = false
  local report = own_progress.rows_counter(c)
  reading = true
  local function next_row()
    if finished then return nil end
    -- stays finished if fetch raises: the binding has drained already
    finished, reading = true, false
    local row = fetch()
    if row ~= nil then finished, reading = false, true end
    report(row == nil)
    return row
  end
  local closer = setmetatable({}, { __close = function()
    while next_row() ~= nil do end
  end })
  if batch == nil then return next_row, nil, nil, closer end
  local function next_batch()
    local rows = {}
    for i = 1, batch do
      local row = next_row()
      if row == nil then break end
      rows[i] = row
    end
    if rows[1] ~= nil then return rows end
    return nil
  end
  return next_batch, nil, nil, closer
end

---------------------------------------------------------------- progress

-- op.progress(done, total?, label?): a revision's own loop says how far it
-- got; the runtime decides how it is shown (ctx.progress), or whether at
-- all. Allowed inside an op.rows loop, which is where such loops run.
function M.progress(done, total, label)
  check("progress", math.type(done) == "integer" and done >= 0, "done must be a non-negative integer")
  check("progress", total == nil or (math.type(total) == "integer" and total >= 0),
    "total must be nil or a non-negative integer")
  check("progress", label == nil or type(label) == "string", "label must be nil or a string")
  if context == nil then error("op.progress: no migration is running", 0) end
  own_progress.revision_reported()
  if context.progress then context:progress(done, total, label) end
end

------------------------------------------------------------ bulk insert

-- Pulls rows from a list or an iterator function, one at a time.
-- The rows of a list or of an iterator function. A list goes on to its
-- highest index, so a nil among its rows is an error naming it, not the
-- silent end of the list (past that index, rows[i] is read as long as it
-- is a row, for a list served by __index).
local function row_source(rows)
  if type(rows) == "function" then return rows, nil end
  local last = 0
  for k in pairs(rows) do
    if math.type(k) == "integer" and k > last then last = k end
  end
  local i = 0
  return function()
    i = i + 1
    local row = rows[i]
    check("bulk_insert", row ~= nil or i > last, "row %d is nil but the rows list goes on to row %d", i, last)
    return row
  end, last
end

local function is_keyed(row)
  for k in pairs(row) do
    if type(k) == "string" and k ~= "n" then return true end
  end
  return false
end

local BATCH_ROWS = 1000

-- COPY data as chunks of BATCH_ROWS rows built lazily, so a million rows
-- never sit in memory as one payload. first is the row already read from
-- next_row; the encoding itself is done in C by ddl.copy_rows, which also
-- checks that every row has the first row's shape (keyed or positional)
-- and only known columns: a typo would otherwise silently insert NULL.
local function copy_chunks(first, next_row, columns, keyed)
  local ncols = columns and #columns or (first.n or #first)
  local pending, count, batch = first, 0, {}
  return function()
    if pending == nil then return nil end
    local n = 0
    while pending ~= nil and n < BATCH_ROWS do
      n = n + 1
      batch[n] = pending
      pending = next_row()
    end
    local ok, text = pcall(ddl.copy_rows, batch, n, ncols, columns, keyed)
    if not ok then
      -- the encoder counts rows within the batch
      error(("op.bulk_insert: %s"):format(tostring(text):gsub("^row (%d+)", function(r)
        return "row " .. (count + tonumber(r))
      end)), 0)
    end
    count = count + n
    return text
  end, function() return count end
end

local bulk_insert_options = { columns = "table", schema = "string" }

-- Inserts many rows with COPY ... FROM STDIN. rows is a list of rows or an
-- iterator function returning one row per call (nil at the end). A row is
-- either positional { v1, v2, ... } (in opts.columns order, or in the
-- table's column order when opts.columns is absent) or keyed by column
-- name { id = 1, email = "..." }; keyed rows need opts.columns, because the
-- keys of a row cannot tell the column order nor a NULL (an absent key)
-- from a column left out. nil or op.NULL is NULL. Returns the row count.
function M.bulk_insert(table_name, rows, opts)
  check_name("bulk_insert", "table name", table_name)
  check("bulk_insert", type(rows) == "table" or type(rows) == "function",
    "rows must be a list of rows or an iterator function, got %s", type_of(rows))
  opts = options("bulk_insert", opts, bulk_insert_options)
  local c = ctx("bulk_insert")
  local next_row, total = row_source(rows)
  local first = next_row()
  if first == nil then return 0 end
  check("bulk_insert", type(first) == "table", "row 1 must be a table, got %s", type_of(first))
  local keyed = is_keyed(first)
  check("bulk_insert", not keyed or opts.columns ~= nil,
    "rows keyed by column name need opts.columns (the column order)")
  local sql = build("bulk_insert", ddl.copy_from_stdin, "op.bulk_insert", table_name, opts.columns, opts.schema)
  local chunks, count = copy_chunks(first, next_row, opts.columns, keyed)
  local label = "op.bulk_insert " .. (opts.schema and (opts.schema .. ".") or "") .. table_name
  local info = c:copy_in(sql, own_progress.chunks(c, chunks, count, total, label))
  return info and info.affected or count()
end

------------------------------------------------------------------ tables

local function columns_of(fname, columns)
  check(fname, type(columns) == "table" and #columns > 0, "columns must be a non-empty list of column specs")
  local out = {}
  for i, spec in ipairs(columns) do
    out[i] = build(fname, ddl.column, "op." .. fname, spec)
  end
  return out
end

local create_table_options = { schema = "string", if_not_exists = "boolean", constraints = "table",
                               comment = "string", partition_by = "string", unlogged = "boolean", with = "table",
                               inherits = "table" }

-- Column specs and table options: DESIGN.md §7. Several columns with
-- primary_key = true make one composite primary key.
function M.create_table(name, columns, opts)
  check_name("create_table", "table name", name)
  opts = options("create_table", opts, create_table_options)
  for k in pairs(opts.constraints or {}) do
    check("create_table", math.type(k) == "integer", "constraints must be a list of constraint tables")
  end
  local cols = columns_of("create_table", columns)
  ddl_op("create_table", "op.create_table", name, cols, opts)
end

-- A table's persistence and storage options: unlogged = true|false
-- (SET UNLOGGED / SET LOGGED), with = { fillfactor = 70 } to set, reset =
-- { "fillfactor" } to reset; schema.
function M.alter_table(name, opts)
  check_name("alter_table", "table name", name)
  opts = options("alter_table", opts, { schema = "string", unlogged = "boolean", with = "table", reset = "string|table" })
  ddl_op("alter_table", "op.alter_table", name, opts)
end

-- A partition of a partitioned table: bound is "FOR VALUES ..." or
-- "DEFAULT" (your SQL); it takes the parent's columns. opts.schema is
-- the partition's, opts.parent_schema the parent's.
function M.create_partition(name, parent, bound, opts)
  check_name("create_partition", "partition name", name)
  check_name("create_partition", "parent table name", parent)
  opts = options("create_partition", opts, { schema = "string", parent_schema = "string", if_not_exists = "boolean" })
  ddl_op("create_partition", "op.create_partition", name, parent, bound, opts)
end

function M.drop_table(name, opts)
  check_name("drop_table", "table name", name)
  ddl_op("drop_table", name, options("drop_table", opts, { schema = "string", if_exists = "boolean",
                                                           cascade = "boolean" }))
end

function M.rename_table(old, new, opts)
  check_name("rename_table", "old table name", old)
  check_name("rename_table", "new table name", new)
  ddl_op("rename_table", old, new, options("rename_table", opts, { schema = "string", if_exists = "boolean" }))
end

-- A nil comment (or op.NULL) removes the table's comment.
function M.create_table_comment(table_name, comment, opts)
  check_name("create_table_comment", "table name", table_name)
  check("create_table_comment", comment == nil or comment == ddl.NULL or type(comment) == "string",
    "comment must be a string or nil, got %s", type_of(comment))
  opts = options("create_table_comment", opts, { schema = "string" })
  run_all(ctx("create_table_comment"), build("create_table_comment", ddl.table_comment, table_name, comment, opts))
end

function M.drop_table_comment(table_name, opts)
  check_name("drop_table_comment", "table name", table_name)
  opts = options("drop_table_comment", opts, { schema = "string" })
  run_all(ctx("drop_table_comment"), ddl.table_comment(table_name, nil, opts))
end

----------------------------------------------------------------- columns

function M.add_column(table_name, column, opts)
  check_name("add_column", "table name", table_name)
  opts = options("add_column", opts, { schema = "string", if_not_exists = "boolean" })
  local col = build("add_column", ddl.column, "op.add_column", column)
  ddl_op("add_column", "op.add_column", table_name, col, opts)
end

function M.drop_column(table_name, name, opts)
  check_name("drop_column", "table name", table_name)
  check_name("drop_column", "column name", name)
  ddl_op("drop_column", table_name, name, options("drop_column", opts, { schema = "string",
                                                                        if_exists = "boolean", cascade = "boolean" }))
end

local alter_column_options = {
  type = "string", using = "string", nullable = "boolean", new_name = "string", schema = "string", statistics = "number",
  default = "string|number|boolean|op.NULL", comment = "string|op.NULL",
  identity = "string|table|op.NULL", set_identity = "string|table",
}

-- changes: { type, using, nullable, default, statistics, new_name, comment, schema }.
-- default is SQL text; default = op.NULL drops the default (false is the
-- SQL value false, as everywhere else); comment = op.NULL drops the
-- comment; new_name renames the column last. identity = "always" | "by
-- default" | { generation, start =, ... } adds an identity (op.NULL drops
-- it); set_identity = { generation?, start =, ... } changes an identity's
-- generation and sequence options.
function M.alter_column(table_name, name, changes)
  check_name("alter_column", "table name", table_name)
  check_name("alter_column", "column name", name)
  changes = options("alter_column", changes, alter_column_options)
  ddl_op("alter_column", "op.alter_column", table_name, name, changes)
end

----------------------------------------------------------------- indexes

-- A concurrent index build cannot run inside a transaction block.
local function check_not_in_transaction(fname, c, opts)
  check(fname, not (opts.concurrently and c:in_transaction()),
    "concurrently = true cannot run inside a transaction: set transaction = false on the revision, "
    .. "or wrap the call in op.autocommit(function() ... end)")
end

-- an index as the model DSL has it too, and how to build it
local create_index_options = lists.merge(keys.index, { concurrently = "boolean", if_not_exists = "boolean",
                                                       schema = "string" })

-- columns: a list whose items are column names (quoted as identifiers) or
-- tables { "name" | expr = "<SQL expression>", desc = true, opclass = "..." };
-- an expression is the user's SQL, checked for statement breaks like a
-- default and wrapped in parentheses. A single name may stand for the list.
function M.create_index(name, table_name, columns, opts)
  check_name("create_index", "index name", name)
  check_name("create_index", "table name", table_name)
  opts = options("create_index", opts, create_index_options)
  check_not_in_transaction("create_index", ctx("create_index"), opts)
  ddl_op("create_index", "op.create_index", name, table_name, columns, opts)
end

-- opts.schema names the index's schema (an index lives in its table's);
-- opts.table is accepted for Alembic compatibility and not needed.
function M.drop_index(name, opts)
  check_name("drop_index", "index name", name)
  opts = options("drop_index", opts, { schema = "string", if_exists = "boolean", concurrently = "boolean",
                                       cascade = "boolean", table = "string" })
  check_not_in_transaction("drop_index", ctx("drop_index"), opts)
  ddl_op("drop_index", name, opts)
end

------------------------------------------------------------- constraints

-- Adds constraint c to a table; the constraint builders below only differ
-- in the constraint they describe.
local function add_constraint(fname, table_name, c, opts)
  check_optional_name(fname, "constraint name", c.name)
  check_name(fname, "table name", table_name)
  run_all(ctx(fname), build(fname, ddl.add_constraint, "op." .. fname, table_name, c, opts))
end

local foreign_key_options = lists.merge(keys.referential, keys.deferral, keys.match, {
  referent_schema = keys.constraint.foreign_key.referent_schema, not_valid = "boolean", source_schema = "string" })

function M.create_foreign_key(name, source, referent, local_cols, remote_cols, opts)
  check_name("create_foreign_key", "referent table name", referent)
  opts = options("create_foreign_key", opts, foreign_key_options)
  add_constraint("create_foreign_key", source, {
    type = "foreign_key", name = name, columns = local_cols, referent = referent,
    referent_schema = opts.referent_schema, remote_columns = remote_cols, ondelete = opts.ondelete,
    onupdate = opts.onupdate, deferrable = opts.deferrable, initially = opts.initially, match = opts.match,
  }, { schema = opts.source_schema, not_valid = opts.not_valid })
end

function M.create_unique_constraint(name, table_name, columns, opts)
  opts = options("create_unique_constraint", opts, lists.merge(keys.deferral, { schema = "string" }))
  add_constraint("create_unique_constraint", table_name, { type = "unique", name = name, columns = columns,
    deferrable = opts.deferrable, initially = opts.initially }, opts)
end

function M.create_check_constraint(name, table_name, expr, opts)
  opts = options("create_check_constraint", opts, { schema = "string", not_valid = "boolean" })
  add_constraint("create_check_constraint", table_name, { type = "check", name = name, expr = expr }, opts)
end

function M.create_primary_key(name, table_name, columns, opts)
  opts = options("create_primary_key", opts, { schema = "string" })
  add_constraint("create_primary_key", table_name, { type = "primary_key", name = name, columns = columns }, opts)
end

-- elements: { { "column" | expr = "<SQL>", with = "&&" }, ... } (an
-- element may carry an index column's opclass, desc, nulls, collation);
-- opts.using is the access method (btree when absent), opts.where a
-- predicate (your SQL).
function M.create_exclude_constraint(name, table_name, elements, opts)
  opts = options("create_exclude_constraint", opts, lists.merge(keys.deferral, { schema = "string", using = "string",
                                                                                 where = "string" }))
  add_constraint("create_exclude_constraint", table_name, { type = "exclude", name = name, elements = elements,
    using = opts.using, where = opts.where, deferrable = opts.deferrable, initially = opts.initially }, opts)
end

-- opts.type ("foreignkey", "unique", ...) is accepted for Alembic
-- compatibility and ignored: PostgreSQL drops any constraint by name.
function M.drop_constraint(name, table_name, opts)
  check_name("drop_constraint", "constraint name", name)
  check_name("drop_constraint", "table name", table_name)
  ddl_op("drop_constraint", name, table_name, options("drop_constraint", opts, {
    schema = "string", type = "string", if_exists = "boolean", cascade = "boolean" }))
end

----------------------------------------------------------------- schemas

function M.create_schema(name, opts)
  check_name("create_schema", "schema name", name)
  ddl_op("create_schema", name, options("create_schema", opts, { if_not_exists = "boolean" }))
end

function M.drop_schema(name, opts)
  check_name("drop_schema", "schema name", name)
  ddl_op("drop_schema", name, options("drop_schema", opts, { if_exists = "boolean", cascade = "boolean" }))
end

-------------------------- extensions, sequences, enums, domains (#15)

function M.create_extension(name, opts)
  check_name("create_extension", "extension name", name)
  ddl_op("create_extension", name, options("create_extension", opts, { schema = "string", if_not_exists = "boolean" }))
end

function M.drop_extension(name, opts)
  check_name("drop_extension", "extension name", name)
  ddl_op("drop_extension", name, options("drop_extension", opts, { if_exists = "boolean", cascade = "boolean" }))
end

-- opts: schema (ALTER EXTENSION ... SET SCHEMA).
function M.alter_extension(name, opts)
  check_name("alter_extension", "extension name", name)
  ddl_op("alter_extension", "op.alter_extension", name, options("alter_extension", opts, { schema = "string" }))
end

local sequence_options = {
  schema = "string", as_type = "string", start = "number", increment = "number", minvalue = "number|op.NULL",
  maxvalue = "number|op.NULL", cache = "number", cycle = "boolean", owned_by = "string|op.NULL",
}

-- opts: schema, if_not_exists, as_type ("smallint" | "integer" | "bigint"),
-- start, increment, minvalue, maxvalue, cache, cycle, owned_by = "table.column"
-- (a table of the sequence's schema).
function M.create_sequence(name, opts)
  check_name("create_sequence", "sequence name", name)
  opts = options("create_sequence", opts, lists.merge(sequence_options, { if_not_exists = "boolean" }))
  ddl_op("create_sequence", "op.create_sequence", name, opts)
end

-- The options of create_sequence that change; minvalue, maxvalue = op.NULL
-- are NO MINVALUE, NO MAXVALUE; owned_by = op.NULL is OWNED BY NONE.
function M.alter_sequence(name, opts)
  check_name("alter_sequence", "sequence name", name)
  ddl_op("alter_sequence", "op.alter_sequence", name, options("alter_sequence", opts, sequence_options))
end

-- ALTER SEQUENCE ... RENAME TO (an identity column's sequence too).
function M.rename_sequence(old, new, opts)
  check_name("rename_sequence", "sequence name", old)
  check_name("rename_sequence", "new name", new)
  ddl_op("rename_sequence", old, new, options("rename_sequence", opts, { schema = "string" }))
end

function M.drop_sequence(name, opts)
  check_name("drop_sequence", "sequence name", name)
  ddl_op("drop_sequence", name, options("drop_sequence", opts, { schema = "string", if_exists = "boolean",
                                                                 cascade = "boolean" }))
end

-- values: the enum's labels in order.
function M.create_enum(name, values, opts)
  check_name("create_enum", "type name", name)
  ddl_op("create_enum", "op.create_enum", name, values, options("create_enum", opts, { schema = "string" }))
end

function M.drop_enum(name, opts)
  check_name("drop_enum", "type name", name)
  ddl_op("drop_enum", name, options("drop_enum", opts, { schema = "string", if_exists = "boolean",
                                                         cascade = "boolean" }))
end

-- ALTER TYPE ... ADD VALUE: the new value cannot be used before the
-- transaction that adds it commits (and before PostgreSQL 12 it cannot run
-- in one at all), so autogenerate writes it inside op.autocommit.
function M.add_enum_value(name, value, opts)
  check_name("add_enum_value", "type name", name)
  ddl_op("add_enum_value", "op.add_enum_value", name, value, options("add_enum_value", opts, {
    schema = "string", before = "string", after = "string", if_not_exists = "boolean" }))
end

-- opts: schema, nullable (false: NOT NULL), default (SQL), constraints =
-- { { name = "year_check", check = "VALUE >= 1901" } }.
function M.create_domain(name, base_type, opts)
  check_name("create_domain", "domain name", name)
  opts = options("create_domain", opts, { schema = "string", nullable = "boolean", default = "string",
                                           constraints = "table" })
  ddl_op("create_domain", "op.create_domain", name, base_type, opts)
end

-- opts: schema, default (SQL; op.NULL drops it), nullable, drop_constraint
-- = name, add_constraint = { name =, check = }: ALTER DOMAIN, one statement each.
function M.alter_domain(name, opts)
  check_name("alter_domain", "domain name", name)
  ddl_op("alter_domain", "op.alter_domain", name, options("alter_domain", opts, { schema = "string",
    default = "string|op.NULL", nullable = "boolean", drop_constraint = "string", add_constraint = "table" }))
end

function M.drop_domain(name, opts)
  check_name("drop_domain", "domain name", name)
  ddl_op("drop_domain", name, options("drop_domain", opts, { schema = "string", if_exists = "boolean",
                                                             cascade = "boolean" }))
end

----------------------------------------- op functions in modules of their own

-- Functions, triggers, views, aggregates (op_routines) and a table's place
-- among others (op_tables), issue 15; backfills (op_backfill), issue 16.
-- Each module's functions check as op checks, with the helpers bound here.
do
  local kit = { check = check, check_name = check_name, ddl_op = ddl_op, options = options, ctx = ctx,
                progress = M.progress }
  for _, module in ipairs { "luamig.op_routines", "luamig.op_tables", "luamig.op_backfill" } do
    local part = require(module)
    part.bind(kit)
    for name, fn in pairs(part.functions) do M[name] = fn end
  end
end

------------------------------------------------------------ transactions

-- Runs fn() outside the revision's transaction (committing what came
-- before, opening a new transaction after), for CREATE INDEX CONCURRENTLY
-- and other statements PostgreSQL refuses inside a transaction block.
function M.autocommit(fn)
  check("autocommit", type(fn) == "function", "fn must be a function, got %s", type_of(fn))
  ctx("autocommit"):autocommit(fn)
end

return M
