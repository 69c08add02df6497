-- The commands that run on every target of a fleet, each with whether it
-- moves the version rows (its line then shows FROM -> TO). The one list
-- (a new fleet command is one entry). A leaf, so the command line reads it
-- without loading the runner.
return { upgrade = true, downgrade = true, stamp = true, current = false, status = false, check = false,
         lint = false }
