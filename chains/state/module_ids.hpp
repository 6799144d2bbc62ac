// The names shared by every state module: transaction kind numbers, module ids, the type list
// a module declares its payloads in. No dependencies, so payload headers can include it.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <type_traits>
#include <variant>

namespace bfd {

/// A transaction kind number. Each payload struct declares its own (`static constexpr tx_kind
/// kind_number`); the numbers are part of the signed encoding: never renumber or reuse one.
enum class tx_kind : std::uint8_t {};

/// A state module: the owner of a family of transaction kinds, its state and its part of the
/// state root. The numbers are stored and hashed: never renumber.
enum class module_id : std::uint8_t {
  token = 0,      ///< accounts, balances, nonces, fees, locked funds (every chain's base)
  consensus = 1,  ///< VMs, votes, clusters, rounds (VM-DPoSW)
  registry = 2,   ///< the mainchain's sidechain registry and light clients (chains/sidechain)
  peg = 3,        ///< the two-way peg: escrows, vouchers, messages, receipts (chains/peg)
  access = 4,     ///< access control: permissions, roles, service levels (chains/access)
  contracts = 5,  ///< contract templates, instances, their state and calls (chains/contracts)
  services = 6,   ///< the mainchain's service registry: versions, rollouts, health (chains/services)
  dsmeta = 7,     ///< DS metadata of a fund (DAOS) chain (chains/dsmeta)
  funds = 8,      ///< a fund chain's economics: subscriptions, trades, commissions, redemption (chains/funds)
  authority = 9,  ///< credential groups, issuance records, revocations, tagged payments (chains/authority)
};

/// "token", "consensus", "registry", "peg", "access", "contracts", "services", "dsmeta", "funds",
/// "authority".
constexpr std::string_view to_string(module_id m) noexcept {
  switch (m) {
    case module_id::token: return "token";
    case module_id::consensus: return "consensus";
    case module_id::registry: return "registry";
    case module_id::peg: return "peg";
    case module_id::access: return "access";
    case module_id::contracts: return "contracts";
    case module_id::services: return "services";
    case module_id::dsmeta: return "dsmeta";
    case module_id::funds: return "funds";
    case module_id::authority: return "authority";
  }
  return "unknown";
}

/// The modules a chain has (chosen in its genesis): a transaction whose kind belongs to a module
/// the chain lacks is refused with errc::kind_not_enabled.
class module_set {
public:
  constexpr module_set() = default;
  constexpr module_set(std::initializer_list<module_id> ids) {
    for (auto m : ids)
      bits_ |= bit(m);
  }
  /// Token and consensus: the mainchain's and every sidechain's today.
  static constexpr module_set standard() { return {module_id::token, module_id::consensus}; }

  constexpr bool has(module_id m) const noexcept { return (bits_ & bit(m)) != 0; }
  /// This set and `m`.
  constexpr module_set with(module_id m) const noexcept {
    module_set s = *this;
    s.bits_ |= bit(m);
    return s;
  }
  constexpr std::uint32_t bits() const noexcept { return bits_; }
  friend constexpr bool operator==(module_set, module_set) = default;

private:
  static constexpr std::uint32_t bit(module_id m) { return std::uint32_t{1} << static_cast<unsigned>(m); }
  std::uint32_t bits_ = 0;
};

/// Compile-time list of payload types (a module's kinds, or all of them).
template <class... Ts>
struct type_list {};

namespace detail {
template <class... Lists>
struct concat;
template <class... As>
struct concat<type_list<As...>> {
  using type = type_list<As...>;
};
template <class... As, class... Bs, class... Rest>
struct concat<type_list<As...>, type_list<Bs...>, Rest...> {
  using type = typename concat<type_list<As..., Bs...>, Rest...>::type;
};
template <class List>
struct as_variant;
template <class... Ts>
struct as_variant<type_list<Ts...>> {
  using type = std::variant<Ts...>;
};
template <class... Ts>
constexpr bool distinct_kinds(type_list<Ts...>) {
  constexpr std::uint8_t k[] = {static_cast<std::uint8_t>(Ts::kind_number)...};
  for (std::size_t i = 0; i < sizeof...(Ts); ++i) {
    if (k[i] == 0)
      return false;
    for (std::size_t j = i + 1; j < sizeof...(Ts); ++j)
      if (k[i] == k[j])
        return false;
  }
  return true;
}
} // namespace detail

/// The payloads of several modules, in one list.
template <class... Lists>
using concat_t = typename detail::concat<Lists...>::type;

/// A variant of every type in a list.
template <class List>
using variant_of_t = typename detail::as_variant<List>::type;

/// Whether every payload of the list has its own, non-zero kind number.
template <class List>
inline constexpr bool distinct_kinds_v = detail::distinct_kinds(List{});

} // namespace bfd
