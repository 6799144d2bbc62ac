/* The bfdchain contract host API (import module "bfd"), for C contracts built with clang --target=wasm32. */
#pragma once
#include <stdint.h>

#define BFD_IMPORT(name) __attribute__((import_module("bfd"), import_name(name)))
#define BFD_EXPORT(name) __attribute__((export_name(name)))

/* Copies up to cap bytes of the call input to out; returns the input's full length. */
BFD_IMPORT("input") int32_t bfd_input(void* out, int32_t cap);
/* Copies up to cap bytes of the value under key to out; returns its full length, or -1 if absent. */
BFD_IMPORT("state_get") int32_t bfd_state_get(const void* key, int32_t key_len, void* out, int32_t cap);
BFD_IMPORT("state_put") void bfd_state_put(const void* key, int32_t key_len, const void* value, int32_t value_len);
BFD_IMPORT("state_del") void bfd_state_del(const void* key, int32_t key_len);
/* Writes the caller's 20-byte address to out. */
BFD_IMPORT("caller") void bfd_caller(void* out);
BFD_IMPORT("height") int64_t bfd_height(void);
/* Records a native transfer of amount units from the contract to the 20-byte address. */
BFD_IMPORT("transfer") void bfd_transfer(const void* to, int64_t amount);
BFD_IMPORT("emit_event") void bfd_emit_event(const void* data, int32_t len);
/* Sets the call's output (what slot_call hands back to a template calling this contract). */
BFD_IMPORT("output") void bfd_output(const void* data, int32_t len);
/* Runs method of the client contract in this contract's slot with in_len bytes of input; copies
   up to out_cap bytes of its output to out and returns the output's full length, or -1 no client,
   -2 no such method, -3 the client failed (none of its effects apply). */
BFD_IMPORT("slot_call") int32_t bfd_slot_call(const void* method, int32_t method_len, const void* in, int32_t in_len,
                                              void* out, int32_t out_cap);

static inline void bfd_copy(void* dst, const void* src, int n) {
  for (int i = 0; i < n; ++i) ((volatile uint8_t*)dst)[i] = ((const uint8_t*)src)[i];
}
