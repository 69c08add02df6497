-- Hooks run by every command that touches the database.
return {
  target_metadata = require("models"),
  -- autogenerate leaves alone what this returns false for
  include_object = function(obj) return obj.name ~= "spatial_ref_sys" end,
}
