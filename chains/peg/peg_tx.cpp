// The peg module's payloads inside a transaction: equality of the bodies, the native spend of a
// send, and the codec (docs/formats.md "Two-way peg", transaction kinds 10-15).
#include "chains/state/peg_codec.hpp"

#include "chains/peg/proofs.hpp"
#include "chains/state/payload_body.hpp"
#include "chains/sidechain/registry_payloads.hpp"

namespace bfd {

amount peg_send_tx::spend() const noexcept {
  return peg::is_native(denom) ? value : 0;
}

bool operator==(const peg_receive_tx& a, const peg_receive_tx& b) {
  if (!a.body || !b.body)
    return a.body == b.body;
  return a.body == b.body || codec::encode(*a.body) == codec::encode(*b.body);
}

bool operator==(const peg_acknowledge_tx& a, const peg_acknowledge_tx& b) {
  if (!a.body || !b.body)
    return a.body == b.body;
  return a.body == b.body || codec::encode(*a.body) == codec::encode(*b.body);
}

bool operator==(const peg_timeout_tx& a, const peg_timeout_tx& b) {
  if (!a.body || !b.body)
    return a.body == b.body;
  return a.body == b.body || codec::encode(*a.body) == codec::encode(*b.body);
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

template <class T>
result<T> read_uint_field(const msgpack::object& o, const char* what, std::uint64_t max) {
  auto v = reader(o, what).uint();
  if (!v)
    return v.error();
  if (*v > max)
    return make_error(errc::malformed, std::string(what) + ": out of range");
  return static_cast<T>(*v);
}

result<std::string> read_text(const msgpack::object& o, const char* what, std::size_t max) {
  auto b = reader(o, what).bin(max);
  if (!b)
    return b.error();
  return std::string(b->begin(), b->end());
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
  auto f = reader(obj, "peg_send").array(send_fields);
  if (!f)
    return f.error();
  peg_send_tx p;
  auto dest = read_uint_field<std::uint32_t>((*f)[0], "destination", UINT32_MAX);
  if (!dest)
    return dest.error();
  p.destination = *dest;
  auto recv = reader((*f)[1], "receiver").fixed<20>();
  if (!recv)
    return recv.error();
  p.receiver = *recv;
  auto denom = read_text((*f)[2], "denom", peg::bounds::max_denom);
  if (!denom)
    return denom.error();
  if (!peg::valid_denom(*denom))
    return make_error(errc::malformed, "denom: not a valid denomination trace");
  p.denom = std::move(*denom);
  auto value = reader((*f)[3], "amount").uint();
  if (!value)
    return value.error();
  p.value = *value;
  auto timeout = reader((*f)[4], "timeout height").uint();
  if (!timeout)
    return timeout.error();
  p.timeout_height = *timeout;
  return p;
}

result<peg_send_metadata_tx> read_payload(const msgpack::object& obj, std::type_identity<peg_send_metadata_tx>) {
  auto f = reader(obj, "peg_send_metadata").array(metadata_fields);
  if (!f)
    return f.error();
  peg_send_metadata_tx p;
  auto dest = read_uint_field<std::uint32_t>((*f)[0], "destination", UINT32_MAX);
  if (!dest)
    return dest.error();
  p.destination = *dest;
  auto recv = reader((*f)[1], "receiver").fixed<20>();
  if (!recv)
    return recv.error();
  p.receiver = *recv;
  auto op = read_text((*f)[2], "operation", peg::bounds::max_operation);
  if (!op)
    return op.error();
  p.operation = std::move(*op);
  std::uint32_t count = 0;
  auto keys = reader((*f)[3], "locked keys").array_up_to(peg::bounds::max_keys, count);
  if (!keys)
    return keys.error();
  p.keys.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    auto k = reader((*keys)[i], "locked key").bin(peg::bounds::max_key);
    if (!k)
      return k.error();
    p.keys.push_back(std::move(*k));
  }
  auto body = reader((*f)[4], "operation body").bin(peg::bounds::max_body);
  if (!body)
    return body.error();
  p.body = std::move(*body);
  auto timeout = reader((*f)[5], "timeout height").uint();
  if (!timeout)
    return timeout.error();
  p.timeout_height = *timeout;
  auto reserved = reader((*f)[6], "reserved").uint();
  if (!reserved)
    return reserved.error();
  if (*reserved != 0)
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
