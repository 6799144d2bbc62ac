// The request bodies of the handshake mailbox's POST routes (docs/membership-proofs.md, "The HTTP
// mailbox"): {"message": HEX} and, to open a session, {"message": HEX, "to": ADDRESS}. Pure: the
// HTTP edge and the fuzz target fuzz_http_json call the same function.
#pragma once

#include <cstddef>
#include <string_view>

#include "chains/core/error.hpp"
#include "chains/crypto/keys.hpp"

namespace bfd {

/// A mailbox message as posted: its bytes, and the payee (zero unless the route takes "to").
struct mailbox_post {
  bytes message;
  address to{};
};

/// Whether a mailbox body carries the payee's address (POST /v1/handshakes) or not (the later messages).
enum class mailbox_payee { absent, required };

/// Reads a mailbox POST body. Errors: malformed (not a JSON object; "message" not hex),
/// invalid_argument (an unknown field; "message" or, when required, "to" missing or not a
/// string), too_large (a message over `max_message_bytes`, refused before it is decoded) and
/// bad_address ("to" not an address).
result<mailbox_post> parse_mailbox_post(std::string_view body, std::size_t max_message_bytes, mailbox_payee payee);

} // namespace bfd
