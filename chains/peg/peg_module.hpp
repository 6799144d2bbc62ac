// The two-way peg as a state module (module_id::peg, kinds 10-15): the peg ledger, this chain's
// light clients of its counterparties, and the outbox of the current block, whose root the
// header's outbox_root carries (docs/peg.md). Pure.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "chains/peg/outbox.hpp"
#include "chains/peg/peg_ledger.hpp"
#include "chains/peg/proofs.hpp"
#include "chains/sidechain/chain_spec.hpp"
#include "chains/state/state_module.hpp"

namespace bfd {

struct sidechain_anchor_payload;

/// Where a chain's trust in a counterparty starts: a header of it and the state proof of its
/// clusters (for a sidechain: the mainchain's genesis header, or a later one obtained out of band).
struct peg_trust_point {
  chain_id chain = 0;
  block_header header;
  state_proof proof;
};

/// What a chain's genesis says of its peg. Not part of the genesis state root: a sidechain's
/// trust point names the mainchain, whose registry already commits to the sidechain's genesis.
struct peg_genesis {
  /// The denom of the chain's own token as the peg names it ("BFDT" on the mainchain).
  std::string native_denom = "BFDT";
  /// The counterparties this chain keeps a light client of (none on the mainchain: its light
  /// clients of sidechains are the registry's).
  std::vector<peg_trust_point> counterparties;
  /// The chain's own rule for metadata operations it is the destination of (the services that
  /// own them plug in here); none accepts every well-formed operation. Not hashed: it is code.
  peg::metadata_rule metadata_rule;
};

class peg_module final : public state_module {
public:
  peg_module(chain_id self, std::shared_ptr<const peg_genesis> genesis);

  const peg::peg_ledger& peg_ledger() const noexcept { return ledger_; }
  const std::string& native_denom() const noexcept { return genesis_->native_denom; }
  /// This chain's own light client of `counterparty` (not the registry's), or nullptr.
  const light_client* own_client(chain_id counterparty) const;
  /// The light client verification of `counterparty` uses: the registry's on a chain with a
  /// registry that knows it, else this module's own; nullptr when none.
  const light_client* client_for(chain_id counterparty, const chain_state* state) const;
  /// The entries the current (last built or applied) block wrote, in order.
  const std::vector<peg::outbox_entry>& outbox_entries() const noexcept { return outbox_.entries(); }
  /// The outbox of the current block (its proofs).
  const peg::outbox& current_outbox() const noexcept { return outbox_; }
  /// What the peg's state opening calls its ledger root: the peg ledger's root, combined with
  /// the light clients' root once a client advanced past its trust point.
  hash256 ledger_part() const;

  module_id id() const noexcept override { return module_id::peg; }
  std::unique_ptr<state_module> clone() const override { return std::make_unique<peg_module>(*this); }
  status check(const transaction& tx, const block_context& ctx, const ledger& l) const override;
  status apply(const transaction& tx, const block_context& ctx, ledger& l) override;
  /// Voucher moves and voucher transfers out that another module asked for (the funds escrow),
  /// one undo step with the transaction's.
  status apply_peg_effects(std::span<const peg_effect> effects, const block_context& ctx) override;
  void begin_block(const block_context& ctx) override;
  /// peg_module_root(receipt root, ledger_part(), next sequence): what peg openings recompute.
  std::optional<hash256> root() const override;
  std::optional<hash256> outbox_root() const override { return outbox_.root(); }
  std::size_t checkpoint() const override { return journal_.size(); }
  void rollback(std::size_t mark) override;
  void forget_undo(std::size_t count) override;
  void release_undo() override;
  /// The peg ledger's records, 'L' + be32(chain) per advanced light client, and 'G': the native
  /// denom (so a store can be checked without the genesis; not part of the root).
  std::vector<module_record> dirty_records() const override;
  void mark_all_dirty() override;
  void clear_dirty() override;
  status restore(std::span<const std::pair<bytes, bytes>> records) override;

  /// A peg module of chain `self` rebuilt from its stored records alone (the native denom from
  /// its 'G' record): what the storage check uses. Its root is the stored module's; it has no
  /// light client still at its genesis trust point (those are not in the root).
  static result<std::unique_ptr<peg_module>> from_records(chain_id self,
                                                          std::span<const std::pair<bytes, bytes>> records);

private:
  struct client_state {
    peg_trust_point trust;  // the last point trusted from (the genesis's, then the last handoff)
    light_client client;
    std::optional<finality_certificate> latest_cert;  // proves client.latest() (restore)
    bool advanced = false;
  };
  struct undo_op {
    std::size_t ledger_mark = 0;
    std::optional<std::vector<peg::outbox_entry>> old_outbox;  // begin_block
    std::size_t outbox_size = 0;
    std::optional<chain_id> client;
    std::optional<client_state> old_client;
  };

  status run(const transaction& tx, const block_context& ctx, ledger* l);
  status send(const peg::send_request& r, amount spend, const block_context& ctx, ledger* l);
  status counterparty_known(chain_id chain, const block_context& ctx) const;
  status move_native(const std::optional<peg::native_move>& m, ledger* l);
  status update_client(const sidechain_anchor_payload& p, const block_context& ctx, bool apply);
  void add_entry(peg::outbox_entry e);

  chain_id self_;
  std::shared_ptr<const peg_genesis> genesis_;
  peg::peg_ledger ledger_;
  std::map<chain_id, client_state> clients_;
  peg::outbox outbox_;
  std::vector<undo_op> journal_;
  std::set<chain_id> dirty_clients_;
  bool genesis_dirty_ = false;
};

/// The peg module of a chain state, or nullptr when the chain has none.
const peg_module* find_peg(const chain_state& state) noexcept;

/// What a local write of metadata object `key` on chain state `state` must pass: errc::locked
/// naming the key and the operation while a metadata operation in flight holds it; always ok on
/// a chain without the peg. Other state modules call it before writing an object.
status check_metadata_write(const chain_state& state, byte_view key);

/// The outbox entries block `b` writes, by applying it to a copy of `parent` (the state at its
/// parent): bridges rebuild the outbox of any block from its parent state this way.
result<std::vector<peg::outbox_entry>> block_outbox(const chain_state& parent, const block& b);

/// The conservation invariant between two chains' peg modules (peg::check_conservation).
status check_peg_conservation(const chain_state& a, const chain_state& b);

/// A sidechain spec's genesis with the peg module added: `native_denom` its token's symbol and
/// a light client of the mainchain trusted from `mainchain` (not part of its genesis root).
chain_spec with_peg(chain_spec spec, const peg_trust_point& mainchain);
/// The same module without a counterparty: the genesis the mainchain's registry derives a
/// sidechain's genesis hash from (a trust point is not hashed, so both give the same genesis).
chain_spec with_peg(chain_spec spec);

} // namespace bfd
