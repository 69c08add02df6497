-- Reading functions, triggers, views, policies and row security from the
-- catalog (autogenerate, issue 15 item 2).
local common = require("luamig.autogen.catalog.common")
local normalize = require("luamig.autogen.normalize")

local M = {}

local key, text_array = normalize.table_key, common.text_array

------------------------------------ functions, triggers, views (issue 15)
-- One query per kind for all the schemas read. Objects an extension owns
-- (pg_depend deptype 'e') are the extension's, not the schema's.

local NOT_EXTENSION_MEMBER = [[
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = %s::regclass AND e.objid = %s AND e.deptype = 'e')]]

-- Functions and procedures written in a language with a source text (not
-- C, not internal, not an SQL-standard body); aggregates are not here.
-- cost and rows only when they are not the defaults CREATE FUNCTION gives;
-- used_by_tables: a column default or a check constraint calls it.
local FUNCTIONS_SQL = [[
SELECT n.nspname AS schema, p.proname AS name, p.prokind = 'p' AS procedure,
       pg_get_function_arguments(p.oid) AS args, pg_get_function_identity_arguments(p.oid) AS identity,
       CASE WHEN p.prokind = 'f' THEN pg_get_function_result(p.oid) END AS returns,
       l.lanname AS language, p.prosrc AS body, p.provolatile AS volatility, p.proparallel AS parallel,
       p.proleakproof AS leakproof, p.proisstrict AS strict, p.prosecdef AS security_definer,
       CASE WHEN p.procost <> 100 THEN p.procost::float8 END AS cost,
       CASE WHEN p.proretset AND p.prorows <> 1000 THEN p.prorows::float8 END AS rows,
       array_to_string(p.proconfig, E'\n') AS config,
       EXISTS (SELECT 1 FROM pg_depend u WHERE u.refclassid = 'pg_proc'::regclass AND u.refobjid = p.oid
                 AND u.classid IN ('pg_attrdef'::regclass, 'pg_constraint'::regclass)) AS used_by_tables,
       obj_description(p.oid, 'pg_proc') AS comment
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE n.nspname = ANY ($1::text[]) AND p.prokind IN ('f', 'p') AND l.lanname NOT IN ('c', 'internal')
  AND p.prosqlbody IS NULL]] .. NOT_EXTENSION_MEMBER:format("'pg_proc'", "p.oid") .. [[

ORDER BY n.nspname, p.proname, identity]]

-- User triggers (not those behind foreign keys), constraint triggers and
-- their deferral, transition tables; columns: those of UPDATE OF, one a line.
local TRIGGERS_SQL = [[
SELECT n.nspname AS schema, c.relname AS table_name, t.tgname AS name, t.tgtype::int AS type,
       pg_get_triggerdef(t.oid) AS definition,
       (SELECT string_agg(a.attname, E'\n' ORDER BY k.ord)
        FROM unnest(t.tgattr::int2[]) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = k.attnum) AS columns,
       t.tgoldtable::text AS old_table, t.tgnewtable::text AS new_table, t.tgconstraint <> 0 AS is_constraint,
       t.tgdeferrable AS deferrable, t.tginitdeferred AS deferred, obj_description(t.oid, 'pg_trigger') AS comment
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND n.nspname = ANY ($1::text[])
ORDER BY n.nspname, c.relname, t.tgname]]

-- One row per relation (views too) and column a view's rule reads
-- (ref_column nil: the relation as a whole; ref_name nil: none); calls:
-- the aggregates it calls (a view calling one that changes goes and comes
-- back around it), schema, name and identity tab-separated, one a line.
local VIEWS_SQL = [[
SELECT n.nspname AS schema, c.relname AS name, c.relkind = 'm' AS materialized, pg_get_viewdef(c.oid) AS definition,
       obj_description(c.oid, 'pg_class') AS comment, u.ref_schema, u.ref_name, u.ref_column,
       (SELECT string_agg(DISTINCT concat_ws(E'\t', pn.nspname, p.proname, pg_get_function_identity_arguments(p.oid)),
                          E'\n')
        FROM pg_rewrite rw
        JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
                        AND d.refclassid = 'pg_proc'::regclass
        JOIN pg_proc p ON p.oid = d.refobjid AND p.prokind = 'a'
        JOIN pg_namespace pn ON pn.oid = p.pronamespace
        WHERE rw.ev_class = c.oid) AS calls
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN LATERAL (
  SELECT DISTINCT rn.nspname AS ref_schema, r.relname AS ref_name, a.attname AS ref_column
  FROM pg_rewrite rw
  JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
                  AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> c.oid
  JOIN pg_class r ON r.oid = d.refobjid
  JOIN pg_namespace rn ON rn.oid = r.relnamespace
  LEFT JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum = d.refobjsubid AND d.refobjsubid > 0
  WHERE rw.ev_class = c.oid) u ON true
WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY ($1::text[])]] .. NOT_EXTENSION_MEMBER:format("'pg_class'", "c.oid")
  .. [[

ORDER BY n.nspname, c.relname, u.ref_schema, u.ref_name, u.ref_column]]

-- Aggregates (issue 15: pagila's group_concat), each clause only when it
-- is not the default CREATE AGGREGATE gives: function names as regproc
-- writes them (qualified when the search path would not find them).
local AGGREGATES_SQL = [[
SELECT n.nspname AS schema, p.proname AS name, pg_get_function_arguments(p.oid) AS args,
       pg_get_function_identity_arguments(p.oid) AS identity, a.aggkind AS kind,
       a.aggtransfn::regproc::text AS sfunc, format_type(a.aggtranstype, NULL) AS stype,
       NULLIF(a.aggtransspace, 0) AS sspace, NULLIF(a.aggfinalfn, 0)::regproc::text AS finalfunc,
       a.aggfinalextra AS finalfunc_extra, a.aggfinalmodify AS finalfunc_modify,
       NULLIF(a.aggcombinefn, 0)::regproc::text AS combinefunc,
       NULLIF(a.aggserialfn, 0)::regproc::text AS serialfunc,
       NULLIF(a.aggdeserialfn, 0)::regproc::text AS deserialfunc, a.agginitval AS initcond,
       NULLIF(a.aggmtransfn, 0)::regproc::text AS msfunc, NULLIF(a.aggminvtransfn, 0)::regproc::text AS minvfunc,
       CASE WHEN a.aggmtranstype <> 0 THEN format_type(a.aggmtranstype, NULL) END AS mstype,
       NULLIF(a.aggmtransspace, 0) AS msspace, NULLIF(a.aggmfinalfn, 0)::regproc::text AS mfinalfunc,
       a.aggmfinalextra AS mfinalfunc_extra, a.aggmfinalmodify AS mfinalfunc_modify, a.aggminitval AS minitcond,
       (SELECT o.oprname FROM pg_operator o WHERE o.oid = a.aggsortop) AS sortop, p.proparallel AS parallel,
       obj_description(p.oid, 'pg_proc') AS comment
FROM pg_aggregate a
JOIN pg_proc p ON p.oid = a.aggfnoid
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = ANY ($1::text[])]] .. NOT_EXTENSION_MEMBER:format("'pg_proc'", "p.oid") .. [[

ORDER BY n.nspname, p.proname, identity]]

local function lines_of(s)
  if s == nil then return nil end
  local out = {}
  for line in s:gmatch("[^\n]+") do out[#out + 1] = line end
  return out
end

-- One row per policy of a table, and one for a table without policies but
-- with row-level security enabled or forced (name nil); roles in their
-- order, one a line ("public" for PUBLIC).
local POLICIES_SQL = [[
SELECT n.nspname AS schema, c.relname AS table_name, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
       p.polname AS name, p.polcmd AS command, p.polpermissive AS permissive,
       (SELECT string_agg(COALESCE(ro.rolname, 'public'), E'\n' ORDER BY k.ord)
        FROM unnest(p.polroles) WITH ORDINALITY AS k(oid, ord) LEFT JOIN pg_roles ro ON ro.oid = k.oid) AS roles,
       pg_get_expr(p.polqual, p.polrelid) AS using_expr, pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr,
       obj_description(p.oid, 'pg_policy') AS comment
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_policy p ON p.polrelid = c.oid
WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY ($1::text[])
  AND (c.relrowsecurity OR c.relforcerowsecurity OR p.oid IS NOT NULL)
ORDER BY n.nspname, c.relname, p.polname]]

local COMMANDS = { r = "SELECT", a = "INSERT", w = "UPDATE", d = "DELETE" }  -- * (all) is the default

local function db_policy(r, schema)
  local roles = lines_of(r.roles)
  if roles and #roles == 1 and roles[1] == "public" then roles = nil end
  local p = { schema = schema, table = r.table_name, name = r.name, command = COMMANDS[r.command], roles = roles,
              using = r.using_expr, with_check = r.check_expr, comment = r.comment }
  if not r.permissive then p.permissive = false end  -- AS RESTRICTIVE; permissive is the default
  return p
end

local VOLATILITY = { i = "immutable", s = "stable" }   -- v (volatile) is the default
local PARALLEL = { s = "safe", r = "restricted" }      -- u (unsafe) is the default

local function db_function(r, schema)
  return { schema = schema, name = r.name, procedure = r.procedure or nil, args = r.args, identity = r.identity,
           returns = r.returns, language = r.language, body = r.body, volatility = VOLATILITY[r.volatility],
           parallel = PARALLEL[r.parallel], leakproof = r.leakproof or nil, strict = r.strict or nil,
           security_definer = r.security_definer or nil, cost = r.cost, rows = r.rows, set = lines_of(r.config),
           early = r.used_by_tables or nil, comment = r.comment }
end

-- the FINALFUNC_MODIFY CREATE AGGREGATE gives: READ_WRITE for ordered-set ones
local MODIFY = { r = "read_only", s = "shareable", w = "read_write" }

local function db_aggregate(r, schema)
  local a = { schema = schema, name = r.name, args = r.args, identity = r.identity,
              finalfunc_extra = r.finalfunc_extra or nil, mfinalfunc_extra = r.mfinalfunc_extra or nil,
              hypothetical = r.kind == "h" or nil, parallel = PARALLEL[r.parallel] }
  for _, k in ipairs { "sfunc", "stype", "sspace", "finalfunc", "combinefunc", "serialfunc", "deserialfunc",
                       "initcond", "msfunc", "minvfunc", "mstype", "msspace", "mfinalfunc", "minitcond", "sortop",
                       "comment" } do
    a[k] = r[k]
  end
  if r.finalfunc_modify ~= (r.kind == "n" and "r" or "w") then a.finalfunc_modify = MODIFY[r.finalfunc_modify] end
  if r.mfinalfunc_modify ~= "r" then a.mfinalfunc_modify = MODIFY[r.mfinalfunc_modify] end
  return a
end

-- pg_trigger.tgtype's bits
local ROW, BEFORE, INSTEAD = 1, 2, 64
local EVENT_BITS = { { 4, "INSERT" }, { 8, "DELETE" }, { 16, "UPDATE" }, { 32, "TRUNCATE" } }

local function db_trigger(r, schema)
  local events = {}
  for _, e in ipairs(EVENT_BITS) do
    if r.type & e[1] ~= 0 then events[#events + 1] = e[2] end
  end
  local middle, execute = r.definition:match(" FOR EACH %u+ (.-)EXECUTE FUNCTION (.*)$")
  local t = { schema = schema, table = r.table_name, name = r.name, events = events, columns = lines_of(r.columns),
              timing = r.type & INSTEAD ~= 0 and "INSTEAD OF" or (r.type & BEFORE ~= 0 and "BEFORE" or "AFTER"),
              each = r.type & ROW ~= 0 and "ROW" or "STATEMENT", when = middle and middle:match("^WHEN %((.*)%) $"),
              execute = execute, old_table = r.old_table, new_table = r.new_table, comment = r.comment }
  if r.is_constraint then  -- NOT DEFERRABLE INITIALLY IMMEDIATE is the default
    t.constraint, t.deferrable, t.initially = true, r.deferrable or nil, r.deferred and "DEFERRED" or nil
  end
  return t
end

-- The aggregates a view calls, from VIEWS_SQL's calls.
local function calls_of(text, local_schema)
  local out = {}
  for _, line in ipairs(lines_of(text) or {}) do
    local schema, name, identity = line:match("^([^\t]*)\t([^\t]*)\t?(.*)$")
    out[#out + 1] = { schema = local_schema(schema), name = name, identity = identity }
  end
  return out
end

-- The functions, triggers and views of the given schemas, each list in
-- catalog order, schema nil for the current one: { functions = { §
-- luamig.autogen.model's shape }, triggers, views = { ..., uses = { { schema,
-- name, column } }, calls = { aggregates: { schema, name, identity } }, indexes },
-- policies, row_security = { { schema, table, force } }, aggregates }.
-- view_indexes: the indexes of materialized views catalog.inspect read.
function M.dependents(conn, schemas, current, view_indexes)
  current = current or common.current_schema(conn)
  local arr = text_array(schemas or { current })
  local function local_schema(s) return s ~= current and s or nil end
  local out = { functions = {}, triggers = {}, views = {}, policies = {}, row_security = {}, aggregates = {} }
  for i, r in ipairs(conn:query(AGGREGATES_SQL, { arr })) do out.aggregates[i] = db_aggregate(r, local_schema(r.schema)) end
  for i, r in ipairs(conn:query(FUNCTIONS_SQL, { arr })) do out.functions[i] = db_function(r, local_schema(r.schema)) end
  for i, r in ipairs(conn:query(TRIGGERS_SQL, { arr })) do out.triggers[i] = db_trigger(r, local_schema(r.schema)) end
  for _, r in ipairs(conn:query(POLICIES_SQL, { arr })) do
    local schema = local_schema(r.schema)
    if r.name then out.policies[#out.policies + 1] = db_policy(r, schema) end
    local last = out.row_security[#out.row_security]
    if r.enabled and not (last and last.schema == schema and last.table == r.table_name) then
      out.row_security[#out.row_security + 1] = { schema = schema, table = r.table_name, force = r.forced or nil }
    end
  end
  local views = {}
  for _, r in ipairs(conn:query(VIEWS_SQL, { arr })) do
    local k = key(local_schema(r.schema), r.name)
    local v = views[k]
    if v == nil then
      v = { schema = local_schema(r.schema), name = r.name, materialized = r.materialized or nil,
            sql = r.definition, comment = r.comment, uses = {}, calls = calls_of(r.calls, local_schema),
            indexes = view_indexes and view_indexes[k] or {} }
      out.views[#out.views + 1], views[k] = v, v
    end
    if r.ref_name then
      v.uses[#v.uses + 1] = { schema = local_schema(r.ref_schema), name = r.ref_name, column = r.ref_column }
    end
  end
  return out
end

return M
