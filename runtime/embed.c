/* A package searcher over the modules compiled into the binary. */
#include <string.h>

#include "lauxlib.h"
#include "embed.h"

static const struct luamig_embedded *find(const char *name) {
  for (const struct luamig_embedded *m = luamig_embedded; m->name; m++)
    if (strcmp(m->name, name) == 0) return m;
  return NULL;
}

/* searcher(name) -> loader, chunkname | message */
static int embedded_searcher(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  const struct luamig_embedded *m = find(name);
  if (m == NULL) {
    lua_pushfstring(L, "no embedded module '%s'", name);
    return 1;
  }
  if (luaL_loadbufferx(L, (const char *)m->source, m->size, m->chunkname, "bt") != LUA_OK)
    return lua_error(L);
  lua_pushstring(L, m->chunkname + 1);
  return 2;
}

void luamig_open_embedded(lua_State *L) {
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "searchers");          /* package, searchers */
  lua_Integer n = (lua_Integer)luaL_len(L, -1);
  for (lua_Integer i = n; i >= 2; i--) {     /* shift to make room at 2 */
    lua_geti(L, -1, i);
    lua_seti(L, -2, i + 1);
  }
  lua_pushcfunction(L, embedded_searcher);
  lua_seti(L, -2, 2);
  lua_pop(L, 2);
}
