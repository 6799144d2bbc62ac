// The service registry's transaction kinds (module_id::services, kinds 28-32; 33 kept for it):
// register a service, upgrade it with a canary rollout, report a version's health, roll back,
// set its status. Rules chains/services/services_state; codec chains/state/services_codec.hpp;
// JSON protocols/services_json; layouts in docs/formats.md, "17. Service registry".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chains/core/amount.hpp"
#include "chains/core/bytes.hpp"
#include "chains/state/module_ids.hpp"

namespace bfd {

namespace services {

/// How a service charges. The numbers are signed and hashed: never renumber.
enum class commission_kind : std::uint8_t {
  percent = 0,     ///< `value` basis points (0-10000) of the request's amount
  fixed = 1,       ///< `value` base units per request
  expression = 2,  ///< `text`: a fee expression (docs/fee-functions.md), 1-256 printable ASCII bytes
  wasm = 3,        ///< export `text` (1-32 characters) of contract `contract` on chain `chain`
};
inline constexpr std::uint8_t commission_kind_count = 4;
/// "percent", "fixed", "expression", "wasm".
std::string_view to_string(commission_kind k) noexcept;

/// A service's commission model (only the fields of its kind are encoded).
struct commission {
  commission_kind kind = commission_kind::percent;
  std::uint64_t value = 0;  ///< percent: basis points; fixed: base units
  std::string text;         ///< expression: its text; wasm: the export's name
  std::uint32_t chain = 0;  ///< wasm: the chain of the fee contract
  address contract;         ///< wasm: the fee contract
  friend bool operator==(const commission&, const commission&) = default;
};

/// A version's contract on one deployment chain. The mainchain cannot check that it exists there.
struct instance {
  std::uint32_t chain = 0;
  address contract;
  friend bool operator==(const instance&, const instance&) = default;
};

/// A service's status. Stored: never renumber.
enum class service_status : std::uint8_t { active = 0, suspended = 1, retired = 2 };
inline constexpr std::uint8_t service_status_count = 3;
/// "active", "suspended", "retired".
std::string_view to_string(service_status s) noexcept;
std::optional<service_status> parse_service_status(std::string_view text) noexcept;

// Bounds of the payloads (the decoders check them before allocating; docs/services.md).
inline constexpr std::size_t uuid_size = 16;
inline constexpr std::size_t max_symbol = 12;         ///< 1-12 of A-Z, 0-9
inline constexpr std::size_t max_deployments = 16;    ///< deployment chains of a service (at least 1)
inline constexpr std::size_t max_expression = 256;    ///< expression commission text, bytes
inline constexpr std::size_t max_export = 32;         ///< wasm commission export name, bytes
inline constexpr std::size_t max_reason = 200;        ///< rollback and rollout reasons, bytes
inline constexpr std::uint64_t max_basis_points = 10'000;
inline constexpr std::uint64_t max_permille = 1'000;
inline constexpr std::uint64_t max_blocks = 1'000'000;  ///< delay, window and promote_delay, blocks

} // namespace services

/// Registers a service: version 1 with one instance per deployment, live on every deployment
/// from the inclusion height. The sender needs `register_service` on global and becomes owner.
struct service_register_tx {
  static constexpr tx_kind kind_number{28};
  static constexpr module_id module = module_id::services;
  static constexpr std::string_view name = "service_register";
  static constexpr bool spend_required = false;

  fixed_bytes<16> uuid;
  std::string symbol;
  address dapp;  ///< the DApp's address, or all zero for none
  std::uint32_t home = 0;
  std::vector<std::uint32_t> deployments;
  std::vector<services::instance> instances;
  std::uint64_t template_id = 0;  ///< 0: none
  services::commission commission;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const service_register_tx&, const service_register_tx&) = default;
};

/// Stages version n+1 beside the old and starts its canary rollout: `canary` switches at
/// inclusion height + `delay`; the health gate decides the rest (docs/services.md).
struct service_upgrade_tx {
  static constexpr tx_kind kind_number{29};
  static constexpr module_id module = module_id::services;
  static constexpr std::string_view name = "service_upgrade";
  static constexpr bool spend_required = false;

  std::uint64_t service = 0;
  std::vector<services::instance> instances;
  std::uint64_t template_id = 0;
  services::commission commission;
  std::uint32_t canary = 0;
  std::uint64_t delay = 1;
  std::uint64_t window = 1;
  std::uint64_t min_calls = 0;
  std::uint64_t max_failed_permille = 0;
  std::uint64_t max_missed_blocks = 0;
  std::uint64_t max_latency_ms = 0;
  std::uint64_t promote_delay = 0;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const service_upgrade_tx&, const service_upgrade_tx&) = default;
};

/// A health report of `version` on `chain` over the reporter's heights [from_height, to_height]
/// of that chain; it may roll the canary back or promote it (docs/services.md, "Health gate").
struct service_health_tx {
  static constexpr tx_kind kind_number{30};
  static constexpr module_id module = module_id::services;
  static constexpr std::string_view name = "service_health";
  static constexpr bool spend_required = false;

  std::uint64_t service = 0;
  std::uint32_t version = 0;
  std::uint32_t chain = 0;
  std::uint64_t from_height = 0;
  std::uint64_t to_height = 0;
  std::uint64_t calls = 0;
  std::uint64_t failed_calls = 0;
  std::uint64_t missed_blocks = 0;
  std::uint64_t latency_p99_ms = 0;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const service_health_tx&, const service_health_tx&) = default;
};

/// Rolls the current rollout back: every chain on its version returns to the previous one.
struct service_rollback_tx {
  static constexpr tx_kind kind_number{31};
  static constexpr module_id module = module_id::services;
  static constexpr std::string_view name = "service_rollback";
  static constexpr bool spend_required = false;

  std::uint64_t service = 0;
  std::string reason;  ///< 1-200 bytes

  amount spend() const noexcept { return 0; }
  friend bool operator==(const service_rollback_tx&, const service_rollback_tx&) = default;
};

/// Sets the service's status (retired is final).
struct service_set_status_tx {
  static constexpr tx_kind kind_number{32};
  static constexpr module_id module = module_id::services;
  static constexpr std::string_view name = "service_set_status";
  static constexpr bool spend_required = false;

  std::uint64_t service = 0;
  services::service_status status = services::service_status::active;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const service_set_status_tx&, const service_set_status_tx&) = default;
};

/// The service registry's kinds.
using services_payloads = type_list<service_register_tx, service_upgrade_tx, service_health_tx, service_rollback_tx,
                                    service_set_status_tx>;

} // namespace bfd
