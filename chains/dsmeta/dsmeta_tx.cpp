// The DS metadata module's payload codec. Decoders bound every field (levels to 255, request ids
// to 32 bytes); the module checks the rest.
#include "chains/state/dsmeta_codec.hpp"

#include "chains/codec/field_reader.hpp"
#include "chains/dsmeta/dsmeta_types.hpp"

namespace bfd::codec {

namespace {

template <class T>
void write_member(const T& p, writer& w) {
  w.array(3);
  w.bin(p.account);
  w.bin(p.key);
  w.uint(p.level);
}

template <class T>
result<T> read_member(const msgpack::object& obj, const char* what) {
  auto items = reader(obj, what).array(3);
  if (!items)
    return items.error();
  field_reader f(*items);
  T p;
  p.account = f.fixed<20>(0, "account");
  p.key = f.fixed<32>(1, "key");
  p.level = static_cast<std::uint8_t>(f.uint(2, "level", 255));
  if (!f.ok())
    return f.err();
  return p;
}

} // namespace

void encode_payload(const ds_member_add_tx& p, writer& w) {
  write_member(p, w);
}

void encode_payload(const ds_member_update_tx& p, writer& w) {
  write_member(p, w);
}

void encode_payload(const ds_member_remove_tx& p, writer& w) {
  w.array(1);
  w.bin(p.account);
}

void encode_payload(const ds_rate_set_tx& p, writer& w) {
  w.array(1);
  w.uint(p.rate);
}

void encode_payload(const ds_usage_record_tx& p, writer& w) {
  w.array(3);
  w.uint(p.service);
  w.bin(byte_view{p.request.data(), p.request.size()});
  w.uint(p.value);
}

result<ds_member_add_tx> read_payload(const msgpack::object& obj, std::type_identity<ds_member_add_tx>) {
  return read_member<ds_member_add_tx>(obj, "ds_member_add");
}

result<ds_member_update_tx> read_payload(const msgpack::object& obj, std::type_identity<ds_member_update_tx>) {
  return read_member<ds_member_update_tx>(obj, "ds_member_update");
}

result<ds_member_remove_tx> read_payload(const msgpack::object& obj, std::type_identity<ds_member_remove_tx>) {
  auto items = reader(obj, "ds_member_remove").array(1);
  if (!items)
    return items.error();
  field_reader f(*items);
  ds_member_remove_tx p;
  p.account = f.fixed<20>(0, "account");
  if (!f.ok())
    return f.err();
  return p;
}

result<ds_rate_set_tx> read_payload(const msgpack::object& obj, std::type_identity<ds_rate_set_tx>) {
  auto items = reader(obj, "ds_rate_set").array(1);
  if (!items)
    return items.error();
  field_reader f(*items);
  ds_rate_set_tx p;
  p.rate = f.uint(0, "rate");
  if (!f.ok())
    return f.err();
  return p;
}

result<ds_usage_record_tx> read_payload(const msgpack::object& obj, std::type_identity<ds_usage_record_tx>) {
  auto items = reader(obj, "ds_usage_record").array(3);
  if (!items)
    return items.error();
  field_reader f(*items);
  ds_usage_record_tx p;
  p.service = f.uint(0, "service");
  p.request = f.bin(1, "request", ds::max_request);
  p.value = f.uint(2, "value");
  if (!f.ok())
    return f.err();
  return p;
}

} // namespace bfd::codec
