// The peg module's payloads inside a transaction: equality of the bodies, the native spend of a
// send, and the codec (docs/formats.md "Two-way peg", transaction kinds 10-15).
#include "chains/state/peg_codec.hpp"

#include "chains/codec/field_reader.hpp"
#include "chains/peg/proofs.hpp"
#include "chains/state/payload_body.hpp"
#include "chains/sidechain/registry_payloads.hpp"

namespace bfd {

amount peg_send_tx::spend() const noexcept {
  return peg::is_native(denom) ? value : 0;
}

namespace {
// Bundles have no operator==: equal when their canonical encodings are.
template <class T>
bool same_encoded_body(const std::shared_ptr<const T>& a, const std::shared_ptr<const T>& b) {
  if (!a || !b)
    return a == b;
  return a == b || codec::encode(*a) == codec::encode(*b);
}
} // namespace

bool operator==(const peg_receive_tx& a, const peg_receive_tx& b) {
  return same_encoded_body(a.body, b.body);
}

bool operator==(const peg_acknowledge_tx& a, const peg_acknowledge_tx& b) {
  return same_encoded_body(a.body, b.body);
}

bool operator==(const peg_timeout_tx& a, const peg_timeout_tx& b) {
  return same_encoded_body(a.body, b.body);
}

bool operator==(const peg_client_update_tx& a, const peg_client_update_tx& b) {
  return same_body(a.body, b.body);
}

namespace codec {

namespace {

constexpr std::uint32_t send_fields = 5;
constexpr std::uint32_t metadata_fields = 7;

void write_text(writer& w, const std::string& s) {
  w.bin(byte_view{reinterpret_cast<const byte*>(s.data()), s.size()});
}

// The bundle bytes of kinds 12-14 (bin); a null body writes an empty bin, which no reader accepts.
template <class Bundle>
void write_bundle(const std::shared_ptr<const Bundle>& b, writer& w) {
  if (b)
    w.bin(encode(*b));
  else
    w.bin(bytes{});
}

template <class Bundle, class Decode>
result<std::shared_ptr<const Bundle>> read_bundle(const msgpack::object& obj, const char* what, Decode decode) {
  auto raw = reader(obj, what).bin(bundle_limits.max_frame_bytes);
  if (!raw)
    return raw.error();
  auto b = decode(byte_view{raw->data(), raw->size()});
  if (!b)
    return make_error(b.error().code, std::string(what) + ": " + b.error().detail);
  return std::make_shared<const Bundle>(std::move(*b));
}

} // namespace

// [destination, receiver, denom, amount, timeout_height]
void encode_payload(const peg_send_tx& p, writer& w) {
  w.array(send_fields);
  w.uint(p.destination);
  w.bin(p.receiver);
  write_text(w, p.denom);
  w.uint(p.value);
  w.uint(p.timeout_height);
}

// [destination, receiver, operation, [key...], body, timeout_height, 0] (the last field is
// reserved for the lock store and must be 0)
void encode_payload(const peg_send_metadata_tx& p, writer& w) {
  w.array(metadata_fields);
  w.uint(p.destination);
  w.bin(p.receiver);
  write_text(w, p.operation);
  w.array(static_cast<std::uint32_t>(p.keys.size()));
  for (const auto& k : p.keys)
    w.bin(k);
  w.bin(p.body);
  w.uint(p.timeout_height);
  w.uint(0);
}

void encode_payload(const peg_receive_tx& p, writer& w) {
  write_bundle(p.body, w);
}

void encode_payload(const peg_acknowledge_tx& p, writer& w) {
  write_bundle(p.body, w);
}

void encode_payload(const peg_timeout_tx& p, writer& w) {
  write_bundle(p.body, w);
}

void encode_payload(const peg_client_update_tx& p, writer& w) {
  if (p.body)
    write(*p.body, w);
  else
    w.array(0);
}

result<peg_send_tx> read_payload(const msgpack::object& obj, std::type_identity<peg_send_tx>) {
  auto items = reader(obj, "peg_send").array(send_fields);
  if (!items)
    return items.error();
  field_reader f(*items);
  peg_send_tx p;
  p.destination = static_cast<std::uint32_t>(f.uint(0, "destination", UINT32_MAX));
  p.receiver = f.fixed<20>(1, "receiver");
  p.denom = f.text(2, "denom", peg::bounds::max_denom);
  p.value = f.uint(3, "amount");
  p.timeout_height = f.uint(4, "timeout height");
  if (!f.ok())
    return f.err();
  if (!peg::valid_denom(p.denom))
    return make_error(errc::malformed, "denom: not a valid denomination trace");
  return p;
}

result<peg_send_metadata_tx> read_payload(const msgpack::object& obj, std::type_identity<peg_send_metadata_tx>) {
  auto items = reader(obj, "peg_send_metadata").array(metadata_fields);
  if (!items)
    return items.error();
  field_reader f(*items);
  peg_send_metadata_tx p;
  p.destination = static_cast<std::uint32_t>(f.uint(0, "destination", UINT32_MAX));
  p.receiver = f.fixed<20>(1, "receiver");
  p.operation = f.text(2, "operation", peg::bounds::max_operation);
  std::uint32_t count = 0;
  const auto* keys = f.array_up_to(3, "locked keys", peg::bounds::max_keys, count);
  if (keys) {
    field_reader k(keys);
    p.keys.reserve(count);
    for (std::uint32_t i = 0; i < count && k.ok(); ++i)
      p.keys.push_back(k.bin(i, "locked key", peg::bounds::max_key));
    if (!k.ok())
      f.fail(k.err());
  }
  p.body = f.bin(4, "operation body", peg::bounds::max_body);
  p.timeout_height = f.uint(5, "timeout height");
  const auto reserved = f.uint(6, "reserved");
  if (!f.ok())
    return f.err();
  if (reserved != 0)
    return make_error(errc::malformed, "peg_send_metadata: the reserved field must be 0");
  return p;
}

result<peg_receive_tx> read_payload(const msgpack::object& obj, std::type_identity<peg_receive_tx>) {
  auto b = read_bundle<peg::delivery_bundle>(obj, "peg_receive bundle", decode_delivery_bundle);
  if (!b)
    return b.error();
  return peg_receive_tx{std::move(*b)};
}

result<peg_acknowledge_tx> read_payload(const msgpack::object& obj, std::type_identity<peg_acknowledge_tx>) {
  auto b = read_bundle<peg::delivery_bundle>(obj, "peg_acknowledge bundle", decode_delivery_bundle);
  if (!b)
    return b.error();
  return peg_acknowledge_tx{std::move(*b)};
}

result<peg_timeout_tx> read_payload(const msgpack::object& obj, std::type_identity<peg_timeout_tx>) {
  auto b = read_bundle<peg::timeout_bundle>(obj, "peg_timeout bundle", decode_timeout_bundle);
  if (!b)
    return b.error();
  return peg_timeout_tx{std::move(*b)};
}

result<peg_client_update_tx> read_payload(const msgpack::object& obj, std::type_identity<peg_client_update_tx>) {
  auto p = read_sidechain_anchor(obj);
  if (!p)
    return p.error();
  return peg_client_update_tx{std::make_shared<const sidechain_anchor_payload>(std::move(*p))};
}

} // namespace codec
} // namespace bfd
