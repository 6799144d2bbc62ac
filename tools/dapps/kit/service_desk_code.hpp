// The service-desk contract's WebAssembly code (contracts/examples/service_desk.wasm), embedded at
// build time so a DApp installs itself without the source tree.
#pragma once

#include "chains/core/bytes.hpp"

namespace bfd::dapps {

/// The bytes of contracts/examples/service_desk.wasm as they were when the DApp was built.
bytes service_desk_code();

} // namespace bfd::dapps
