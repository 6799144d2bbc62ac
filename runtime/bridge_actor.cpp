#include "runtime/bridge_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/blocking_actor.hpp>
#include <caf/exit_reason.hpp>
#include <spdlog/logger.h>

#include "chains/crypto/hash.hpp"
#include "chains/crypto/keys.hpp"

namespace bfd::runtime {

std::string bridge_actor_name(chain_id sidechain) {
  return "bridge-" + std::to_string(mainchain_id) + "-" + std::to_string(sidechain);
}

std::filesystem::path bridge_progress_file(const std::filesystem::path& data_dir, chain_id sidechain) {
  return data_dir / "bridges" / (std::to_string(mainchain_id) + "-" + std::to_string(sidechain) + ".progress");
}

key_pair bridge_signing_key(const key_pair& base, chain_id sidechain, std::string_view node) {
  constexpr std::string_view domain = "bfd/bridge-key";
  bytes data(domain.begin(), domain.end());
  data.insert(data.end(), base.secret.begin(), base.secret.end());
  for (int shift = 24; shift >= 0; shift -= 8)
    data.push_back(static_cast<std::uint8_t>(sidechain >> shift));
  data.insert(data.end(), node.begin(), node.end());
  auto derived = key_pair_from_secret(sha256(data));
  return derived ? *derived : base;  // an invalid scalar has probability ~2^-128
}

caf::actor spawn_bridge_actor(caf::actor_system& system, node& n, peg_bridge_options options,
                              std::chrono::milliseconds interval) {
  return system.spawn<caf::detached>([&n, options = std::move(options), interval](caf::blocking_actor* self) {
    std::error_code ec;
    if (!options.progress_file.empty())
      std::filesystem::create_directories(options.progress_file.parent_path(), ec);
    peg_bridge bridge(self->system(), n, options);
    if (options.log)
      options.log->info("{} running (progress in {})", bridge_actor_name(options.sidechain.value_or(0)),
                        options.progress_file.empty() ? "memory only" : options.progress_file.string());
    bool running = true;
    while (running) {
      bridge.poll_once();
      // Exit messages are ordinary messages to a blocking actor: end here with their reason.
      self->receive(
        [&](caf::exit_msg& exit) {
          running = false;
          self->fail_state(std::move(exit.reason));
        },
        caf::after(interval) >> [] {});
    }
  });
}

supervised_child bridge_child(node& n, peg_bridge_options options, std::chrono::milliseconds interval) {
  supervised_child c;
  c.name = bridge_actor_name(options.sidechain.value_or(0));
  c.start = [&n, options = std::move(options), interval](caf::actor_system& system) {
    return spawn_bridge_actor(system, n, options, interval);
  };
  return c;
}

} // namespace bfd::runtime
