#include "chains/storage/chain_store.hpp"
#include "chains/core/big_endian.hpp"

#include <msgpack.hpp>

#include "chains/codec/block_codec.hpp"
#include "chains/codec/canonical.hpp"

namespace bfd {

namespace {

// Key layout inside a chain's space (docs/formats.md):
//   "H"              -> head: [height, block hash, ledger root, total supply, locked]
//   "C"              -> consensus state scalar record of the head (opaque here)
//   "c" + item key   -> consensus state item records (VMs, stakes; opaque here)
//   "F"              -> finality certificate of the head (opaque here)
//   "J"              -> justification record: non-final blocks and a certificate (opaque here)
//   "b" + hash       -> encoded block
//   "n" + be64(h)    -> block hash at height h
//   "t" + tx id      -> [height, index]
//   "a" + address    -> [balance, nonce]
//   "m" + module id + key -> a state module's record (opaque here)
//   "o" + block hash -> the block's peg outbox entries (opaque here), for blocks that wrote any
//   "x" + address + be64(~height) + be32(~index) -> tx id: the account history (not state)
//   "X"              -> be64(height): the account history covers every block up to it
constexpr byte head_key = 'H';
constexpr byte consensus_key = 'C';
constexpr byte consensus_item_prefix = 'c';
constexpr byte certificate_key = 'F';
constexpr byte justified_key = 'J';
constexpr byte block_prefix = 'b';
constexpr byte height_prefix = 'n';
constexpr byte tx_prefix = 't';
constexpr byte account_prefix = 'a';
constexpr byte module_prefix = 'm';
constexpr byte outbox_prefix = 'o';
// A module's record key is at most this long (the bound a module promises; checked on write).
constexpr std::size_t max_module_key_bytes = 255;

bytes module_key(module_id id, byte_view k) {
  bytes out;
  out.reserve(2 + k.size());
  out.push_back(module_prefix);
  out.push_back(static_cast<byte>(id));
  out.insert(out.end(), k.begin(), k.end());
  return out;
}

constexpr codec::limits record_limits{256, 8, 2};

bytes key(byte prefix, byte_view rest = {}) {
  bytes k;
  k.reserve(1 + rest.size());
  k.push_back(prefix);
  k.insert(k.end(), rest.begin(), rest.end());
  return k;
}

bytes height_key(std::uint64_t h) {
  bytes k{height_prefix};
  put_be64(k, h);
  return k;
}

bytes encode_head(const chain_head& h) {
  bytes out;
  codec::writer w(out);
  w.array(5);
  w.uint(h.height);
  w.bin(h.block_hash);
  w.bin(h.ledger_root);
  w.uint(h.total_supply);
  w.uint(h.locked);
  return out;
}

bytes encode_account(const account& a) {
  bytes out;
  codec::writer w(out);
  w.array(2);
  w.uint(a.balance);
  w.uint(a.nonce);
  return out;
}

bytes encode_location(const tx_location& l) {
  bytes out;
  codec::writer w(out);
  w.array(2);
  w.uint(l.height);
  w.uint(l.index);
  return out;
}

error corrupt(const std::string& what, const error& cause) {
  return make_error(errc::storage_corrupt, what + ": " + cause.message());
}

result<chain_head> decode_head(byte_view in) {
  return codec::decode_canonical<chain_head>(
    in, record_limits,
    [](const msgpack::object& o) -> result<chain_head> {
      auto f = codec::reader(o, "head").array(5);
      if (!f)
        return f.error();
      auto height = codec::reader((*f)[0], "head.height").uint();
      auto hash = codec::reader((*f)[1], "head.hash").fixed<32>();
      auto root = codec::reader((*f)[2], "head.ledger_root").fixed<32>();
      auto supply = codec::reader((*f)[3], "head.supply").uint();
      auto locked = codec::reader((*f)[4], "head.locked").uint();
      if (!height) return height.error();
      if (!hash) return hash.error();
      if (!root) return root.error();
      if (!supply) return supply.error();
      if (!locked) return locked.error();
      return chain_head{*height, *hash, *root, *supply, *locked};
    },
    [](const chain_head& h, bytes& out) { out = encode_head(h); });
}

template <class T>
result<T> decode_pair(byte_view in, const char* what) {
  return codec::decode_canonical<T>(
    in, record_limits,
    [what](const msgpack::object& o) -> result<T> {
      auto f = codec::reader(o, what).array(2);
      if (!f)
        return f.error();
      auto a = codec::reader((*f)[0], what).uint();
      auto b = codec::reader((*f)[1], what).uint();
      if (!a) return a.error();
      if (!b) return b.error();
      if constexpr (std::is_same_v<T, account>) {
        return account{*a, *b};
      } else {
        if (*b > UINT32_MAX)
          return make_error(errc::malformed, "tx index over 32 bits");
        return tx_location{*a, static_cast<std::uint32_t>(*b)};
      }
    },
    [](const T& v, bytes& out) {
      if constexpr (std::is_same_v<T, account>)
        out = encode_account(v);
      else
        out = encode_location(v);
    });
}

} // namespace

chain_store::chain_store(kv_store& store, chain_id chain)
  : store_(&store), chain_(chain), space_("chain-" + std::to_string(chain)) {}

result<chain_store> chain_store::open(kv_store& store, chain_id chain) {
  chain_store cs(store, chain);
  if (auto st = store.ensure_space(cs.space_); !st)
    return st.error();
  return cs;
}

status chain_store::commit_block(const block& b, ledger& state, std::optional<consensus_write> consensus) {
  auto st = commit_blocks(std::span<const block>(&b, 1), state, state.dirty(), consensus, std::nullopt);
  if (st)
    state.clear_dirty();  // on failure nothing was written: the set stays for a retry
  return st;
}

status chain_store::commit_blocks(std::span<const block> blocks, const ledger& state,
                                  const std::vector<std::pair<address, std::optional<account>>>& dirty,
                                  std::optional<consensus_write> consensus, std::optional<byte_view> certificate,
                                  std::span<const module_write> modules) {
  std::vector<hash256> hashes;
  std::vector<std::vector<hash256>> ids;
  std::vector<block_view> views;
  hashes.reserve(blocks.size());
  ids.reserve(blocks.size());
  for (const auto& b : blocks) {
    hashes.push_back(header_hash(b.header));
    ids.push_back(transaction_ids(b));
  }
  for (std::size_t i = 0; i < blocks.size(); ++i)
    views.push_back({&blocks[i], &hashes[i], &ids[i]});
  return commit(views, state, dirty, consensus, certificate, modules);
}

status chain_store::commit_blocks(std::span<const validated_ptr> blocks, const ledger& state,
                                  const std::vector<std::pair<address, std::optional<account>>>& dirty,
                                  std::optional<consensus_write> consensus, std::optional<byte_view> certificate,
                                  std::span<const module_write> modules, std::span<const outbox_write> outboxes) {
  std::vector<block_view> views;
  views.reserve(blocks.size());
  for (const auto& v : blocks)
    views.push_back({v->blk.get(), &v->hash, &v->ids});
  return commit(views, state, dirty, consensus, certificate, modules, outboxes);
}

status chain_store::commit(std::span<const block_view> blocks, const ledger& state,
                           const std::vector<std::pair<address, std::optional<account>>>& dirty,
                           std::optional<consensus_write> consensus, std::optional<byte_view> certificate,
                                  std::span<const module_write> modules, std::span<const outbox_write> outboxes) {
  if (blocks.empty())
    return {};
  write_batch batch;
  for (const auto& o : outboxes)
    batch.put(space_, key(outbox_prefix, o.block.view()), o.record);
  for (const auto& m : modules) {
    for (const auto& [k, v] : m.records) {
      if (k.size() > max_module_key_bytes)
        return make_error(errc::invalid_argument, "a module record key over " + std::to_string(max_module_key_bytes)
                                                    + " bytes");
      if (v)
        batch.put(space_, module_key(m.module, k), *v);
      else
        batch.erase(space_, module_key(m.module, k));
    }
  }
  hash256 hash;
  for (const auto& v : blocks) {
    const auto& b = *v.blk;
    if (b.header.chain != chain_)
      return make_error(errc::wrong_chain, "block of chain " + std::to_string(b.header.chain));
    hash = *v.hash;
    batch.put(space_, key(block_prefix, hash.view()), codec::encode(b));
    batch.put(space_, height_key(b.header.height), bytes(hash.begin(), hash.end()));
    for (std::uint32_t i = 0; i < b.txs.size(); ++i) {
      batch.put(space_, key(tx_prefix, (*v.ids)[i].view()), encode_location({b.header.height, i}));
      for (const auto& party : transaction_parties(b.txs[i]))
        batch.put(space_, history_keys::entry_key(party, {b.header.height, i}), bytes((*v.ids)[i].begin(), (*v.ids)[i].end()));
    }
  }
  // The history's progress record moves with the blocks once it exists (a fresh chain starts it
  // with its genesis block); a store from before the index gets it from backfill_history first.
  auto through = history_indexed_through();
  if (!through)
    return through.error();
  if (*through || blocks.front().blk->header.height == 0) {
    bytes mark;
    put_be64(mark, blocks.back().blk->header.height);
    batch.put(space_, key(history_keys::marker_key), std::move(mark));
  }
  for (const auto& [addr, acct] : dirty) {
    if (acct)
      batch.put(space_, key(account_prefix, addr.view()), encode_account(*acct));
    else
      batch.erase(space_, key(account_prefix, addr.view()));
  }
  chain_head h{blocks.back().blk->header.height, hash, state.state_root(), state.total_supply(), state.locked()};
  batch.put(space_, key(head_key), encode_head(h));
  if (consensus) {
    batch.put(space_, key(consensus_key), bytes(consensus->scalars.begin(), consensus->scalars.end()));
    for (const auto& [item, value] : consensus->items) {
      if (value)
        batch.put(space_, key(consensus_item_prefix, item), *value);
      else
        batch.erase(space_, key(consensus_item_prefix, item));
    }
  }
  if (certificate)
    batch.put(space_, key(certificate_key), bytes(certificate->begin(), certificate->end()));
  else
    batch.erase(space_, key(certificate_key));
  return store_->write(batch);
}

result<std::optional<bytes>> chain_store::certificate_record() {
  return store_->get(space_, key(certificate_key));
}

status chain_store::put_justified(byte_view record) {
  write_batch batch;
  batch.put(space_, key(justified_key), bytes(record.begin(), record.end()));
  // Durable with the next durable write: a delegate's signing record, written before any vote
  // from this justification is signed (docs/consensus.md section 12).
  return store_->write_ordered(batch);
}

result<std::optional<bytes>> chain_store::justified_record() {
  return store_->get(space_, key(justified_key));
}

result<std::optional<chain_head>> chain_store::head() {
  auto raw = store_->get(space_, key(head_key));
  if (!raw)
    return raw.error();
  if (!*raw)
    return std::optional<chain_head>{};
  auto h = decode_head(**raw);
  if (!h)
    return corrupt("head record", h.error());
  return std::optional<chain_head>{*h};
}

result<ledger> chain_store::load_state() {
  auto h = head();
  if (!h)
    return h.error();
  if (!*h)
    return ledger(chain_);
  std::vector<std::pair<address, account>> accounts;
  std::optional<error> failure;
  auto st = store_->scan_prefix(space_, bytes{account_prefix}, [&](byte_view k, byte_view v) {
    if (k.size() != 21) {
      failure = make_error(errc::storage_corrupt, "account key of " + std::to_string(k.size()) + " bytes");
      return false;
    }
    auto acct = decode_pair<account>(v, "account");
    if (!acct) {
      failure = corrupt("account record", acct.error());
      return false;
    }
    address addr;
    std::copy(k.begin() + 1, k.end(), addr.begin());
    accounts.emplace_back(addr, *acct);
    return true;
  });
  if (!st)
    return st.error();
  if (failure)
    return *failure;
  auto l = ledger::restore(chain_, (*h)->total_supply, (*h)->locked, std::move(accounts));
  if (!l)
    return corrupt("accounts", l.error());
  if (l->state_root() != (*h)->ledger_root)
    return make_error(errc::storage_corrupt, "stored accounts do not reproduce the head's ledger root");
  return l;
}

result<std::optional<consensus_read>> chain_store::consensus_records() {
  auto scalars = store_->get(space_, key(consensus_key));
  if (!scalars)
    return scalars.error();
  if (!*scalars)
    return std::optional<consensus_read>{};
  consensus_read out;
  out.scalars = std::move(**scalars);
  auto st = store_->scan_prefix(space_, bytes{consensus_item_prefix}, [&](byte_view k, byte_view v) {
    out.items.emplace_back(bytes(k.begin() + 1, k.end()), bytes(v.begin(), v.end()));
    return true;
  });
  if (!st)
    return st.error();
  return std::optional<consensus_read>{std::move(out)};
}

result<std::vector<std::pair<bytes, bytes>>> chain_store::module_records(module_id id) {
  std::vector<std::pair<bytes, bytes>> out;
  const bytes prefix{module_prefix, static_cast<byte>(id)};
  auto st = store_->scan_prefix(space_, prefix, [&](byte_view k, byte_view v) {
    out.emplace_back(bytes(k.begin() + 2, k.end()), bytes(v.begin(), v.end()));
    return true;
  });
  if (!st)
    return st.error();
  return out;
}

result<std::optional<bytes>> chain_store::outbox_record(const hash256& hash) {
  return store_->get(space_, key(outbox_prefix, hash.view()));
}

result<std::optional<block>> chain_store::block_by_hash(const hash256& hash) {
  auto raw = store_->get(space_, key(block_prefix, hash.view()));
  if (!raw)
    return raw.error();
  if (!*raw)
    return std::optional<block>{};
  auto b = codec::decode_block(**raw);
  if (!b)
    return corrupt("block record", b.error());
  return std::optional<block>{std::move(*b)};
}

result<std::optional<block>> chain_store::block_at(std::uint64_t height) {
  auto raw = store_->get(space_, height_key(height));
  if (!raw)
    return raw.error();
  if (!*raw)
    return std::optional<block>{};
  if ((*raw)->size() != 32)
    return make_error(errc::storage_corrupt, "height index entry is not a hash");
  hash256 hash;
  std::copy((*raw)->begin(), (*raw)->end(), hash.begin());
  return block_by_hash(hash);
}

result<std::optional<tx_location>> chain_store::find_transaction(const hash256& tx_id) {
  auto raw = store_->get(space_, key(tx_prefix, tx_id.view()));
  if (!raw)
    return raw.error();
  if (!*raw)
    return std::optional<tx_location>{};
  auto loc = decode_pair<tx_location>(**raw, "tx location");
  if (!loc)
    return corrupt("tx location record", loc.error());
  return std::optional<tx_location>{*loc};
}

result<std::vector<history_entry>> chain_store::account_history(const address& account,
                                                                std::optional<history_position> after, std::size_t limit,
                                                                bool& more) {
  more = false;
  std::vector<history_entry> out;
  const auto prefix = history_keys::account_prefix(account);
  bytes start = prefix;
  if (after) {
    // The key right after `after`'s: entries sort newest first, so that is the next older one.
    start = history_keys::entry_key(account, *after);
    start.push_back(0);
  }
  std::optional<error> failure;
  auto st = store_->scan_from(space_, prefix, start, [&](byte_view k, byte_view v) {
    if (k.size() != history_keys::entry_key_bytes || v.size() != 32) {
      failure = make_error(errc::storage_corrupt, "an account history entry of " + std::to_string(k.size()) + "+"
                                                    + std::to_string(v.size()) + " bytes");
      return false;
    }
    if (out.size() == limit) {
      more = true;
      return false;
    }
    history_entry e{history_keys::position_of(k), {}};
    std::copy(v.begin(), v.end(), e.tx_id.begin());
    out.push_back(e);
    return true;
  });
  if (!st)
    return st.error();
  if (failure)
    return *failure;
  return out;
}

result<bool> chain_store::history_has(const address& account, const history_position& at, const hash256& tx_id) {
  auto raw = store_->get(space_, history_keys::entry_key(account, at));
  if (!raw)
    return raw.error();
  return *raw && std::equal((*raw)->begin(), (*raw)->end(), tx_id.begin(), tx_id.end());
}

result<std::optional<std::uint64_t>> chain_store::history_indexed_through() {
  auto raw = store_->get(space_, key(history_keys::marker_key));
  if (!raw)
    return raw.error();
  if (!*raw)
    return std::optional<std::uint64_t>{};
  if ((*raw)->size() != 8)
    return make_error(errc::storage_corrupt, "the account history record is not 8 bytes");
  return std::optional<std::uint64_t>{get_be64((*raw)->data())};
}

status chain_store::backfill_history(std::uint64_t& indexed, std::uint64_t blocks_per_batch) {
  indexed = 0;
  auto h = head();
  if (!h)
    return h.error();
  if (!*h)
    return {};
  auto through = history_indexed_through();
  if (!through)
    return through.error();
  const auto top = (*h)->height;
  auto next = *through ? **through + 1 : 0;
  while (next <= top) {
    write_batch batch;
    const auto last = std::min(top, next + std::max<std::uint64_t>(blocks_per_batch, 1) - 1);
    for (auto height = next; height <= last; ++height) {
      auto b = block_at(height);
      if (!b)
        return b.error();
      if (!*b && height == 0)
        continue;  // a store may begin above genesis: nothing to index there
      if (!*b)
        return make_error(errc::storage_corrupt, "no stored block at height " + std::to_string(height)
                                                   + " below the head " + std::to_string(top));
      const auto ids = transaction_ids(**b);
      for (std::uint32_t i = 0; i < (*b)->txs.size(); ++i)
        for (const auto& party : transaction_parties((*b)->txs[i]))
          batch.put(space_, history_keys::entry_key(party, {height, i}), bytes(ids[i].begin(), ids[i].end()));
      ++indexed;
    }
    bytes mark;
    put_be64(mark, last);
    batch.put(space_, key(history_keys::marker_key), std::move(mark));
    if (auto st = store_->write(batch); !st)
      return st;
    next = last + 1;
  }
  return {};
}

} // namespace bfd
