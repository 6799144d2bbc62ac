#include "protocols/authority_json.hpp"

#include "chains/access/access_types.hpp"
#include "chains/core/hex.hpp"

namespace bfd {

using namespace json_fields;

void payload_to_json(output& j, const ush_group_create_tx& p) {
  j["name"] = p.group_name;
  j["key"] = to_hex(p.key.view());
}
void payload_to_json(output& j, const ush_issue_tx& p) {
  j["group"] = to_hex(p.group.view());
  j["member"] = format_address(p.member);
  j["count"] = p.count;
}
void payload_to_json(output& j, const ush_revoke_tx& p) {
  j["group"] = to_hex(p.group.view());
  auto ids = output::array();
  for (const auto& id : p.pseudonyms)
    ids.push_back(to_hex(id.view()));
  j["pseudonyms"] = std::move(ids);
}
void payload_to_json(output& j, const tagged_transfer_tx& p) {
  j["to"] = format_address(p.to);
  add_amount(j, "amount", p.value);
  j["tag"] = to_hex(p.tag.view());
  j["since"] = p.since;
}
void payload_to_json(output& j, const member_record_tx& p) {
  j["data"] = to_hex(byte_view{p.data.data(), p.data.size()});
}

result<ush_group_create_tx> payload_from_json(const input& j, std::type_identity<ush_group_create_tx>) {
  ush_group_create_tx p;
  auto n = read_string(j, "name");
  if (!n)
    return n.error();
  if (n->size() > authority::max_group_name)
    return field_error(errc::invalid_argument, "name", "at most 64 bytes");
  p.group_name = std::move(*n);
  auto k = read_fixed_hex<33>(j, "key");
  if (!k)
    return k.error();
  p.key = *k;
  return p;
}

result<ush_issue_tx> payload_from_json(const input& j, std::type_identity<ush_issue_tx>) {
  ush_issue_tx p;
  auto g = read_fixed_hex<32>(j, "group");
  if (!g)
    return g.error();
  p.group = *g;
  auto m = read_address(j, "member");
  if (!m)
    return m.error();
  p.member = *m;
  auto c = read_uint(j, "count", UINT32_MAX);
  if (!c)
    return c.error();
  p.count = *c;
  return p;
}

result<ush_revoke_tx> payload_from_json(const input& j, std::type_identity<ush_revoke_tx>) {
  ush_revoke_tx p;
  auto g = read_fixed_hex<32>(j, "group");
  if (!g)
    return g.error();
  p.group = *g;
  const auto* ids = find(j, "pseudonyms");
  if (!ids || !ids->is_array() || ids->size() > authority::max_revocations_per_tx)
    return field_error(errc::malformed, "pseudonyms", "an array of at most 64 hex pseudonyms");
  for (const auto& v : *ids) {
    if (!v.is_string())
      return field_error(errc::malformed, "pseudonyms", "an array of at most 64 hex pseudonyms");
    auto id = fixed_from_hex<32>(v.get<std::string>());
    if (!id)
      return field_error(errc::malformed, "pseudonyms", "each 32 bytes of hex");
    p.pseudonyms.push_back(*id);
  }
  return p;
}

result<tagged_transfer_tx> payload_from_json(const input& j, std::type_identity<tagged_transfer_tx>) {
  tagged_transfer_tx p;
  auto to = read_address(j, "to");
  if (!to)
    return to.error();
  p.to = *to;
  auto v = read_amount(j, "amount");
  if (!v)
    return v.error();
  p.value = *v;
  auto t = read_fixed_hex<32>(j, "tag");
  if (!t)
    return t.error();
  p.tag = *t;
  auto s = read_uint(j, "since");
  if (!s)
    return s.error();
  p.since = *s;
  return p;
}

result<member_record_tx> payload_from_json(const input& j, std::type_identity<member_record_tx>) {
  auto d = read_hex(j, "data");
  if (!d)
    return d.error();
  if (d->size() > authority::max_record_bytes)
    return field_error(errc::invalid_argument, "data", "at most 256 bytes");
  return member_record_tx{std::move(*d)};
}

bool payload_field(std::type_identity<ush_group_create_tx>, std::string_view key) {
  return key == "name" || key == "key";
}
bool payload_field(std::type_identity<ush_issue_tx>, std::string_view key) {
  return key == "group" || key == "member" || key == "count";
}
bool payload_field(std::type_identity<ush_revoke_tx>, std::string_view key) {
  return key == "group" || key == "pseudonyms";
}
bool payload_field(std::type_identity<tagged_transfer_tx>, std::string_view key) {
  return key == "to" || key == "amount" || key == "amount_units" || key == "tag" || key == "since";
}
bool payload_field(std::type_identity<member_record_tx>, std::string_view key) {
  return key == "data";
}

namespace authority_json {

output group(const authority::authority_state& s, const authority::group_record& g, const std::optional<hash256>& after,
             std::size_t limit) {
  output j;
  j["id"] = to_hex(g.id.view());
  j["name"] = g.name;
  j["key"] = to_hex(g.key.view());
  j["authority"] = format_address(g.authority);
  j["scope"] = acl::scope_text(authority::group_scope(g.id));
  j["created"] = g.created;
  j["issued"] = g.issued;
  j["revoked"] = g.revoked;
  auto ids = output::array();
  for (const auto& id : s.revocations(g.id, after, limit))
    ids.push_back(to_hex(id.view()));
  j["revoked_pseudonyms"] = std::move(ids);
  return j;
}

} // namespace authority_json

} // namespace bfd
