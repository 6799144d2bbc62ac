#include "protocols/peg_json.hpp"

#include "chains/peg/proofs.hpp"
#include "chains/sidechain/registry_payloads.hpp"
#include "chains/state/peg_codec.hpp"

namespace bfd {

using namespace json_fields;

namespace {

template <class T>
bytes payload_bytes(const T& p) {
  bytes out;
  codec::writer w(out);
  codec::encode_payload(p, w);
  return out;
}

// A payload given as "payload": the hex of its canonical encoding inside a transaction.
template <class T>
result<T> payload_from_hex(const input& j) {
  auto raw = read_hex(j, "payload");
  if (!raw)
    return raw.error();
  auto p = codec::decode_canonical<T>(
    byte_view{raw->data(), raw->size()}, codec::tx_limits,
    [](const msgpack::object& obj) { return codec::read_payload(obj, std::type_identity<T>{}); },
    [](const T& v, bytes& out) {
      codec::writer w(out);
      codec::encode_payload(v, w);
    });
  if (!p)
    return field_error(p.error().code, "payload", p.error().detail);
  return std::move(*p);
}

void message_summary(output& j, const peg::outbox_entry& e) {
  if (const auto* m = std::get_if<peg::peg_message>(&e)) {
    j["source"] = m->id.source;
    j["sequence"] = m->id.sequence;
    j["destination"] = m->destination;
  } else {
    const auto& a = std::get<peg::peg_ack>(e);
    j["source"] = a.id.source;
    j["sequence"] = a.id.sequence;
    j["success"] = a.success();
  }
}

} // namespace

void payload_to_json(output& j, const peg_send_tx& p) {
  j["destination"] = p.destination;
  j["receiver"] = format_address(p.receiver);
  j["denom"] = p.denom;
  j["amount"] = p.value;
  j["timeout_height"] = p.timeout_height;
}

void payload_to_json(output& j, const peg_send_metadata_tx& p) {
  j["destination"] = p.destination;
  j["receiver"] = format_address(p.receiver);
  j["operation"] = p.operation;
  j["keys"] = p.keys.size();
  j["timeout_height"] = p.timeout_height;
  j["payload"] = to_hex(payload_bytes(p));
}

void payload_to_json(output& j, const peg_receive_tx& p) {
  if (!p.body)
    return;
  message_summary(j, p.body->entry);
  j["height"] = p.body->header.height;
  j["payload"] = to_hex(payload_bytes(p));
}

void payload_to_json(output& j, const peg_acknowledge_tx& p) {
  if (!p.body)
    return;
  message_summary(j, p.body->entry);
  j["height"] = p.body->header.height;
  j["payload"] = to_hex(payload_bytes(p));
}

void payload_to_json(output& j, const peg_timeout_tx& p) {
  if (!p.body)
    return;
  j["source"] = p.body->id.source;
  j["sequence"] = p.body->id.sequence;
  j["height"] = p.body->header.height;
  j["payload"] = to_hex(payload_bytes(p));
}

void payload_to_json(output& j, const peg_client_update_tx& p) {
  if (!p.body)
    return;
  j["counterparty"] = p.body->id;
  j["height"] = p.body->header.height;
  j["header_hash"] = to_hex(header_hash(p.body->header));
  j["state_proof"] = p.body->proof.has_value();
  j["payload"] = to_hex(payload_bytes(p));
}

result<peg_send_tx> payload_from_json(const input& j, std::type_identity<peg_send_tx>) {
  peg_send_tx p;
  auto dest = read_uint(j, "destination", UINT32_MAX);
  if (!dest)
    return dest.error();
  p.destination = static_cast<std::uint32_t>(*dest);
  auto recv = read_address(j, "receiver");
  if (!recv)
    return recv.error();
  p.receiver = *recv;
  auto denom = read_string(j, "denom");
  if (!denom)
    return denom.error();
  if (!peg::valid_denom(*denom))
    return field_error(errc::malformed, "denom", "not a valid denomination trace");
  p.denom = std::move(*denom);
  auto value = read_uint(j, "amount");
  if (!value)
    return value.error();
  p.value = *value;
  auto timeout = read_uint(j, "timeout_height");
  if (!timeout)
    return timeout.error();
  p.timeout_height = *timeout;
  return p;
}

result<peg_send_metadata_tx> payload_from_json(const input& j, std::type_identity<peg_send_metadata_tx>) {
  return payload_from_hex<peg_send_metadata_tx>(j);
}
result<peg_receive_tx> payload_from_json(const input& j, std::type_identity<peg_receive_tx>) {
  return payload_from_hex<peg_receive_tx>(j);
}
result<peg_acknowledge_tx> payload_from_json(const input& j, std::type_identity<peg_acknowledge_tx>) {
  return payload_from_hex<peg_acknowledge_tx>(j);
}
result<peg_timeout_tx> payload_from_json(const input& j, std::type_identity<peg_timeout_tx>) {
  return payload_from_hex<peg_timeout_tx>(j);
}
result<peg_client_update_tx> payload_from_json(const input& j, std::type_identity<peg_client_update_tx>) {
  return payload_from_hex<peg_client_update_tx>(j);
}

bool payload_field(std::type_identity<peg_send_tx>, std::string_view key) {
  return key == "destination" || key == "receiver" || key == "denom" || key == "amount" || key == "timeout_height";
}
bool payload_field(std::type_identity<peg_send_metadata_tx>, std::string_view key) {
  return key == "payload";
}
bool payload_field(std::type_identity<peg_receive_tx>, std::string_view key) {
  return key == "payload";
}
bool payload_field(std::type_identity<peg_acknowledge_tx>, std::string_view key) {
  return key == "payload";
}
bool payload_field(std::type_identity<peg_timeout_tx>, std::string_view key) {
  return key == "payload";
}
bool payload_field(std::type_identity<peg_client_update_tx>, std::string_view key) {
  return key == "payload";
}

} // namespace bfd
