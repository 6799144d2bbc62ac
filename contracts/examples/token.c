/* Token, the C twin of token.wat (same exports, return codes, state layout and events). */
#include "bfd.h"

typedef struct { uint8_t b[20]; } addr;

static int64_t get_balance(const addr* a) {
  uint8_t key[21];
  int64_t v = 0;
  key[0] = 'b';
  bfd_copy(key + 1, a->b, 20);
  if (bfd_state_get(key, 21, &v, 8) != 8) return 0;
  return v;
}

static void set_balance(const addr* a, int64_t v) {
  uint8_t key[21];
  key[0] = 'b';
  bfd_copy(key + 1, a->b, 20);
  bfd_state_put(key, 21, &v, 8);
}

BFD_EXPORT("init") int32_t init(int64_t supply) {
  addr me;
  uint8_t none;
  if (bfd_state_get("init", 4, &none, 0) >= 0) return 1;
  bfd_state_put("init", 4, &none, 0);
  bfd_caller(&me);
  set_balance(&me, supply);
  return 0;
}

BFD_EXPORT("send") int32_t send(int64_t amount) {
  addr me, to;
  uint8_t event[48];
  if (bfd_input(&to, 20) != 20) return 2;
  bfd_caller(&me);
  uint64_t from = (uint64_t)get_balance(&me);
  if (from < (uint64_t)amount) return 1;
  set_balance(&me, (int64_t)(from - (uint64_t)amount));
  uint64_t have = (uint64_t)get_balance(&to);
  if (have + (uint64_t)amount < have) __builtin_trap(); /* overflow: nothing is applied */
  set_balance(&to, (int64_t)(have + (uint64_t)amount));
  bfd_copy(event, me.b, 20);
  bfd_copy(event + 20, to.b, 20);
  bfd_copy(event + 40, &amount, 8);
  bfd_emit_event(event, 48);
  return 0;
}

BFD_EXPORT("balance") int64_t balance(void) {
  addr a;
  if (bfd_input(&a, 20) != 20) return 0;
  return get_balance(&a);
}

BFD_EXPORT("redeem") int32_t redeem(int64_t amount) {
  addr me;
  bfd_caller(&me);
  uint64_t bal = (uint64_t)get_balance(&me);
  if (bal < (uint64_t)amount) return 1;
  set_balance(&me, (int64_t)(bal - (uint64_t)amount));
  bfd_transfer(&me, amount);
  return 0;
}
