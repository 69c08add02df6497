-- Unit specs of errors.redact: a password of the connection string never
-- shows in a message, in any of the forms libpq reads it, and the rest of
-- the message is left as it was.
local errors = require("luamig.errors")

local redact = errors.redact

describe("errors.redact", function()
  it("hides a URI password wherever a message quotes it whole", function()
    assert.equal('invalid percent-encoded token: "****"',
      redact('invalid percent-encoded token: "hun%zzter2"', "postgresql://u:hun%zzter2@/db"))
  end)

  it("hides the decoded form of a percent-encoded password", function()
    local url = "postgresql://u:s3cr%40t%20x@h/db"
    assert.equal("saw **** and ****", redact("saw s3cr@t x and s3cr%40t%20x", url))
  end)

  it("hides a password given as a URI query parameter", function()
    assert.equal("got ****", redact("got pw%2Fone", "postgresql://h/db?user=u&password=pw%2Fone&port=5"))
    assert.equal("got ****", redact("got pw/one", "postgresql://h/db?password=pw%2Fone"))
  end)

  it("hides a keyword password, quoted with escapes or plain", function()
    assert.equal("x **** y", redact([[x it's a b y]], [[host=h password='it\'s a b' dbname=d]]))
    assert.equal("x **** y", redact([[x s p y]], [[host=h password=s\ p dbname=d]]))
    assert.equal("x **** y", redact("x hunter2 y", "host=h password = hunter2"))
  end)

  it("hides the whole of a string that is neither a URI nor key=value, as libpq quotes it", function()
    assert.equal('missing "=" after "****" in connection info string',
      redact('missing "=" after "postgres:/u:pw9x@h/db" in connection info string', "postgres:/u:pw9x@h/db"))
    assert.equal('missing "=" after "mydb" in connection info string',
      redact('missing "=" after "mydb" in connection info string', "mydb"))
  end)

  it("reads an unterminated quoted password to the end", function()
    assert.equal("saw ****", redact("saw pw 9", "host=h password='pw 9"))
  end)

  it("leaves a short password's letters inside other words alone", function()
    local msg = 'connection to server at "127.0.0.1", port 1 failed: Connection refused'
    assert.equal(msg, redact(msg, "postgresql://postgres:e@127.0.0.1:1/db"))
    assert.equal("password **** was wrong", redact("password e was wrong", "postgresql://postgres:e@127.0.0.1:1/db"))
  end)

  it("leaves a message alone when the URL holds no password", function()
    assert.equal("a message", redact("a message", "postgresql://u@h/db"))
    assert.equal("a message", redact("a message", nil))
  end)
end)

describe("errors.check_url", function()
  it("refuses a raw @ or / in a URI's user name or password, naming neither", function()
    for _, url in ipairs({ "postgresql://u:Zq7@x@127.0.0.1:1/db", "postgres://u:abx/cdy@h/db", "postgresql://u:pw1@h2x@/db" }) do
      local ok, err = pcall(errors.check_url, url)
      assert.is_false(ok, url)
      assert.matches("percent%-encode", err)
      for part in url:match("//([^@]*@[^/]*)"):gmatch("[%w]+") do
        if #part >= 3 then assert.not_matches(part, err, 1, true) end
      end
    end
  end)

  it("lets well-formed URIs and keyword strings through", function()
    for _, url in ipairs({ "postgresql://u:Zq7%40x@127.0.0.1:1/db", "postgresql:///db?host=/tmp&application_name=a@b",
                           "postgresql://h/db", "host=h password=a@b/c", "postgresql://u@h/db?options=-c%20x" }) do
      assert.is_true((pcall(errors.check_url, url)), url)
    end
  end)
end)
