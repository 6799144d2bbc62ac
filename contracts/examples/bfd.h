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

static inline void bfd_copy(void* dst, const void* src, int n) {
  for (int i = 0; i < n; ++i) ((volatile uint8_t*)dst)[i] = ((const uint8_t*)src)[i];
}
