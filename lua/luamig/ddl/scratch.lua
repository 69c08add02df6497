-- The scratch objects autogenerate builds to have the server write a
-- model's expression the way its catalog does (issue 15 item 7): a
-- temporary copy of a live table's columns, then the model's default,
-- check or index on it. They live only inside a subtransaction that is
-- rolled back (luamig.autogen.catalog.canonical_forms).
local clause = require("luamig.ddl.clause")
local quote = require("luamig.ddl.quote")

local ident, qualified = quote.ident, quote.qualified
local M = {}

local WHAT = "autogenerate"

-- A temporary table with the columns (names, types, NOT NULL) of
-- schema.table; partitioned (by a column of its own), so that neither it
-- nor its indexes have storage to create.
function M.scratch_table(name, schema, table_name)
  return ("CREATE TEMPORARY TABLE %s (LIKE %s, luamig_scratch_key integer) PARTITION BY LIST (luamig_scratch_key)")
    :format(ident(name), qualified(table_name, schema))
end

function M.scratch_default(scratch, column, expr)
  return ("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s"):format(qualified(scratch, "pg_temp"), ident(column),
    clause.fragment(WHAT, "default", expr))
end

-- The scratch table has no partitions, so no row is read.
function M.scratch_check(scratch, name, expr)
  return ("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s)"):format(qualified(scratch, "pg_temp"),
    ident(name), clause.fragment(WHAT, "check", expr))
end

-- A temporary table with the columns of schema.table, partitioned by
-- partition_by (a PARTITION BY read back as the server writes it, #15).
function M.scratch_partitioned(name, schema, table_name, partition_by)
  return ("CREATE TEMPORARY TABLE %s (LIKE %s) PARTITION BY %s"):format(ident(name), qualified(table_name, schema),
    clause.fragment(WHAT, "partition_by", partition_by))
end

-- A partition of the scratch table parent with bound (read back so, #15).
function M.scratch_partition(name, parent, bound)
  return ("CREATE TEMPORARY TABLE %s PARTITION OF %s %s"):format(ident(name), qualified(parent, "pg_temp"),
    clause.fragment(WHAT, "bound", bound))
end

-- A function or procedure with the arguments (and result) of f, a model's
-- function, in pg_temp: the server then spells its arguments (#15).
function M.scratch_function(name, f)
  local head = ("CREATE %s %s(%s)"):format(f.procedure and "PROCEDURE" or "FUNCTION", qualified(name, "pg_temp"),
    (f.args or "") == "" and "" or clause.fragment(WHAT, "args", f.args))
  if not f.procedure then head = head .. " RETURNS " .. clause.fragment(WHAT, "returns", f.returns) end
  return head .. " LANGUAGE plpgsql AS 'BEGIN END'"
end

return M
