-- Unit specs of luamig.display: how a revision is written on the screen
-- (Alembic's line and -v block), the --json encoder, and printable().
-- Nodes are plain tables with the fields of revmap's nodes that display
-- reads.
local display = require("luamig.display")

-- node{ "b2", downs = { "a1" }, labels = ..., deps = ..., message = ..., ... }
local function node(spec)
  return {
    revision = spec[1],
    down_revisions = spec.downs or {},
    branch_labels = spec.labels or {},
    declared_depends_on = spec.deps or {},
    depends_on = spec.resolved_deps or spec.deps or {},
    dependents = spec.dependents or {},
    children = spec.children or {},
    is_head = spec.head or false,
    is_branch_point = spec.children ~= nil and #spec.children > 1,
    is_merge_point = spec.downs ~= nil and #spec.downs > 1,
    message = spec.message,
    path = spec.path,
  }
end

-- as history writes each line
local HISTORY = { parents = true, branches = true, doc = true }

describe("display.line", function()
  it("writes a base as <base> -> rev, message", function()
    local n = node{ "a1", message = "create users" }
    assert.equal("<base> -> a1, create users", display.line(n, HISTORY))
  end)

  it("writes only the id without parents, labels or doc", function()
    local n = node{ "b2", downs = { "a1" }, labels = { "billing" }, message = "m" }
    assert.equal("b2", display.line(n, {}))
  end)

  it("writes the branch labels after the id", function()
    local n = node{ "b2", downs = { "a1" }, labels = { "billing", "money" }, message = "m" }
    assert.equal("a1 -> b2 (billing, money), m", display.line(n, HISTORY))
  end)

  it("marks a head (head)", function()
    local n = node{ "b2", downs = { "a1" }, head = true, message = "m" }
    assert.equal("a1 -> b2 (head), m", display.line(n, HISTORY))
  end)

  it("marks a head that another revision depends on (effective head)", function()
    local n = node{ "b2", downs = { "a1" }, head = true, dependents = { "c3" }, message = "m" }
    assert.equal("a1 -> b2 (effective head), m", display.line(n, HISTORY))
  end)

  it("marks a current revision (current), after the head mark", function()
    local n = node{ "b2", downs = { "a1" }, head = true, message = "m" }
    local opts = { parents = true, doc = true, current = { b2 = true } }
    assert.equal("a1 -> b2 (head) (current), m", display.line(n, opts))
  end)

  it("does not mark a revision that is not in the current set", function()
    local n = node{ "b2", downs = { "a1" }, message = "m" }
    assert.equal("a1 -> b2, m", display.line(n, { parents = true, doc = true, current = { a1 = true } }))
  end)

  it("marks a branch point (branchpoint)", function()
    local n = node{ "a1", children = { "b2", "c3" }, message = "m" }
    assert.equal("<base> -> a1 (branchpoint), m", display.line(n, HISTORY))
  end)

  it("writes a merge point's parents comma-separated and marks it (mergepoint)", function()
    local n = node{ "d4", downs = { "b2", "c3" }, head = true, message = "merge" }
    assert.equal("b2, c3 -> d4 (head) (mergepoint), merge", display.line(n, HISTORY))
  end)

  it("writes depends_on as declared (a label stays a label), after the parents", function()
    local n = node{ "c3", downs = { "a1" }, deps = { "billing@head", "b2" }, resolved_deps = { "f6", "b2" }, message = "m" }
    assert.equal("a1 (billing@head, b2) -> c3, m", display.line(n, HISTORY))
  end)

  it("leaves out the head and current marks with heads = false", function()
    local n = node{ "b2", downs = { "a1" }, head = true, children = { "x", "y" } }
    assert.equal("b2 (branchpoint)", display.line(n, { heads = false, current = { b2 = true } }))
  end)

  it("leaves out branchpoint and mergepoint with tree = false", function()
    local n = node{ "d4", downs = { "b2", "c3" }, head = true, children = { "x", "y" } }
    assert.equal("d4 (head)", display.line(n, { tree = false }))
  end)

  it("keeps a multi-line message whole (printable keeps its newlines)", function()
    local n = node{ "a1", message = "first line\nsecond line" }
    assert.equal("<base> -> a1, first line\nsecond line", display.line(n, HISTORY))
  end)
end)

describe("display.entry", function()
  it("writes a block: Rev with marks, Parent, Path, the message indented", function()
    local n = node{ "b2", downs = { "a1" }, head = true, path = "versions/b2_x.lua", message = "add invoices" }
    assert.equal("Rev: b2 (head)\nParent: a1\nPath: versions/b2_x.lua\n\n    add invoices\n", display.entry(n))
  end)

  it("writes an effective head as (head), as Alembic's -v does", function()
    local n = node{ "b2", downs = { "a1" }, head = true, dependents = { "c3" }, path = "p", message = "m" }
    assert.matches("^Rev: b2 %(head%)\n", display.entry(n))
  end)

  it("writes a merge point's parents as Merges", function()
    local n = node{ "d4", downs = { "b2", "c3" }, path = "p", message = "m" }
    assert.matches("^Rev: d4 %(mergepoint%)\nMerges: b2, c3\n", display.entry(n))
  end)

  it("writes the declared depends_on, the children of a branch point and the labels", function()
    local n = node{ "a1", deps = { "auth@head" }, children = { "b2", "c3" }, labels = { "core" }, path = "p", message = "m" }
    assert.equal("Rev: a1 (branchpoint)\nParent: <base>\nAlso depends on: auth@head\nBranches into: b2, c3\n"
      .. "Branch names: core\nPath: p\n\n    m\n", display.entry(n))
  end)

  it("marks a current revision (current)", function()
    local n = node{ "a1", path = "p", message = "m" }
    assert.matches("^Rev: a1 %(current%)\n", display.entry(n, { a1 = true }))
  end)

  it("indents each line of a multi-line message", function()
    local n = node{ "a1", path = "p", message = "first\n\nthird" }
    assert.matches("\n\n    first\n    \n    third\n$", display.entry(n))
  end)

  it("writes a missing path as ?", function()
    assert.matches("\nPath: %?\n", display.entry(node{ "a1", message = "m" }))
  end)
end)

describe("display.json", function()
  it("writes an object's keys sorted and values by type", function()
    assert.equal('{"b":true,"f":0.5,"i":3,"s":"x"}', display.json({ s = "x", i = 3, f = 0.5, b = true }))
  end)

  it("writes a float so that it reads back exactly", function()
    assert.equal("0.10000000000000001", display.json(0.1))
  end)

  it("writes a list as an array, and an empty table as []", function()
    assert.equal('[1,"a",[]]', display.json({ 1, "a", {} }))
  end)

  it("writes a table marked display.array as an array", function()
    assert.equal('{"heads":[]}', display.json({ heads = setmetatable({}, display.array) }))
  end)

  it("escapes quotes, backslashes and the named control characters", function()
    assert.equal([["\"\\\n\t\r"]], display.json('"\\\n\t\r'))
  end)

  it("escapes the other C0 characters and DEL as \\u00XX", function()
    assert.equal([["a\u0001\u001b\u007fb"]], display.json("a\1\27\127b"))
  end)

  it("escapes the C1 characters (U+009B is CSI to some terminals)", function()
    assert.equal([["\u0080\u009b\u009f"]], display.json("\u{80}\u{9b}\u{9f}"))
  end)

  it("keeps well-formed UTF-8 as it is", function()
    assert.equal('"café ✓"', display.json("café ✓"))
  end)

  it("writes each byte of invalid UTF-8 as U+FFFD", function()
    assert.equal('"a\u{FFFD}\u{FFFD}b\u{FFFD}"', display.json("a\255\254b\195"))
  end)

  it("writes the JSON form of a revision, lists as arrays even when empty", function()
    local n = node{ "a1", head = true, path = "p" }
    assert.equal('{"branch_labels":[],"depends_on":[],"down_revisions":[],"is_branch_point":false,'
      .. '"is_current":true,"is_head":true,"is_merge_point":false,"message":"","path":"p","revision":"a1"}',
      display.json(display.revision_json(n, { a1 = true })))
  end)

  it("refuses a value JSON cannot hold", function()
    assert.has_error(function() display.json({ f = print }) end)
  end)

  it("refuses a number JSON cannot hold (infinity, NaN)", function()
    assert.has_error(function() display.json(math.huge) end)
    assert.has_error(function() display.json(0 / 0) end)
  end)
end)

describe("display.printable", function()
  it("writes escape sequences as \\xHH, so they cannot move the cursor", function()
    assert.equal("a\\x1b[2Jb", display.printable("a\27[2Jb"))
  end)

  it("keeps newlines and tabs", function()
    assert.equal("a\n\tb", display.printable("a\n\tb"))
  end)

  it("writes carriage return, DEL and the C1 characters per byte", function()
    assert.equal("a\\x0db\\x7fc\\xc2\\x9bd", display.printable("a\rb\127c\u{9b}d"))
  end)

  it("keeps other UTF-8 characters", function()
    assert.equal("café ✓", display.printable("café ✓"))
  end)

  it("passes the text of display.json unchanged", function()
    local text = display.json({ s = "a\27b\u{9b}c\255" })
    assert.equal(text, display.printable(text))
  end)
end)

describe("display.progress", function()
  local paint = display.palette(true)

  it("colours the verb of a step and dims its time", function()
    assert.equal("\27[32mRunning upgrade\27[0m a -> b, m \27[2m(3 ms)\27[0m",
      display.progress("Running upgrade a -> b, m (3 ms)", paint))
  end)

  it("passes other lines and an uncoloured palette through", function()
    assert.equal("Creating x", display.progress("Creating x", paint))
    local plain = "Running upgrade a -> b (3 ms)"
    assert.equal(plain, display.progress(plain, display.palette(false)))
  end)
end)
