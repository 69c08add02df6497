-- The commands around the revision graph, on the graph of
-- shared/ALEMBIC-OUTPUT.md: a1 <- b2, a1 <- c3 (label feature), d4 merges
-- b2 and c3. Expected output is Alembic 1.8's on the same graph.
local helpers = require("support.helpers")

local run = helpers.run

local function rev(id, down, labels)
  return { id = id, down = down, labels = labels, slug = "r", message = "msg " .. id,
           up = ('op.execute("CREATE TABLE t_%s (id int)")'):format(id),
           down_body = ('op.drop_table("t_%s")'):format(id) }
end

local A, B, C, D = "aaa0000000a1", "bbb0000000b2", "ccc0000000c3", "ddd0000000d4"

local function diamond(url, without_merge)
  local revs = { rev(A), rev(B, A), rev(C, A, "feature") }
  if not without_merge then revs[4] = rev(D, { B, C }) end
  return helpers.project { url = url, revisions = revs }
end

local function ok(dir, args)
  local code, out, err = run(dir, args)
  assert(code == 0, ("luamig %s exited %s: %s"):format(args, tostring(code), err))
  return out, err
end

local function lines(...)
  return table.concat({ ... }, "\n") .. "\n"
end

describe("graph commands on a branch and merge", function()
  local url, conn, dir
  before_each(function()
    url, conn = helpers.fresh_db()
    dir = diamond(url)
  end)
  after_each(function() conn:close() end)

  it("history lists every revision newest first with its markers", function()
    assert.equal(lines(
      "bbb0000000b2, ccc0000000c3 -> ddd0000000d4 (feature) (head) (mergepoint), msg ddd0000000d4",
      "aaa0000000a1 -> bbb0000000b2, msg bbb0000000b2",
      "aaa0000000a1 -> ccc0000000c3 (feature), msg ccc0000000c3",
      "<base> -> aaa0000000a1 (branchpoint), msg aaa0000000a1"), ok(dir, "history"))
  end)

  it("history -v writes a block per revision", function()
    local out = ok(dir, "history -v")
    assert.equal(lines("Rev: ddd0000000d4 (head) (mergepoint)", "Merges: bbb0000000b2, ccc0000000c3",
      "Branch names: feature", "Path: migrations/versions/ddd0000000d4_r.lua", "", "    msg ddd0000000d4", ""),
      out:sub(1, out:find("Rev: bbb") - 1))
  end)

  it("history -r takes a range", function()
    assert.equal(lines("aaa0000000a1 -> bbb0000000b2, msg bbb0000000b2", "<base> -> aaa0000000a1 (branchpoint), msg aaa0000000a1"),
      ok(dir, "history -r aaa:bbb"))
    assert.equal(lines("bbb0000000b2, ccc0000000c3 -> ddd0000000d4 (feature) (head) (mergepoint), msg ddd0000000d4"),
      ok(dir, "history -r bbb0000000b2:head"):match("^[^\n]*\n"))
  end)

  it("history -r current: starts at the applied revision", function()
    ok(dir, "upgrade feature@head")
    assert.equal(lines("bbb0000000b2, ccc0000000c3 -> ddd0000000d4 (feature) (head) (mergepoint), msg ddd0000000d4"),
      ok(dir, "history -r current:"))
  end)

  it("heads names the merge with its label", function()
    assert.equal(lines("ddd0000000d4 (feature) (head)"), ok(dir, "heads"))
  end)

  it("branches shows the branch point and where it leads", function()
    assert.equal(lines("aaa0000000a1 (branchpoint)", "             -> bbb0000000b2", "             -> ccc0000000c3 (feature)", ""),
      ok(dir, "branches"))
  end)

  it("show prints one revision", function()
    assert.matches("^Rev: ccc0000000c3\nParent: aaa0000000a1\nBranch names: feature\n", ok(dir, "show ccc"))
  end)

  it("upgrade to one side then label@head runs the other side and the merge", function()
    local _, err = ok(dir, "upgrade bbb")
    assert.matches("Running upgrade  %-> aaa0000000a1.*Running upgrade aaa0000000a1 %-> bbb0000000b2", err)
    assert.equal(lines(B), ok(dir, "current"))
    assert.same({ B }, helpers.versions(conn))
    _, err = ok(dir, "upgrade feature@head")
    assert.matches("Running upgrade aaa0000000a1 %-> ccc0000000c3.*Running upgrade bbb0000000b2, ccc0000000c3 %-> ddd0000000d4", err)
    assert.equal(lines("ddd0000000d4 (head) (mergepoint)"), ok(dir, "current"))
    assert.same({ D }, helpers.versions(conn))
  end)

  it("history -i marks the current revision", function()
    ok(dir, "upgrade head")
    assert.matches("^bbb0000000b2, ccc0000000c3 %-> ddd0000000d4 %(feature%) %(head%) %(current%) %(mergepoint%)", ok(dir, "history -i"))
  end)

  it("downgrade -1 from a merge point is an ambiguous walk and changes nothing", function()
    ok(dir, "upgrade head")
    local code, _, err = run(dir, "downgrade -1")
    assert.equal(1, code)
    assert.equal("luamig: Ambiguous walk\n", err)
    assert.same({ D }, helpers.versions(conn))
  end)

  it("downgrade base works across the merge", function()
    ok(dir, "upgrade head")
    ok(dir, "downgrade base")
    assert.same({}, helpers.versions(conn))
    assert.same({ "luamig_version" }, helpers.tables(conn))
  end)

  it("downgrade to the branch point unmerges back to one row", function()
    ok(dir, "upgrade head")
    ok(dir, "downgrade aaa")
    assert.same({ A }, helpers.versions(conn))
    assert.same({ "luamig_version", "t_aaa0000000a1" }, helpers.tables(conn))
  end)
end)

describe("graph commands on two heads", function()
  local url, conn, dir
  before_each(function()
    url, conn = helpers.fresh_db()
    dir = diamond(url, true)
  end)
  after_each(function() conn:close() end)

  it("upgrade head is an error naming the heads", function()
    local code, _, err = run(dir, "upgrade head")
    assert.equal(1, code)
    assert.matches("Multiple head revisions are present for given argument 'head'.*bbb0000000b2, ccc0000000c3", err)
    assert.same({}, helpers.tables(conn))
  end)

  it("upgrade heads applies both branches, one row each", function()
    ok(dir, "upgrade heads")
    assert.same({ B, C }, helpers.versions(conn))
    assert.equal(lines("bbb0000000b2 (head)", "ccc0000000c3 (head)"), ok(dir, "current"))
  end)

  it("downgrade label@-1 reverts one branch alone", function()
    ok(dir, "upgrade heads")
    ok(dir, "downgrade feature@-1")
    assert.same({ B }, helpers.versions(conn))
    assert.same({ "luamig_version", "t_aaa0000000a1", "t_bbb0000000b2" }, helpers.tables(conn))
  end)

  it("stamp writes the version table without running anything", function()
    ok(dir, "stamp heads")
    assert.same({ B, C }, helpers.versions(conn))
    assert.same({ "luamig_version" }, helpers.tables(conn))
    ok(dir, "stamp aaa --purge")
    assert.same({ A }, helpers.versions(conn))
  end)

  it("stamp of one branch's revision replaces only that branch's row", function()
    ok(dir, "stamp heads")
    ok(dir, "stamp aaa0000000a1")
    assert.same({ A }, helpers.versions(conn))
  end)

  it("merge writes a revision joining the heads, which upgrade head then applies", function()
    local out = ok(dir, "merge -m 'join them' heads")
    local path = out:gsub("\n$", "")
    assert.matches('down_revision = { "bbb0000000b2", "ccc0000000c3" }', helpers.read(dir .. "/" .. path))
    assert.equal(1, select(2, ok(dir, "heads"):gsub("\n", "")))
    ok(dir, "upgrade head")
    assert.same({ path:match("versions/(%x+)_") }, helpers.versions(conn))
  end)

  it("revision needs --head when there are several heads", function()
    local code, _, err = run(dir, "revision -m next")
    assert.equal(1, code)
    assert.matches("Multiple head revisions", err)
    assert.equal(0, (run(dir, "revision -m next --head feature@head --rev-id 00000000eeee")))
    assert.matches('down_revision = "ccc0000000c3"', helpers.read(dir .. "/migrations/versions/00000000eeee_next.lua"))
  end)

  it("revision --head on a non-head needs --splice", function()
    local code, _, err = run(dir, "revision -m side --head aaa")
    assert.equal(1, code)
    assert.matches("Revision aaa0000000a1 is not a head revision; please specify %-%-splice", err)
    assert.equal(0, (run(dir, "revision -m side --head aaa --splice --rev-id 00000000ffff")))
    assert.matches('down_revision = "aaa0000000a1"', helpers.read(dir .. "/migrations/versions/00000000ffff_side.lua"))
  end)

  it("revision --branch-label, --depends-on and --version-path write those fields where asked", function()
    os.execute("mkdir -p " .. helpers.shell_quote(dir .. "/other"))
    -- --version-path names a version location (#12 item 20)
    local cfg = dir .. "/luamig.lua"
    helpers.write(cfg, (helpers.read(cfg):gsub("return {", 'return {\n  version_locations = { "other" },', 1)))
    ok(dir, "revision -m dep --head bbb@head --branch-label side --depends-on ccc --version-path other --rev-id 0000000000dd")
    local text = helpers.read(dir .. "/other/0000000000dd_dep.lua")
    assert.matches('branch_labels = "side"', text)
    assert.matches('depends_on = "ccc0000000c3"', text)
    assert.matches('down_revision = "bbb0000000b2"', text)
  end)
end)
