// Contracts as a chain's state module (module_id::contracts, kinds 24-27): templates, contracts
// deployed from them, each contract's key/value state, its recent events and the receipts of
// recent deploys and calls. Every piece of state is a record (key -> value); the module's root
// commits to all of them. Calls run on chains/contracts/wasm_engine with a cache of loaded
// modules per template. Pure: no clock, no randomness (docs/contracts.md).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "chains/contracts/wasm_engine.hpp"
#include "chains/state/contract_tx.hpp"
#include "chains/state/state_module.hpp"

namespace bfd {

namespace acl {
class access_state;
}

namespace contract {

// Bounds of the state (docs/contracts.md, "Limits").
inline constexpr std::size_t max_templates = 1024;           ///< templates on one chain
inline constexpr std::size_t max_contracts = 65'536;         ///< contracts on one chain
inline constexpr std::size_t max_state_keys = 4096;          ///< keys of one contract's state
inline constexpr std::size_t events_kept = 64;               ///< most recent events kept per contract
inline constexpr std::size_t receipts_kept = 4096;           ///< most recent receipts kept per chain
inline constexpr std::size_t module_cache_entries = 64;      ///< loaded modules kept in memory

/// A template as published, with its id.
struct template_info {
  hash256 id;
  contract_publish_tx body;
  bool has_init() const;
  bool declares(std::string_view entry) const;
  /// The template declares a client slot (contract_set_slot fills it, slot_call runs it).
  bool has_slot() const { return !body.slot.empty(); }
};

/// A deployed contract (its balance is its ledger account's).
struct instance {
  hash256 template_id;
  address deployer;
  std::uint64_t created_height = 0;
  std::vector<address> readers;
  std::uint8_t scope_kind = no_scope;
  std::uint64_t scope_id = 0;
  std::uint64_t calls = 0;       ///< successful calls (init included)
  std::uint64_t next_event = 0;  ///< sequence number of its next event
  std::optional<address> slot;   ///< the client contract in its slot (templates with a slot only)
  friend bool operator==(const instance&, const instance&) = default;
};

/// What happened to a deploy or call transaction that was included.
struct receipt {
  hash256 tx;
  std::uint8_t kind = 0;  ///< 25 deploy, 26 call, 27 slot change
  address contract;
  std::uint64_t height = 0;
  bool ok = false;
  std::string error;  ///< on failure, the engine's message: "out_of_fuel: used all 1000 units"
  std::uint64_t fuel_used = 0;
  amount fee = 0;     ///< what the sender paid: the declared fee (it covers the whole fuel limit)
  std::vector<call_arg> results;
  std::uint32_t events = 0;
  friend bool operator==(const receipt&, const receipt&) = default;
};

/// One event a contract emitted.
struct event {
  std::uint64_t sequence = 0;
  bytes data;
};

/// The address of the contract `deployer` deploys with transaction nonce `nonce`.
address contract_address(const address& deployer, std::uint64_t nonce);
/// A template's id: the tagged hash of the publish payload's canonical bytes.
hash256 template_id(const contract_publish_tx& p);
/// The scope whose `deploy` permission publishing and deploying need on `chain`: global on the
/// mainchain, the sidechain's own scope elsewhere.
acl::scope deploy_scope(chain_id chain);

} // namespace contract

class contracts_module final : public state_module {
public:
  contracts_module();
  /// A module rebuilt from its stored records alone: what the storage check uses.
  static result<std::unique_ptr<contracts_module>> from_records(std::span<const std::pair<bytes, bytes>> records);

  // --- queries ---------------------------------------------------------------------------
  std::optional<contract::template_info> find_template(const hash256& id) const;
  /// Template ids in id order from `after` (exclusive; none: from the first), at most `limit`.
  std::vector<hash256> template_ids(const std::optional<hash256>& after, std::size_t limit) const;
  std::size_t template_count() const noexcept { return templates_; }
  std::optional<contract::instance> find_contract(const address& a) const;
  /// The root of one contract's key/value state (tagged bfd/contract/state).
  hash256 state_root(const address& a) const;
  std::size_t state_size(const address& a) const;
  /// Keys of `a`'s state in key order after `after` (exclusive; none: from the first), with the
  /// size of their values, at most `limit`. Reads of a contract's state are gated by
  /// check_state_read (docs/contracts.md, "Reads of a contract's state").
  std::vector<std::pair<bytes, std::size_t>> state_keys(const address& a, const std::optional<bytes>& after,
                                                        std::size_t limit) const;
  /// The value under `key` in `a`'s state, or nothing.
  std::optional<bytes> state_value(const address& a, const bytes& key) const;
  /// Whether `caller` may read contract `a`'s state: one of its readers, or a holder of read (or
  /// admin) on its scope by `access` (null: no access module); not_found for no such contract,
  /// access_denied with the reason otherwise.
  status check_state_read(const address& a, const address& caller, const acl::access_state* access) const;
  /// Kept events of `a` with sequence >= `from`, at most `limit`.
  std::vector<contract::event> events(const address& a, std::uint64_t from, std::size_t limit) const;
  /// The receipt of an included deploy or call, while it is among the most recent kept.
  std::optional<contract::receipt> find_receipt(const hash256& tx) const;

  // --- state_module ----------------------------------------------------------------------
  module_id id() const noexcept override { return module_id::contracts; }
  std::unique_ptr<state_module> clone() const override { return std::make_unique<contracts_module>(*this); }
  status check(const transaction& tx, const block_context& ctx, const ledger& l) const override;
  status apply(const transaction& tx, const block_context& ctx, ledger& l) override;
  /// Nothing until the first template is published, so enabling the module on a chain does not
  /// change its genesis hash.
  std::optional<hash256> root() const override;
  std::size_t checkpoint() const override { return journal_.size(); }
  void rollback(std::size_t mark) override;
  void forget_undo(std::size_t count) override;
  void release_undo() override { journal_.clear(); }
  std::vector<module_record> dirty_records() const override;
  void mark_all_dirty() override { all_dirty_ = true; }
  void clear_dirty() override;
  status restore(std::span<const std::pair<bytes, bytes>> records) override;

  /// Same records (journal, dirty set and caches aside).
  friend bool operator==(const contracts_module& a, const contracts_module& b) {
    return a.records_ == b.records_ && a.kv_ == b.kv_;
  }

  /// Loaded modules, shared by the copies of one chain's state (cloning keeps the cache).
  struct module_cache;

private:
  struct undo {
    bool kv = false;
    address contract;  ///< kv entries only
    bytes key;         ///< record key, or the state key for kv entries
    std::optional<bytes> old;
  };

  status check_publish(const contract_publish_tx& p, const transaction& tx, const block_context& ctx) const;
  status check_deploy(const contract_deploy_tx& p, const transaction& tx, const block_context& ctx) const;
  status check_call(const contract_call_tx& p, const transaction& tx, const block_context& ctx) const;
  /// What a call of a service instance must pay (docs/dapps.md, "Commissions"): nothing for a
  /// contract that is not one or an entry point that is not billable; commission_unpaid when the
  /// call's value is below the price or the commission, or the commission cannot be computed.
  struct billing {
    amount commission = 0;
    address to{};
  };
  result<std::optional<billing>> billing_for(const contract::instance& c, const contract::template_info& t,
                                             const contract_call_tx& p, const block_context& ctx) const;
  status check_set_slot(const contract_set_slot_tx& p, const transaction& tx, const block_context& ctx) const;
  status apply_set_slot(const contract_set_slot_tx& p, const transaction& tx, const block_context& ctx);
  status apply_deploy(const contract_deploy_tx& p, const transaction& tx, const block_context& ctx, ledger& l);
  status apply_call(const contract_call_tx& p, const transaction& tx, const block_context& ctx, ledger& l);
  // Runs `entry` and applies its outcome (writes, transfers, events) or nothing; fills the
  // receipt either way.
  status run(const contract::template_info& t, const address& self, const std::string& entry,
             const std::vector<contract::call_arg>& args, const bytes& input, std::uint64_t fuel,
             const transaction& tx, const block_context& ctx, ledger& l, contract::receipt& r);
  std::shared_ptr<const contracts::wasm_module> loaded(const contract::template_info& t) const;
  /// The contract at `a` and its template; `what` names it in the errors ("contract", "client").
  result<std::pair<contract::instance, contract::template_info>> find_with_template(const address& a,
                                                                                   const char* what) const;
  /// The client in `c`'s slot, loaded, as a call binds it; nullopt without a client.
  struct bound_slot {
    contracts::slot_binding binding;
    std::shared_ptr<const contracts::wasm_module> code;
  };
  result<std::optional<bound_slot>> bind_slot(const contract::instance& c, const ledger& l) const;
  /// How many keys `a`'s state holds after `writes`.
  std::size_t keys_after(const address& a, const contracts::state_writes& writes) const;
  /// Applies one contract's successful effects: writes, transfers out of it, events; counts calls.
  status apply_effects(const address& a, const contracts::state_writes& writes,
                       const std::vector<contracts::transfer_effect>& transfers, const std::vector<bytes>& events,
                       std::uint64_t calls, ledger& l);
  status access_check(const transaction& tx, const block_context& ctx) const;

  void count(const bytes& key, bool had, bool has);  // keeps templates_ and contracts_
  void set_record(bytes key, std::optional<bytes> value);
  void set_kv(const address& a, const bytes& key, std::optional<bytes> value);
  void put_instance(const address& a, const contract::instance& c);
  void put_receipt(const contract::receipt& r);
  std::optional<bytes> record(const bytes& key) const;

  std::map<bytes, bytes> records_;                         // templates, names, contracts, events, receipts
  std::map<address, std::map<bytes, bytes>> kv_;           // each contract's state
  std::size_t templates_ = 0;
  std::size_t contracts_ = 0;
  std::vector<undo> journal_;
  std::set<bytes> dirty_;                                  // record keys ('S' + address + key for kv)
  bool all_dirty_ = false;
  mutable std::map<address, hash256> state_roots_;         // cache of per-contract state roots
  mutable std::optional<hash256> root_;
  std::shared_ptr<module_cache> cache_;
};

/// The contracts module of a chain state, or nullptr when the chain has none.
const contracts_module* find_contracts(const chain_state& state) noexcept;

} // namespace bfd
