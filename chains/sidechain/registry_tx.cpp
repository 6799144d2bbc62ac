// The registry module's payloads inside a transaction: equality of the bodies and the codec
// dispatch to chains/sidechain/registry_payloads.
#include "chains/state/registry_codec.hpp"

#include "chains/state/payload_body.hpp"
#include "chains/sidechain/registry_payloads.hpp"

namespace bfd {

bool operator==(const sidechain_register_tx& a, const sidechain_register_tx& b) {
  return same_body(a.body, b.body);
}

bool operator==(const sidechain_anchor_tx& a, const sidechain_anchor_tx& b) {
  return same_body(a.body, b.body);
}

namespace codec {

// A null body cannot come out of a decoder; code that builds one by hand gets an empty array,
// which no reader accepts.
void encode_payload(const sidechain_register_tx& p, writer& w) {
  if (p.body)
    write(*p.body, w);
  else
    w.array(0);
}

void encode_payload(const sidechain_activate_tx& p, writer& w) {
  write(sidechain_activate_payload{p.id}, w);
}

void encode_payload(const sidechain_cease_tx& p, writer& w) {
  write(sidechain_cease_payload{p.id}, w);
}

void encode_payload(const sidechain_anchor_tx& p, writer& w) {
  if (p.body)
    write(*p.body, w);
  else
    w.array(0);
}

result<sidechain_register_tx> read_payload(const msgpack::object& obj, std::type_identity<sidechain_register_tx>) {
  auto p = read_sidechain_register(obj);
  if (!p)
    return p.error();
  return sidechain_register_tx{std::make_shared<const sidechain_register_payload>(std::move(*p))};
}

result<sidechain_activate_tx> read_payload(const msgpack::object& obj, std::type_identity<sidechain_activate_tx>) {
  auto p = read_sidechain_activate(obj);
  if (!p)
    return p.error();
  return sidechain_activate_tx{p->id};
}

result<sidechain_cease_tx> read_payload(const msgpack::object& obj, std::type_identity<sidechain_cease_tx>) {
  auto p = read_sidechain_cease(obj);
  if (!p)
    return p.error();
  return sidechain_cease_tx{p->id};
}

result<sidechain_anchor_tx> read_payload(const msgpack::object& obj, std::type_identity<sidechain_anchor_tx>) {
  auto p = read_sidechain_anchor(obj);
  if (!p)
    return p.error();
  return sidechain_anchor_tx{std::make_shared<const sidechain_anchor_payload>(std::move(*p))};
}

} // namespace codec
} // namespace bfd
