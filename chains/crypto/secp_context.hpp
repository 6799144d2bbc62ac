// This thread's libsecp256k1 context for operations that multiply the generator (signing, key
// derivation); everything else uses secp256k1_context_static. Only .cpp files include it.
#pragma once

#include <stdexcept>

#include <secp256k1.h>

namespace bfd {

/// The calling thread's context, created on first use and destroyed with the thread.
inline secp256k1_context* thread_signing_context() {
  struct holder {
    secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    holder() {
      if (!ctx)
        throw std::runtime_error("secp256k1_context_create failed");
    }
    ~holder() { secp256k1_context_destroy(ctx); }
    holder(const holder&) = delete;
    holder& operator=(const holder&) = delete;
  };
  thread_local holder h;
  return h.ctx;
}

} // namespace bfd
