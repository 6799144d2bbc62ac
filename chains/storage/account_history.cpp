#include "chains/storage/account_history.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <type_traits>

#include "chains/core/big_endian.hpp"
#include "chains/crypto/keys.hpp"

namespace bfd {

namespace {

template <class T>
constexpr bool is_address = std::is_same_v<std::remove_cvref_t<T>, address>;

void add(std::vector<address>& out, const address& a) {
  if (std::find(out.begin(), out.end(), a) == out.end())
    out.push_back(a);
}

/// The payload's named recipients: a field of type address called to, receiver, buyer, account
/// or member (payloads are plain structs: see chains/state/*_tx.hpp and *_payloads.hpp).
template <class P>
void add_named(const P& p, std::vector<address>& out) {
  if constexpr (requires { p.to; })
    if constexpr (is_address<decltype(p.to)>)
      add(out, p.to);
  if constexpr (requires { p.receiver; })
    if constexpr (is_address<decltype(p.receiver)>)
      add(out, p.receiver);
  if constexpr (requires { p.buyer; })
    if constexpr (is_address<decltype(p.buyer)>)
      add(out, p.buyer);
  if constexpr (requires { p.account; })
    if constexpr (is_address<decltype(p.account)>)
      add(out, p.account);
  if constexpr (requires { p.member; })
    if constexpr (is_address<decltype(p.member)>)
      add(out, p.member);
}

bool parse_decimal(std::string_view text, std::uint64_t& out) {
  if (text.empty() || text.size() > 20)
    return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

} // namespace

std::vector<address> transaction_parties(const transaction& tx) {
  std::vector<address> out;
  out.push_back(address_of(tx.sender));
  std::visit([&](const auto& p) { add_named(p, out); }, tx.payload);
  return out;
}

namespace history_keys {

bytes account_prefix(const address& a) {
  bytes k;
  k.reserve(entry_key_bytes);
  k.push_back(entry_prefix);
  k.insert(k.end(), a.begin(), a.end());
  return k;
}

bytes entry_key(const address& a, const history_position& at) {
  auto k = account_prefix(a);
  put_be64(k, ~at.height);
  put_be(k, ~static_cast<std::uint64_t>(at.index) & 0xffffffffu, 4);
  return k;
}

history_position position_of(byte_view key) {
  const auto* p = key.data() + 1 + 20;
  return {~get_be64(p), static_cast<std::uint32_t>(~get_be(p + 8, 4) & 0xffffffffu)};
}

} // namespace history_keys

std::string format_cursor(const history_position& at) {
  return std::to_string(at.height) + "." + std::to_string(at.index);
}

result<history_position> parse_cursor(std::string_view text) {
  const auto dot = text.find('.');
  std::uint64_t height = 0;
  std::uint64_t index = 0;
  if (dot == std::string_view::npos || !parse_decimal(text.substr(0, dot), height)
      || !parse_decimal(text.substr(dot + 1), index) || index > std::numeric_limits<std::uint32_t>::max())
    return make_error(errc::invalid_argument, "a cursor is HEIGHT.INDEX as a previous page's 'next' gave it");
  return history_position{height, static_cast<std::uint32_t>(index)};
}

} // namespace bfd
