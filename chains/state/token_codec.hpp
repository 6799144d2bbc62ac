// Canonical encoding of the token module's payloads (layout in docs/formats.md).
#pragma once

#include <type_traits>

#include "chains/codec/canonical.hpp"
#include "chains/state/token_payloads.hpp"

namespace bfd::codec {

/// [to, amount].
void encode_payload(const transfer_payload& p, writer& w);
result<transfer_payload> read_payload(const msgpack::object& obj, std::type_identity<transfer_payload>);

} // namespace bfd::codec
