-- Comparing: table descriptions of the model (luamig.autogen.model) with
-- those read from the server (luamig.autogen.catalog), in, diff records
-- (luamig.autogen.kinds) out, in the safe order of kinds.phases. Pure: no
-- connection, so its specs build both sides in Lua.
local lists = require("luamig.lists")
local kinds = require("luamig.autogen.kinds")
local lineage = require("luamig.autogen.lineage")
local normalize = require("luamig.autogen.normalize")

local M = {}

local key = normalize.table_key

local DEFAULT_IGNORE = { "luamig_version", "luamig_history" }

------------------------------------------------------------------- filter

local function filtered(list, keep, kind, t, reflected)
  if not keep then return list end  -- no include_object: an object each would be built for nothing
  local out = {}
  for _, item in ipairs(list) do
    if keep { type = kind, name = item.name, table = t.name, schema = t.real_schema, reflected = reflected } then
      out[#out + 1] = item
    end
  end
  return out
end

-- The tables of one side that ignore_tables and include_object keep (in
-- order), each with the columns, indexes and constraints the hook keeps.
-- opts = { include_object = function(obj) -> truthy to keep, ignore_tables
-- = { names } (default: luamig_version, luamig_history) }; reflected: true
-- for the catalog's side, false for the model's.
function M.filter(tables, opts, reflected)
  local ignore = lists.set_of(opts.ignore_tables or DEFAULT_IGNORE)
  local keep = opts.include_object
  local kept = {}
  for _, t in ipairs(tables) do
    if not ignore[t.name] and (not keep or keep { type = "table", name = t.name, table = t.name, schema = t.real_schema,
                                     reflected = reflected }) then
      t.columns = filtered(t.columns, keep, "column", t, reflected)
      t.indexes = filtered(t.indexes, keep, "index", t, reflected)
      t.uniques = filtered(t.uniques, keep, "unique_constraint", t, reflected)
      t.fks = filtered(t.fks, keep, "foreign_key", t, reflected)
      t.checks = filtered(t.checks, keep, "check_constraint", t, reflected)
      kept[#kept + 1] = t
    end
  end
  return kept
end

------------------------------------------------------------------ records

-- emit(t, kind, fields) files a record of table t under its phase;
-- result() returns them all, phase by phase, each in the order emitted.
local function emitter()
  local records, rank = {}, {}  -- the records of each phase; each phase's place in the order
  for i, name in ipairs(kinds.phases) do records[i], rank[name] = {}, i end
  local function emit(t, kind, fields)
    fields.kind, fields.schema, fields.table = kind, t.schema, t.name
    local list = records[rank[kinds.phase(fields)]]
    list[#list + 1] = fields
  end
  local function result()
    local out = {}
    for _, list in ipairs(records) do table.move(list, 1, #list, #out + 1, out) end
    return out
  end
  return emit, result
end

-------------------------------------------------------- indexes, constraints

local function element_key(e)
  if type(e) == "string" then return "c:" .. e end
  local k = e[1] or e.name
  k = k and ("c:" .. k) or ("e:" .. normalize.expr_key(e.expr))
  return k .. (e.desc and ":desc" or "") .. normalize.index_column_details(e)
end

local signatures = {
  index = function(i)
    local parts = { tostring(i.unique == true), (i.using or "btree"):lower(),
                    i.where and normalize.expr_key(i.where) or "" }
    for _, e in ipairs(i.columns) do parts[#parts + 1] = element_key(e) end
    parts[#parts + 1] = normalize.index_details(i)
    return table.concat(parts, "\0")
  end,
  unique = function(c)
    return table.concat(c.columns, "\0") .. "\1" .. tostring(c.deferrable) .. tostring(c.initially)
  end,
  -- the server rewrites check expressions: the model's is read back from
  -- it when the text keys differ (luamig.autogen.equality)
  check = function(c) return normalize.expr_key(c.expr) end,
  -- #15 item 11: deferral is not part of a model
  exclude = function(c)
    local parts = { (c.using or "btree"):lower(), c.where and normalize.expr_key(c.where) or "" }
    for _, e in ipairs(c.elements) do parts[#parts + 1] = element_key(e) .. ":with=" .. e.with end
    return table.concat(parts, "\0")
  end,
  fk = function(c)
    return table.concat({ table.concat(c.columns, "\0"), c.referent_schema or "", c.referent,
      table.concat(c.remote_columns, "\0"), c.ondelete or "", c.onupdate or "", c.match or "",
      tostring(c.deferrable), c.initially or "" }, "\1")
  end,
}

-- Pairs model items with live ones: by name, then (for constraints the
-- user left unnamed) by signature. Returns the model items to add and the
-- live items to drop; a same-named pair that differs is both.
local function match(mlist, dlist, sig)
  local by_name, used, add, pending = {}, {}, {}, {}
  for _, d in ipairs(dlist) do by_name[d.name] = d end
  for _, m in ipairs(mlist) do
    local d = by_name[m.name]
    if d and not used[d] and sig(d) == sig(m) then used[d] = true
    elseif m.auto then pending[#pending + 1] = m
    else add[#add + 1] = m end
  end
  for _, m in ipairs(pending) do
    local found
    for _, d in ipairs(dlist) do
      if not used[d] and sig(d) == sig(m) then found = d break end
    end
    if found then used[found] = true else add[#add + 1] = m end
  end
  local drop = {}
  for _, d in ipairs(dlist) do if not used[d] then drop[#drop + 1] = d end end
  return add, drop
end

-- Constraints of columns being added come with add_column.
local function not_inline(list, added)
  local out = {}
  for _, c in ipairs(list) do if not (c.column and added[c.column]) then out[#out + 1] = c end end
  return out
end

-- Emits remove_<kind> and add_<kind> records; whether anything is added.
local function compare_kind(mlist, dlist, sig, emit, m, kind)
  local add, drop = match(mlist, dlist, sig)
  local field = kind == "index" and "index" or "constraint"
  for _, d in ipairs(drop) do emit(m, "remove_" .. kind, { [field] = d }) end
  for _, a in ipairs(add) do emit(m, "add_" .. kind, { [field] = a }) end
  return #add > 0
end

------------------------------------------------------------------ columns

-- Primary key and serial columns are NOT NULL whatever the spec says.
local function nullable(col, pk_set)
  local _, serial = normalize.type(col.type)
  return col.nullable ~= false and not col.primary_key and not serial and not (pk_set and pk_set[col.name])
    and col.identity == nil
end

-- A change of identity (issue 15 item 6): { from, to } without the
-- sequence options that are the type's defaults, nil for none.
local function identity_change(mc, dc)
  if normalize.identity_key(mc.type, mc.identity) == normalize.identity_key(dc.type, dc.identity) then return nil end
  return { from = normalize.identity(dc.type, dc.identity), to = normalize.identity(mc.type, mc.identity) }
end

-- Whether a column's generation expression (issue 15 item 5) differs: no
-- ALTER changes one before PostgreSQL 17, so the column is re-created.
local function generation_differs(mc, dc)
  local function k(col) return col.generated and normalize.expr_key(col.generated) or "" end
  return k(mc) ~= k(dc)
end

local function column_changes(mc, dc, m_pk, d_pk, judge)
  local mt, mserial = normalize.type(mc.type)
  local dt, dserial = normalize.type(dc.type)
  local ch = {}
  if judge.type_differs(mc, dc, mt, dt) then ch.type = { from = dserial and dt or dc.type, to = mserial and mt or mc.type } end
  local mn, dn = nullable(mc, m_pk), nullable(dc, d_pk)
  if mn ~= dn then ch.nullable = { from = dn, to = mn } end
  if not (mserial or dserial or dc.opaque) and judge.default_differs(mc, dc) then
    ch.default = { from = dc.default, to = mc.default }
  end
  local mcomment, dcomment = normalize.comment(mc.comment), normalize.comment(dc.comment)
  if mcomment ~= dcomment then ch.comment = { from = dcomment, to = mcomment } end
  ch.identity = identity_change(mc, dc)
  if next(ch) then return ch end
  return nil
end

-- An identity column's sequence renamed (no ALTER COLUMN names it):
-- sequence_name is there when it is not the default table_column_seq.
local function compare_identity_sequence(m, mc, dc, emit)
  if not (mc.identity and dc.identity) then return end
  local default = normalize.default_name(m.name, { mc.name }, "seq")
  local function name_of(col) return type(col.identity) == "table" and col.identity.sequence_name or default end
  local from, to = name_of(dc), name_of(mc)
  if from ~= to then emit(m, "identity_sequence_name", { column = mc.name, from = from, to = to }) end
end

-- Emits the column records of a table on both sides; returns the set of
-- added column names.
local function compare_columns(m, d, emit, judge)
  local dcols, mcols, added = {}, {}, {}
  for _, c in ipairs(d.columns) do dcols[c.name] = c end
  for _, mc in ipairs(m.columns) do
    mcols[mc.name] = true
    local dc = dcols[mc.name]
    if dc == nil then
      -- a column the table only inherits stays its own when the parent goes (NO INHERIT, luamig.autogen.lineage)
      if not (d.inherited and d.inherited[mc.name]) then
        emit(m, "add_column", { column = mc })
        added[mc.name] = true
      end
    elseif generation_differs(mc, dc) then
      emit(m, "regenerate_column", { column = mc, from = dc })
    else
      local ch = column_changes(mc, dc, m.pk_set, d.pk_set, judge)
      if ch then emit(m, "alter_column", { column = mc.name, changes = ch, column_type = ch.identity and mc.type }) end
      compare_identity_sequence(m, mc, dc, emit)
    end
  end
  for _, dc in ipairs(d.columns) do
    if not mcols[dc.name] then emit(m, "remove_column", { column = dc }) end
  end
  return added
end

---------------------------------------------- primary keys (#15 item 11)

-- A primary key the user left unnamed is the same key whatever the
-- server called it; a named one must keep its name too.
local function same_primary_key(mpk, dpk)
  return table.concat(mpk.columns, "\0") == table.concat(dpk.columns, "\0") and (mpk.auto or mpk.name == dpk.name)
end

-- Emits the drop of the live primary key and the creation of the model's
-- when they differ; a key on a column being added comes with add_column.
local function compare_primary_key(m, d, emit, added)
  local mpk, dpk = m.pk, d.pk
  if mpk and dpk and same_primary_key(mpk, dpk) then return end
  if dpk then emit(m, "remove_constraint", { constraint = dpk }) end
  if mpk and not (mpk.column and added[mpk.column]) then emit(m, "add_constraint", { constraint = mpk }) end
end

local function column_set(columns)
  local sorted = lists.copy(columns)
  table.sort(sorted)
  return table.concat(sorted, "\0")
end

-- The live foreign keys, of tables the model keeps, that reference a
-- primary key being dropped and are not dropped already: each is dropped
-- before the key and created again after it (PostgreSQL refuses to drop
-- a key a foreign key depends on), which the downgrade undoes in reverse.
-- dropped_pks: { [table key] = the live key }; removed: { [constraint] = true }.
local function recreate_referencing_fks(reflected, kept, dropped_pks, removed, emit)
  for _, d in ipairs(reflected) do
    for _, c in ipairs(kept[key(d.schema, d.name)] and d.fks or {}) do
      local pk = dropped_pks[key(c.referent_schema, c.referent)]
      if pk and not removed[c] and column_set(c.remote_columns) == column_set(pk.columns) then
        emit(d, "remove_constraint", { constraint = c })
        emit(d, "add_constraint", { constraint = c })
      end
    end
  end
end

-------------------------------------------- table storage (#15 item 11)

local function storage_changes(m, d)
  local ch = {}
  if (m.unlogged == true) ~= (d.unlogged == true) then
    ch.unlogged = { from = d.unlogged == true, to = m.unlogged == true }
  end
  if normalize.storage_key(m.with) ~= normalize.storage_key(d.with) then ch.with = { from = d.with, to = m.with } end
  if next(ch) then return ch end
  return nil
end

-- Emits a column_statistics record for each of the columns whose target
-- differs between from and to ({ column = target }, nil: the defaults);
-- dropping: the table is being dropped, so these come before that.
local function statistics_records(t, from, to, columns, emit, dropping)
  for _, col in ipairs(columns) do
    local a, b = from and from[col.name], to and to[col.name]
    if a ~= b then emit(t, "column_statistics", { column = col.name, from = a, to = b, dropping = dropping }) end
  end
end

local function compare_storage(m, d, emit)
  local ch = storage_changes(m, d)
  if ch then emit(m, "table_storage", { changes = ch }) end
  statistics_records(m, d.statistics, m.statistics, m.columns, emit)
end

------------------------------------------------------------------- tables

-- The records of a table on both sides; whether it grows something a new
-- table's foreign key may point at (a column, an index, a unique constraint).
local function compare_table(m, d, emit, judge)
  local mcomment, dcomment = normalize.comment(m.comment), normalize.comment(d.comment)
  if mcomment ~= dcomment then emit(m, "table_comment", { from = dcomment, to = mcomment }) end
  local added = compare_columns(m, d, emit, judge)
  compare_primary_key(m, d, emit, added)
  compare_storage(m, d, emit)
  lineage.compare(m, d, emit, judge)
  local grown = next(added) ~= nil
  grown = compare_kind(m.indexes, d.indexes, judge.index_signature, emit, m, "index") or grown
  grown = compare_kind(not_inline(m.uniques, added), d.uniques, signatures.unique, emit, m, "constraint") or grown
  compare_kind(not_inline(m.checks, added), d.checks, judge.check_signature, emit, m, "constraint")
  compare_kind(m.excludes or {}, d.excludes or {}, signatures.exclude, emit, m, "constraint")
  compare_kind(not_inline(m.fks, added), d.fks, signatures.fk, emit, m, "constraint")
  return grown
end

------------------------------------------------- partitions (#15 item 9)

-- The tables t is a partition of or inherits from: { parent, parent_schema }.
local function parents(t)
  if t.partition then return { t.partition } end
  return t.inherits or {}
end

-- Whether any table of list is a partition or child of d.
local function has_child(d, list)
  local k = key(d.schema, d.name)
  for _, other in ipairs(list) do
    for _, p in ipairs(parents(other)) do
      if key(p.parent_schema, p.parent) == k then return true end
    end
  end
  return false
end

-- The live tables to drop, children (partitions, inheriting tables)
-- before their parents, which would take them along or refuse to go.
local function removal_order(list)
  local left, out = lists.copy(list), {}
  while #left > 0 do
    local pick = 1
    for i, d in ipairs(left) do
      if not has_child(d, left) then pick = i break end
    end
    out[#out + 1] = table.remove(left, pick)
  end
  return out
end

-- A partition's own constraints are separate records: create_partition
-- takes none.
local function remove_partition(d, emit)
  for _, list in ipairs { d.uniques, d.checks } do
    for _, c in ipairs(list) do emit(d, "remove_constraint", { constraint = c }) end
  end
  emit(d, "remove_partition", { def = { schema = d.schema, name = d.name, partition = d.partition } })
end

local function add_partition(m, emit)
  emit(m, "add_partition", { def = { schema = m.schema, name = m.name, partition = m.partition } })
  for _, list in ipairs { m.uniques, m.checks } do
    for _, c in ipairs(list) do emit(m, "add_constraint", { constraint = c }) end
  end
end

-------------------------------------------------------------- new, gone

-- A dropped table's foreign keys go first, as separate drops, so that the
-- tables can go in any order (and come back in any order on downgrade).
local function remove_table(d, emit)
  for _, c in ipairs(d.fks) do emit(d, "remove_constraint", { constraint = c }) end
  for _, i in ipairs(d.indexes) do emit(d, "remove_index", { index = i }) end
  for _, c in ipairs(d.excludes or {}) do emit(d, "remove_constraint", { constraint = c }) end
  if d.partition then return remove_partition(d, emit) end
  local constraints = {}
  if d.pk and not d.pk.inline then constraints[1] = d.pk end
  table.move(d.uniques, 1, #d.uniques, #constraints + 1, constraints)
  table.move(d.checks, 1, #d.checks, #constraints + 1, constraints)
  statistics_records(d, d.statistics, nil, d.columns, emit, true)
  emit(d, "remove_table", { def = { schema = d.schema, name = d.name, comment = d.comment, columns = d.columns,
    constraints = constraints, partition_by = d.partition_by, unlogged = d.unlogged, with = d.with,
    inherits = d.inherits } })
end

-- The new table's definition, without the foreign keys in `deferred`.
local function table_def(m, deferred)
  local columns, constraints = {}, {}
  for i, col in ipairs(m.columns) do
    columns[i] = col
    if col.references and deferred[col.name] then
      columns[i] = {}
      for k, v in pairs(col) do columns[i][k] = v end
      columns[i].references = nil
    end
  end
  for _, c in ipairs(m.constraints) do
    if not deferred[c] and c.type ~= "exclude" then constraints[#constraints + 1] = c end
  end
  return { schema = m.schema, name = m.name, comment = m.comment, columns = columns, constraints = constraints,
           partition_by = m.partition_by, unlogged = m.unlogged, with = m.with, inherits = m.inherits }
end

-- A foreign key can be inline when what it points at exists by then.
local function ready(fk, m, created, new, grown)
  local k = key(fk.referent_schema, fk.referent)
  if k == key(m.schema, m.name) then return true end
  if new[k] then return created[k] == true end
  return not grown[k]
end

local function plan_new_table(m, emit, created, new, grown)
  local deferred = {}
  for _, fk in ipairs(m.fks) do
    if m.partition or not ready(fk, m, created, new, grown) then
      deferred[fk.column or fk.source] = true
      emit(m, "add_constraint", { constraint = fk })
    end
  end
  if m.partition then add_partition(m, emit) else emit(m, "add_table", { def = table_def(m, deferred) }) end
  for _, i in ipairs(m.indexes) do emit(m, "add_index", { index = i }) end
  for _, c in ipairs(m.excludes) do emit(m, "add_constraint", { constraint = c }) end
  statistics_records(m, nil, m.statistics, m.columns, emit)
  created[key(m.schema, m.name)] = true
end

local function blocked(m, created, new)
  for _, p in ipairs(parents(m)) do
    if new[key(p.parent_schema, p.parent)] and not created[key(p.parent_schema, p.parent)] then return true end
  end
  for _, fk in ipairs(m.fks) do
    local k = key(fk.referent_schema, fk.referent)
    if new[k] and not created[k] and k ~= key(m.schema, m.name) then return true end
  end
  return false
end

-- New tables in model order, except that a referenced table comes before
-- the tables referencing it; a cycle is broken at the first table left,
-- whose foreign keys to tables not yet created are added afterwards.
local function add_tables(list, emit, grown)
  local new, created, left = {}, {}, {}
  for i, m in ipairs(list) do new[key(m.schema, m.name)], left[i] = true, m end
  while #left > 0 do
    local pick = 1
    for i, m in ipairs(left) do
      if not blocked(m, created, new) then pick = i break end
    end
    plan_new_table(table.remove(left, pick), emit, created, new, grown)
  end
end

-- The schemas to read from the catalog: opts.schemas, else the current
-- one and those the model names.
function M.schemas_to_read(opts, model, current)
  if opts.schemas then return opts.schemas end
  local list, seen = { current }, { [current] = true }
  for _, m in ipairs(model) do
    if not seen[m.real_schema] then list[#list + 1], seen[m.real_schema] = m.real_schema, true end
  end
  return list
end

-- The diff records that turn the reflected tables into the model's, in
-- the safe order; both lists as M.filter leaves them. opts (optional):
-- see M.judge.
function M.diffs(model, reflected, opts)
  local judge = M.judge(opts or {})
  local mkeys, dkeys = {}, {}
  for _, m in ipairs(model) do mkeys[key(m.schema, m.name)] = m end
  for _, d in ipairs(reflected) do dkeys[key(d.schema, d.name)] = d end
  local emit_record, result = emitter()
  local dropped_pks, removed = {}, {}  -- what recreate_referencing_fks needs to know
  local function emit(t, kind, fields)
    if kind == "remove_constraint" then
      removed[fields.constraint] = true
      if fields.constraint.type == "primary_key" then dropped_pks[key(t.schema, t.name)] = fields.constraint end
    end
    emit_record(t, kind, fields)
  end
  local grown, new = {}, {}
  for _, m in ipairs(model) do
    local d = dkeys[key(m.schema, m.name)]
    if d then
      grown[key(m.schema, m.name)] = compare_table(m, d, emit, judge)
    else
      new[#new + 1] = m
    end
  end
  recreate_referencing_fks(reflected, mkeys, dropped_pks, removed, emit_record)
  local live, live_key = lists.copy(reflected), {}
  for _, d in ipairs(live) do live_key[d] = key(d.schema, d.name) end
  table.sort(live, function(a, b) return live_key[a] < live_key[b] end)
  local gone = {}
  for _, d in ipairs(live) do
    if not mkeys[key(d.schema, d.name)] then gone[#gone + 1] = d end
  end
  for _, d in ipairs(removal_order(gone)) do remove_table(d, emit) end
  add_tables(new, emit, grown)
  return result()
end

------------------------------ equality and Alembic's switches (#15 items 7, 12)

-- The comparison text of an index (its kind, method, predicate and elements).
M.index_signature = signatures.index

-- A switch of env.lua (compare_type, compare_server_default) around the
-- default rule: false turns the comparison off; a function(context,
-- inspected_column, metadata_column, inspected_value, metadata_value
-- [, rendered_metadata_value]) says true (different), false (same) or
-- nil (the default rule), as Alembic's.
local function switch(setting, context, rule, values)
  if setting == false then return function() return false end end
  if setting == nil or setting == true then return rule end
  return function(mc, dc, ...)
    local verdict = setting(context, dc, mc, values(mc, dc, ...))
    if verdict == nil then return rule(mc, dc, ...) end
    return verdict and true or false
  end
end

-- The rules of equality of one run. opts = { equal = the verdicts of
-- luamig.autogen.equality (none: text keys only), compare_type,
-- compare_server_default (see switch), context (handed to their functions) }.
function M.judge(opts)
  local equal = opts.equal or { default = {}, check = {}, index = {}, partkey = {}, bound = {} }
  local function default_differs(mc, dc)
    if normalize.default_key(mc.default) == normalize.default_key(dc.default) then return false end
    return equal.default[mc] ~= true
  end
  local switched_default = switch(opts.compare_server_default, opts.context, default_differs,
    function(mc, dc) return dc.default, mc.default, mc.default end)
  return {
    type_differs = switch(opts.compare_type, opts.context, function(_, _, mt, dt) return mt ~= dt end,
      function(mc, dc) return dc.type, mc.type end),
    -- as Alembic, no question when neither side has a default
    default_differs = function(mc, dc) return (mc.default ~= nil or dc.default ~= nil) and switched_default(mc, dc) end,
    index_signature = function(i) return signatures.index(equal.index[i] or i) end,
    check_signature = function(c) return normalize.expr_key(equal.check[c] or c.expr) end,
    partition_by_key = function(m) return normalize.expr_key(equal.partkey[m] or m.partition_by) end,
    bound_key = function(m) return normalize.expr_key(equal.bound[m] or m.partition.bound) end,
  }
end

-- env.lua's include_name(name, type, parent_names), as Alembic's: asked
-- about the database's side only, before comparing; schema_name is nil
-- for the current schema. Returns { schemas = function(list) -> the
-- schemas to read, table = function(schema, name) -> whether to read it
-- (nil without a hook), contents = function(tables) -> the tables with
-- the columns, indexes and constraints it keeps }.
local name_kinds = { columns = "column", indexes = "index", uniques = "unique_constraint",
                     fks = "foreign_key_constraint", checks = "check_constraint" }

function M.name_filter(hook, current)
  local function schema_name(s) if s ~= current then return s end end
  local function qualified(s, name) return s ~= current and (s .. "." .. name) or name end
  if hook == nil then
    local function same(x) return x end
    return { schemas = same, contents = same }
  end
  local function contents(tables)
    for _, t in ipairs(tables) do
      local parents = { schema_name = schema_name(t.real_schema), table_name = t.name,
                        schema_qualified_table_name = qualified(t.real_schema, t.name) }
      for field, kind in pairs(name_kinds) do
        local kept = {}
        for _, item in ipairs(t[field]) do
          if hook(item.name, kind, parents) then kept[#kept + 1] = item end
        end
        t[field] = kept
      end
    end
    return tables
  end
  return {
    schemas = function(list)
      local kept = {}
      for _, s in ipairs(list) do if hook(schema_name(s), "schema", {}) then kept[#kept + 1] = s end end
      return kept
    end,
    table = function(s, name) return hook(name, "table", { schema_name = schema_name(s) }) end,
    contents = contents,
  }
end

return M
