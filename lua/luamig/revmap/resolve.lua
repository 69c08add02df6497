-- luamig.revmap.resolve — what a target names (Alembic's get_revisions,
-- get_revision, _resolve_revision_number, _revision_for_ident,
-- filter_for_lineage): ids and their prefixes, branch labels,
-- head/heads/base, label@..., and relative targets +N/-N (_walk,
-- _parse_upgrade_target, _parse_downgrade_target). Methods of Map.
local map = require("luamig.revmap.map")
local errors = require("luamig.revmap.errors")
require("luamig.revmap.reach")

local Map, BASE = map.Map, map.BASE
local to_list, ids_of, by_map_order, sorted_nodes, is_node = map.to_list, map.ids_of, map.by_map_order,
  map.sorted_nodes, map.is_node
local raise, revision_error = errors.raise, errors.revision_error

local WITHOUT_DEPS = { include_deps = false }

-- Python's int(): optional sign and digits, surrounding blanks allowed
local function as_int(s)
  local num = type(s) == "string" and s:match("^%s*([+-]?%d+)%s*$")
  return num and math.tointeger(tonumber(num)) or nil
end

-- _relative_destination = r"(?:(.+?)@)?(\w+)?((?:\+|-)\d+)" used with
-- re.match: anchored at the start only.  Returns label, symbol, relative
-- text, or nil when the target is not relative.
local function parse_relative(target)
  local function rest(r)
    local symbol, rel = r:match("^([%w_]*)([+-]%d+)")
    if not rel then return nil end
    return symbol ~= "" and symbol or nil, rel
  end
  local at = 1
  while true do
    at = target:find("@", at + 1, true)
    if not at then break end
    local symbol, rel = rest(target:sub(at + 1))
    if rel then return target:sub(1, at - 1), symbol, rel end
  end
  local symbol, rel = rest(target)
  if rel then return nil, symbol, rel end
  return nil
end

-- -> ids (array; empty for base), branch label or nil
function Map:_resolve_revision_number(id)
  local label
  if type(id) == "string" and id:find("@", 1, true) then
    label, id = id:match("^(.-)@(.*)$")
    if label == "" then label = nil end  -- Python: an empty label is falsy
  end
  if id == "heads" then
    if label then return ids_of(self:filter_for_lineage(self:_nodes_of(self._heads), label)), label end
    return to_list(self._real_heads), label
  elseif id == "head" then
    local h = self:get_current_head(label)
    return h and { h } or {}, label
  elseif id == "base" or id == nil then
    return {}, label
  end
  return { id }, label
end

function Map:get_current_head(label)
  local heads = self._heads
  if label then heads = ids_of(self:filter_for_lineage(self:_nodes_of(heads), label)) end
  if #heads > 1 then
    raise("multiple_heads", "Multiple heads are present", {
      heads = heads, argument = label and (label .. "@head") or "head" })
  end
  return heads[1]
end

-- exact id, branch label, or unique partial id (of an id longer than 3)
function Map:_lookup_key(key)
  return self._nodes[key] or self._labels[key]
end

function Map:_revision_for_ident(resolved_id, check_branch)
  local branch_rev = check_branch and self:_resolve_branch(check_branch) or nil
  if resolved_id == nil then return false end
  local revision = self:_lookup_key(resolved_id)
  if not revision then
    revision = self:_partial_lookup(resolved_id, branch_rev and check_branch)
  end
  if check_branch and not self:_shares_lineage(revision, { branch_rev }) then
    raise("resolution", ("Revision %s is not a member of branch '%s'")
      :format(revision.revision, check_branch), {
        argument = resolved_id,
        detail = ("revision %s is not a member of branch '%s'"):format(revision.revision, check_branch) })
  end
  return revision
end

-- Alembic matches a prefix of any key longer than three characters (ids and
-- branch labels alike); the prefix itself may be as short as one character.
function Map:_partial_lookup(prefix, branch)
  local keys = {}
  local function consider(key)
    if #key > 3 and key:sub(1, #prefix) == prefix then keys[#keys + 1] = key end
  end
  for _, n in ipairs(self._order) do consider(n.revision) end
  for _, n in ipairs(self._order) do
    for _, l in ipairs(n.own_branch_labels) do consider(l) end
  end
  if branch then
    local kept = {}
    for _, k in ipairs(keys) do
      if self:_shares_lineage(self:_lookup_key(k), { branch }) then kept[#kept + 1] = k end
    end
    keys = kept
  end
  if #keys == 0 then
    raise("resolution", ("No such revision or branch '%s'"):format(prefix), { argument = prefix })
  elseif #keys > 1 then
    local shown = {}
    for i = 1, math.min(3, #keys) do shown[i] = "'" .. keys[i] .. "'" end
    local detail = ("multiple revisions start with '%s': %s%s"):format(
      prefix, table.concat(shown, ", "), #keys > 3 and ", ..." or "")
    raise("resolution", detail, { argument = prefix, detail = detail })
  end
  return self:_lookup_key(keys[1])
end

function Map:_resolve_branch(label)
  local rev = self:_lookup_key(label)
  if rev then return rev end
  local ok, res = pcall(self._revision_for_ident, self, label)
  if ok then return res end
  if errors.is(res, "resolution") then
    raise("resolution", ("No such branch: '%s'"):format(label), { argument = label })
  end
  error(res, 0)
end

-- one identifier or a list -> array of nodes (may hold false for "no
-- revision" and BASE, as Alembic's tuples hold None and "base")
function Map:get_revisions(id)
  if type(id) == "table" and not is_node(id) then
    local out = {}
    for _, elem in ipairs(id) do
      for _, r in ipairs(self:get_revisions(elem)) do out[#out + 1] = r end
    end
    return out
  end
  if is_node(id) then return { id } end
  local resolved, label = self:_resolve_revision_number(id)
  if #resolved == 1 then
    local rint = as_int(resolved[1])
    if rint and rint < 0 then
      -- "-n" alone: walk down from every head (of the branch)
      local out = {}
      for _, head in ipairs(self:get_revisions("heads")) do
        if not label or head._label_set[label] then
          out[#out + 1] = self:_walk(head, rint)
        end
      end
      return out
    end
  end
  local out = {}
  for i, rid in ipairs(resolved) do out[i] = self:_revision_for_ident(rid, label) end
  return out
end

function Map:get_revision(id)
  if is_node(id) then return id end
  local resolved, label = self:_resolve_revision_number(id)
  if #resolved > 1 then
    raise("multiple_heads", "Multiple heads are present", { heads = resolved, argument = id })
  end
  return self:_revision_for_ident(resolved[1], label)
end

-- true when one of `against` (nodes, ids or labels) is an ancestor or a
-- descendant of target (or target itself); depends_on only when asked
-- (options.include_deps)
function Map:_shares_lineage(target, against, options)
  if #against == 0 then return true end
  if not is_node(target) then target = self:_revision_for_ident(target) end
  local wanted = {}
  for _, a in ipairs(against) do
    wanted[is_node(a) and a or self:_revision_for_ident(a)] = true
  end
  local reach = options and options.include_deps and options or WITHOUT_DEPS
  local down, up = self:_ancestors({ target }, reach), self:_descendants({ target }, reach)
  for n in pairs(wanted) do
    if down[n] or up[n] then return true end
  end
  return false
end

-- the targets that share lineage with check_against; options as
-- _shares_lineage
function Map:filter_for_lineage(targets, check_against, options)
  local ids, label = self:_resolve_revision_number(check_against)
  local shares = {}
  if label then shares[1] = label end
  for _, id in ipairs(ids) do shares[#shares + 1] = id end
  local out = {}
  for _, t in ipairs(targets) do
    if self:_shares_lineage(t, shares, options) then out[#out + 1] = t end
  end
  return out
end

---------------------------------------------------------------------------
-- Relative targets (_walk, _parse_upgrade_target, _parse_downgrade_target)
---------------------------------------------------------------------------

-- Walk |steps| up (steps > 0) or down, on options.branch_label's branch
-- when given.  Returns a node, BASE, or false when the walk runs off the
-- graph and options.no_overwalk (the default) holds.
function Map:_walk(start, steps, options)
  local branch_label, no_overwalk = nil, true
  if options then branch_label, no_overwalk = options.branch_label, options.no_overwalk ~= false end
  local initial = start
  if type(start) == "string" then initial = self:get_revision(start) end
  for _ = 1, math.abs(steps) do
    local children
    if steps > 0 then
      local up = self:get_revisions(initial and initial.children or self._bases)
      children = branch_label and self:filter_for_lineage(up, branch_label) or up
    elseif initial == BASE then
      children = {}
    else
      children = self:get_revisions(initial and initial.down_revisions or self._heads)
      if #children == 0 then children = { BASE } end
    end
    if #children == 0 then
      if no_overwalk then return false end
      return initial
    elseif #children > 1 then
      revision_error("Ambiguous walk")
    end
    initial = children[1]
  end
  return initial
end

-- The number of steps of a relative target's text ("+3", "-0", "-99...9")
-- and its magnitude as digits. Python's int has no bounds, and a walk
-- stops at the edge of the graph long before maxinteger steps, so a
-- magnitude beyond Lua's integers walks maxinteger steps (never wrapping
-- around, as -(-2^63) would).
local function relative_steps(rel)
  local sign, digits = rel:match("^([+-]?)0*(%d*)$")
  if digits == "" then digits = "0" end
  local n = math.tointeger(tonumber(digits)) or math.maxinteger
  return sign == "-" and -n or n, digits
end

local function didnt_produce(rel)
  local _, digits = relative_steps(rel)
  revision_error(("Relative revision %s didn't produce %s migrations"):format(rel, digits))
end

-- The revisions an upgrade's target names from current: options.assert_len
-- (the default) makes a relative target that walks off the graph an error.
function Map:_parse_upgrade_target(current, target, options)
  local assert_len = not options or options.assert_len ~= false
  local label, symbol, rel_s
  if type(target) == "string" then label, symbol, rel_s = parse_relative(target) end
  if not rel_s then return self:get_revisions(target) end
  local rel, digits = relative_steps(rel_s)
  if rel <= 0 then
    -- Alembic formats the number here, not the text: "-007" says -7
    if not symbol then didnt_produce((rel < 0 and "-" or "") .. digits) end
    local start = label and self:get_revision(label .. "@" .. symbol) or self:get_revision(symbol)
    local rev = self:_walk(start, rel, { no_overwalk = assert_len })
    -- Alembic trips an assertion here; we say what happened
    if rev == false then revision_error("Walked too far") end
    return { rev }
  end
  if symbol then
    -- relative to a given revision; running off the graph is an error here
    local rev = self:_walk(self:get_revision(symbol), rel, { branch_label = label, no_overwalk = assert_len })
    if rev == false then revision_error("Walked too far") end
    return { rev }
  end
  local start_revs = to_list(current)
  if #start_revs == 0 then start_revs = { false } end
  if label then
    start_revs = self:_upgrade_start_on_branch(start_revs, label)
  end
  if #start_revs > 1 then revision_error("Ambiguous upgrade from multiple current revisions") end
  local rev = self:_walk(start_revs[1] or false, rel, { branch_label = label, no_overwalk = assert_len })
  if rev == false then didnt_produce(rel_s) end
  return { rev }
end

-- label@+n: start from the current head on that branch, else from the tip
-- of what is applied on it, else from base
function Map:_upgrade_start_on_branch(current, label)
  local real = {}
  for _, c in ipairs(current) do if c then real[#real + 1] = c end end
  local starts = self:filter_for_lineage(self:get_revisions(real), label)
  if #starts > 0 then return starts end
  local _, applied = self:_ancestors(self:get_revisions(real))
  local on_branch = self:filter_for_lineage(applied, label)
  local below = {}
  for _, r in ipairs(on_branch) do
    for _, d in ipairs(r._norm_down) do below[d] = true end
  end
  local tips = {}
  for _, r in ipairs(on_branch) do
    if not below[r.revision] then tips[#tips + 1] = r end
  end
  table.sort(tips, by_map_order)
  if #tips == 0 then return { false } end
  return tips
end

-- The branch label and the revision a downgrade's target names from
-- current; options as _parse_upgrade_target.
function Map:_parse_downgrade_target(current, target, options)
  local assert_len = not options or options.assert_len ~= false
  if target == nil then return nil, false end
  local label, symbol, rel_s = parse_relative(target)
  if rel_s then
    local rel = relative_steps(rel_s)
    if rel >= 0 then
      if not symbol then didnt_produce(rel_s) end
      local rev = self:_walk(symbol, rel, { branch_label = label, no_overwalk = assert_len })
      if rev == false then revision_error("Walked too far") end
      return label, rev
    end
    local relative_to_current = symbol == nil
    if relative_to_current then
      local cr = to_list(current)
      if label then
        symbol = self:_current_on_branch(cr, label, rel_s)
      else
        if #cr == 0 then didnt_produce(rel_s) end
        -- Alembic takes the first row of the version table (and warns when
        -- there are several) and restricts the walk to its branch
        symbol = cr[1]
        label = symbol
      end
    end
    local start = label and self:get_revision(label .. "@" .. symbol) or self:get_revision(symbol)
    local rev = self:_walk(start, rel, { no_overwalk = assert_len })
    if rev == false then
      if relative_to_current then didnt_produce(rel_s) end
      revision_error("Walked too far")
    end
    return label, rev
  end
  local lbl, sym = target:match("^(.*)@(.-)$")
  if not lbl then lbl, sym = nil, target end
  if lbl == "" then lbl = nil end
  return lbl, self:get_revision(sym)
end

-- label@-n: the one current revision on that branch (or, when another
-- branch's head depends on it, the applied tip of the branch)
function Map:_current_on_branch(cr, label, rel_s)
  local list = self:filter_for_lineage(cr, label)
  if #list == 0 then
    list = ids_of(self:filter_for_lineage(sorted_nodes(self:_get_all_current(cr)), label))
  end
  if #list ~= 1 then
    if #list == 0 then didnt_produce(rel_s) end
    revision_error(("Relative revision %s is ambiguous on branch '%s': %s")
      :format(rel_s, label, table.concat(list, ", ")))
  end
  return list[1]
end

function Map:_get_all_current(ids)
  local top = {}
  for _, r in ipairs(self:get_revisions(ids)) do if r then top[r] = true end end
  local all = self:_ancestors(sorted_nodes(top))
  -- _filter_into_branch_heads: keep those with no child in the set
  local out = {}
  for n in pairs(all) do
    local covered = false
    for _, c in ipairs(n.children) do
      if all[self._nodes[c]] then covered = true; break end
    end
    if not covered then out[n] = true end
  end
  return out
end

-- The ids a target names from current (a list of ids), as Map:resolve
-- takes it: relative targets are walked, "current" is current.
function Map:_resolve_target(target, current)
  if target == "current" then
    return ids_of(map.real_nodes(self:get_revisions(current)))
  end
  local rel_s
  if type(target) == "string" then rel_s = select(3, parse_relative(target)) end
  if rel_s and rel_s:sub(1, 1) == "-" then
    local _, rev = self:_parse_downgrade_target(current, target, { assert_len = true })
    return is_node(rev) and { rev.revision } or {}
  end
  return ids_of(map.real_nodes(self:_parse_upgrade_target(current, target, { assert_len = true })))
end

return Map
