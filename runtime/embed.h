/* The Lua modules of lua/luamig/, compiled into the binary (see
 * cmake/embed_lua.cmake) and found by a searcher of package.searchers. */
#ifndef LUAMIG_EMBED_H
#define LUAMIG_EMBED_H

#include <stddef.h>
#include "lua.h"

struct luamig_embedded {
  const char *name;       /* module name, e.g. "luamig.cli" */
  const char *chunkname;  /* "@lua/luamig/cli.lua", for error positions */
  const unsigned char *source;
  size_t size;
};

extern const struct luamig_embedded luamig_embedded[];

/* Adds the embedded searcher to package.searchers, before the file searchers. */
void luamig_open_embedded(lua_State *L);

#endif
