/* Counter, the C twin of counter.wat (same exports, same state layout). */
#include "bfd.h"

static const char key[5] = {'c', 'o', 'u', 'n', 't'};

BFD_EXPORT("get") int64_t get(void) {
  int64_t n = 0;
  if (bfd_state_get(key, 5, &n, 8) != 8) return 0;
  return n;
}

BFD_EXPORT("increment") int64_t increment(void) {
  int64_t n = get() + 1;
  bfd_state_put(key, 5, &n, 8);
  return n;
}
