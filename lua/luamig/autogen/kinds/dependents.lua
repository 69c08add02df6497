-- The kinds of difference of functions, triggers, views, policies and row
-- security (issue 15 item 2). Merged into luamig.autogen.kinds.
local ddl = require("luamig.ddl")
local lualit = require("luamig.lualit")
local write = require("luamig.autogen.write")
local inverse = require("luamig.autogen.kinds.inverse")

local str = lualit.string
local call, braces, schema_opt, where, show = write.call, write.braces, write.schema_opt, write.where, write.show
local as_kind, swap_ends = inverse.as_kind, inverse.swap_ends

local M = { kinds = {} }

------------------------------------ functions, triggers, views (issue 15)
-- func = { name, args, identity, returns, language, body, volatility, parallel, leakproof, strict,
-- security_definer, cost, rows, set, procedure }; trigger = { name, table, timing, events, columns,
-- each, when, execute }; view = { name, sql, materialized }. Their table field is the trigger's table.

local function qualified_name(d, name)
  return (d.schema and (show(d.schema) .. ".") or "") .. show(name)
end

local function function_subject(d, f)
  return ("%s %s(%s)"):format(f.procedure and "procedure" or "function", qualified_name(d, f.name), f.identity or f.args or "")
end

local FUNCTION_FIELDS = { "args", "returns", "language", "body", "volatility", "parallel", "leakproof", "strict",
                          "security_definer", "cost", "rows", "set", "procedure", "comment" }

local function create_function_call(d, f, replace)
  local parts = write.fields(f, FUNCTION_FIELDS)
  if replace then parts[#parts + 1] = "replace = true" end
  return call("create_function", { str(f.name), braces(schema_opt(d, parts)) })
end

local function trigger_subject(d)
  return ("trigger %s on %s"):format(show(d.trigger.name), where(d))
end

local function view_subject(d)
  return ("%s %s"):format(d.view.materialized and "materialized view" or "view", qualified_name(d, d.view.name))
end

M.kinds.add_function = {
  phase = "create_dependents",
  describe = function(d) return { "add " .. function_subject(d, d.func) } end,
  render = function(d) return create_function_call(d, d.func) end,
  inverse = as_kind("remove_function"),
}
M.kinds.remove_function = {
  phase = "drop_dependents",
  describe = function(d) return { "remove " .. function_subject(d, d.func) } end,
  render = function(d)
    local f = d.func
    return call("drop_function", { str(f.name) },
      schema_opt(d, write.fields({ args = f.identity, procedure = f.procedure }, { "args", "procedure" })))
  end,
  inverse = as_kind("add_function"),
}
-- from, to: functions of the same signature and result type (CREATE OR REPLACE)
M.kinds.replace_function = {
  phase = "create_dependents",
  describe = function(d) return { "change " .. function_subject(d, d.to) } end,
  render = function(d) return create_function_call(d, d.to, true) end,
  inverse = swap_ends,
}
-- what op.create_trigger and schema.trigger take, in the order a call shows them
M.TRIGGER_FIELDS = { "timing", "events", "columns", "each", "when", "execute", "old_table", "new_table",
                     "constraint", "deferrable", "initially", "comment" }

M.kinds.add_trigger = {
  phase = "create_dependents",
  describe = function(d) return { "add " .. trigger_subject(d) } end,
  render = function(d)
    local t = d.trigger
    return call("create_trigger", { str(t.name), str(d.table),
      braces(schema_opt(d, write.fields(t, M.TRIGGER_FIELDS))) })
  end,
  inverse = as_kind("remove_trigger"),
}
M.kinds.remove_trigger = {
  phase = "drop_dependents",
  describe = function(d) return { "remove " .. trigger_subject(d) } end,
  render = function(d) return call("drop_trigger", { str(d.trigger.name), str(d.table) }, schema_opt(d)) end,
  inverse = as_kind("add_trigger"),
}
M.kinds.add_view = {
  phase = "create_dependents",
  describe = function(d) return { "add " .. view_subject(d) } end,
  render = function(d)
    local v = d.view
    return call("create_view", { str(v.name), str(v.sql) },
      schema_opt(d, write.fields(v, { "materialized", "comment" })))
  end,
  inverse = as_kind("remove_view"),
}
M.kinds.remove_view = {
  phase = "drop_dependents",
  describe = function(d) return { "remove " .. view_subject(d) } end,
  render = function(d)
    return call("drop_view", { str(d.view.name) },
      schema_opt(d, write.fields({ materialized = d.view.materialized }, { "materialized" })))
  end,
  inverse = as_kind("add_view"),
}

-- aggregate = { name, args, identity, sfunc, stype, ... (ddl.keys.aggregate) }
local AGGREGATE_FIELDS = ddl.aggregate_fields

local function aggregate_subject(d)
  local a = d.aggregate
  return ("aggregate %s(%s)"):format(qualified_name(d, a.name), (a.identity or a.args or "") == "" and "*"
    or (a.identity or a.args))
end

M.kinds.add_aggregate = {
  phase = "create_dependents",
  describe = function(d) return { "add " .. aggregate_subject(d) } end,
  render = function(d)
    return call("create_aggregate", { str(d.aggregate.name), braces(schema_opt(d, write.fields(d.aggregate,
      AGGREGATE_FIELDS))) })
  end,
  inverse = as_kind("remove_aggregate"),
}
M.kinds.remove_aggregate = {
  phase = "drop_dependents",
  describe = function(d) return { "remove " .. aggregate_subject(d) } end,
  render = function(d)
    local identity = d.aggregate.identity or d.aggregate.args
    return call("drop_aggregate", { str(d.aggregate.name) },
      schema_opt(d, write.fields({ args = identity ~= "" and identity or nil }, { "args" })))
  end,
  inverse = as_kind("add_aggregate"),
}

-- policy = { name, table, command, roles, using, with_check, permissive }
local function policy_subject(d) return ("policy %s on %s"):format(show(d.policy.name), where(d)) end

M.kinds.add_policy = {
  phase = "create_dependents",
  describe = function(d) return { "add " .. policy_subject(d) } end,
  render = function(d)
    local p = d.policy
    return call("create_policy", { str(p.name), str(d.table),
      braces(schema_opt(d, write.fields(p, { "command", "roles", "using", "with_check", "permissive", "comment" }))) })
  end,
  inverse = as_kind("remove_policy"),
}
M.kinds.remove_policy = {
  phase = "drop_dependents",
  describe = function(d) return { "remove " .. policy_subject(d) } end,
  render = function(d) return call("drop_policy", { str(d.policy.name), str(d.table) }, schema_opt(d)) end,
  inverse = as_kind("add_policy"),
}
-- from, to: { force } or nil (row security off)
M.kinds.row_security = {
  phase = function(d) return d.to and "create_dependents" or "drop_dependents" end,
  describe = function(d)
    if d.to == nil then return { "disable row security on " .. where(d) } end
    if d.from == nil then return { "enable row security on " .. where(d) } end
    return { ("change row security of %s: %s"):format(where(d), d.to.force and "force" or "no force") }
  end,
  render = function(d)
    if d.to == nil then return call("disable_row_security", { str(d.table) }, schema_opt(d)) end
    return call("enable_row_security", { str(d.table) },
      schema_opt(d, write.fields({ force = d.to.force }, { "force" })))
  end,
  inverse = swap_ends,
}

-------------------- comments on views, triggers, policies (issue 15)
-- object: "view", "trigger" or "policy", d[object] the object; from, to:
-- the comments (nil: none).
local COMMENT_SUBJECT = { view = view_subject, trigger = trigger_subject, policy = policy_subject }

M.kinds.object_comment = {
  phase = "create_dependents",
  describe = function(d) return { "change comment of " .. COMMENT_SUBJECT[d.object](d) } end,
  render = function(d)
    local o, comment = d[d.object], d.to == nil and "nil" or str(d.to)
    if d.object == "view" then
      return call("comment_on_view", { str(o.name), comment },
        schema_opt(d, write.fields({ materialized = o.materialized }, { "materialized" })))
    end
    return call("comment_on_" .. d.object, { str(o.name), str(d.table), comment }, schema_opt(d))
  end,
  inverse = swap_ends,
}

return M
