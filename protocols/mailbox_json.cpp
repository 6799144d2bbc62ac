#include "protocols/mailbox_json.hpp"

#include <string>

#include <nlohmann/json.hpp>

#include "chains/core/hex.hpp"

namespace bfd {

namespace {

/// At most `max` characters of text a client sent, for an error detail.
std::string clip(std::string_view text, std::size_t max) {
  if (text.size() <= max)
    return std::string(text);
  return std::string(text.substr(0, max)) + "…";
}

} // namespace

result<mailbox_post> parse_mailbox_post(std::string_view body, std::size_t max_message_bytes, mailbox_payee payee) {
  const bool with_to = payee == mailbox_payee::required;
  // nlohmann's parser keeps its own stack (no recursion), so a deeply nested body costs memory
  // in proportion to its size, which the edge's body bound limits.
  const auto j = nlohmann::ordered_json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return make_error(errc::malformed, "the body is not a JSON object");
  for (const auto& [key, value] : j.items())
    if (key != "message" && !(with_to && key == "to"))
      return make_error(errc::invalid_argument, "unknown field '" + clip(key, 32) + "'");
  auto m = j.find("message");
  if (m == j.end() || !m->is_string())
    return make_error(errc::invalid_argument, "'message': the message as hex is required");
  const auto& text = m->get_ref<const std::string&>();
  if (text.size() > 2 * max_message_bytes + 2)
    return make_error(errc::too_large, "a message is at most " + std::to_string(max_message_bytes) + " bytes");
  auto decoded = from_hex(text);
  if (!decoded)
    return make_error(errc::malformed, "'message': " + decoded.error().detail);
  mailbox_post out;
  out.message = std::move(*decoded);
  if (with_to) {
    auto t = j.find("to");
    if (t == j.end() || !t->is_string())
      return make_error(errc::invalid_argument, "'to': the payee's address is required");
    auto a = parse_address(t->get_ref<const std::string&>());
    if (!a)
      return a.error();
    out.to = *a;
  }
  return out;
}

} // namespace bfd
