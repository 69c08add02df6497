/* Text for a terminal: the bytes a revision's message, file name or error
 * must not send raw (they move the cursor, clear the screen, retitle the
 * window) written as \xHH. A scan in Lua patterns costs ~200 instructions
 * a byte, a tenth of `history` at 10,000 revisions; here it is a few. */
#include <stdio.h>

#include "lauxlib.h"
#include "core.h"

/* The C0 controls but tab and newline, and DEL. */
static int is_c0_or_del(unsigned char c) {
  return (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f;
}

/* U+0080-U+009F in UTF-8 (C2 80-C2 9F): U+009B is CSI to some terminals. */
static int is_c1(const unsigned char *s, size_t i, size_t len) {
  return s[i] == 0xc2 && i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f;
}

static void add_hex(luaL_Buffer *b, unsigned char c) {
  char text[5];
  snprintf(text, sizeof text, "\\x%02x", c);
  luaL_addlstring(b, text, 4);
}

/* printable(text) -> text, itself when nothing needs escaping */
int text_printable(lua_State *L) {
  size_t len;
  const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 1, &len);
  size_t i = 0;
  while (i < len && !is_c0_or_del(s[i]) && !is_c1(s, i, len)) i++;
  if (i == len) {
    lua_settop(L, 1);
    return 1;
  }
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addlstring(&b, (const char *)s, i);
  for (; i < len; i++) {
    if (is_c0_or_del(s[i])) {
      add_hex(&b, s[i]);
    } else if (is_c1(s, i, len)) {
      add_hex(&b, s[i]);
      add_hex(&b, s[++i]);
    } else {
      luaL_addchar(&b, (char)s[i]);
    }
  }
  luaL_pushresult(&b);
  return 1;
}
