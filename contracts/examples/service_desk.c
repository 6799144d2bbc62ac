/* Service desk, the C twin of service_desk.wat (same exports, return codes, state layout, events):
   the data and lock store of a system-service DApp (docs/dapps.md). */
#include "bfd.h"

static uint8_t in[2048];
static uint8_t rec[2048];
static uint8_t key[64];
static uint8_t who[20];
static uint8_t op[20];
static const char operator_key[10] = {'p', '.', 'o', 'p', 'e', 'r', 'a', 't', 'o', 'r'};

/* Reads the input and checks L (1-32) and RID; returns the input's length. */
static int32_t read_input(void) {
  int32_t n = bfd_input(in, sizeof in);
  if (n > (int32_t)sizeof in || n < 2) __builtin_trap();
  int32_t l = in[0];
  if (l == 0 || l > 32 || n < l + 1) __builtin_trap();
  return n;
}

/* PREFIX "." RID into key; returns its length. */
static int32_t make_key(uint8_t prefix) {
  int32_t l = in[0];
  key[0] = prefix;
  key[1] = '.';
  bfd_copy(key + 2, in + 1, l);
  return l + 2;
}

static void only_operator(void) {
  if (bfd_state_get(operator_key, 10, op, 20) != 20) __builtin_trap();
  bfd_caller(who);
  for (int i = 0; i < 20; ++i)
    if (who[i] != op[i]) __builtin_trap();
}

BFD_EXPORT("request") int64_t request(void) {
  int32_t n = read_input();
  int32_t l = in[0];
  if (n < l + 9) __builtin_trap();
  int32_t payload = n - (l + 9);
  if (payload > 1024) __builtin_trap();
  int32_t k = make_key('r');
  if (bfd_state_get(key, k, rec, 0) != -1) __builtin_trap();
  rec[0] = 1;
  bfd_caller(rec + 1);
  bfd_copy(rec + 21, in + 1 + l, 8);
  int64_t h = bfd_height();
  bfd_copy(rec + 29, &h, 8);
  bfd_copy(rec + 37, in + 9 + l, payload);
  bfd_state_put(key, k, rec, payload + 37);
  k = make_key('k');
  bfd_state_put(key, k, rec + 1, 20);
  bfd_emit_event(in, l + 1);
  return 1;
}

static int64_t settle(uint8_t status) {
  read_input();
  only_operator();
  int32_t k = make_key('k');
  if (bfd_state_get(key, k, rec, 0) == -1) __builtin_trap();
  bfd_state_del(key, k);
  k = make_key('r');
  int32_t len = bfd_state_get(key, k, rec, sizeof rec);
  if (len < 37) __builtin_trap();
  rec[0] = status;
  bfd_state_put(key, k, rec, len);
  return status;
}

BFD_EXPORT("ack") int64_t ack(void) { return settle(2); }
BFD_EXPORT("cancel") int64_t cancel(void) { return settle(3); }

BFD_EXPORT("answer") int64_t answer(void) {
  int32_t n = read_input();
  only_operator();
  int32_t l = in[0];
  int32_t result = n - (l + 1);
  if (result == 0 || result > 1024) __builtin_trap();
  int32_t k = make_key('r');
  int32_t len = bfd_state_get(key, k, rec, sizeof rec);
  if (len < 37) __builtin_trap();
  if (rec[0] != 2) __builtin_trap();
  k = make_key('a');
  bfd_state_put(key, k, in + 1 + l, result);
  key[0] = 'f';
  key[1] = '.';
  bfd_copy(key + 2, rec + 21, 8);
  bfd_state_put(key, 10, in, n);
  bfd_emit_event(in, l + 1);
  return 1;
}
