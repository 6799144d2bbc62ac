#include "protocols/registry_json.hpp"

#include "chains/sidechain/registry_payloads.hpp"

namespace bfd {

using namespace json_fields;

namespace {

template <class Body, class Decode>
result<std::shared_ptr<const Body>> body_from_hex(const input& j, Decode decode) {
  auto raw = read_hex(j, "payload");
  if (!raw)
    return raw.error();
  auto body = decode(byte_view{raw->data(), raw->size()});
  if (!body)
    return field_error(body.error().code, "payload", body.error().detail);
  return std::make_shared<const Body>(std::move(*body));
}

result<std::uint32_t> read_chain(const input& j) {
  auto id = read_uint(j, "sidechain", UINT32_MAX);
  if (!id)
    return id.error();
  return static_cast<std::uint32_t>(*id);
}

} // namespace

void payload_to_json(output& j, const sidechain_register_tx& p) {
  if (!p.body)
    return;
  const auto& e = p.body->entry;
  j["sidechain"] = e.id;
  j["sidechain_kind"] = std::string(to_string(e.kind));
  j["name"] = e.name;
  j["symbol"] = e.token.symbol;
  j["validators"] = e.validators.size();
  j["anchor_interval"] = e.params.anchor_interval;
  j["payload"] = to_hex(codec::encode(*p.body));
}

void payload_to_json(output& j, const sidechain_activate_tx& p) {
  j["sidechain"] = p.id;
}

void payload_to_json(output& j, const sidechain_cease_tx& p) {
  j["sidechain"] = p.id;
}

void payload_to_json(output& j, const sidechain_anchor_tx& p) {
  if (!p.body)
    return;
  j["sidechain"] = p.body->id;
  j["height"] = p.body->header.height;
  j["header_hash"] = to_hex(header_hash(p.body->header));
  j["state_proof"] = p.body->proof.has_value();
  j["payload"] = to_hex(codec::encode(*p.body));
}

result<sidechain_register_tx> payload_from_json(const input& j, std::type_identity<sidechain_register_tx>) {
  auto body = body_from_hex<sidechain_register_payload>(j, codec::decode_sidechain_register);
  if (!body)
    return body.error();
  return sidechain_register_tx{std::move(*body)};
}

result<sidechain_activate_tx> payload_from_json(const input& j, std::type_identity<sidechain_activate_tx>) {
  auto id = read_chain(j);
  if (!id)
    return id.error();
  return sidechain_activate_tx{*id};
}

result<sidechain_cease_tx> payload_from_json(const input& j, std::type_identity<sidechain_cease_tx>) {
  auto id = read_chain(j);
  if (!id)
    return id.error();
  return sidechain_cease_tx{*id};
}

result<sidechain_anchor_tx> payload_from_json(const input& j, std::type_identity<sidechain_anchor_tx>) {
  auto body = body_from_hex<sidechain_anchor_payload>(j, codec::decode_sidechain_anchor);
  if (!body)
    return body.error();
  return sidechain_anchor_tx{std::move(*body)};
}

bool payload_field(std::type_identity<sidechain_register_tx>, std::string_view key) {
  return key == "payload";
}
bool payload_field(std::type_identity<sidechain_activate_tx>, std::string_view key) {
  return key == "sidechain";
}
bool payload_field(std::type_identity<sidechain_cease_tx>, std::string_view key) {
  return key == "sidechain";
}
bool payload_field(std::type_identity<sidechain_anchor_tx>, std::string_view key) {
  return key == "payload";
}

} // namespace bfd
