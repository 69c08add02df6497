/* Numbers as text that reads back as the same value, for everything that
 * sends a Lua number to the server (query parameters, COPY rows):
 * lua_tostring's "%.14g" would lose digits of a double. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core.h"

/* The shortest of %.15g..%.17g that reads back as v; NaN and the
 * infinities as PostgreSQL spells them. Returns the length. */
size_t luamig_float_text(char text[LUAMIG_NUMBER_TEXT], double v) {
  if (isnan(v)) return (size_t)snprintf(text, LUAMIG_NUMBER_TEXT, "NaN");
  if (isinf(v)) return (size_t)snprintf(text, LUAMIG_NUMBER_TEXT, "%s", v > 0 ? "Infinity" : "-Infinity");
  int len = 0;
  for (int digits = 15; digits <= 17; digits++) {
    len = snprintf(text, LUAMIG_NUMBER_TEXT, "%.*g", digits, v);
    if (digits == 17 || strtod(text, NULL) == v) break;
  }
  return (size_t)len;
}

/* i in decimal, without snprintf: it is a third of the COPY encoder's time
 * on integer columns. Returns the length (no terminating NUL). */
size_t luamig_integer_text(char text[LUAMIG_NUMBER_TEXT], lua_Integer i) {
  char digits[24];
  size_t n = 0, len = 0;
  lua_Unsigned u = i < 0 ? (lua_Unsigned)0 - (lua_Unsigned)i : (lua_Unsigned)i;
  do {
    digits[n++] = (char)('0' + (int)(u % 10));
    u /= 10;
  } while (u != 0);
  if (i < 0) text[len++] = '-';
  while (n > 0) text[len++] = digits[--n];
  return len;
}
