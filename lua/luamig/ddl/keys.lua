-- The keys of the option tables that op calls and the model DSL share,
-- defined once so the two cannot disagree: a column spec (DESIGN.md §7), a
-- reference, each kind of table-level constraint, an index and an index
-- column. Each key maps to the Lua types it takes, as luamig.args.options
-- reads them ("string|table"); the dialect refuses any key not listed.
local lists = require("luamig.lists")

local merge = lists.merge
local M = {}

-- ON DELETE / ON UPDATE of a foreign key
M.referential = { ondelete = "string", onupdate = "string" }

-- DEFERRABLE (true) / NOT DEFERRABLE (false), INITIALLY DEFERRED|IMMEDIATE
M.deferral = { deferrable = "boolean", initially = "string" }

-- MATCH FULL | SIMPLE of a foreign key (issue 15 item 4)
M.match = { match = "string" }

-- references = { table, column | columns = {...}, schema, ... } of a
-- column spec or a foreign key
M.reference = merge({ table = "string", column = "string", columns = "string|table", schema = "string" },
  M.referential, M.deferral, M.match)

M.column = {
  name = "string", type = "string", nullable = "boolean", default = "string|number|boolean|op.NULL",
  primary_key = "boolean", unique = "boolean", references = "string|table", check = "string",
  comment = "string",
  -- issue 15 items 5, 6: GENERATED ALWAYS AS (expr) STORED; GENERATED ... AS IDENTITY
  generated = "string", identity = "string|table",
}

-- identity = "always" | "by default" | { "always" | "by default", <these> }:
-- the options of the identity's sequence; sequence_name its name when
-- not the default table_column_seq (SEQUENCE NAME, in the table's schema)
M.identity = { start = "number", increment = "number", minvalue = "number", maxvalue = "number",
               cache = "number", cycle = "boolean", sequence_name = "string" }

local constraint = { type = "string", name = "string" }

-- the keys of a table-level constraint { type = ..., ... }, by type
M.constraint = {
  primary_key = merge(constraint, { columns = "string|table" }),
  unique = merge(constraint, { columns = "string|table" }, M.deferral),
  check = merge(constraint, { expr = "string" }),
  -- the referenced table as references = "t.col" | { table, columns, schema },
  -- or as referent, remote_columns and referent_schema (op.create_foreign_key's words)
  foreign_key = merge(constraint, { columns = "string|table", references = "string|table", referent = "string",
    remote_columns = "string|table", referent_schema = "string" }, M.referential, M.deferral, M.match),
  -- EXCLUDE USING using (element WITH operator, ...) WHERE (where)
  exclude = merge(constraint, { using = "string", elements = "table", where = "string" }, M.deferral),
}

-- what an index is, beyond its name, table and columns: include = { columns } (INCLUDE),
-- nulls_not_distinct (NULLS NOT DISTINCT), with = { fillfactor = 70, ... } (storage options)
M.index = { unique = "boolean", where = "string", using = "string", include = "string|table",
            nulls_not_distinct = "boolean", with = "table" }

-- an index column given as a table: { "name" | expr = "<SQL>", desc =, opclass =,
-- nulls = "first"|"last", collation = "C" }
M.index_column = { name = "string", expr = "string", desc = "boolean", opclass = "string", nulls = "string",
                   collation = "string" }

-- a trigger (op.create_trigger, schema.trigger): old_table, new_table name
-- its transition tables; constraint = true makes it a constraint trigger,
-- with its deferral (issue 15)
M.trigger = merge({ timing = "string", events = "string|table", columns = "string|table", each = "string",
                    when = "string", execute = "string", schema = "string", old_table = "string",
                    new_table = "string", constraint = "boolean", comment = "string" }, M.deferral)
-- an aggregate (issue 15: pagila's group_concat): CREATE AGGREGATE's
-- clauses, lower-case; args "" is (*)
M.aggregate = {
  args = "string", sfunc = "string", stype = "string", sspace = "number", finalfunc = "string",
  finalfunc_extra = "boolean", finalfunc_modify = "string", combinefunc = "string", serialfunc = "string",
  deserialfunc = "string", initcond = "string", msfunc = "string", minvfunc = "string", mstype = "string",
  msspace = "number", mfinalfunc = "string", mfinalfunc_extra = "boolean", mfinalfunc_modify = "string",
  minitcond = "string", sortop = "string", parallel = "string", hypothetical = "boolean", schema = "string",
  comment = "string",
}

return M
