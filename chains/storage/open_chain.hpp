// Opening a chain from a store: load the stored head, its state, consensus records and
// certificate, or create the chain from genesis and store the genesis block. Pure given a kv_store.
#pragma once

#include <memory>

#include "chains/consensus/chain_engine.hpp"
#include "chains/storage/kv_store.hpp"

namespace bfd {

/// Loads a chain from storage, or creates it from genesis and stores the genesis block.
/// Fails if stored data belongs to another genesis. `store` nullptr: a chain kept in memory only.
result<std::shared_ptr<chain_engine>> open_chain(kv_store* store, const genesis_config& genesis);

} // namespace bfd
