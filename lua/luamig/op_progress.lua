-- The progress op.rows and op.bulk_insert report on their own (#16), to
-- the migration context's progress (c:progress(done, total, label)):
-- every REPORT_ROWS rows, since a clock read per row would cost; not
-- while the revision reports its own (op.progress) during the loop, whose
-- figures mean more to its reader.
local P = {}

local REPORT_ROWS = 1000

-- op.progress calls since the process began
local revision_reports = 0

function P.revision_reported()
  revision_reports = revision_reports + 1
end

-- A function(finished) that counts the rows of one op.rows loop on c,
-- reporting every REPORT_ROWS and the last count.
function P.rows_counter(c)
  local count, own = 0, revision_reports
  return function(finished)
    if not finished then count = count + 1 end
    if revision_reports ~= own or not c.progress or (count % REPORT_ROWS ~= 0 and not finished) then return end
    if count > 0 then c:progress(count, nil, "op.rows") end
  end
end

-- op.bulk_insert's COPY chunks, reporting after each the rows count()
-- says were encoded (of total, a list's length; nil for an iterator).
function P.chunks(c, chunks, count, total, label)
  if not c.progress then return chunks end
  local own = revision_reports
  return function()
    local chunk = chunks()
    if chunk ~= nil and revision_reports == own then c:progress(count(), total, label) end
    return chunk
  end
end

return P
