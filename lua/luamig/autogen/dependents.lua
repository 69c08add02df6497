-- The objects that depend on tables (issue 15): functions and procedures,
-- aggregates, triggers, views (and materialized views' indexes), policies
-- and row-level security. Both sides as descriptions (the model's made
-- here from schema.func/aggregate/trigger/view, the server's by
-- luamig.autogen.catalog), compared into the records of
-- luamig.autogen.kinds, and placed around the table records: their drops
-- before any table change, their creates after (functions, aggregates,
-- views in the order they read each other, triggers, then policies and
-- row security), so the downgrade, the inverse in reverse order, is safe
-- too. A view that reads a column whose type changes, or that goes, or
-- calls an aggregate that goes, is dropped before and re-created after,
-- as the server would refuse the change.
-- Pure, like luamig.autogen.compare.
local ddl = require("luamig.ddl")
local lists = require("luamig.lists")
local kinds = require("luamig.autogen.kinds")
local compare = require("luamig.autogen.compare")
local normalize = require("luamig.autogen.normalize")

local M = {}

local key, expr_key = normalize.table_key, normalize.expr_key

--------------------------------------------------------------- model side

local function local_schema(s, current) return s ~= current and s or nil end


-- Whether a column default or check of the model's tables calls f: then
-- it is created before the tables and dropped after them.
local function called_by_tables(f, tables)
  local pattern = "%f[%w_]" .. f.name:gsub("%W", "%%%0") .. "%s*%("
  for _, t in ipairs(tables or {}) do
    for _, col in ipairs(t.columns) do
      for _, sql in ipairs { col.default, col.check } do
        if type(sql) == "string" and sql:find(pattern) then return true end
      end
    end
  end
  return nil
end

local function model_function(f, current, tables)
  return { early = called_by_tables(f, tables), schema = local_schema(f.schema, current), real_schema = f.schema or current, name = f.name,
           args = f.args or "", identity = ddl.function_identity(f.args), returns = f.returns, language = f.language,
           body = f.body, volatility = f.volatility, parallel = f.parallel, leakproof = f.leakproof,
           strict = f.strict, security_definer = f.security_definer, cost = f.cost, rows = f.rows, set = f.set,
           procedure = f.procedure, comment = f.comment }
end

local function model_trigger(t, current)
  return { schema = local_schema(t.schema, current), real_schema = t.schema or current, name = t.name,
           table = t.table, timing = t.timing, events = t.events, columns = t.columns, each = t.each,
           when = t.when, execute = t.execute, old_table = t.old_table, new_table = t.new_table,
           constraint = t.constraint, deferrable = t.deferrable, initially = t.initially, comment = t.comment }
end

local function model_view(v, current)
  return { schema = local_schema(v.schema, current), real_schema = v.schema or current, name = v.name,
           sql = v.sql, materialized = v.materialized, comment = v.comment, uses = {}, calls = {},
           indexes = v.indexes or {} }
end

local function model_aggregate(a, current)
  local out = lists.merge(a)
  out.schema, out.real_schema, out.args = local_schema(a.schema, current), a.schema or current, a.args or ""
  out.identity = out.args
  return out
end

local function model_policy(p, current)
  return { schema = local_schema(p.schema, current), real_schema = p.schema or current, name = p.name,
           table = p.table, command = p.command, roles = p.roles, using = p.using, with_check = p.with_check,
           permissive = p.permissive, comment = p.comment }
end

local function model_row_security(r, current)
  return { schema = local_schema(r.schema, current), real_schema = r.schema or current, table = r.table,
           force = r.force or nil }
end

-- The model's functions, triggers, views, policies and row security as descriptions.
function M.model(metadata, current)
  local out = { functions = {}, triggers = {}, views = {}, policies = {}, row_security = {}, aggregates = {} }
  for i, a in ipairs(metadata.aggregates or {}) do out.aggregates[i] = model_aggregate(a, current) end
  for i, f in ipairs(metadata.functions or {}) do out.functions[i] = model_function(f, current, metadata.tables) end
  for i, t in ipairs(metadata.triggers or {}) do out.triggers[i] = model_trigger(t, current) end
  for i, v in ipairs(metadata.views or {}) do out.views[i] = model_view(v, current) end
  for i, p in ipairs(metadata.policies or {}) do out.policies[i] = model_policy(p, current) end
  for i, r in ipairs(metadata.row_security or {}) do out.row_security[i] = model_row_security(r, current) end
  return out
end

-- The objects of one side that include_object keeps (as "function",
-- "trigger", "view", "policy", "row_security", "aggregate"); reflected as in luamig.autogen.compare.filter.
function M.filter(deps, opts, reflected, current)
  local hook = opts.include_object
  if hook == nil then return deps end
  local out = {}
  for list, kind in pairs { functions = "function", triggers = "trigger", views = "view", policies = "policy",
                            row_security = "row_security", aggregates = "aggregate" } do
    out[list] = {}
    for _, o in ipairs(deps[list]) do
      if hook { type = kind, name = o.name or o.table, table = o.table, schema = o.schema or current, reflected = reflected } then
        out[list][#out[list] + 1] = o
      end
    end
  end
  return out
end

--------------------------------------------------------------- sameness

local function function_key(f) return key(f.schema, f.name) .. "\0" .. expr_key(f.args or "") end
-- a trigger or policy: named on its table
local function table_object_key(t) return key(t.schema, t.table) .. "\0" .. t.name end
local function view_key(v) return key(v.schema, v.name) end

local function lower(s) return s and s:lower() end
local function number(n) return n and tonumber(n) end

-- "name = value" as pg_proc.proconfig spells it: "name=value".
local function settings_key(set)
  local out = {}
  for i, item in ipairs(set or {}) do out[i] = (tostring(item):gsub("^%s*([%w_%.]+)%s*=%s*", "%1=")) end
  return table.concat(out, "\n")
end

local function function_fields(f)
  return {
    expr_key(f.returns or ""), lower(f.language), f.body, (lower(f.volatility) or "volatile"):gsub("volatile", ""),
    (lower(f.parallel) or "unsafe"):gsub("unsafe", ""), f.leakproof == true, f.strict == true,
    f.security_definer == true, number(f.cost) or 100, number(f.rows) or 0, settings_key(f.set), f.procedure == true,
    normalize.comment(f.comment) or "",
  }
end

local function same_fields(a, b)
  for i = 1, #a do
    if a[i] ~= b[i] then return false end
  end
  return true
end

-- A function name or call without the current schema (regproc and
-- pg_get_triggerdef leave it out where the search path finds it).
local function unqualified(name, current)
  if name == nil then return "" end
  for _, prefix in ipairs { current .. ".", '"' .. current .. '".' } do
    if name:sub(1, #prefix) == prefix then return name:sub(#prefix + 1) end
  end
  return name
end

-- The function a trigger calls, with the current schema's name left out.
local function call_key(execute, current)
  return expr_key(unqualified(execute, current))
end

-- A constraint trigger's deferral: NOT DEFERRABLE INITIALLY IMMEDIATE
-- unless said; INITIALLY DEFERRED is deferrable.
local function trigger_deferral(t)
  if not t.constraint then return "" end
  local initially = (t.initially or "IMMEDIATE"):upper()
  return ("constraint %s %s"):format(t.deferrable == true or initially == "DEFERRED", initially)
end

local function trigger_signature(t, current)
  local events = {}
  for i, e in ipairs(t.events) do events[i] = e:upper() end
  table.sort(events)
  return table.concat({ t.timing:upper(), table.concat(events, " "), table.concat(t.columns or {}, "\0"),
    (t.each or "STATEMENT"):upper(), t.when and expr_key(t.when) or "", call_key(t.execute, current),
    t.old_table or "", t.new_table or "", trigger_deferral(t) }, "\1")
end

local function view_signature(v)
  return tostring(v.materialized == true) .. expr_key((v.sql:gsub(";%s*$", "")))
end

-------------------------------------------------------------- comparing

-- Each side's items by key; the model's items absent live, the live items
-- absent from the model, and the pairs present in both.
local function pair(mlist, dlist, key_of)
  local dby, mby = {}, {}
  for _, d in ipairs(dlist) do dby[key_of(d)] = d end
  local added, both, removed = {}, {}, {}
  for _, m in ipairs(mlist) do
    local d = dby[key_of(m)]
    mby[key_of(m)] = m
    if d then both[#both + 1] = { m, d } else added[#added + 1] = m end
  end
  for _, d in ipairs(dlist) do
    if not mby[key_of(d)] then removed[#removed + 1] = d end
  end
  return added, both, removed
end

local function record(kind, field, o)
  return { kind = kind, schema = o.schema, table = o.table, [field] = o }
end

-- A function that column defaults or checks call is created before the
-- tables and dropped after them; the others the other way round.
local function drop_function(f, out)
  local list = f.early and out.late_drops or out.drops
  list[#list + 1] = record("remove_function", "func", f)
end

local function add_function(f, out)
  local list = f.early and out.early_adds or out.functions
  list[#list + 1] = record("add_function", "func", f)
end

local function compare_functions(m, d, out)
  local added, both, removed = pair(m.functions, d.functions, function_key)
  for _, f in ipairs(removed) do drop_function(f, out) end
  for _, p in ipairs(both) do
    local mf, df = function_fields(p[1]), function_fields(p[2])
    if not same_fields(mf, df) then
      if mf[1] == df[1] and mf[12] == df[12] then
        out.replaces[#out.replaces + 1] = { kind = "replace_function", schema = p[2].schema, from = p[2], to = p[1] }
      else
        drop_function(p[2], out)
        add_function(p[1], out)
      end
    end
  end
  for _, f in ipairs(added) do add_function(f, out) end
end

-- The comment of an object kept (the pair p of model and live object):
-- an object_comment record into out.comments when it changed.
local function compare_comment(p, field, out)
  local to, from = normalize.comment(p[1].comment), normalize.comment(p[2].comment)
  if to ~= from then
    out.comments[#out.comments + 1] = { kind = "object_comment", object = field, schema = p[1].schema,
                                        table = p[1].table, [field] = p[1], from = from, to = to }
  end
end

-- Objects that are dropped and created again when they differ (triggers,
-- policies): a remove_<field> record into drops, add_<field> into adds;
-- one whose comment alone differs gets a new comment.
local function compare_recreated(mlist, dlist, signature, field, drops, adds, out)
  local added, both, removed = pair(mlist, dlist, table_object_key)
  for _, p in ipairs(both) do
    if signature(p[1]) ~= signature(p[2]) then
      removed[#removed + 1], added[#added + 1] = p[2], p[1]
    else
      compare_comment(p, field, out)
    end
  end
  for _, o in ipairs(removed) do drops[#drops + 1] = record("remove_" .. field, field, o) end
  for _, o in ipairs(added) do adds[#adds + 1] = record("add_" .. field, field, o) end
end

local function compare_triggers(m, d, out, current)
  compare_recreated(m.triggers, d.triggers, function(t) return trigger_signature(t, current) end, "trigger",
    out.trigger_drops, out.triggers, out)
end

------------------------------------------------ policies, row security

local function policy_signature(p)
  local roles = {}
  for i, r in ipairs(p.roles or {}) do roles[i] = r:lower() end
  table.sort(roles)
  local all = table.concat(roles, "\0")
  return table.concat({ (p.command or "ALL"):upper(), all == "public" and "" or all,
    p.using and expr_key(p.using) or "", p.with_check and expr_key(p.with_check) or "",
    tostring(p.permissive ~= false) }, "\1")
end

local function compare_policies(m, d, out)
  compare_recreated(m.policies, d.policies, policy_signature, "policy", out.policy_drops, out.policies, out)
end

-- Row security turned off goes before the table changes (a table that
-- goes may be among them), turned on or changed after (a new table too).
local function compare_row_security(m, d, out)
  local function table_of(r) return key(r.schema, r.table) end
  local added, both, removed = pair(m.row_security, d.row_security, table_of)
  local function state(r) return r and { force = r.force == true or nil } end
  for _, r in ipairs(removed) do
    out.drops[#out.drops + 1] = { kind = "row_security", schema = r.schema, table = r.table, from = state(r) }
  end
  for _, p in ipairs(both) do
    if (p[1].force == true) ~= (p[2].force == true) then
      out.policies[#out.policies + 1] = { kind = "row_security", schema = p[1].schema, table = p[1].table,
                                          from = state(p[2]), to = state(p[1]) }
    end
  end
  for _, r in ipairs(added) do
    out.policies[#out.policies + 1] = { kind = "row_security", schema = r.schema, table = r.table, to = state(r) }
  end
end

------------------------------------------------------------ aggregates

local AGGREGATE_FUNCTIONS = { "sfunc", "finalfunc", "combinefunc", "serialfunc", "deserialfunc", "msfunc",
                              "minvfunc", "mfinalfunc" }

local function aggregate_key(a) return key(a.schema, a.name) .. "\0" .. expr_key(a.args or "") end
-- how a view names an aggregate it calls, and a gone one in `gone`
local function called_key(c) return "aggregate\0" .. key(c.schema, c.name) .. "\0" .. expr_key(c.identity or "") end

-- The comparison text of an aggregate: each clause, with CREATE
-- AGGREGATE's defaults filled in (FINALFUNC_MODIFY is READ_WRITE for an
-- ordered-set one).
local function aggregate_signature(a, current)
  local ordered = (a.args or ""):upper():find("ORDER BY", 1, true) ~= nil
  local parts = {
    normalize.type(a.stype), number(a.sspace) or 0, a.finalfunc_extra == true,
    lower(a.finalfunc_modify) or (ordered and "read_write" or "read_only"), a.initcond or "\1",
    a.mstype and normalize.type(a.mstype) or "", number(a.msspace) or 0, a.mfinalfunc_extra == true,
    lower(a.mfinalfunc_modify) or "read_only", a.minitcond or "\1", unqualified(a.sortop, current),
    a.hypothetical == true, lower(a.parallel) or "unsafe", normalize.comment(a.comment) or "",
  }
  for _, k in ipairs(AGGREGATE_FUNCTIONS) do parts[#parts + 1] = unqualified(a[k], current) end
  for i, v in ipairs(parts) do parts[i] = tostring(v) end
  return table.concat(parts, "\1")
end

-- Aggregates that differ are dropped and created again; the keys of those
-- that go into gone (the views calling them go too).
local function compare_aggregates(m, d, out, current, gone)
  local added, both, removed = pair(m.aggregates, d.aggregates, aggregate_key)
  for _, p in ipairs(both) do
    if aggregate_signature(p[1], current) ~= aggregate_signature(p[2], current) then
      removed[#removed + 1], added[#added + 1] = p[2], p[1]
    end
  end
  for _, a in ipairs(removed) do
    gone[called_key(a)] = true
    out.aggregate_drops[#out.aggregate_drops + 1] = record("remove_aggregate", "aggregate", a)
  end
  for _, a in ipairs(added) do out.aggregates[#out.aggregates + 1] = record("add_aggregate", "aggregate", a) end
end

---------------------------------------------------------------- views

-- The columns that the table records change under a view: { [table key]
-- = { [column] = true } }, a whole table as [table key] = { ["*"] = true }.
local function changed_columns(table_diffs)
  local out = {}
  for _, r in ipairs(table_diffs) do
    local col
    if r.kind == "alter_column" and r.changes.type then col = r.column
    elseif r.kind == "remove_column" then col = r.column.name
    elseif r.kind == "remove_table" then col = "*" end
    if col then
      local k = key(r.schema, r.table)
      out[k] = out[k] or {}
      out[k][col] = true
    end
  end
  return out
end

-- Whether view v reads a changed column, or a view or aggregate in `gone`.
local function reads_changed(v, changed, gone)
  for _, u in ipairs(v.uses) do
    local k = key(u.schema, u.name)
    local cols = changed[k]
    if gone[k] or (cols and (cols["*"] or cols[u.column or ""])) then return true end
  end
  for _, c in ipairs(v.calls or {}) do
    if gone[called_key(c)] then return true end
  end
  return false
end

-- Views in the order they can be created: those a view reads come first.
local function creation_order(views)
  local by_key, done, out = {}, {}, {}
  for _, v in ipairs(views) do by_key[view_key(v)] = v end
  local function visit(v)
    if done[v] then return end
    done[v] = true
    for _, u in ipairs(v.uses) do
      local used = by_key[key(u.schema, u.name)]
      if used then visit(used) end
    end
    out[#out + 1] = v
  end
  for _, v in ipairs(views) do visit(v) end
  return out
end

-- The live views kept unchanged but read a changed column, or a view that
-- goes: those go and come back (the live definition) too.
local function views_to_rebuild(kept, changed, gone)
  local out, grew = {}, true
  while grew do
    grew = false
    for _, v in ipairs(kept) do
      if not gone[view_key(v)] and reads_changed(v, changed, gone) then
        gone[view_key(v)], grew = true, true
        out[#out + 1] = v
      end
    end
  end
  return out
end

-- The records of a materialized view's index, on the view.
local function index_record(kind, v, i)
  return { kind = kind, schema = v.schema, table = v.name, index = i }
end

-- A view dropped, its indexes first (so that the downgrade re-creates
-- them after it), or created, its indexes after.
local function drop_view(v, list)
  for _, i in ipairs(v.indexes or {}) do list[#list + 1] = index_record("remove_index", v, i) end
  list[#list + 1] = record("remove_view", "view", v)
end

local function create_view(v, list)
  list[#list + 1] = record("add_view", "view", v)
  for _, i in ipairs(v.indexes or {}) do list[#list + 1] = index_record("add_index", v, i) end
end

-- The indexes of a materialized view kept as it is: dropped and created by
-- name and signature, as a table's.
local function compare_view_indexes(mv, dv, out)
  local dby, mby = {}, {}
  for _, i in ipairs(dv.indexes or {}) do dby[i.name] = i end
  for _, i in ipairs(mv.indexes or {}) do mby[i.name] = i end
  local sig = compare.index_signature
  local function same(i, by) return by[i.name] and sig(by[i.name]) == sig(i) end
  for _, i in ipairs(dv.indexes or {}) do
    if not same(i, mby) then out.view_drops[#out.view_drops + 1] = index_record("remove_index", dv, i) end
  end
  for _, i in ipairs(mv.indexes or {}) do
    if not same(i, dby) then out.views[#out.views + 1] = index_record("add_index", dv, i) end
  end
end

-- gone: the keys of aggregates that go (compare_aggregates).
local function compare_views(m, d, out, table_diffs, gone)
  local added, both, removed = pair(m.views, d.views, view_key)
  local kept, model_of = {}, {}
  for _, p in ipairs(both) do
    if view_signature(p[1]) ~= view_signature(p[2]) then
      removed[#removed + 1], added[#added + 1] = p[2], p[1]
    else
      kept[#kept + 1], model_of[p[2]] = p[2], p[1]
      compare_comment(p, "view", out)
    end
  end
  for _, v in ipairs(removed) do gone[view_key(v)] = true end
  local rebuilt = views_to_rebuild(kept, changed_columns(table_diffs), gone)
  local live_dropped = lists.copy(removed)
  table.move(rebuilt, 1, #rebuilt, #live_dropped + 1, live_dropped)
  live_dropped = creation_order(live_dropped)
  for i = #live_dropped, 1, -1 do drop_view(live_dropped[i], out.view_drops) end
  -- a rebuilt view comes back as it was, with the model's indexes
  for _, v in ipairs(rebuilt) do added[#added + 1] = lists.merge(v, { indexes = model_of[v].indexes }) end
  for _, v in ipairs(kept) do
    if not gone[view_key(v)] then compare_view_indexes(model_of[v], v, out) end
  end
  for _, v in ipairs(creation_order(added)) do create_view(v, out.views) end
end

-- The records of tables and the objects they need (in phase order), cut
-- where functions go: those a table's default or check calls after what
-- tables need (schemas, types, sequences) and before the tables; the
-- others, and views, triggers and policies, after the tables and before
-- what they needed is dropped.
local function segments(diffs)
  local rank = {}
  for i, name in ipairs(kinds.phases) do rank[name] = i end
  local needs, tables, needed = {}, {}, {}
  for _, d in ipairs(diffs) do
    local r = rank[kinds.phase(d)]
    local list = r < rank.create_tables and needs or r <= rank.own_sequences and tables or needed
    list[#list + 1] = d
  end
  return needs, tables, needed
end

-- The table and object records (in phase order) with the records of
-- functions, triggers and views around them, in the safe order.
function M.around(table_diffs, model, reflected, current)
  local out = { policy_drops = {}, trigger_drops = {}, view_drops = {}, aggregate_drops = {}, drops = {},
                early_adds = {}, late_drops = {}, replaces = {}, functions = {}, aggregates = {}, views = {},
                triggers = {}, policies = {}, comments = {} }
  local gone = {}
  compare_functions(model, reflected, out)
  compare_aggregates(model, reflected, out, current, gone)
  compare_triggers(model, reflected, out, current)
  compare_views(model, reflected, out, table_diffs, gone)
  compare_policies(model, reflected, out)
  compare_row_security(model, reflected, out)
  local needs, tables, needed = segments(table_diffs)
  local all = {}
  for _, list in ipairs { out.policy_drops, out.trigger_drops, out.view_drops, out.aggregate_drops, out.drops, needs,
                          out.early_adds, tables, out.late_drops, out.replaces, out.functions, out.aggregates,
                          out.views, out.triggers, out.policies, out.comments, needed } do
    table.move(list, 1, #list, #all + 1, all)
  end
  return all
end

return M
