-- --json on a real database: current, heads, history and status each print
-- one valid JSON document with the fields the README documents.
local helpers = require("support.helpers")
local dkjson = require("dkjson")

local run = helpers.run

local A, B, C, D = "aaa0000000a1", "bbb0000000b2", "ccc0000000c3", "ddd0000000d4"

local function rev(id, down, labels)
  return { id = id, down = down, labels = labels, slug = "r", message = "msg " .. id,
           up = ('op.execute("CREATE TABLE t_%s (id int)")'):format(id),
           down_body = ('op.drop_table("t_%s")'):format(id) }
end

-- The fields of a revision object (README: "--json").
local REVISION_FIELDS = { "branch_labels", "depends_on", "down_revisions", "is_branch_point", "is_current",
                          "is_head", "is_merge_point", "message", "path", "revision" }

local function keys(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return out
end

local function is_array(v)
  return type(v) == "table" and (getmetatable(v) or {}).__jsontype == "array"
end

-- Runs `luamig --json args`, checks that stdout is exactly one JSON
-- document on one line, and returns it decoded.
local function json(dir, args)
  local code, out, err = run(dir, "--json " .. args)
  assert(code == 0, ("luamig --json %s exited %s: %s"):format(args, tostring(code), err))
  assert.matches("^[^\n]*\n$", out)
  local doc, pos, msg = dkjson.decode(out)
  assert(doc ~= nil, ("luamig --json %s printed invalid JSON (%s): %s"):format(args, tostring(msg), out))
  assert.matches("^%s*$", out:sub(pos))
  assert.equal("table", type(doc))
  -- JSON text is UTF-8 (RFC 8259 §8.1); utf8.len refuses any other byte
  assert(utf8.len(out), ("luamig --json %s printed bytes that are not UTF-8: %s"):format(args, out))
  -- and a second opinion from another parser
  local f = assert(io.popen(helpers.tool(("printf %%s %s | jq . >/dev/null 2>&1 && echo ok"):format(helpers.shell_quote(out)))))
  assert.equal("ok\n", f:read("a"))
  f:close()
  return doc
end

local function check_revision(r)
  assert.same(REVISION_FIELDS, keys(r))
  assert.matches("^%x+$", r.revision)
  for _, list in ipairs({ "down_revisions", "branch_labels", "depends_on" }) do
    assert.is_true(is_array(r[list]), list .. " is an array")
  end
  for _, flag in ipairs({ "is_head", "is_current", "is_branch_point", "is_merge_point" }) do
    assert.equal("boolean", type(r[flag]), flag)
  end
  assert.equal("string", type(r.message))
  assert.equal("string", type(r.path))
end

local function ids(list)
  local out = {}
  for i, r in ipairs(list) do out[i] = r.revision end
  return out
end

describe("--json", function()
  local url, conn, dir
  before_each(function()
    url, conn = helpers.fresh_db()
    dir = helpers.project { url = url, revisions = { rev(A), rev(B, A), rev(C, A, "feature"), rev(D, { B, C }) } }
  end)
  after_each(function() conn:close() end)

  describe("on an empty database", function()
    it("current is an empty array", function()
      local doc = json(dir, "current")
      assert.same({ "current" }, keys(doc))
      assert.is_true(is_array(doc.current))
      assert.same({}, doc.current)
    end)

    it("status lists every revision as pending and no current revision", function()
      local doc = json(dir, "status")
      assert.same({ "backfills", "current", "revisions" }, keys(doc))
      assert.is_true(is_array(doc.current))
      assert.same({}, doc.current)
      assert.same({ { revision = A, message = "msg " .. A, applied = false },
                    { revision = C, message = "msg " .. C, applied = false },
                    { revision = B, message = "msg " .. B, applied = false },
                    { revision = D, message = "msg " .. D, applied = false } }, doc.revisions)
    end)
  end)

  describe("on a branch and merge", function()
    it("heads is the merge revision with its inherited label", function()
      local doc = json(dir, "heads")
      assert.same({ "heads" }, keys(doc))
      assert.equal(1, #doc.heads)
      local head = doc.heads[1]
      check_revision(head)
      assert.equal(D, head.revision)
      assert.same({ B, C }, head.down_revisions)
      assert.same({ "feature" }, head.branch_labels)
      assert.is_true(head.is_head)
      assert.is_true(head.is_merge_point)
      assert.is_false(head.is_current)
      assert.equal("migrations/versions/" .. D .. "_r.lua", head.path)
    end)

    it("history lists every revision newest first, with its markers", function()
      local doc = json(dir, "history")
      assert.same({ "history" }, keys(doc))
      assert.same({ D, B, C, A }, ids(doc.history))
      for _, r in ipairs(doc.history) do check_revision(r) end
      assert.is_true(doc.history[4].is_branch_point)
      assert.same({}, doc.history[4].down_revisions)
      assert.same({ "feature" }, doc.history[3].branch_labels)
    end)

    it("history -r takes a range", function()
      assert.same({ B, A }, ids(json(dir, "history -r aaa:bbb").history))
    end)

    it("current, history -i and status follow an upgrade of one branch", function()
      assert.equal(0, (run(dir, "-q upgrade " .. B)))
      local current = json(dir, "current").current
      assert.same({ B }, ids(current))
      check_revision(current[1])
      assert.is_true(current[1].is_current)
      assert.is_false(current[1].is_head)

      local marked = {}
      for _, r in ipairs(json(dir, "history -i").history) do
        if r.is_current then marked[#marked + 1] = r.revision end
      end
      assert.same({ B }, marked)

      local status = json(dir, "status")
      assert.same({ B }, status.current)
      local applied = {}
      for _, r in ipairs(status.revisions) do applied[r.revision] = r.applied end
      assert.same({ [A] = true, [B] = true, [C] = false, [D] = false }, applied)
    end)

    it("current at the merge names it once, as head and current", function()
      assert.equal(0, (run(dir, "-q upgrade head")))
      local current = json(dir, "current").current
      assert.same({ D }, ids(current))
      assert.is_true(current[1].is_head and current[1].is_current)
      local status = json(dir, "status")
      assert.same({ D }, status.current)
      for _, r in ipairs(status.revisions) do assert.is_true(r.applied) end
    end)

    it("a version row with no revision file is reported as unknown", function()
      assert.equal(0, (run(dir, "-q stamp " .. A)))
      conn:exec("UPDATE luamig_version SET version_num = 'feedfacecafe'")
      assert.same({ { revision = "feedfacecafe", unknown = true } }, json(dir, "current").current)
    end)

    it("messages with quotes, backslashes, newlines and non-ASCII stay valid JSON", function()
      local odd = 'say "hi" \\ tab\tnew\nline, café'
      helpers.write(dir .. "/migrations/versions/eee0000000e5_odd.lua",
        helpers.revision_source { id = "eee0000000e5", down = D, message = odd })
      assert.equal(odd, json(dir, "heads").heads[1].message)
    end)

    it("bytes of a message that are not UTF-8 become U+FFFD, one per byte", function()
      helpers.write(dir .. "/migrations/versions/eee0000000e5_odd.lua",
        helpers.revision_source { id = "eee0000000e5", down = D, message = "bad \xff\xfe, cut \xe2\x82, ok \xe2\x82\xac" })
      assert.equal("bad \u{FFFD}\u{FFFD}, cut \u{FFFD}\u{FFFD}, ok \u{20AC}", json(dir, "history").history[1].message)
    end)
  end)

  it("warnings stay on stderr, so --json output can be piped", function()
    assert.equal(0, (run(dir, "-q upgrade head")))
    -- a changed revision file: status warns of drift
    local path = dir .. "/migrations/versions/" .. A .. "_r.lua"
    helpers.write(path, helpers.read(path) .. "-- edited\n")
    local code, out, err = run(dir, "--json status")
    assert.equal(0, code)
    assert.matches("has changed since it was applied", err)
    assert.not_matches("{", err, nil, true)
    assert.same({ D }, dkjson.decode(out).current)
  end)
end)
