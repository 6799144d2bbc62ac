// The credential authority module's payload codec. Decoders bound every field (names to 64
// bytes, revocations to 64 pseudonyms, records to 256 bytes); the module checks the rest.
#include "chains/state/authority_codec.hpp"

#include "chains/authority/authority_state.hpp"
#include "chains/codec/field_reader.hpp"

namespace bfd::codec {

void encode_payload(const ush_group_create_tx& p, writer& w) {
  w.array(2);
  w.bin(byte_view{reinterpret_cast<const byte*>(p.group_name.data()), p.group_name.size()});
  w.bin(p.key);
}

void encode_payload(const ush_issue_tx& p, writer& w) {
  w.array(3);
  w.bin(p.group);
  w.bin(p.member);
  w.uint(p.count);
}

void encode_payload(const ush_revoke_tx& p, writer& w) {
  w.array(2);
  w.bin(p.group);
  w.array(static_cast<std::uint32_t>(p.pseudonyms.size()));
  for (const auto& id : p.pseudonyms)
    w.bin(id);
}

void encode_payload(const tagged_transfer_tx& p, writer& w) {
  w.array(4);
  w.bin(p.to);
  w.uint(p.value);
  w.bin(p.tag);
  w.uint(p.since);
}

void encode_payload(const member_record_tx& p, writer& w) {
  w.array(1);
  w.bin(byte_view{p.data.data(), p.data.size()});
}

result<ush_group_create_tx> read_payload(const msgpack::object& obj, std::type_identity<ush_group_create_tx>) {
  auto items = reader(obj, "ush_group_create").array(2);
  if (!items)
    return items.error();
  field_reader f(*items);
  ush_group_create_tx p;
  p.group_name = f.text(0, "name", authority::max_group_name);
  p.key = f.fixed<33>(1, "key");
  if (!f.ok())
    return f.err();
  return p;
}

result<ush_issue_tx> read_payload(const msgpack::object& obj, std::type_identity<ush_issue_tx>) {
  auto items = reader(obj, "ush_issue").array(3);
  if (!items)
    return items.error();
  field_reader f(*items);
  ush_issue_tx p;
  p.group = f.fixed<32>(0, "group");
  p.member = f.fixed<20>(1, "member");
  p.count = f.uint(2, "count", UINT32_MAX);
  if (!f.ok())
    return f.err();
  return p;
}

result<ush_revoke_tx> read_payload(const msgpack::object& obj, std::type_identity<ush_revoke_tx>) {
  auto items = reader(obj, "ush_revoke").array(2);
  if (!items)
    return items.error();
  field_reader f(*items);
  ush_revoke_tx p;
  p.group = f.fixed<32>(0, "group");
  std::uint32_t n = 0;
  const auto* ids = f.array_up_to(1, "pseudonyms", authority::max_revocations_per_tx, n);
  if (!f.ok())
    return f.err();
  field_reader r(ids);
  p.pseudonyms.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i)
    p.pseudonyms.push_back(r.fixed<32>(i, "pseudonym"));
  if (!r.ok())
    return r.err();
  return p;
}

result<tagged_transfer_tx> read_payload(const msgpack::object& obj, std::type_identity<tagged_transfer_tx>) {
  auto items = reader(obj, "tagged_transfer").array(4);
  if (!items)
    return items.error();
  field_reader f(*items);
  tagged_transfer_tx p;
  p.to = f.fixed<20>(0, "to");
  p.value = f.uint(1, "value");
  p.tag = f.fixed<32>(2, "tag");
  p.since = f.uint(3, "since");
  if (!f.ok())
    return f.err();
  return p;
}

result<member_record_tx> read_payload(const msgpack::object& obj, std::type_identity<member_record_tx>) {
  auto items = reader(obj, "member_record").array(1);
  if (!items)
    return items.error();
  field_reader f(*items);
  member_record_tx p;
  p.data = f.bin(0, "data", authority::max_record_bytes);
  if (!f.ok())
    return f.err();
  return p;
}

} // namespace bfd::codec
