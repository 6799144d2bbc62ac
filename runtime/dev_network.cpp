#include "runtime/dev_network.hpp"

#include <array>
#include <filesystem>

#include <fmt/format.h>

#include "chains/access/access_module.hpp"
#include "chains/core/hex.hpp"
#include "chains/crypto/hash.hpp"
#include "runtime/entropy.hpp"
#include "runtime/genesis_file.hpp"
#include "runtime/dev_sidechains.hpp"
#include "chains/peg/peg_module.hpp"
#include "chains/sidechain/registry_module.hpp"
#include "runtime/key_file.hpp"

namespace bfd::runtime {

namespace fs = std::filesystem;

std::shared_ptr<const hash_chain> delegate_hash_chain(const key_pair& keys, std::uint64_t length, chain_id chain) {
  // The seed is private to the delegate: derived from its secret under its own tag domain. The
  // mainchain keeps the derivation its published tips were made with.
  if (chain == mainchain_id)
    return std::make_shared<const hash_chain>(tagged_hash(hash_tag::reveal, keys.secret.view(), keys.pub.view()),
                                              length);
  const std::array<std::uint8_t, 4> id{static_cast<std::uint8_t>(chain >> 24), static_cast<std::uint8_t>(chain >> 16),
                                       static_cast<std::uint8_t>(chain >> 8), static_cast<std::uint8_t>(chain)};
  tagged_hasher h{hash_tag::reveal};
  h.update(keys.secret.view());
  h.update(keys.pub.view());
  h.update(id);
  return std::make_shared<const hash_chain>(h.finish(), length);
}

namespace {

std::string delegate_file(const fs::path& dir, std::uint32_t i) {
  return (dir / "keys" / fmt::format("delegate-{:02}.json", i)).string();
}
std::string account_file(const fs::path& dir, std::uint32_t i) {
  return (dir / "keys" / fmt::format("account-{:02}.json", i)).string();
}

result<key_pair> load_or_make(const std::string& path, bool create) {
  std::error_code ec;
  // A creation cut short (a crash after some keys, before genesis.json) left this key: keep it,
  // rather than refuse every restart because the file exists.
  if (!create || std::filesystem::exists(path, ec))
    return read_key_file(path);
  auto keys = generate_key_pair();
  if (auto st = write_key_file(path, keys); !st)
    return st.error();
  return keys;
}

} // namespace

result<dev_network> prepare_dev_network(const dev_options& options, std::uint64_t now_ms) {
  const fs::path dir = options.data_dir;
  const auto genesis_path = (dir / "genesis.json").string();
  std::error_code ec;
  const bool create = !fs::exists(genesis_path, ec);
  dev_network net;
  net.created = create;
  std::optional<genesis_config> stored;
  if (!create) {
    auto g = read_genesis_file(genesis_path);
    if (!g)
      return g.error();
    stored = std::move(*g);
  } else {
    fs::create_directories(dir / "keys", ec);
    if (ec)
      return make_error(errc::io, (dir / "keys").string() + ": " + ec.message());
  }
  const std::uint32_t delegates = create ? options.delegates : static_cast<std::uint32_t>(stored->vms.size());
  std::uint32_t accounts = options.accounts;
  if (!create) {
    accounts = 0;
    while (fs::exists(account_file(dir, accounts), ec))
      ++accounts;
  }
  for (std::uint32_t i = 0; i < delegates; ++i) {
    auto keys = load_or_make(delegate_file(dir, i), create);
    if (!keys)
      return keys.error();
    net.delegates.push_back({*keys, delegate_hash_chain(*keys)});
  }
  for (std::uint32_t i = 0; i < accounts; ++i) {
    auto keys = load_or_make(account_file(dir, i), create);
    if (!keys)
      return keys.error();
    net.accounts.push_back(*keys);
  }
  auto reporter = load_or_make((dir / "keys" / "node.json").string(), create);
  if (!reporter)
    return reporter.error();
  net.reporter = *reporter;
  // Keys added after the first dev networks: made when missing, so older data directories open.
  for (auto [file, slot] : {std::pair{"anchor.json", &net.anchorer}, std::pair{"registry.json", &net.registry_authority},
                            std::pair{"bridge.json", &net.bridge}}) {
    const auto path = (dir / "keys" / file).string();
    auto keys = load_or_make(path, create || !fs::exists(path, ec));
    if (!keys)
      return keys.error();
    *slot = *keys;
  }
  if (!create) {
    // A key made anew above for a lost file would not be the authority the chain knows: refuse,
    // naming the file, rather than run a dev network whose admin key holds no rights.
    if (stored->registry && stored->registry->authority != net.registry_authority.pub)
      return make_error(errc::invalid_argument,
                        (dir / "keys" / "registry.json").string() + " does not hold the registry authority "
                          + to_hex(stored->registry->authority) + " that " + genesis_path
                          + " names (was it lost or replaced? restore the original file)");
    net.genesis = std::move(*stored);
    for (std::size_t i = 0; i < net.delegates.size(); ++i)
      if (net.genesis.vms[i].key != net.delegates[i].keys.pub)
        return make_error(errc::invalid_argument, delegate_file(dir, static_cast<std::uint32_t>(i))
                                                    + " does not match the genesis VM it belongs to");
    return net;
  }
  auto& g = net.genesis;
  g.chain = mainchain_id;
  auto& p = g.params;
  p.categories = {{"gold", 3, 0, 0}, {"silver", 2, 0, 0}, {"bronze", 1, 0, 0}};
  p.genesis_time_ms = (now_ms / 1000 + 1) * 1000;
  p.slot_ms = options.slot_ms;
  p.rounds_per_epoch = options.rounds_per_epoch;
  p.min_bid = 100 * units_per_bfdt;
  p.work_bits = options.work_bits;
  p.block_reward = 2 * units_per_bfdt;
  p.base_block_txs = options.base_block_txs;
  p.miss_limit = 10;
  for (std::uint32_t i = 0; i < delegates; ++i) {
    const auto& d = net.delegates[i];
    // Categories take turns; bids differ so that power orders delegates within a category.
    g.vms.push_back({d.keys.pub, i % 3, (1000 + 100 * (i / 3)) * units_per_bfdt, d.reveals->tip()});
  }
  for (const auto& a : net.accounts)
    g.allocations.push_back({address_of(a.pub), 1'000'000 * units_per_bfdt});
  // The mainchain's sidechain registry, holding the dev sidechains from the genesis.
  auto registry = std::make_shared<registry_genesis>();
  registry->authority = net.registry_authority.pub;
  // Their tokens are allocated to the dev accounts: without accounts, no dev sidechain.
  if (!net.accounts.empty()) {
    registry->sidechains = dev_sidechain_entries(net);
    registry->sidechains.resize(std::min<std::size_t>(registry->sidechains.size(), options.sidechains));
  }
  // The peg (issue 13): its registry then derives every sidechain's genesis with the module.
  g.modules = module_set{module_id::token, module_id::consensus, module_id::registry, module_id::peg,
                         module_id::access, module_id::services, module_id::authority};
  g.peg = std::make_shared<peg_genesis>();
  g.registry = std::move(registry);
  // Access control (docs/access-control.md): the registry authority's key is the dev admin, and
  // holds sidechain_admin from block 0, so it registers sidechains as before the module; and
  // register_service and upgrade_service, so it registers services and reports their health
  // (docs/services.md).
  auto access = std::make_shared<access_genesis>();
  const auto admin = address_of(net.registry_authority.pub);
  access->admins = {admin};
  access->grants = {{admin, acl::bit(acl::permission::sidechain_admin) | acl::bit(acl::permission::register_service)
                               | acl::bit(acl::permission::upgrade_service)}};
  g.access = std::move(access);
  if (auto st = write_genesis_file(genesis_path, g); !st)
    return st.error();
  return net;
}

} // namespace bfd::runtime
