/* Service commission, the C twin of commission.wat (same exports, slot use and state layout). */
#include "bfd.h"

BFD_EXPORT("run") int64_t run(int64_t signed_amount) {
  uint64_t amount = (uint64_t)signed_amount, bps = 0, fee, adjusted = 0;
  if (bfd_state_get("p.bps", 5, &bps, 8) != 8 || bps > 10000) __builtin_trap();
  /* amount * bps / 10000 without overflow */
  fee = amount / 10000 * bps + amount % 10000 * bps / 10000;
  if (bfd_slot_call("adjust", 6, &fee, 8, &adjusted, 8) == 8) fee = adjusted;
  if (fee > amount) fee = amount;
  bfd_state_put("last", 4, &fee, 8);
  return (int64_t)fee;
}

BFD_EXPORT("last") int64_t last(void) {
  int64_t fee = 0;
  if (bfd_state_get("last", 4, &fee, 8) != 8) return 0;
  return fee;
}
