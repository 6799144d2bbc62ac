/* Loyalty discount, the C twin of discount.wat (a client for the commission template's slot). */
#include "bfd.h"

static uint64_t get(const char* key, int len) {
  uint64_t v = 0;
  if (bfd_state_get(key, len, &v, 8) != 8) return 0;
  return v;
}

BFD_EXPORT("adjust") void adjust(void) {
  uint64_t c = 0, d, calls;
  uint8_t who[20];
  if (bfd_input(&c, 8) != 8) __builtin_trap();
  d = get("p.discount_bps", 14);
  if (d > 10000) __builtin_trap();
  c -= c / 10000 * d + c % 10000 * d / 10000;
  bfd_output(&c, 8);
  calls = get("calls", 5) + 1;
  bfd_state_put("calls", 5, &calls, 8);
  bfd_caller(who);
  bfd_state_put("caller", 6, who, 20);
}

BFD_EXPORT("calls") int64_t calls(void) {
  return (int64_t)get("calls", 5);
}
