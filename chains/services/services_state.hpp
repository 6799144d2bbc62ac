// The service registry's state and rules (docs/services.md): services with their versions,
// per-chain version schedules, the canary rollout and its health gate, the last health reports.
// The state is its records (a record_map), so undo, dirt, root and restore are one mechanism;
// typed views decode them. Pure: every node computes the same from the same blocks.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "chains/access/access_state.hpp"
#include "chains/state/record_map.hpp"
#include "chains/state/services_tx.hpp"

namespace bfd::services {

// Bounds of the state (docs/services.md, "Limits").
inline constexpr std::uint64_t max_services = 65'536;  ///< services on the chain
inline constexpr std::uint32_t max_versions = 64;      ///< versions of one service
inline constexpr std::size_t max_schedule = 256;       ///< schedule entries of one service, all chains
inline constexpr std::size_t health_kept = 16;         ///< health reports kept per service (a ring)
inline constexpr std::uint32_t max_page = 100;         ///< services per list page

/// From mainchain height `height` on, chain `chain` runs `version`.
struct schedule_entry {
  std::uint32_t chain = 0;
  std::uint64_t height = 0;
  std::uint32_t version = 0;
  friend bool operator==(const schedule_entry&, const schedule_entry&) = default;
};

/// One version of a service: its contract on each deployment chain and its terms.
struct version_info {
  std::uint32_t number = 0;
  std::vector<instance> instances;  ///< one per deployment, in deployment order
  std::uint64_t template_id = 0;
  services::commission commission;
  std::uint64_t registered_at = 0;
  /// The contract on `chain`, or nothing when the version has none there.
  std::optional<address> instance_on(std::uint32_t chain) const;
  friend bool operator==(const version_info&, const version_info&) = default;
};

/// What a health report must show for the canary to pass.
struct health_gate {
  std::uint64_t min_calls = 0;
  std::uint64_t max_failed_permille = 0;
  std::uint64_t max_missed_blocks = 0;
  std::uint64_t max_latency_ms = 0;
  friend bool operator==(const health_gate&, const health_gate&) = default;
};

/// A rollout's phase. Stored: never renumber.
enum class rollout_phase : std::uint8_t { canary = 0, promoted = 1, rolled_back = 2 };
/// "canary", "promoted", "rolled_back".
std::string_view to_string(rollout_phase p) noexcept;

/// The last upgrade's rollout.
struct rollout {
  std::uint32_t version = 0;
  std::uint32_t previous = 0;  ///< what the canary ran before; a rollback returns to it
  std::uint32_t canary = 0;
  std::uint64_t canary_height = 0;  ///< the canary's switch height
  std::uint64_t window = 0;         ///< blocks the canary is observed before a promotion
  health_gate gate;
  std::uint64_t promote_delay = 0;
  rollout_phase phase = rollout_phase::canary;
  std::uint64_t decided_at = 0;  ///< height of the promotion or rollback (0 while canary)
  std::string reason;            ///< why it was decided (at most max_reason bytes)
  friend bool operator==(const rollout&, const rollout&) = default;
};

/// A recorded health report: who sent it, at which mainchain height, and what it said.
struct health_report {
  address reporter;
  std::uint64_t height = 0;
  service_health_tx report;
  friend bool operator==(const health_report&, const health_report&) = default;
};

/// A service (its versions are separate records: services_state::find_version).
struct service {
  std::uint64_t id = 0;
  fixed_bytes<16> uuid;
  std::string symbol;
  address owner;
  address dapp;
  std::uint32_t home = 0;
  std::vector<std::uint32_t> deployments;
  service_status status = service_status::active;
  std::uint64_t registered_at = 0;
  std::uint64_t status_height = 0;  ///< height of the last status change (registration first)
  std::uint32_t versions = 0;       ///< versions 1..versions exist
  std::vector<schedule_entry> schedule;  ///< ordered by (chain, height)
  std::optional<services::rollout> rollout;
  std::vector<health_report> health;  ///< oldest first, at most health_kept

  bool deployed_on(std::uint32_t chain) const;
  /// The version live on `chain` at mainchain height `height`: the last schedule entry of the
  /// chain with height <= `height`; nothing before the registration or off the deployments.
  std::optional<std::uint32_t> version_at(std::uint32_t chain, std::uint64_t height) const;
  friend bool operator==(const service&, const service&) = default;
};

/// What the rules see besides the registry: the height and access control (null: the chain has
/// none, and every write is refused).
struct env {
  std::uint64_t height = 0;
  const acl::access_state* access = nullptr;
};

class services_state {
public:
  services_state() = default;
  /// A state from its stored records; refuses what does not decode or is inconsistent
  /// (storage_corrupt).
  static result<services_state> restore(std::span<const std::pair<bytes, bytes>> records);

  // --- queries (the runtime and the HTTP edge) ------------------------------------------------
  /// Services registered: ids 1..count() exist (the highest 'S' key: undo needs no counter).
  std::uint64_t count() const;
  std::optional<service> find(std::uint64_t id) const;
  std::optional<service> find_by_uuid(const fixed_bytes<16>& uuid) const;
  std::optional<version_info> find_version(std::uint64_t id, std::uint32_t number) const;
  /// Services with id >= `from`, at most `limit` (capped at max_page).
  std::vector<service> list(std::uint64_t from, std::uint32_t limit) const;
  /// The version of service `id` live on `chain` at mainchain height `height`.
  std::optional<std::uint32_t> live_version(std::uint64_t id, std::uint32_t chain, std::uint64_t height) const;
  std::optional<services::rollout> rollout_of(std::uint64_t id) const;
  std::vector<health_report> health_of(std::uint64_t id) const;

  // --- kinds (sender: the transaction's sender address) ---------------------------------------
  status check(const address& sender, const service_register_tx& p, const env& e) const;
  status check(const address& sender, const service_upgrade_tx& p, const env& e) const;
  status check(const address& sender, const service_health_tx& p, const env& e) const;
  status check(const address& sender, const service_rollback_tx& p, const env& e) const;
  status check(const address& sender, const service_set_status_tx& p, const env& e) const;
  status apply(const address& sender, const service_register_tx& p, const env& e);
  status apply(const address& sender, const service_upgrade_tx& p, const env& e);
  status apply(const address& sender, const service_health_tx& p, const env& e);
  status apply(const address& sender, const service_rollback_tx& p, const env& e);
  status apply(const address& sender, const service_set_status_tx& p, const env& e);

  // --- undo, records, root ----------------------------------------------------------------------
  record_map& records() noexcept { return records_; }
  const record_map& records() const noexcept { return records_; }
  /// Nothing until the first service, so enabling the module leaves a genesis hash unchanged.
  std::optional<hash256> root() const;

  friend bool operator==(const services_state& a, const services_state& b) { return a.records_ == b.records_; }

private:
  status may_change(const address& sender, const service& s, const env& e) const;  // owner or upgrade_service
  status existing(std::uint64_t id, service& out) const;
  void put_service(const service& s);
  void put_version(std::uint64_t id, const version_info& v);

  record_map records_{hash_tag::services};
};

/// Sets chain `chain` to run `version` from `height` on, dropping its entries at or after
/// `height` (what a rollback or a new switch replaces).
void schedule_switch(service& s, std::uint32_t chain, std::uint64_t height, std::uint32_t version);

/// The decision a health report makes on a rollout in phase canary (nothing: keep observing).
struct gate_decision {
  rollout_phase phase = rollout_phase::canary;
  std::string reason;
};
/// The health gate (docs/services.md, "Health gate"): at mainchain height `height`, report `r`
/// of the canary's version on the canary chain.
std::optional<gate_decision> decide(const services::rollout& ro, const service_health_tx& r, std::uint64_t height);

/// Symbols: 1-12 characters of A-Z and 0-9.
bool valid_symbol(std::string_view s) noexcept;
/// The commission's bounds: percent <= 10000 bp, expression 1-256 printable ASCII bytes that parse
/// as a fee expression (fee_function_refused otherwise), wasm export 1-32 printable ASCII bytes.
status check_commission(const commission& c);

} // namespace bfd::services
