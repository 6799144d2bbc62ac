// The contracts module's transaction kinds (module_id::contracts, kinds 24-27): publishing a
// template, deploying a contract from it, calling a contract and filling a contract's slot. The rules are
// chains/contracts/contract_state; codec chains/state/contract_codec.hpp; JSON
// protocols/contract_json; layouts in docs/formats.md, "16. Contracts".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chains/access/access_types.hpp"
#include "chains/core/amount.hpp"
#include "chains/core/bytes.hpp"
#include "chains/state/module_ids.hpp"

namespace bfd {

namespace contract {

/// The type of a template parameter. The numbers are signed and hashed: never renumber.
enum class param_type : std::uint8_t {
  u64 = 0,      ///< 8 bytes, little-endian
  i64 = 1,      ///< 8 bytes, little-endian two's complement
  bytes = 2,    ///< 0 to max_param_bytes bytes
  address = 3,  ///< 20 bytes
  amount = 4,   ///< 8 bytes, little-endian base units
};
inline constexpr std::uint8_t param_type_count = 5;

/// "u64", "i64", "bytes", "address", "amount".
std::string_view to_string(param_type t) noexcept;
std::optional<param_type> parse_param_type(std::string_view text) noexcept;

/// A WebAssembly call argument: i32 (low 32 bits of `bits`) or i64.
struct call_arg {
  bool is_i64 = true;
  std::uint64_t bits = 0;
  friend bool operator==(const call_arg&, const call_arg&) = default;
};

// Bounds the decoders and the module enforce (docs/contracts.md).
inline constexpr std::size_t max_code_bytes = 128 * 1024;    ///< a template's WebAssembly code (fits a transaction)
inline constexpr std::size_t max_name_bytes = 64;            ///< a template name, a parameter or entry point name
inline constexpr std::size_t max_params = 16;                ///< parameters of a template
inline constexpr std::size_t max_entry_points = 32;          ///< entry points of a template
inline constexpr std::size_t max_param_bytes = 256;          ///< a `bytes` parameter value
inline constexpr std::size_t max_args = 8;                   ///< WebAssembly arguments of one call
inline constexpr std::size_t max_readers = 16;               ///< readers of a contract's state
inline constexpr std::uint32_t max_template_users = 16;      ///< addresses a template may restrict its deploys to
inline constexpr std::size_t max_input_bytes = 4096;         ///< call input (the engine's bound)
inline constexpr std::uint64_t max_fuel = 10'000'000;        ///< fuel limit of one call
inline constexpr std::uint64_t fuel_per_unit = 100;          ///< fuel units bought by one base unit of fee
/// No ACL scope (the reader list alone decides): the scope kind's value in the encoding.
inline constexpr std::uint8_t no_scope = 255;

/// Valid names: 1 to 64 characters of a-z, A-Z, 0-9, '_', '-', '.'.
bool valid_name(std::string_view name) noexcept;

/// The fee a fuel limit needs: ceil(fuel / fuel_per_unit).
constexpr amount fuel_fee(std::uint64_t fuel) noexcept {
  return (fuel + fuel_per_unit - 1) / fuel_per_unit;
}

} // namespace contract

/// Publishes a versioned template: its WebAssembly code, typed parameters and entry points. Its
/// id is the tagged hash (bfd/contract/template) of this payload's canonical encoding.
struct contract_publish_tx {
  static constexpr tx_kind kind_number{24};
  static constexpr module_id module = module_id::contracts;
  static constexpr std::string_view name = "contract_publish";
  static constexpr bool spend_required = false;

  std::string template_name;
  std::uint32_t version = 1;
  bytes code;
  std::vector<std::string> param_names;
  std::vector<contract::param_type> param_types;  ///< one per name
  std::vector<std::string> entry_points;          ///< exported functions a call may name; "init" runs at deploy
  /// The name of the template's client slot (a trailing optional field); empty: no slot.
  std::string slot;
  /// Who may deploy contracts from the template (a trailing optional field, after the slot;
  /// 1-16 distinct addresses); empty: anyone who may deploy on the chain.
  std::vector<address> users;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const contract_publish_tx&, const contract_publish_tx&) = default;
};

/// Deploys a contract from a template: parameter values (one per template parameter, checked
/// against its type), `value` moved from the sender to the contract's account, who may read its
/// state (readers and/or an access-control scope), and the init call's arguments and fuel.
struct contract_deploy_tx {
  static constexpr tx_kind kind_number{25};
  static constexpr module_id module = module_id::contracts;
  static constexpr std::string_view name = "contract_deploy";
  static constexpr bool spend_required = false;

  hash256 template_id;
  std::vector<bytes> params;
  amount value = 0;
  std::vector<address> readers;
  std::uint8_t scope_kind = contract::no_scope;  ///< an acl::scope_kind, or no_scope
  std::uint64_t scope_id = 0;
  std::vector<contract::call_arg> init_args;
  bytes init_input;
  std::uint64_t fuel = 0;  ///< for init (0 when the template has no init)

  amount spend() const noexcept { return value; }
  friend bool operator==(const contract_deploy_tx&, const contract_deploy_tx&) = default;
};

/// Calls entry point `entry` of the contract at `contract` with `args` and `input`, at most
/// `fuel` units, sending `value` to the contract's account.
struct contract_call_tx {
  static constexpr tx_kind kind_number{26};
  static constexpr module_id module = module_id::contracts;
  static constexpr std::string_view name = "contract_call";
  static constexpr bool spend_required = false;

  address contract;
  std::string entry;
  std::vector<contract::call_arg> args;
  bytes input;
  std::uint64_t fuel = 0;
  amount value = 0;

  amount spend() const noexcept { return value; }
  friend bool operator==(const contract_call_tx&, const contract_call_tx&) = default;
};

/// Inserts the client contract `client` into the slot of the contract at `contract` (whose
/// template declares one), or clears the slot when `client` is absent. Its deployer or a holder
/// of `write` on its access scope may; the client must not have a slot itself.
struct contract_set_slot_tx {
  static constexpr tx_kind kind_number{27};
  static constexpr module_id module = module_id::contracts;
  static constexpr std::string_view name = "contract_set_slot";
  static constexpr bool spend_required = false;

  address contract;
  std::optional<address> client;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const contract_set_slot_tx&, const contract_set_slot_tx&) = default;
};

/// The contracts module's kinds.
using contract_payloads = type_list<contract_publish_tx, contract_deploy_tx, contract_call_tx, contract_set_slot_tx>;

} // namespace bfd
