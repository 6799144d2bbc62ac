#include "chains/access/access_types.hpp"

namespace bfd::acl {

namespace {
constexpr std::string_view scope_names[scope_kind_count] = {"global", "fund_group", "service", "sidechain", "ush_group"};
constexpr std::string_view permission_names[permission_count] = {
  "admin", "read", "write", "trade", "issue", "liquidate", "join", "deploy", "register_service", "upgrade_service",
  "sidechain_admin"};
} // namespace

std::string_view to_string(scope_kind k) noexcept {
  const auto i = static_cast<std::size_t>(k);
  return i < scope_kind_count ? scope_names[i] : "unknown";
}

std::optional<scope_kind> parse_scope_kind(std::string_view text) noexcept {
  for (std::uint8_t i = 0; i < scope_kind_count; ++i)
    if (scope_names[i] == text)
      return static_cast<scope_kind>(i);
  return std::nullopt;
}

bool scope::valid() const noexcept {
  return static_cast<std::uint8_t>(kind) < scope_kind_count && (kind != scope_kind::global || id == 0);
}

std::string to_string(const scope& s) {
  if (s.is_global())
    return "global";
  return std::string(to_string(s.kind)) + " " + std::to_string(s.id);
}

std::string scope_text(const scope& s) {
  if (s.is_global())
    return "global";
  return std::string(to_string(s.kind)) + ":" + std::to_string(s.id);
}

std::optional<scope> parse_scope_text(std::string_view text) noexcept {
  const auto colon = text.find(':');
  auto kind = parse_scope_kind(text.substr(0, colon));
  if (!kind)
    return std::nullopt;
  scope s{*kind, 0};
  if (colon == std::string_view::npos)
    return *kind == scope_kind::global ? std::optional<scope>(s) : std::nullopt;
  const auto digits = text.substr(colon + 1);
  if (digits.empty() || digits.size() > 20)
    return std::nullopt;
  unsigned __int128 id = 0;
  for (char c : digits) {
    if (c < '0' || c > '9')
      return std::nullopt;
    id = id * 10 + static_cast<unsigned>(c - '0');
  }
  if (id > UINT64_MAX)
    return std::nullopt;
  s.id = static_cast<std::uint64_t>(id);
  if (!s.valid())
    return std::nullopt;
  return s;
}

std::string_view to_string(permission p) noexcept {
  const auto i = static_cast<std::size_t>(p);
  return i < permission_count ? permission_names[i] : "unknown";
}

std::optional<permission> parse_permission(std::string_view text) noexcept {
  for (std::uint8_t i = 0; i < permission_count; ++i)
    if (permission_names[i] == text)
      return static_cast<permission>(i);
  return std::nullopt;
}

std::string mask_to_string(permission_mask m) {
  std::string out;
  for (std::uint8_t i = 0; i < permission_count; ++i)
    if (has(m, static_cast<permission>(i))) {
      if (!out.empty())
        out += ',';
      out += permission_names[i];
    }
  return out.empty() ? "none" : out;
}

bool valid_role_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > max_role_name)
    return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

} // namespace bfd::acl
