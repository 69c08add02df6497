-- The op functions of the objects that depend on tables (issue 15 item
-- 2): functions and procedures, triggers, views, row security and
-- policies; aggregates. luamig.op installs them into its table with its own checks.
local args = require("luamig.args")
local ddl_keys = require("luamig.ddl.keys")

local F = {}

-- luamig.op's checks, bound by luamig.op
local check_name, ddl_op, options

local function_options = {
  args = "string", returns = "string", language = "string", body = "string", volatility = "string",
  parallel = "string", leakproof = "boolean", strict = "boolean", security_definer = "boolean",
  cost = "number", rows = "number", set = "table", procedure = "boolean", replace = "boolean", schema = "string",
  comment = "string",
}

-- spec: { args = "a integer, b text", returns = "trigger", language = "plpgsql",
-- body = [[...]], volatility, parallel, leakproof, strict, security_definer,
-- cost, rows, set = { "search_path=public" }, procedure = true, replace = true, schema }.
function F.create_function(name, spec)
  check_name("create_function", "function name", name)
  spec = options("create_function", spec, function_options)
  ddl_op("create_function", "op.create_function", name, spec, { schema = spec.schema })
end

-- opts.args: the argument types that tell overloads apart ("integer, text").
function F.drop_function(name, opts)
  check_name("drop_function", "function name", name)
  opts = options("drop_function", opts, { args = "string", schema = "string", procedure = "boolean",
                                           if_exists = "boolean", cascade = "boolean" })
  ddl_op("drop_function", "op.drop_function", name, opts.args, opts)
end

local trigger_options = ddl_keys.trigger

-- spec: { timing = "BEFORE", events = { "INSERT", "UPDATE" }, columns (of
-- UPDATE OF), each = "ROW", when = "<SQL>", execute = "app.fn()", schema,
-- old_table, new_table (REFERENCING), constraint = true, deferrable,
-- initially (CREATE CONSTRAINT TRIGGER), comment }.
function F.create_trigger(name, table_name, spec)
  check_name("create_trigger", "trigger name", name)
  check_name("create_trigger", "table name", table_name)
  spec = options("create_trigger", spec, trigger_options)
  ddl_op("create_trigger", "op.create_trigger", name, table_name, spec, spec)
end

function F.drop_trigger(name, table_name, opts)
  check_name("drop_trigger", "trigger name", name)
  check_name("drop_trigger", "table name", table_name)
  ddl_op("drop_trigger", name, table_name, options("drop_trigger", opts, { schema = "string",
                                                                          if_exists = "boolean", cascade = "boolean" }))
end

function F.create_view(name, sql, opts)
  check_name("create_view", "view name", name)
  opts = options("create_view", opts, { schema = "string", materialized = "boolean", replace = "boolean",
                                                  comment = "string" })
  ddl_op("create_view", "op.create_view", name, sql, opts)
end

function F.drop_view(name, opts)
  check_name("drop_view", "view name", name)
  ddl_op("drop_view", name, options("drop_view", opts, { schema = "string", materialized = "boolean",
                                                        if_exists = "boolean", cascade = "boolean" }))
end

-- opts.force: the table's owner is held to the policies too.
function F.enable_row_security(table_name, opts)
  check_name("enable_row_security", "table name", table_name)
  ddl_op("enable_row_security", table_name, options("enable_row_security", opts, { schema = "string", force = "boolean" }))
end

function F.disable_row_security(table_name, opts)
  check_name("disable_row_security", "table name", table_name)
  ddl_op("disable_row_security", table_name, options("disable_row_security", opts, { schema = "string" }))
end

local policy_options = { command = "string", roles = "table", using = "string", with_check = "string",
                         permissive = "boolean", schema = "string", comment = "string" }

-- spec: { command = "SELECT", roles = { "app_user" }, using = "<SQL>",
-- with_check = "<SQL>", permissive = false (AS RESTRICTIVE), schema }.
function F.create_policy(name, table_name, spec)
  check_name("create_policy", "policy name", name)
  check_name("create_policy", "table name", table_name)
  spec = options("create_policy", spec, policy_options)
  ddl_op("create_policy", "op.create_policy", name, table_name, spec, spec)
end

function F.drop_policy(name, table_name, opts)
  check_name("drop_policy", "policy name", name)
  check_name("drop_policy", "table name", table_name)
  ddl_op("drop_policy", name, table_name, options("drop_policy", opts, { schema = "string", if_exists = "boolean" }))
end

------------------------- comments on views, triggers, policies (issue 15)
-- comment nil removes the comment.

local function check_comment(fname, comment)
  if comment ~= nil and type(comment) ~= "string" then
    args.fail("op." .. fname, "comment must be a string or nil, got %s", args.type_of(comment))
  end
end

-- opts: { schema, materialized }
function F.comment_on_view(name, comment, opts)
  check_name("comment_on_view", "view name", name)
  check_comment("comment_on_view", comment)
  ddl_op("comment_on_view", name, comment, options("comment_on_view", opts, { schema = "string", materialized = "boolean" }))
end

function F.comment_on_trigger(name, table_name, comment, opts)
  check_name("comment_on_trigger", "trigger name", name)
  check_name("comment_on_trigger", "table name", table_name)
  check_comment("comment_on_trigger", comment)
  ddl_op("comment_on_trigger", name, table_name, comment, options("comment_on_trigger", opts, { schema = "string" }))
end

function F.comment_on_policy(name, table_name, comment, opts)
  check_name("comment_on_policy", "policy name", name)
  check_name("comment_on_policy", "table name", table_name)
  check_comment("comment_on_policy", comment)
  ddl_op("comment_on_policy", name, table_name, comment, options("comment_on_policy", opts, { schema = "string" }))
end

------------------------------------------------ aggregates (issue 15)

-- spec: { args = "text", sfunc = "_group_concat", stype = "text", finalfunc, initcond, combinefunc,
-- msfunc, minvfunc, mstype, sortop, parallel, ... (ddl.keys.aggregate), schema, comment }.
function F.create_aggregate(name, spec)
  check_name("create_aggregate", "aggregate name", name)
  spec = options("create_aggregate", spec, ddl_keys.aggregate)
  ddl_op("create_aggregate", "op.create_aggregate", name, spec, { schema = spec.schema })
end

-- opts.args: the argument types that tell overloads apart ("text"; none: count(*)'s shape).
function F.drop_aggregate(name, opts)
  check_name("drop_aggregate", "aggregate name", name)
  opts = options("drop_aggregate", opts, { args = "string", schema = "string", if_exists = "boolean",
                                            cascade = "boolean" })
  ddl_op("drop_aggregate", "op.drop_aggregate", name, opts.args, opts)
end

return {
  functions = F,
  bind = function(kit) check_name, ddl_op, options = kit.check_name, kit.ddl_op, kit.options end,
}
