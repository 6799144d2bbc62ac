#include "protocols/token_json.hpp"

namespace bfd {

using namespace json_fields;

void payload_to_json(output& j, const transfer_payload& p) {
  j["to"] = format_address(p.to);
  add_amount(j, "amount", p.value);
}

result<transfer_payload> payload_from_json(const input& j, std::type_identity<transfer_payload>) {
  auto to = read_address(j, "to");
  if (!to)
    return to.error();
  auto value = read_amount(j, "amount");
  if (!value)
    return value.error();
  return transfer_payload{*to, *value};
}

bool payload_field(std::type_identity<transfer_payload>, std::string_view key) {
  return key == "to" || key == "amount" || key == "amount_units";
}

} // namespace bfd
