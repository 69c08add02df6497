local lint = require("support.lint")

describe("lint rule ban-alter-domain-with-add-constraint", function()
  for _, case in ipairs(lint.rule_cases("ban-alter-domain-with-add-constraint", {
    level = "error",
    -- the domain's columns may be in any table: reported everywhere
    no_facts = true, everywhere = true,
    setup = function(conn) conn:exec("CREATE DOMAIN amount AS integer") end,
    prepare = "ALTER TABLE t ADD COLUMN m amount",
    unsafe = [[    op.execute("ALTER DOMAIN amount ADD CONSTRAINT amount_positive CHECK (VALUE > 0)")]],
    safe = [[    op.execute("ALTER DOMAIN amount ADD CONSTRAINT amount_positive CHECK (VALUE > 0) NOT VALID")]],
  })) do it(case[1], case[2]) end
end)

describe("lint rule ban-alter-domain-with-add-constraint", function()
  it("reports VALIDATE CONSTRAINT of a domain, which blocks writes to its tables while it scans", function()
    local _, conn = lint.fresh_db()
    conn:exec("CREATE DOMAIN amount AS integer")
    conn:exec("ALTER DOMAIN amount ADD CONSTRAINT amount_check CHECK (VALUE > 0) NOT VALID")
    local rev = lint.revision({ up = [[    op.execute("ALTER DOMAIN amount VALIDATE CONSTRAINT amount_check")]] })
    local found = lint.of_rule(lint.lint(conn, { rev }), "ban-alter-domain-with-add-constraint")
    assert.are.equal(1, #found)
    assert.matches("SHARE locks", found[1].message)
  end)
end)
