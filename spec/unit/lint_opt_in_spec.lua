-- lint's style rules (#17): squawk's choices of type, which say nothing
-- about taking a table down, report only when the config's lint_include
-- names them (as squawk's --include does for its opt-in rules).
local parse = require("luamig.lint.parse")
local check = require("luamig.lint.check")
local config = require("luamig.config")
local error_of = require("support.expect").error_of

local source = { revision = "aaaaaaaaaaa1", path = "migrations/versions/aaaaaaaaaaa1_x.lua" }

local function rules_found(sql, cfg)
  local stmts = parse.statements({ { source = source, revision = source.revision, path = source.path, line = 9,
                                     sql = sql, in_transaction = true } })
  local names = {}
  for i, f in ipairs(check.run(stmts, cfg)) do names[i] = f.rule end
  return names
end

describe("lint's style rules", function()
  local sql = "CREATE TABLE n (id bigserial PRIMARY KEY, a int, b varchar(20), c timestamp)"

  it("report nothing unless lint_include names them", function()
    assert.are.same({}, rules_found(sql, { lock_timeout = "1s" }))
  end)

  it("report what lint_include names", function()
    assert.are.same({ "prefer-bigint-over-int", "prefer-identity" },
      rules_found(sql, { lock_timeout = "1s", lint_include = { "prefer-identity", "prefer-bigint-over-int" } }))
  end)

  it("refuse a lint_include that names no rule, saying which", function()
    local msg = error_of(function() rules_found(sql, { lint_include = { "prefer-bigint" } }) end)
    assert.matches('lint_include names no lint rule: "prefer%-bigint"', msg)
  end)

  it("are the only rules lint_include takes", function()
    local msg = error_of(function() rules_found(sql, { lint_include = { "require-concurrent-index-creation" } }) end)
    assert.matches("require%-concurrent%-index%-creation is on without lint_include", msg)
  end)

  it("take lint_include from luamig.lua as a list", function()
    local dir = require("support.helpers").tmpdir()
    local path = dir .. "/luamig.lua"
    require("support.helpers").write(path, 'return { script_location = "m", lint_include = "prefer-identity" }')
    assert.matches("lint_include must be a table", error_of(function() config.load({ config = path }) end))
  end)
end)
