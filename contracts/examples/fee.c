/* Fee function, the C twin of fee.wat (same export, same results). */
#include "bfd.h"

BFD_EXPORT("fee") int64_t fee(int64_t amount, int64_t height, int64_t calls, int64_t units) {
  (void)height;
  uint64_t a = (uint64_t)amount, c = (uint64_t)calls, u = (uint64_t)units;
  if (u > 1000000) return -1;
  uint64_t f = a / 400;
  if (f < 10) f = 10;
  if (f > 50000) f = 50000;
  f += u * 2;
  if (c < 100) f /= 2;
  return (int64_t)f;
}
