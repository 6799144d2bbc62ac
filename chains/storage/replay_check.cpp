#include "chains/storage/replay_check.hpp"

#include "chains/core/hex.hpp"
#include "chains/storage/chain_store.hpp"
#include "chains/storage/open_chain.hpp"

namespace bfd {

namespace {

std::string short_hex(const hash256& h) {
  return to_hex(h).substr(0, 16);
}

} // namespace

replay_report replay_chain(kv_store& store, const genesis_config& genesis) {
  replay_report r;
  const std::string name = "chain " + std::to_string(genesis.chain);
  auto problem = [&](const std::string& what) { r.problems.push_back(name + ": " + what); };
  auto made = chain_state::genesis(genesis);
  if (!made) {
    problem("the genesis given makes no state: " + made.error().message());
    return r;
  }
  auto& [state, genesis_block] = *made;
  auto cs = chain_store::open(store, genesis.chain);
  if (!cs) {
    problem(cs.error().message());
    return r;
  }
  auto head = cs->head();
  if (!head) {
    problem("head record: " + head.error().message());
    return r;
  }
  if (!*head) {
    r.notes.push_back(name + ": empty (no head): nothing to replay");
    return r;
  }
  const auto top = (*head)->height;
  auto stored_genesis = cs->block_at(0);
  if (!stored_genesis || !*stored_genesis) {
    problem("#0: the genesis block is " + (stored_genesis ? std::string("missing") : stored_genesis.error().message()));
    return r;
  }
  const auto genesis_hash = header_hash(genesis_block.header);
  if (header_hash((**stored_genesis).header) != genesis_hash) {
    problem("#0: the stored genesis block " + short_hex(header_hash((**stored_genesis).header))
            + " is not the one the genesis makes (" + short_hex(genesis_hash) + ")");
    return r;
  }
  r.heights.push_back({0, genesis_hash, state.state_root(), 0});
  std::size_t txs = 0;
  for (std::uint64_t h = 1; h <= top; ++h) {
    auto b = cs->block_at(h);
    if (!b || !*b) {
      problem("#" + std::to_string(h) + ": the stored block is " + (b ? std::string("missing") : b.error().message())
              + "; replayed up to #" + std::to_string(h - 1) + " of #" + std::to_string(top));
      return r;
    }
    if (auto st = state.apply_block(**b, signature_check::verify); !st) {
      problem("#" + std::to_string(h) + ": the replay refuses the stored block " + short_hex(header_hash((**b).header))
              + " (state root " + short_hex((**b).header.state_root) + " in its header): " + st.error().message()
              + "; replayed up to #" + std::to_string(h - 1) + " of #" + std::to_string(top));
      return r;
    }
    txs += (**b).txs.size();
    r.heights.push_back({h, state.head_hash(), state.state_root(), (**b).txs.size()});
  }
  if (state.head_hash() != (*head)->block_hash) {
    problem("the head record names " + short_hex((*head)->block_hash) + " but the replay ends at "
            + short_hex(state.head_hash()));
    return r;
  }
  r.notes.push_back(name + ": replayed #1..#" + std::to_string(top) + " (" + std::to_string(txs)
                    + " transaction(s), signatures verified) from the genesis: the state root after every block "
                    "equals its header's");
  // The stored state at the head, restored as a start restores it, against the replay.
  auto opened = open_chain(&store, genesis);
  if (!opened) {
    problem("the stored state at the head #" + std::to_string(top) + " cannot be restored: " + opened.error().message());
    return r;
  }
  const auto& stored = (*opened)->final_state();
  if (stored.head().height != top || stored.head_hash() != state.head_hash())
    problem("the stored state is at #" + std::to_string(stored.head().height) + " " + short_hex(stored.head_hash())
            + ", the replay at #" + std::to_string(top) + " " + short_hex(state.head_hash()));
  else if (stored.accounts().state_root() != state.accounts().state_root())
    problem("#" + std::to_string(top) + ": the stored accounts' root " + short_hex(stored.accounts().state_root())
            + " differs from the replay's " + short_hex(state.accounts().state_root()));
  else if (stored.state_root() != state.state_root())
    problem("#" + std::to_string(top) + ": the stored state root " + short_hex(stored.state_root())
            + " differs from the replay's " + short_hex(state.state_root()));
  else
    r.notes.push_back(name + ": the stored state at the head #" + std::to_string(top) + " equals the replay's (state root "
                      + short_hex(state.state_root()) + ", accounts root " + short_hex(state.accounts().state_root())
                      + ")");
  return r;
}

} // namespace bfd
