-- The rules, one module each (lint/rules/<name>.lua), in the order their
-- findings on one statement are listed. A rule is a table:
--   name     squawk's name where the rule is squawk's
--   level    "error" or "warning"
--   kinds    the statement types it reads (IndexStmt, AlterTableStmt, ...)
--   check(stmt, ctx) -> nil, or a finding { message, hint, table? } or a
--            list of them; `table` (a RangeVar, or an index name) makes it a
--            lock or rewrite finding, which lint drops for a table created
--            earlier in the run or one with fewer rows than
--            lint_small_table_rows, and which it completes with the
--            table's estimated rows and size
--   once     true: one finding per revision at most
--   opt_in   true: a choice of style, not of safety (squawk's type
--            preferences): reported only when the config's lint_include
--            names it
-- stmt and ctx are described in lint/check.lua.
local NAMES = {
  "require-concurrent-index-creation",
  "require-concurrent-index-deletion",
  "ban-concurrent-index-creation-in-transaction",
  "adding-not-nullable-field",
  "adding-field-with-default",
  "constraint-missing-not-valid",
  "adding-foreign-key-constraint",
  "require-timeout-settings",
  -- #17, the rest of squawk's rules
  "adding-required-field",
  "disallowed-unique-constraint",
  "changing-column-type",
  "adding-serial-primary-key-field",
  "renaming-column",
  "renaming-table",
  "ban-drop-column",
  "ban-drop-table",
  "ban-drop-database",
  "ban-drop-not-null",
  "transaction-nesting",
  "ban-truncate-cascade",
  "ban-char-field",
  "prefer-bigint-over-int",
  "prefer-bigint-over-smallint",
  "prefer-identity",
  "prefer-text-field",
  "prefer-timestamptz",
  "prefer-robust-stmts",
  "identifier-too-long",
  "ban-create-domain-with-constraint",
  "ban-alter-domain-with-add-constraint",
  "require-concurrent-reindex",
  "require-concurrent-partition-detach",
  "prefer-repack",
  "require-enum-value-ordering",
  "ban-duplicate-column-assignments",
  -- #17, the rules only luamig can have (it knows the table and the transaction)
  "ban-whole-table-write",
  "ban-data-migration-in-ddl-transaction",
  "ban-new-enum-value-in-transaction",
}

local M = { list = {}, by_name = {}, by_kind = {} }

for _, name in ipairs(NAMES) do
  local rule = require("luamig.lint.rules." .. name)
  assert(rule.name == name and (rule.level == "error" or rule.level == "warning"), name)
  M.list[#M.list + 1] = rule
  M.by_name[name] = rule
  for _, kind in ipairs(rule.kinds) do
    M.by_kind[kind] = M.by_kind[kind] or {}
    table.insert(M.by_kind[kind], rule)
  end
end

return M
