-- What a run shows on stderr while it works (DESIGN.md §10): each step's
-- Running line, written before the step runs, and its time when it ends;
-- progress lines. On a terminal the Running line is completed in place
-- and a progress line is rewritten in place (\r, clear to the end), at
-- most TTY_INTERVAL apart; in a log both are whole lines, a progress line
-- at most every LOG_INTERVAL. Any other line (a warning, an error) ends
-- the open one first, so that none lands in the middle of it.
local progress = require("luamig.progress")
local display = require("luamig.display")
local utf8text = require("luamig.utf8text")

local M = {}

M.TTY_INTERVAL = 0.1
M.LOG_INTERVAL = 10

local CLEAR_TO_END = "\27[K"

local Console = {}
Console.__index = Console

-- opts: write = function(text) (stderr), tty, quiet, paint (display's
-- palette), clock, interval (a log's, default LOG_INTERVAL), columns =
-- function() -> the terminal's width or nil, line_open = function(flag?)
-- -> whether a line is open, shared with what else writes to stderr (the
-- C host's server notices end it too; default: this console's own).
function M.new(opts)
  local own_flag = false
  local self = setmetatable({
    write = opts.write, tty = opts.tty == true, quiet = opts.quiet == true, paint = opts.paint,
    columns = opts.columns or function() return nil end,
    line_open = opts.line_open or function(flag)
      if flag ~= nil then own_flag = flag end
      return own_flag
    end,
  }, Console)
  self.meter = progress.meter({ clock = opts.clock, eager = self.tty,
                                interval = self.tty and M.TTY_INTERVAL or (opts.interval or M.LOG_INTERVAL) })
  return self
end

-- What is open on the terminal: "step", "progress" or nil (something
-- else may have ended it since).
function Console:open_kind()
  if self.open and not self.line_open() then self.open = nil end
  return self.open
end

function Console:set_open(kind)
  self.open = kind
  self.line_open(kind ~= nil)
end

-- Ends the open line: a progress line first shows its last report.
function Console:finish()
  local kind = self:open_kind()
  if kind == "progress" then
    local latest = self.meter:latest()
    if latest and latest ~= self.drawn then self:draw(latest) end
  end
  if kind then self.write("\n") end
  self:set_open(nil)
  self.drawn = nil
end

-- A whole line of its own (text without the newline).
function Console:line(text)
  self:finish()
  self.write(text .. "\n")
end

-- A step's "Running upgrade a -> b, message", before its first statement.
function Console:step_began(text)
  if self.quiet then return end
  local shown = display.progress(display.printable(text), self.paint)
  self.meter:reset()
  if not self.tty then return self:line(shown) end
  self:finish()
  self.write(shown)
  self:set_open("step")
end

-- The step named short ("upgrade a -> b") ended after seconds: its
-- Running line completed in place when nothing came after it, else a
-- line "Done upgrade a -> b (3 ms)".
function Console:step_ended(short, seconds)
  if self.quiet then return end
  local time = self.paint.dim(("(%.0f ms)"):format(seconds * 1000))
  if self.tty and self:open_kind() == "step" then
    self.write(" " .. time .. "\n")
    self:set_open(nil)
    return
  end
  self:line(("Done %s %s"):format(display.printable(short), time))
  self.meter:reset()
end

-- Rewrites the progress line in place, cut to the terminal's width (a
-- line that wraps cannot be rewritten by \r).
function Console:draw(text)
  local width = self.columns()
  if width then text = utf8text.first(text, math.max(width - 1, 0)) end
  self.write("\r" .. text .. CLEAR_TO_END)
  self.drawn = text
end

-- done (of total, when known) rows under label.
function Console:progress(done, total, label)
  if self.quiet then return end
  local text, fresh = self.meter:update(done, total, label and display.printable(label))
  local kind = self:open_kind()
  if not self.tty then
    if text then self:line(text) end
    return
  end
  if kind == "step" or (fresh and kind == "progress") then
    self.write("\n")
    self:set_open(nil)
  end
  if text then
    self:draw(text)
    self:set_open("progress")
  end
end

return M
