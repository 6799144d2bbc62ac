// The access module's payload codec. Decoders bound every field: the scope kind to the defined
// kinds, permissions to the defined bits, role names to 32 bytes; the module checks the rest.
#include "chains/state/access_codec.hpp"

#include "chains/codec/field_reader.hpp"

namespace bfd::codec {

namespace {

constexpr std::uint32_t change_fields = 5;
constexpr std::uint32_t define_fields = 4;
constexpr std::uint32_t level_fields = 3;

void write_text(writer& w, const std::string& s) {
  w.bin(byte_view{reinterpret_cast<const byte*>(s.data()), s.size()});
}

// [scope kind, scope id, account, permissions, role]
template <class T>
void write_change(const T& p, writer& w) {
  w.array(change_fields);
  w.uint(static_cast<std::uint8_t>(p.scope.kind));
  w.uint(p.scope.id);
  w.bin(p.account);
  w.uint(p.permissions);
  write_text(w, p.role);
}

template <class T>
result<T> read_change(const msgpack::object& obj, const char* what) {
  auto items = reader(obj, what).array(change_fields);
  if (!items)
    return items.error();
  field_reader f(*items);
  T p;
  p.scope.kind = static_cast<acl::scope_kind>(f.uint(0, "scope kind", acl::scope_kind_count - 1));
  p.scope.id = f.uint(1, "scope id");
  p.account = f.fixed<20>(2, "account");
  p.permissions = static_cast<acl::permission_mask>(f.uint(3, "permissions", acl::all_permissions));
  p.role = f.text(4, "role", acl::max_role_name);
  if (!f.ok())
    return f.err();
  return p;
}

} // namespace

void encode_payload(const acl_grant_tx& p, writer& w) {
  write_change(p, w);
}

void encode_payload(const acl_revoke_tx& p, writer& w) {
  write_change(p, w);
}

// [scope kind, scope id, role, permissions]
void encode_payload(const acl_role_define_tx& p, writer& w) {
  w.array(define_fields);
  w.uint(static_cast<std::uint8_t>(p.scope.kind));
  w.uint(p.scope.id);
  write_text(w, p.role);
  w.uint(p.permissions);
}

// [group, account, level]
void encode_payload(const acl_set_level_tx& p, writer& w) {
  w.array(level_fields);
  w.uint(p.group);
  w.bin(p.account);
  w.uint(p.level);
}

result<acl_grant_tx> read_payload(const msgpack::object& obj, std::type_identity<acl_grant_tx>) {
  return read_change<acl_grant_tx>(obj, "acl_grant");
}

result<acl_revoke_tx> read_payload(const msgpack::object& obj, std::type_identity<acl_revoke_tx>) {
  return read_change<acl_revoke_tx>(obj, "acl_revoke");
}

result<acl_role_define_tx> read_payload(const msgpack::object& obj, std::type_identity<acl_role_define_tx>) {
  auto items = reader(obj, "acl_role_define").array(define_fields);
  if (!items)
    return items.error();
  field_reader f(*items);
  acl_role_define_tx p;
  p.scope.kind = static_cast<acl::scope_kind>(f.uint(0, "scope kind", acl::scope_kind_count - 1));
  p.scope.id = f.uint(1, "scope id");
  p.role = f.text(2, "role", acl::max_role_name);
  p.permissions = static_cast<acl::permission_mask>(f.uint(3, "permissions", acl::all_permissions));
  if (!f.ok())
    return f.err();
  return p;
}

result<acl_set_level_tx> read_payload(const msgpack::object& obj, std::type_identity<acl_set_level_tx>) {
  auto items = reader(obj, "acl_set_level").array(level_fields);
  if (!items)
    return items.error();
  field_reader f(*items);
  acl_set_level_tx p;
  p.group = f.uint(0, "group");
  p.account = f.fixed<20>(1, "account");
  p.level = static_cast<acl::service_level>(f.uint(2, "level", 255));
  if (!f.ok())
    return f.err();
  return p;
}

} // namespace bfd::codec
