-- The PostgreSQL dialect: the only place SQL text is built. Identifiers go
-- through ident, values become $n parameters or literals; type names and
-- SQL expressions (defaults, checks, index expressions and predicates) are
-- the user's SQL by design and are checked for statement breaks.
--
-- Builders take `what` (the "op.fn" prefix for messages) where they
-- validate, and return an array of statements. Each concern has its own
-- module; this table is the whole surface the other layers use.
local backfill = require("luamig.ddl.backfill")
local bookkeeping = require("luamig.ddl.bookkeeping")
local column = require("luamig.ddl.column")
local constraint = require("luamig.ddl.constraint")
local copy = require("luamig.ddl.copy")
local index = require("luamig.ddl.index")
local lint = require("luamig.ddl.lint")
local keys = require("luamig.ddl.keys")
local objects = require("luamig.ddl.objects")
local quote = require("luamig.ddl.quote")
local scratch = require("luamig.ddl.scratch")
local routine = require("luamig.ddl.routine")
local tables = require("luamig.ddl.table")
local aggregate = require("luamig.ddl.aggregate")

local M = {}

-- M[name] = module[name] for each name, which the module must define.
local function export(module, names)
  for _, name in ipairs(names) do M[name] = assert(module[name], name) end
end

-- the keys of the option tables op and the model DSL share
M.keys = keys

export(quote, { "NULL", "ident", "qualified", "literal", "inline_params", "bind_params", "comment_text" })

-- schema operations
export(tables, { "create_table", "drop_table", "rename_table", "table_comment", "create_schema", "drop_schema" })
export(tables, { "create_partition", "alter_table" })
-- edits of existing tables (issue 15): a partition's bound, INHERITS
export(tables, { "detach_partition", "attach_partition", "inherit", "no_inherit" })
export(column, { "column", "add_column", "drop_column", "alter_column" })
export(constraint, { "parse_reference", "foreign_key_target", "table_constraint", "add_constraint",
                     "drop_constraint" })
export(index, { "index_column", "create_index", "drop_index" })
export(index, { "exclude_element" })
export(copy, { "copy_from_stdin", "copy_rows" })
-- the objects tables need (issue 15): extensions, sequences, enums, domains
export(objects, { "create_extension", "drop_extension", "create_sequence", "alter_sequence", "drop_sequence",
                  "create_enum", "drop_enum", "add_enum_value", "create_domain", "drop_domain",
                  "alter_domain", "alter_extension", "rename_sequence" })

-- autogenerate's scratch objects (issue 15 item 7: the server's equality)
export(scratch, { "scratch_table", "scratch_default", "scratch_check" })
export(scratch, { "scratch_partitioned", "scratch_partition", "scratch_function" })
-- the objects that depend on tables: functions, triggers, views (issue 15)
export(routine, { "function_identity", "create_function", "drop_function", "create_trigger", "drop_trigger", "create_view", "drop_view",
                  "comment_on_trigger", "comment_on_view", "comment_on_policy",
                  "enable_row_security", "disable_row_security", "create_policy", "drop_policy" })
-- aggregates (issue 15: pagila's views call one)
export(aggregate, { "create_aggregate", "drop_aggregate", "aggregate_fields" })

-- op.backfill's batches and its progress table (issue 16)
export(backfill, { "BACKFILL_TABLE", "create_backfill_table", "backfill_start", "delete_backfills", "backfills_query",
                   "table_present_query", "backfill_columns_query", "row_estimate_query", "backfill_bound",
                   "backfill_sql_batch", "backfill_read", "backfill_lua_batch", "text_array" })

-- lint's live facts (issue 17)
export(lint, { "TABLE_FACTS_QUERY", "COLUMN_FACTS_QUERY", "explain", "EXPLAIN_BEGIN", "EXPLAIN_END" })

-- luamig's bookkeeping and session
export(bookkeeping, {
  "BEGIN", "COMMIT", "ROLLBACK", "BEGIN_READING_ID", "TRANSACTION_ID_QUERY", "BACKEND_PID_QUERY",
  "same_transaction", "is_other_transaction", "holds_lock", "is_lock_lost",
  "create_version_table", "create_history_table", "history_insert", "latest_history_query",
  "select_versions", "missing_version_row", "version_change", "delete_all_versions",
  "tables_exist_query", "resolve_schemas_query", "try_lock_query", "unlock_query", "bookkeeping_lock",
  "set_settings",
})

return M
