// The DS metadata module's local transaction kinds (module_id::dsmeta, kinds 34-38; 39-41 kept
// for it): a fund chain's members and their keys, its floating exchange rate and its
// service-usage history. What touches the mainchain too (organisation, fund raise, issuance,
// liquidation) is a peg metadata operation, not a kind (docs/ds-metadata.md). Rules
// chains/dsmeta/dsmeta_state; codec chains/state/dsmeta_codec.hpp; JSON protocols/dsmeta_json.
#pragma once

#include <cstdint>
#include <string_view>

#include "chains/core/amount.hpp"
#include "chains/core/bytes.hpp"
#include "chains/state/module_ids.hpp"

namespace bfd {

/// Admits `account` as a member of the fund, authenticated by `key` (which must be the key the
/// address derives from), at service level `level` (0-3).
struct ds_member_add_tx {
  static constexpr tx_kind kind_number{34};
  static constexpr module_id module = module_id::dsmeta;
  static constexpr std::string_view name = "ds_member_add";
  static constexpr bool spend_required = false;

  address account;
  public_key key;
  std::uint8_t level = 0;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const ds_member_add_tx&, const ds_member_add_tx&) = default;
};

/// Replaces a member's authentication key and level. A writer may change both; the member itself
/// (signing with its current key) may rotate its key only.
struct ds_member_update_tx {
  static constexpr tx_kind kind_number{35};
  static constexpr module_id module = module_id::dsmeta;
  static constexpr std::string_view name = "ds_member_update";
  static constexpr bool spend_required = false;

  address account;
  public_key key;
  std::uint8_t level = 0;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const ds_member_update_tx&, const ds_member_update_tx&) = default;
};

/// Removes a member.
struct ds_member_remove_tx {
  static constexpr tx_kind kind_number{36};
  static constexpr module_id module = module_id::dsmeta;
  static constexpr std::string_view name = "ds_member_remove";
  static constexpr bool spend_required = false;

  address account;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const ds_member_remove_tx&, const ds_member_remove_tx&) = default;
};

/// Sets the floating exchange rate: `rate` BFDT base units per whole fund token (10^8 units).
struct ds_rate_set_tx {
  static constexpr tx_kind kind_number{37};
  static constexpr module_id module = module_id::dsmeta;
  static constexpr std::string_view name = "ds_rate_set";
  static constexpr bool spend_required = false;

  amount rate = 0;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const ds_rate_set_tx&, const ds_rate_set_tx&) = default;
};

/// Records that service `service` served the fund request `request` (1-32 bytes, unique per
/// service) for `value` units of the fund's token.
struct ds_usage_record_tx {
  static constexpr tx_kind kind_number{38};
  static constexpr module_id module = module_id::dsmeta;
  static constexpr std::string_view name = "ds_usage_record";
  static constexpr bool spend_required = false;

  std::uint64_t service = 0;
  bytes request;
  amount value = 0;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const ds_usage_record_tx&, const ds_usage_record_tx&) = default;
};

/// The DS metadata module's kinds.
using dsmeta_payloads =
  type_list<ds_member_add_tx, ds_member_update_tx, ds_member_remove_tx, ds_rate_set_tx, ds_usage_record_tx>;

} // namespace bfd
