#include "chains/storage/storage_check.hpp"

#include "chains/access/access_module.hpp"
#include "chains/authority/authority_module.hpp"
#include "chains/contracts/contract_module.hpp"
#include "chains/dsmeta/dsmeta_module.hpp"
#include "chains/funds/funds_module.hpp"
#include "chains/services/services_module.hpp"
#include "chains/peg/outbox.hpp"
#include "chains/peg/peg_module.hpp"
#include "chains/sidechain/registry_module.hpp"

#include <algorithm>
#include <cstring>
#include <map>

#include "chains/codec/block_codec.hpp"
#include "chains/codec/canonical.hpp"
#include "chains/consensus/chain_state.hpp"
#include "chains/consensus/confirmation.hpp"
#include "chains/consensus/node_records.hpp"
#include "chains/core/hex.hpp"
#include "chains/storage/chain_store.hpp"

namespace bfd {

namespace {

constexpr const char* chain_space_prefix = "chain-";
constexpr const char* delegate_space_name = "delegates";  // actors/delegate/delegate_actor.hpp

std::string short_hex(const hash256& h) {
  return to_hex(h).substr(0, 16);
}

/// Block `h`'s outbox record (`o` + hash, formats.md section 9) against the root its header
/// commits to: a record must decode and give that root, and a block whose root is not the empty
/// outbox's (it sent messages or acknowledgements) must have one, or its entries can never be
/// carried. False after reporting a problem (a readable store continues with the next check).
template <class Problem>
bool check_outbox(chain_store& cs, std::uint64_t h, const hash256& hash, const hash256& root, Problem& problem) {
  const std::string which = "block #" + std::to_string(h) + " " + short_hex(hash);
  auto raw = cs.outbox_record(hash);
  if (!raw) {
    problem(which + ": outbox record: " + raw.error().message());
    return false;
  }
  if (!*raw) {
    if (root == peg::empty_outbox_root())
      return true;
    problem(which + " commits to peg traffic (outbox_root " + short_hex(root)
            + ") but has no outbox record: its messages and acknowledgements cannot be carried");
    return true;
  }
  auto entries = codec::decode_outbox(**raw);
  if (!entries) {
    problem(which + ": outbox record: " + entries.error().message());
    return true;
  }
  peg::outbox box;
  for (const auto& e : *entries)
    box.add(e);
  if (box.root() != root)
    problem(which + ": the stored outbox (" + std::to_string(entries->size()) + " entries) gives root "
            + short_hex(box.root()) + ", but the header's outbox_root is " + short_hex(root));
  return true;
}

/// One chain's space; returns its final height (nothing if it has none or is unreadable).
std::optional<std::uint64_t> check_chain(kv_store& store, chain_id id, storage_report& r) {
  const std::string name = "chain " + std::to_string(id);
  auto problem = [&](const std::string& what) { r.problems.push_back(name + ": " + what); };
  auto cs = chain_store::open(store, id);
  if (!cs) {
    problem(cs.error().message());
    return std::nullopt;
  }
  auto head = cs->head();
  if (!head) {
    problem("head record: " + head.error().message());
    return std::nullopt;
  }
  if (!*head) {
    auto genesis = cs->block_at(0);
    if (genesis && *genesis)
      problem("blocks are stored but no head record");
    else
      r.notes.push_back(name + ": empty (no head)");
    return std::nullopt;
  }
  const auto top = (*head)->height;
  // Every height from genesis to the head: present, of this chain and height, under its own
  // hash, linked to its parent, each transaction in the index at its place.
  hash256 parent;
  block head_block;
  std::uint64_t txs = 0;
  // The account history (not state, but written with the blocks) covers the blocks up to its
  // progress record; a store from before it has none until the node backfills it.
  auto history = cs->history_indexed_through();
  if (!history) {
    problem("account history: " + history.error().message());
    return std::nullopt;
  }
  std::uint64_t history_entries = 0;
  std::uint64_t outboxes = 0;  // blocks with peg traffic, each with an `o` record that gives its root
  for (std::uint64_t h = 0; h <= top; ++h) {
    auto b = cs->block_at(h);
    if (!b) {
      problem("block #" + std::to_string(h) + ": " + b.error().message());
      return std::nullopt;
    }
    if (!*b) {
      problem("block #" + std::to_string(h) + " is missing (a gap below the head #" + std::to_string(top) + ")");
      return std::nullopt;
    }
    const auto& hdr = (**b).header;
    const auto hash = header_hash(hdr);
    if (hdr.height != h || hdr.chain != id) {
      problem("the block stored at #" + std::to_string(h) + " is block #" + std::to_string(hdr.height) + " of chain "
              + std::to_string(hdr.chain));
      return std::nullopt;
    }
    if (h > 0 && hdr.parent != parent) {
      problem("block #" + std::to_string(h) + " " + short_hex(hash) + " does not link to block #"
              + std::to_string(h - 1) + " " + short_hex(parent));
      return std::nullopt;
    }
    for (std::uint32_t i = 0; i < (**b).txs.size(); ++i) {
      const auto id = signing_hash((**b).txs[i]);
      auto loc = cs->find_transaction(id);
      if (!loc || !*loc || (*loc)->height != h || (*loc)->index != i) {
        problem("transaction " + short_hex(id) + " of block #" + std::to_string(h) + " is "
                + (!loc ? "unreadable in the index: " + loc.error().message()
                        : !*loc ? std::string("missing from the index") : std::string("indexed elsewhere")));
        return std::nullopt;
      }
      if (*history && h <= **history) {
        for (const auto& party : transaction_parties((**b).txs[i])) {
          auto has = cs->history_has(party, {h, i}, id);
          if (!has || !*has) {
            problem("transaction " + short_hex(id) + " of block #" + std::to_string(h) + " is "
                    + (!has ? "unreadable in the account history: " + has.error().message()
                            : "missing from the account history of " + format_address(party)));
            return std::nullopt;
          }
          ++history_entries;
        }
      }
      ++txs;
    }
    if (!check_outbox(*cs, h, hash, hdr.outbox_root, problem))
      return std::nullopt;
    if (hdr.outbox_root != peg::empty_outbox_root())
      ++outboxes;
    parent = hash;
    if (h == top)
      head_block = std::move(**b);
  }
  if (parent != (*head)->block_hash) {
    problem("the head record names " + short_hex((*head)->block_hash) + " but the block at #" + std::to_string(top)
            + " is " + short_hex(parent));
    return std::nullopt;
  }
  if (auto above = cs->block_at(top + 1); above && *above)
    problem("a block is stored at #" + std::to_string(top + 1) + ", above the head");
  r.notes.push_back(name + ": blocks #0..#" + std::to_string(top) + " contiguous and linked, their "
                    + std::to_string(txs) + " transaction(s) indexed; final head #" + std::to_string(top) + " "
                    + short_hex((*head)->block_hash));
  r.notes.push_back(name + ": " + std::to_string(outboxes)
                    + " block(s) with peg traffic, each with a stored outbox that gives its header's outbox_root");
  r.notes.push_back(name + (*history ? ": account history through #" + std::to_string(**history) + ", "
                                         + std::to_string(history_entries) + " entries checked"
                                     : std::string(": no account history yet (the node backfills it at its next start)")));
  // The state: accounts reproduce the ledger root, with the consensus records the head's state root.
  auto accounts = cs->load_state();
  if (!accounts) {
    problem("accounts: " + accounts.error().message());
    return top;
  }
  auto record = cs->consensus_records();
  if (!record || !*record) {
    problem(record ? "no consensus state stored with the head" : "consensus state: " + record.error().message());
    return top;
  }
  auto consensus = consensus_state::restore((*record)->scalars, (*record)->items);
  if (!consensus) {
    problem("consensus state: " + consensus.error().message());
    return top;
  }
  // State modules, found by their records (a chain's module set is in its genesis, which the
  // store alone does not hold; each module's records name what it needs to restore).
  module_set modules = module_set::standard();
  std::vector<std::unique_ptr<state_module>> restored_modules;
  // One module: its records, or nothing to do without any; false after reporting a problem.
  auto restore_module = [&](module_id mid, auto make) {
    const auto name = std::string(to_string(mid)) + " module: ";
    auto records = cs->module_records(mid);
    if (!records) {
      problem(name + records.error().message());
      return false;
    }
    if (records->empty())
      return true;
    auto m = make(*records);
    if (!m) {
      problem(name + m.error().message());
      return false;
    }
    modules = modules.with(mid);
    restored_modules.push_back(std::move(*m));
    return true;
  };
  using records_t = std::vector<std::pair<bytes, bytes>>;
  const bool restored_all =
    restore_module(module_id::registry,
                   [&](const records_t& r) { return registry_module::from_records(consensus->params(), r); })
    && restore_module(module_id::peg, [&](const records_t& r) { return peg_module::from_records(id, r); })
    && restore_module(module_id::access, [](const records_t& r) { return access_module::from_records(r); })
    && restore_module(module_id::contracts, [](const records_t& r) { return contracts_module::from_records(r); })
    && restore_module(module_id::services, [](const records_t& r) { return services_module::from_records(r); })
    && restore_module(module_id::dsmeta, [](const records_t& r) { return dsmeta_module::from_records(r); })
    && restore_module(module_id::funds, [](const records_t& r) { return funds_module::from_records(r); })
    && restore_module(module_id::authority, [](const records_t& r) { return authority_module::from_records(r); });
  if (!restored_all)
    return top;
  auto restored = chain_state::restore(std::move(*accounts), std::move(*consensus), head_block.header, modules,
                                       std::move(restored_modules));
  if (!restored) {
    problem("state at the head: " + restored.error().message());
    return top;
  }
  std::string cert_note = "no certificate";
  if (auto raw = cs->certificate_record(); !raw) {
    problem("certificate: " + raw.error().message());
  } else if (*raw) {
    auto cert = codec::decode_certificate(**raw);
    if (!cert)
      problem("certificate: " + cert.error().message());
    else
      cert_note = "certificate for #" + std::to_string(cert->height) + " with " + std::to_string(cert->signatures.size())
                  + " signature(s)";
  }
  r.notes.push_back(name + ": accounts and consensus state reproduce the head's state root; " + cert_note);
  return top;
}

/// The height of the highest block in a chain's justification record (key "J"), if there is one.
std::optional<std::uint64_t> stored_justification_height(kv_store& store, chain_id id, storage_report& r) {
  auto cs = chain_store::open(store, id);
  if (!cs)
    return std::nullopt;
  auto raw = cs->justified_record();
  if (!raw || !*raw)
    return std::nullopt;
  auto decoded = codec::decode_justification_record(**raw);
  std::optional<std::uint64_t> top;
  if (decoded)
    for (const auto& b : decoded->blocks)
      top = std::max(top.value_or(0), b.header.height);
  if (!decoded) {
    r.problems.push_back("chain " + std::to_string(id) + ": justification record: " + decoded.error().message());
    return std::nullopt;
  }
  r.notes.push_back("chain " + std::to_string(id) + ": justification record up to #" + std::to_string(top.value_or(0)));
  return top;
}

/// The stored final head and justification record of one chain.
struct chain_tops {
  std::uint64_t final_height = 0;
  std::uint64_t justified = 0;
};

/// The delegates' signing records, reported; a vote source above both the stored final head and
/// the stored justification record of the record's chain is a problem: storage lost what the
/// delegate voted from.
void report_delegates(kv_store& store, const std::map<chain_id, chain_tops>& tops, storage_report& r) {
  std::size_t count = 0;
  auto st = store.scan_prefix(delegate_space_name, {}, [&](byte_view key, byte_view value) {
    ++count;
    const auto parsed = parse_signing_record_key(key);
    if (!parsed) {
      r.problems.push_back("signing record under a key of " + std::to_string(key.size())
                           + " bytes: neither a public key nor a chain id and a public key");
      return true;
    }
    const auto [chain, pub] = *parsed;
    const std::string who = "delegate " + to_hex(pub).substr(0, 16)
                            + (chain == mainchain_id ? std::string() : " on chain " + std::to_string(chain));
    auto decoded = codec::decode_signing_record(value);
    if (!decoded) {
      r.problems.push_back(who + ": signing record: " + decoded.error().message());
      return true;
    }
    const auto it = tops.find(chain);
    const auto top = it == tops.end() ? chain_tops{} : it->second;
    const auto slot1 = decoded->signed_slot_plus_one;
    std::string line = who + ": " + (slot1 == 0 ? std::string("signed no block")
                                                 : "last signed slot " + std::to_string(slot1 - 1) + " sub-slot "
                                                     + std::to_string(decoded->signed_index))
                       + ", last vote #" + std::to_string(decoded->vote_source_height) + " -> #"
                       + std::to_string(decoded->vote_target_height);
    if (decoded->vote_target_height > top.final_height)
      line += " (target " + std::to_string(decoded->vote_target_height - top.final_height)
              + " above the stored final head)";
    r.notes.push_back(line);
    if (decoded->vote_source_height > std::max(top.final_height, top.justified))
      r.problems.push_back(who + ": voted from #" + std::to_string(decoded->vote_source_height)
                           + ", above the stored final head #" + std::to_string(top.final_height)
                           + " and the stored justification #" + std::to_string(top.justified) + " of chain "
                           + std::to_string(chain) + ": storage lost what this delegate voted from; restore the "
                           + "data directory");
    return true;
  });
  if (!st)
    r.problems.push_back("signing records: " + st.error().message());
  else
    r.notes.push_back(std::to_string(count) + " delegate signing record(s)");
}

/// The chain id a space name stands for ("chain-<id>"), if it is a chain's space.
std::optional<chain_id> chain_of_space(const std::string& space) {
  if (space.rfind(chain_space_prefix, 0) != 0)
    return std::nullopt;
  const auto digits = space.substr(std::strlen(chain_space_prefix));
  if (digits.empty() || digits.size() > 10 || digits.find_first_not_of("0123456789") != std::string::npos
      || std::stoull(digits) > UINT32_MAX)
    return std::nullopt;
  return static_cast<chain_id>(std::stoull(digits));
}

} // namespace

storage_report check_signing_records(kv_store& store) {
  storage_report r;
  std::map<chain_id, chain_tops> tops;
  bool delegates = false;
  for (const auto& space : store.spaces()) {
    if (space == delegate_space_name) {
      delegates = true;
      continue;
    }
    const auto chain = chain_of_space(space);
    if (!chain)
      continue;
    const auto id = *chain;
    auto& top = tops[id];
    if (auto cs = chain_store::open(store, id))
      if (auto h = cs->head(); h && *h)
        top.final_height = (*h)->height;
    if (auto j = stored_justification_height(store, id, r))
      top.justified = *j;
  }
  if (delegates)
    report_delegates(store, tops, r);
  return r;
}

storage_report check_storage(kv_store& store, const std::optional<commit_marker>& marker,
                             const std::string& marker_path, const std::string& where) {
  storage_report r;
  if (auto st = store.verify_checksums(); !st)
    r.problems.push_back(st.error().message());
  else
    r.notes.push_back("checksums of every table file in " + where + " verified");
  auto spaces = store.spaces();
  std::sort(spaces.begin(), spaces.end());
  std::map<chain_id, chain_tops> tops;
  bool delegates = false;
  for (const auto& space : spaces) {
    if (space == delegate_space_name) {
      delegates = true;
      continue;
    }
    if (space.rfind(chain_space_prefix, 0) != 0)
      continue;
    const auto chain = chain_of_space(space);
    if (!chain) {
      r.notes.push_back("space " + space + " ignored (not a chain id)");
      continue;
    }
    const auto id = *chain;
    auto& tops_of = tops[id];
    if (auto top = check_chain(store, id, r))
      tops_of.final_height = *top;
    if (auto j = stored_justification_height(store, id, r))
      tops_of.justified = *j;
  }
  if (delegates)
    report_delegates(store, tops, r);
  if (!marker) {
    r.notes.push_back("no commit marker " + marker_path + " (written by the first start of this version)");
  } else if (auto st = check_commit_marker(store, *marker, marker_path, where); !st) {
    r.problems.push_back(st.error().detail);
  } else {
    std::string what = "the commit marker " + marker_path + " agrees (sequence " + std::to_string(marker->sequence);
    for (const auto& e : marker->chains)
      what += ", chain " + std::to_string(e.chain) + " final #" + std::to_string(e.height);
    r.notes.push_back(what + ")");
  }
  return r;
}

} // namespace bfd
