#include "protocols/access_json.hpp"

namespace bfd {

using namespace json_fields;

namespace {

void scope_to_json(output& j, const acl::scope& s) {
  j["scope"] = std::string(acl::to_string(s.kind));
  j["scope_id"] = s.id;
}

nlohmann::ordered_json mask_to_json(acl::permission_mask m) {
  auto out = nlohmann::ordered_json::array();
  for (std::uint8_t i = 0; i < acl::permission_count; ++i)
    if (acl::has(m, static_cast<acl::permission>(i)))
      out.push_back(std::string(acl::to_string(static_cast<acl::permission>(i))));
  return out;
}

result<acl::scope> read_scope(const input& j) {
  auto kind = read_string(j, "scope");
  if (!kind)
    return kind.error();
  auto k = acl::parse_scope_kind(*kind);
  if (!k)
    return field_error(errc::malformed, "scope", "one of global, fund_group, service, sidechain");
  acl::scope s{*k, 0};
  if (find(j, "scope_id")) {
    auto id = read_uint(j, "scope_id");
    if (!id)
      return id.error();
    s.id = *id;
  } else if (!s.is_global()) {
    return field_error(errc::malformed, "scope_id", "missing");
  }
  return s;
}

// An array of permission names; an empty array is 0.
result<acl::permission_mask> read_mask(const input& j) {
  const auto* v = find(j, "permissions");
  if (!v)
    return field_error(errc::malformed, "permissions", "missing");
  if (!v->is_array() || v->size() > acl::permission_count)
    return field_error(errc::malformed, "permissions", "expected an array of at most 11 permission names");
  acl::permission_mask m = 0;
  for (const auto& name : *v) {
    auto p = name.is_string() ? acl::parse_permission(name.get<std::string>()) : std::nullopt;
    if (!p)
      return field_error(errc::malformed, "permissions", "unknown permission (docs/access-control.md lists them)");
    m |= acl::bit(*p);
  }
  return m;
}

// "role": optional for grants and revocations (empty when absent).
result<std::string> read_role(const input& j, bool required) {
  if (!required && !find(j, "role"))
    return std::string{};
  auto r = read_string(j, "role");
  if (!r)
    return r.error();
  if (r->size() > acl::max_role_name)
    return field_error(errc::malformed, "role", "at most 32 characters");
  return r;
}

template <class T>
void change_to_json(output& j, const T& p) {
  scope_to_json(j, p.scope);
  j["account"] = format_address(p.account);
  j["permissions"] = mask_to_json(p.permissions);
  j["role"] = p.role;
}

template <class T>
result<T> change_from_json(const input& j) {
  T p;
  auto s = read_scope(j);
  if (!s)
    return s.error();
  p.scope = *s;
  auto a = read_address(j, "account");
  if (!a)
    return a.error();
  p.account = *a;
  auto m = find(j, "permissions") ? read_mask(j) : result<acl::permission_mask>(0);
  if (!m)
    return m.error();
  p.permissions = *m;
  auto r = read_role(j, false);
  if (!r)
    return r.error();
  p.role = std::move(*r);
  return p;
}

bool change_field(std::string_view key) {
  return key == "scope" || key == "scope_id" || key == "account" || key == "permissions" || key == "role";
}

} // namespace

void payload_to_json(output& j, const acl_grant_tx& p) {
  change_to_json(j, p);
}

void payload_to_json(output& j, const acl_revoke_tx& p) {
  change_to_json(j, p);
}

void payload_to_json(output& j, const acl_role_define_tx& p) {
  scope_to_json(j, p.scope);
  j["role"] = p.role;
  j["permissions"] = mask_to_json(p.permissions);
}

void payload_to_json(output& j, const acl_set_level_tx& p) {
  j["group"] = p.group;
  j["account"] = format_address(p.account);
  j["level"] = p.level;
}

result<acl_grant_tx> payload_from_json(const input& j, std::type_identity<acl_grant_tx>) {
  return change_from_json<acl_grant_tx>(j);
}

result<acl_revoke_tx> payload_from_json(const input& j, std::type_identity<acl_revoke_tx>) {
  return change_from_json<acl_revoke_tx>(j);
}

result<acl_role_define_tx> payload_from_json(const input& j, std::type_identity<acl_role_define_tx>) {
  acl_role_define_tx p;
  auto s = read_scope(j);
  if (!s)
    return s.error();
  p.scope = *s;
  auto r = read_role(j, true);
  if (!r)
    return r.error();
  p.role = std::move(*r);
  auto m = read_mask(j);
  if (!m)
    return m.error();
  p.permissions = *m;
  return p;
}

result<acl_set_level_tx> payload_from_json(const input& j, std::type_identity<acl_set_level_tx>) {
  acl_set_level_tx p;
  auto g = read_uint(j, "group");
  if (!g)
    return g.error();
  p.group = *g;
  auto a = read_address(j, "account");
  if (!a)
    return a.error();
  p.account = *a;
  auto l = read_uint(j, "level", acl::max_level);
  if (!l)
    return l.error();
  p.level = static_cast<acl::service_level>(*l);
  return p;
}

bool payload_field(std::type_identity<acl_grant_tx>, std::string_view key) {
  return change_field(key);
}
bool payload_field(std::type_identity<acl_revoke_tx>, std::string_view key) {
  return change_field(key);
}
bool payload_field(std::type_identity<acl_role_define_tx>, std::string_view key) {
  return key == "scope" || key == "scope_id" || key == "role" || key == "permissions";
}
bool payload_field(std::type_identity<acl_set_level_tx>, std::string_view key) {
  return key == "group" || key == "account" || key == "level";
}

// Views -------------------------------------------------------------------------------------------

namespace {

nlohmann::ordered_json holding_json(const access_holding_item& h, bool with_scope, bool with_account) {
  nlohmann::ordered_json j;
  if (with_scope) {
    j["scope"] = std::string(acl::to_string(static_cast<acl::scope_kind>(h.scope_kind)));
    j["scope_id"] = h.scope_id;
  }
  if (with_account)
    j["account"] = format_address(h.account);
  j["permissions"] = mask_to_json(h.direct);
  j["roles"] = h.roles;
  j["effective"] = mask_to_json(h.effective);
  return j;
}

} // namespace

nlohmann::ordered_json access_scope_json(const acl::scope& s, const access_answer& a) {
  nlohmann::ordered_json j;
  j["scope"] = std::string(acl::to_string(s.kind));
  j["scope_id"] = s.id;
  j["height"] = a.height;
  auto holdings = nlohmann::ordered_json::array();
  for (const auto& h : a.holdings)
    holdings.push_back(holding_json(h, false, true));
  j["holdings"] = std::move(holdings);
  auto roles = nlohmann::ordered_json::array();
  for (const auto& r : a.roles)
    roles.push_back({{"name", r.name}, {"permissions", mask_to_json(r.permissions)}, {"holders", r.holders}});
  j["roles"] = std::move(roles);
  if (s.kind == acl::scope_kind::fund_group) {
    auto levels = nlohmann::ordered_json::array();
    for (const auto& l : a.levels)
      levels.push_back({{"account", format_address(l.account)}, {"level", l.level}});
    j["levels"] = std::move(levels);
  }
  j["more"] = a.more;
  return j;
}

nlohmann::ordered_json access_account_json(const address& account, const access_answer& a) {
  nlohmann::ordered_json j;
  j["account"] = format_address(account);
  j["height"] = a.height;
  auto holdings = nlohmann::ordered_json::array();
  for (const auto& h : a.holdings)
    holdings.push_back(holding_json(h, true, false));
  j["holdings"] = std::move(holdings);
  auto levels = nlohmann::ordered_json::array();
  for (const auto& l : a.levels)
    levels.push_back({{"group", l.group}, {"level", l.level}});
  j["levels"] = std::move(levels);
  j["more"] = a.more;
  return j;
}

nlohmann::ordered_json access_check_json(const address& account, const acl::scope& s, acl::permission p,
                                         acl::service_level min_level, const access_answer& a) {
  nlohmann::ordered_json j;
  j["account"] = format_address(account);
  j["scope"] = std::string(acl::to_string(s.kind));
  j["scope_id"] = s.id;
  j["permission"] = std::string(acl::to_string(p));
  j["min_level"] = min_level;
  j["height"] = a.height;
  j["allowed"] = a.decision == 0;
  if (a.decision != 0) {
    const auto code = static_cast<errc>(a.decision);
    j["reason"] = {{"code", std::string(to_string(code))}, {"reason_code", a.decision}, {"detail", a.decision_detail}};
  }
  return j;
}

} // namespace bfd
