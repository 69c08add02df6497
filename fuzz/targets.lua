-- What the libFuzzer harness (fuzz/harness.c) runs on each input: the pure
-- parts of luamig that read text a user typed. fuzz_target(data) returns
-- normally when luamig behaved; any error it raises is a finding.
local core = require("luamig.core")
local revmap = require("luamig.revmap")
local ddl = require("luamig.ddl")

local M = {}

-- A fixed graph with a branch point, a merge, labels and a dependency:
--   a1 -> b2 -> c3 (label "main") -> m5 (merge) -> f6
--         b2 -> d4 (label "feature", depends on a1) -> m5
local function rev(id, down, extra)
  local r = { revision = id, down_revision = down, message = "rev " .. id,
              upgrade = function() end, downgrade = function() end }
  for k, v in pairs(extra or {}) do r[k] = v end
  return r
end

local map = revmap.new({
  rev("a1000000000a", nil),
  rev("b2000000000b", "a1000000000a"),
  rev("c3000000000c", "b2000000000b", { branch_labels = { "main" } }),
  rev("d4000000000d", "b2000000000b", { branch_labels = { "feature" }, depends_on = { "a1000000000a" } }),
  rev("e5000000000e", { "c3000000000c", "d4000000000d" }),
  rev("f6000000000f", "e5000000000e"),
})

-- The current heads the inputs are resolved against.
local currents = { {}, { "b2000000000b" }, { "c3000000000c", "d4000000000d" }, { "f6000000000f" } }

local function finding(fmt, ...)
  error(("finding: " .. fmt):format(...), 0)
end

-- fn(...) must return, or raise a string (a message for the user); a
-- table, nil or other error object would reach the user as garbage.
local function expect_result_or_message(what, input, fn, ...)
  local ok, err = pcall(fn, ...)
  if not ok and type(err) ~= "string" then
    finding("%s(%q) raised a %s, not a message: %s", what, input, type(err), tostring(err))
  end
  if not ok and (err == "" or err:find("luamig/revmap%.lua:%d+:")) then
    finding("%s(%q) raised an internal error: %s", what, input, err)
  end
  return ok, err
end

-- The target and range grammar: upgrade/downgrade targets, resolve, history.
local function resolve_all(text)
  for _, current in ipairs(currents) do
    expect_result_or_message("resolve", text, map.resolve, map, text, current)
    expect_result_or_message("upgrade_steps", text, map.upgrade_steps, map, current, text)
    expect_result_or_message("downgrade_steps", text, map.downgrade_steps, map, current, text)
    expect_result_or_message("history", text, map.history, map, text, current)
  end
  -- a range built around the input, as `history -r X:` and `-r :X`
  expect_result_or_message("history", text .. ":", map.history, map, text .. ":", {})
  expect_result_or_message("history", ":" .. text, map.history, map, ":" .. text, {})
end

-- Quoting: the result is the input wrapped in `q` with every inner `q`
-- doubled (a literal with a backslash is an E'' string with backslashes
-- doubled too), or a string error for what cannot be quoted.
local function check_quoted(kind, text, quoted, q)
  if quoted:sub(1, 1) == "E" and q == "'" then quoted = quoted:sub(2) end
  if #quoted < 2 or quoted:sub(1, 1) ~= q or quoted:sub(-1) ~= q then
    finding("%s(%q) = %q is not wrapped in %s", kind, text, quoted, q)
  end
  local inner = quoted:sub(2, -2)
  -- every q inside comes in pairs: the text cannot end the quoted part
  local stripped = inner:gsub(q .. q, "")
  if stripped:find(q, 1, true) then
    finding("%s(%q) = %q has an undoubled %s inside", kind, text, quoted, q)
  end
  local back = inner:gsub(q .. q, q)
  if kind == "literal" and text:find("\\", 1, true) then back = back:gsub("\\\\", "\\") end
  if back ~= text then
    finding("%s(%q) = %q does not read back as the input (%q)", kind, text, quoted, back)
  end
end

local function quote_all(text)
  local ok, quoted = expect_result_or_message("ddl.ident", text, ddl.ident, text)
  if ok then check_quoted("ident", text, quoted, '"')
  elseif text ~= "" and not text:find("\0", 1, true) then finding("ddl.ident(%q) refused: %s", text, quoted) end
  ok, quoted = expect_result_or_message("ddl.literal", text, ddl.literal, text)
  if ok then check_quoted("literal", text, quoted, "'")
  elseif not text:find("\0", 1, true) then finding("ddl.literal(%q) refused: %s", text, quoted) end
end

-- COPY text encoding (C): a row of the input's pieces must encode to one
-- line of as many tab-separated fields, none holding a raw tab or newline.
local function copy_row(text)
  local fields = {}
  for piece in (text .. "\1"):gmatch("([^\1]*)\1") do fields[#fields + 1] = piece end
  local ok, encoded = expect_result_or_message("ddl.copy_rows", text, ddl.copy_rows, { fields }, 1, #fields)
  if not ok then
    if not text:find("\0", 1, true) then finding("copy_rows(%q) refused: %s", text, encoded) end
    return
  end
  if encoded:sub(-1) ~= "\n" or encoded:sub(1, -2):find("\n", 1, true) then
    finding("copy_rows(%q) = %q is not one line", text, encoded)
  end
  local _, tabs = encoded:gsub("\t", "")
  if tabs ~= #fields - 1 then finding("copy_rows(%q) = %q has %d tabs for %d fields", text, encoded, tabs, #fields) end
end

-- The revision index reader (C): any bytes decode to nil or a value, and
-- never raise. The input is read twice: as a whole index file, and as a
-- payload behind a header with the right length and checksum, so that
-- the decoder itself is reached. A value it gives encodes and decodes
-- again to an equal value, and a snapshot revmap accepts restores to a
-- map whose heads and history answer.
local function same(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then return a == b end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

local function with_header(payload)
  local hex = core.checksum(payload)
  local sum = tonumber(hex:sub(1, 8), 16) << 32 | tonumber(hex:sub(9), 16)
  return "LUAMIGIX" .. string.pack("<I4I8i8", 1, #payload, sum) .. payload
end

local function read_index(text)
  local ok, err = pcall(core.decode_index, text)
  if not ok then finding("decode_index(%q) raised: %s", text, err) end
  ok, err = pcall(core.decode_index, with_header(text))
  if not ok then finding("decode_index of the payload %q raised: %s", text, err) end
  local value = err
  if type(value) ~= "table" then return end
  if not same(value, core.decode_index(core.encode_index(value))) then
    finding("the index decoded from %q does not encode back alike", text)
  end
  for _, snap in ipairs({ value, value.graph }) do
    local checked
    ok, checked = pcall(revmap.is_snapshot, snap)
    if not ok then finding("is_snapshot of the index from %q raised: %s", text, checked) end
    if checked then
      local map = revmap.restore(snap, function() return {} end)
      expect_result_or_message("heads", text, map.heads, map)
      expect_result_or_message("history", text, map.history, map, nil, {})
    end
  end
end

-- lint's parser (#17): any text gives a tree, or nil, a message and a
-- position; pg_query's JSON is read back into Lua tables without error.
local function parse_sql(text)
  local ok, tree, message, position = pcall(core.parse_sql, text)
  if not ok then finding("parse_sql(%q) raised: %s", text, tree) end
  if tree == nil and not (type(message) == "string" and math.type(position) == "integer") then
    finding("parse_sql(%q) failed without a message and a position", text)
  end
  if tree ~= nil and type(tree.version) ~= "number" then finding("parse_sql(%q) gave a tree without a version", text) end
end

function M.fuzz_target(data)
  resolve_all(data)
  quote_all(data)
  copy_row(data)
  read_index(data)
  parse_sql(data)
end

return M
