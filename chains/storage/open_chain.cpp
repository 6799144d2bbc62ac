#include "chains/storage/open_chain.hpp"

#include "chains/codec/block_codec.hpp"
#include "chains/core/hex.hpp"
#include "chains/consensus/node_records.hpp"
#include "chains/state/state_module.hpp"
#include "chains/storage/chain_store.hpp"

namespace bfd {

result<std::shared_ptr<chain_engine>> open_chain(kv_store* store, const genesis_config& genesis) {
  auto g = chain_state::genesis(genesis);
  if (!g)
    return g.error();
  auto& [genesis_state, genesis_block] = *g;
  if (!store)
    return std::make_shared<chain_engine>(std::move(genesis_state), std::move(genesis_block));
  auto cs = chain_store::open(*store, genesis.chain);
  if (!cs)
    return cs.error();
  auto stored_genesis = cs->block_at(0);
  if (!stored_genesis)
    return stored_genesis.error();
  if (!*stored_genesis) {
    // A new chain: store the genesis block and state.
    auto& genesis_consensus = genesis_state.consensus_for_storage();
    genesis_consensus.mark_all_dirty();
    const auto scalars = genesis_consensus.encode_scalars();
    const auto items = genesis_consensus.dirty_records();
    std::vector<std::pair<module_id, std::vector<module_record>>> module_records;
    std::vector<module_write> modules;
    for (const auto& m : genesis_state.state_modules())
      module_records.emplace_back(m->id(), m->dirty_records());
    for (const auto& [id, records] : module_records)
      modules.push_back(module_write{id, records});
    auto& accounts = genesis_state.accounts();
    if (auto st = cs->commit_blocks(std::span<const block>(&genesis_block, 1), accounts, accounts.dirty(),
                                    consensus_write{scalars, items}, std::nullopt, modules); !st)
      return st.error();
    accounts.clear_dirty();
    genesis_consensus.clear_dirty();
    for (const auto& [id, records] : module_records)
      genesis_state.module_for_storage(id)->clear_dirty();
    return std::make_shared<chain_engine>(std::move(genesis_state), std::move(genesis_block));
  }
  if (header_hash((*stored_genesis)->header) != header_hash(genesis_block.header))
    return make_error(errc::storage_corrupt, "the data directory holds another chain (chain "
                                               + std::to_string(genesis_block.header.chain) + "): its stored genesis block is "
                                               + to_hex(header_hash((*stored_genesis)->header))
                                               + ", the genesis given makes " + to_hex(header_hash(genesis_block.header))
                                               + " (a changed genesis file or parameters, or another network's directory)");
  auto head = cs->head();
  if (!head)
    return head.error();
  auto l = cs->load_state();
  if (!l)
    return l.error();
  auto record = cs->consensus_records();
  if (!record)
    return record.error();
  if (!*record)
    return make_error(errc::storage_corrupt, "no consensus state stored with the head");
  auto consensus = consensus_state::restore((*record)->scalars, (*record)->items);
  if (!consensus)
    return make_error(errc::storage_corrupt, "consensus state: " + consensus.error().message());
  auto head_block = cs->block_at((*head)->height);
  if (!head_block || !*head_block)
    return make_error(errc::storage_corrupt, "the head block is missing");
  std::vector<std::unique_ptr<state_module>> modules;
  for (const auto& m : genesis_state.state_modules()) {
    auto records = cs->module_records(m->id());
    if (!records)
      return records.error();
    auto restored_module = m->clone();
    if (auto st = restored_module->restore(*records); !st)
      return make_error(errc::storage_corrupt, std::string(to_string(m->id())) + " module: " + st.error().message());
    modules.push_back(std::move(restored_module));
  }
  auto restored = chain_state::restore(std::move(*l), std::move(*consensus), (**head_block).header,
                                       genesis_state.modules(), std::move(modules));
  if (!restored)
    return restored.error();
  std::optional<finality_certificate> cert;
  if (auto raw = cs->certificate_record(); raw && *raw) {
    auto decoded = codec::decode_certificate(**raw);
    if (!decoded)
      return make_error(errc::storage_corrupt, "certificate: " + decoded.error().message());
    cert = std::move(*decoded);
  }
  return std::make_shared<chain_engine>(std::move(*restored), std::move(**head_block), std::move(cert));
}

} // namespace bfd
