#include "tools/bfd-node/replay_command.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "chains/core/hex.hpp"
#include "chains/storage/replay_check.hpp"
#include "chains/storage/rocksdb/node_store.hpp"
#include "runtime/dev_network.hpp"
#include "runtime/dev_sidechains.hpp"

namespace bfd::node_tool {

namespace {

int cannot(const std::string& what) {
  std::cerr << "bfd-node: --replay-check: " << what << "\n";
  return replay_cannot_check;
}

} // namespace

int replay_check_dev(const std::string& data_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // The genesis of each chain, as a --dev start derives it; a directory without genesis.json is
  // not a --dev data directory (nothing is created for it).
  if (!fs::is_regular_file(fs::path(data_dir) / "genesis.json", ec))
    return cannot("no " + (fs::path(data_dir) / "genesis.json").string() + ": not a --dev data directory");
  runtime::dev_options opts;
  opts.data_dir = data_dir;
  auto net = runtime::prepare_dev_network(opts, 0);
  if (!net)
    return cannot(net.error().message());
  auto sidechains = runtime::prepare_dev_sidechains(data_dir, *net);
  if (!sidechains)
    return cannot(sidechains.error().message());
  return replay_check(data_dir, runtime::dev_hosted_chains(*net, *sidechains));
}

int replay_check(const std::string& data_dir, const std::vector<runtime::hosted_chain>& hosted_chains) {
  rocksdb_options ro;
  ro.open_mode = access::read_only;
  auto store = open_rocksdb_store(node_database_path(data_dir), ro);
  if (!store)
    return cannot(store.error().message());
  const auto spaces = (*store)->spaces();
  std::cout << "replay check of " << data_dir << "\n";
  std::vector<std::string> notes, problems;
  std::size_t chains = 0, heights = 0;
  for (const auto& hosted : hosted_chains) {
    const auto& g = hosted.spec.genesis;
    if (std::find(spaces.begin(), spaces.end(), "chain-" + std::to_string(g.chain)) == spaces.end())
      continue;  // a dev sidechain this directory never hosted
    auto r = replay_chain(**store, g);
    ++chains;
    for (const auto& h : r.heights) {
      std::cout << "  chain " << g.chain << " #" << h.height << " block " << to_hex(h.block_hash) << " state "
                << to_hex(h.state_root) << " txs " << h.txs << "\n";
      ++heights;
    }
    notes.insert(notes.end(), r.notes.begin(), r.notes.end());
    problems.insert(problems.end(), r.problems.begin(), r.problems.end());
  }
  for (const auto& n : notes)
    std::cout << "  ok: " << n << "\n";
  for (const auto& p : problems)
    std::cout << "  PROBLEM: " << p << "\n";
  if (chains == 0)
    return cannot("the database " + node_database_path(data_dir) + " holds none of the chains this node hosts");
  if (problems.empty()) {
    std::cout << "storage equals the replay: " << chains << " chain(s), " << heights << " height(s)\n";
    return 0;
  }
  std::cout << "storage DIFFERS from the replay (" << problems.size() << " problem(s))\n";
  return 1;
}

} // namespace bfd::node_tool
