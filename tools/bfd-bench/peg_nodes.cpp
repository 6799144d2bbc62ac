// `bfd-bench peg --nodes 3`: three real bfd-node processes from a generated topology (the mainchain
// validated across the three, each pegged sidechain on two of them with its bridge on both, as
// [[bridges]] places it), the pre-signed peg_send transactions submitted over HTTP in batches, and
// every message's stages read from the nodes' final blocks over HTTP; conservation from /metrics
// and the final state of each message from GET /v1/peg/messages/{id}.
#include "tools/bfd-bench/node_processes.hpp"
#include "tools/bfd-bench/peg_internal.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "chains/codec/transaction_codec.hpp"
#include "chains/core/amount.hpp"
#include "chains/core/hex.hpp"
#include "chains/crypto/hash.hpp"
#include "protocols/json.hpp"
#include "runtime/dev_network.hpp"
#include "runtime/key_file.hpp"

namespace bfd::bench::detail {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr std::size_t node_count = 3;
const char* const node_names[node_count] = {"a", "b", "c"};
const char* const category_names[] = {"gold", "silver", "bronze"};
constexpr std::uint32_t category_weights[] = {3, 2, 1};
constexpr std::uint64_t setup_timeout_ms = 90'000;
// The nodes' HTTP API allows 100 requests a second per client IP: polls stay well below that.
constexpr std::uint32_t min_poll_ms = 100;

/// Delegate d of the generated network runs on node d % 3 in category (d / 3) % 3, so with nine or
/// more every node runs one of each category.
std::size_t node_of_delegate(std::size_t d) {
  return d % node_count;
}
std::size_t category_of_delegate(std::size_t d) {
  return (d / node_count) % std::size(category_names);
}

/// Sidechain k (ids 2..) is hosted on nodes (k - 2) % 3 and (k - 1) % 3, its bridge on both.
std::array<std::size_t, 2> hosts_of(chain_id side) {
  return {(side - 2) % node_count, (side - 1) % node_count};
}

result<key_pair> seeded_key(std::string_view what, std::uint64_t index) {
  std::string seed = fmt::format("bfd-bench-peg-nodes/{}/{}", what, index);
  secret_key secret;
  secret.data = sha256(byte_view{reinterpret_cast<const byte*>(seed.data()), seed.size()}).data;
  return key_pair_from_secret(secret);
}

/// The generated network: keys written under dir/keys, the topology in dir/topology.toml.
struct generated_network {
  std::string topology;
  std::vector<std::uint16_t> peer_ports;
  std::vector<std::uint16_t> http_ports;
  std::map<chain_id, std::vector<std::size_t>> validators;  ///< sidechain -> delegate indexes
};

/// One validator per category for a sidechain, alternating between its two hosts.
std::vector<std::size_t> sidechain_validators(chain_id side, std::size_t delegates) {
  const auto hosts = hosts_of(side);
  std::vector<std::size_t> out;
  for (std::size_t c = 0; c < std::size(category_names); ++c) {
    const auto host = hosts[c % 2];
    for (std::size_t d = 0; d < delegates; ++d)
      if (node_of_delegate(d) == host && category_of_delegate(d) == c) {
        out.push_back(d);
        break;
      }
  }
  return out;
}

result<generated_network> generate_network(const peg_bench_options& o, const peg_workload& w, const fs::path& dir) {
  generated_network net;
  auto ports = free_ports(2 * node_count);
  if (!ports)
    return ports.error();
  net.peer_ports.assign(ports->begin(), ports->begin() + node_count);
  net.http_ports.assign(ports->begin() + node_count, ports->end());
  std::error_code ec;
  fs::create_directories(dir / "keys", ec);
  if (ec)
    return make_error(errc::io, fmt::format("cannot create {}: {}", (dir / "keys").string(), ec.message()));

  std::vector<key_pair> delegates;
  for (std::size_t d = 0; d < o.delegates; ++d) {
    auto k = seeded_key("delegate", d);
    if (!k)
      return k.error();
    if (auto st = runtime::write_key_file((dir / fmt::format("keys/delegate-{:02}.json", d)).string(), *k); !st)
      return st.error();
    delegates.push_back(*k);
  }
  auto authority = seeded_key("registry", 0);
  auto bridge = seeded_key("bridge", 0);
  if (!authority || !bridge)
    return make_error(errc::bad_secret_key, "a derived key is invalid");
  if (auto st = runtime::write_key_file((dir / "keys/bridge.json").string(), *bridge); !st)
    return st.error();

  // Hash-chain tips: every delegate on the mainchain, each validator on its sidechain.
  std::vector<std::pair<std::size_t, chain_id>> jobs;
  for (std::size_t d = 0; d < o.delegates; ++d)
    jobs.emplace_back(d, mainchain_id);
  for (std::uint32_t k = 0; k < o.sidechains; ++k) {
    const chain_id side = 2 + k;
    net.validators[side] = sidechain_validators(side, o.delegates);
    for (auto d : net.validators[side])
      jobs.emplace_back(d, side);
  }
  // Sidechain validators must be in the mainchain's genesis cluster: they bid a little more than
  // the others, so each category's queue starts with them, and the full passes of select_cluster
  // must not reach a majority before the last pass that takes one of them.
  std::set<std::size_t> chosen;
  for (const auto& [side, vals] : net.validators)
    chosen.insert(vals.begin(), vals.end());
  const std::size_t per_category = (chosen.size() + std::size(category_names) - 1) / std::size(category_names);
  const amount total = chosen.size() * 1001 + (o.delegates - chosen.size()) * 1000;
  if (2 * (per_category - 1) * std::size(category_names) * 1001 > total)
    return make_error(errc::invalid_argument,
                      fmt::format("{} sidechains need more than {} --delegates: their validators would not all be in "
                                  "the mainchain's cluster",
                                  o.sidechains, o.delegates));
  std::vector<hash256> tips(jobs.size());
  parallel_for(jobs.size(), o.threads, [&](std::size_t j) {
    tips[j] = runtime::delegate_hash_chain(delegates[jobs[j].first], runtime::delegate_hash_chain_length,
                                           jobs[j].second)->tip();
  });
  std::map<std::pair<std::size_t, chain_id>, hash256> tip_of;
  for (std::size_t j = 0; j < jobs.size(); ++j)
    tip_of[jobs[j]] = tips[j];

  std::string t = "# Generated by bfd-bench peg --nodes 3 (docs/performance.md, section 13).\n\n";
  t += "[network]\nname = \"bfd-bench-peg\"\nchain_id = 1\n\n[network.genesis]\ncategories = [\n";
  for (std::size_t c = 0; c < std::size(category_names); ++c)
    t += fmt::format("  {{ name = \"{}\", compute_weight = {} }},\n", category_names[c], category_weights[c]);
  t += fmt::format("]\ngenesis_time_ms = \"auto\"\nslot_ms = {}\nrounds_per_epoch = 10\nmin_bid = \"100\"\n"
                   "work_bits = {}\nblock_reward = \"2\"\nbase_block_txs = {}\nmiss_limit = 10\n"
                   "registry_authority = \"{}\"\npeg = true\n\n",
                   o.slot_ms, o.work_bits, o.block_txs, to_hex(authority->pub));
  for (std::size_t n = 0; n < node_count; ++n)
    t += fmt::format("[[nodes]]\nname = \"{}\"\nhost = \"127.0.0.1\"\nport = {}\ndata_dir = \"{}\"\n\n",
                     node_names[n], net.peer_ports[n], (dir / "data" / node_names[n]).string());
  for (std::size_t n = 0; n < node_count; ++n)
    t += fmt::format("[[http]]\nnode = \"{}\"\nport = {}\n\n", node_names[n], net.http_ports[n]);
  for (std::size_t d = 0; d < o.delegates; ++d)
    t += fmt::format("[[delegates]]\nnode = \"{}\"\nkey_file = \"keys/delegate-{:02}.json\"\npublic_key = \"{}\"\n"
                     "hash_chain_tip = \"{}\"\ncategory = \"{}\"\nbid = \"{}\"\n\n",
                     node_names[node_of_delegate(d)], d, to_hex(delegates[d].pub),
                     to_hex(tip_of[{d, mainchain_id}]), category_names[category_of_delegate(d)],
                     chosen.count(d) ? 1001 : 1000);
  for (const auto& a : w.out.allocations)
    t += fmt::format("[[accounts]]\naddress = \"{}\"\namount = \"{}\"\n\n", format_address(a.to),
                     format_amount(a.value));
  for (const auto& [side, vals] : net.validators) {
    const auto hosts = hosts_of(side);
    t += fmt::format("[[chains]]\nid = {}\nkind = \"{}\"\nname = \"peg bench {}\"\nnodes = [\"{}\", \"{}\"]\n"
                     "validators = [\n",
                     side, to_string(kinds[(side - 2) % std::size(kinds)]), side, node_names[hosts[0]],
                     node_names[hosts[1]]);
    for (auto d : vals)
      t += fmt::format("  {{ public_key = \"{}\", hash_chain_tip = \"{}\" }},\n", to_hex(delegates[d].pub),
                       to_hex(tip_of[{d, side}]));
    t += fmt::format("]\n\n[[bridges]]\nsidechain = {}\nnodes = [\"{}\", \"{}\"]\nkey_file = \"keys/bridge.json\"\n\n",
                     side, node_names[hosts[0]], node_names[hosts[1]]);
  }
  net.topology = (dir / "topology.toml").string();
  std::ofstream out(net.topology);
  out << t;
  if (!out.flush())
    return make_error(errc::io, "cannot write " + net.topology);
  return net;
}

/// A keep-alive HTTP client of one node; not shared between threads.
class node_client {
public:
  explicit node_client(std::uint16_t port) : cli_("127.0.0.1", port) {
    cli_.set_keep_alive(true);
    cli_.set_tcp_nodelay(true);
    cli_.set_connection_timeout(2, 0);
    cli_.set_read_timeout(15, 0);
  }

  /// GET `path`; a 429 is waited out (Retry-After) and a transport error retried, for up to 10 s.
  /// nullopt when no 2xx/4xx answer came; `status` is the last status (0: none).
  std::optional<std::string> get(const std::string& path, int* status = nullptr) {
    const auto give_up = now_ns() + 10'000'000'000;
    for (;;) {
      auto res = cli_.Get(path);
      if (status)
        *status = res ? res->status : 0;
      if (res && res->status != 429 && res->status < 500)
        return res->body;
      if (now_ns() >= give_up || interrupted.load())
        return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(res && res->status == 429 ? 1000 : 100));
    }
  }

  /// GET `path` as JSON: nullopt unless the answer is 200 with a JSON object.
  std::optional<json> get_json(const std::string& path) {
    int status = 0;
    auto body = get(path, &status);
    if (!body || status != 200)
      return std::nullopt;
    auto j = json::parse(*body, nullptr, false);
    if (!j.is_object())
      return std::nullopt;
    return j;
  }

private:
  httplib::Client cli_;
};

/// info's final height, if the answer has one (a malformed answer must not throw on a thread).
std::optional<std::uint64_t> final_height(const std::optional<json>& info) {
  if (!info)
    return std::nullopt;
  const auto f = info->find("final");
  if (f == info->end() || !f->is_object() || !f->contains("height") || !(*f)["height"].is_number_unsigned())
    return std::nullopt;
  return (*f)["height"].get<std::uint64_t>();
}

/// The value of one /metrics series (`name{labels}`), if the page has it.
std::optional<double> metric(const std::string& page, const std::string& series) {
  std::size_t at = 0;
  while ((at = page.find(series + ' ', at)) != std::string::npos) {
    if (at == 0 || page[at - 1] == '\n')
      return std::strtod(page.c_str() + at + series.size() + 1, nullptr);
    at += series.size();
  }
  return std::nullopt;
}

/// A final block's peg transactions as the node's JSON gives them, read back into transactions (the
/// JSON carries every field and the signature, so ids and payloads are the ones signed); the
/// other kinds are left out, as stamp_block ignores them.
block block_from_json(const json& j) {
  block b;
  if (!j.contains("transactions") || !j["transactions"].is_array())
    return b;
  for (auto tx : j["transactions"]) {
    if (!tx.is_object() || !tx.contains("kind") || !tx["kind"].is_string())
      continue;
    const auto kind = tx["kind"].get<std::string>();
    if (kind != "peg_send" && kind != "peg_receive" && kind != "peg_acknowledge")
      continue;
    if (kind != "peg_send")
      // The summary fields GET writes beside `payload` are refused by the submission parser
      // ("unknown field 'destination' for a peg_receive"); the payload hex holds them all.
      for (const char* summary : {"source", "sequence", "destination", "height", "success"})
        tx.erase(summary);
    if (auto t = parse_transaction_submission(tx.dump()))
      b.txs.push_back(std::move(*t));
  }
  return b;
}

std::string chain_path(chain_id chain, const std::string& rest) {
  return fmt::format("/v1/chains/{}/{}", chain, rest);
}

} // namespace

result<peg_bench_report> run_peg_nodes(peg_bench_report rep, peg_workload& w) {
  const auto& o = rep.options;
  const std::string node_bin = o.node_bin.empty() ? sibling_binary("bfd-node") : o.node_bin;
  interrupt_guard guard;
  const auto setup_start = now_ns();
  // Declared before the processes: they stop before their directory goes.
  temp_dir dir;
  if (dir.path.empty())
    return make_error(errc::io, "cannot create a temporary directory");
  auto net = generate_network(o, w, dir.path);
  if (!net)
    return net.error();
  // What submit_over_http sends: the hex for batches, the body for single requests.
  w.out.http_hex.resize(w.out.txs.size());
  w.out.http_bodies.resize(w.out.txs.size());
  parallel_for(w.out.txs.size(), o.threads, [&](std::size_t i) {
    w.out.http_hex[i] = to_hex(codec::encode(*w.out.txs[i]));
    w.out.http_bodies[i] = "{\"hex\":\"" + w.out.http_hex[i] + "\"}";
  });

  node_processes nodes;
  for (std::size_t n = 0; n < node_count; ++n) {
    auto started = nodes.start(fmt::format("node {}", node_names[n]), node_bin,
                               {"--topology", net->topology, "--node", node_names[n]},
                               (dir.path / fmt::format("{}.log", node_names[n])).string());
    if (!started)
      return started.error();
  }
  auto failed = [&](const std::string& what) {
    return make_error(errc::io, fmt::format("{}\nlast lines of the node logs:\n{}", what, nodes.log_tails(12)));
  };

  // Who answers what: the mainchain is read from b, sidechain k from its first host, sends go to c.
  std::map<chain_id, std::size_t> reader{{mainchain_id, 1}};
  for (std::uint32_t k = 0; k < o.sidechains; ++k)
    reader[2 + k] = hosts_of(2 + k)[0];
  const std::size_t submit_node = 2;

  // Ready: every chain final at height 2 or more on the node it is read from.
  {
    std::map<chain_id, std::unique_ptr<node_client>> clients;
    for (const auto& [chain, n] : reader)
      clients[chain] = std::make_unique<node_client>(net->http_ports[n]);
    const auto give_up = now_ns() + static_cast<std::int64_t>(setup_timeout_ms) * 1'000'000;
    for (bool ready = false; !ready;) {
      if (interrupted.load())
        return make_error(errc::io, "interrupted");
      if (std::string what; nodes.any_exited(what))
        return failed("a bfd-node stopped during setup: " + what);
      if (now_ns() >= give_up)
        return failed(fmt::format("the chains were not final at height 2 within {} s", setup_timeout_ms / 1000));
      ready = true;
      for (const auto& [chain, c] : clients) {
        auto info = c->get_json(chain_path(chain, "info"));
        ready = ready && final_height(info).value_or(0) >= 2;
        if (chain == mainchain_id && ready && info->contains("order") && (*info)["order"].is_array())
          rep.cluster_size = static_cast<std::uint32_t>((*info)["order"].size());
        if (!ready)
          break;
      }
      if (!ready)
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }
  rep.setup_seconds = seconds_between(setup_start, now_ns());
  nodes.reset_peak_rss();
  const double cpu_start = nodes.cpu_seconds();
  const auto wall_start = now_ns();

  const std::size_t n = o.messages;
  peg_run run(o);
  auto& subs = run.subs;
  auto& st = run.st;
  const auto poll = std::chrono::milliseconds(std::max(o.poll_ms, min_poll_ms));

  // The tracker: every chain's new final blocks over HTTP, stamped as in the one-node mode.
  std::thread tracker([&] {
    std::map<chain_id, std::unique_ptr<node_client>> clients;
    std::map<chain_id, std::uint64_t> seen;
    for (const auto& [chain, nd] : reader) {
      clients[chain] = std::make_unique<node_client>(net->http_ports[nd]);
      auto info = clients[chain]->get_json(chain_path(chain, "info"));
      seen[chain] = final_height(info).value_or(0);
    }
    while (st.failure.empty()) {
      if (interrupted.load()) {
        st.failure = "interrupted";
        return;
      }
      for (const auto& [chain, c] : clients) {
        const auto height = final_height(c->get_json(chain_path(chain, "info")));
        if (!height) {
          st.failure = fmt::format("node {} does not answer GET {}", node_names[reader[chain]], chain_path(chain, "info"));
          return;
        }
        const auto observed = now_ns();
        for (auto h = seen[chain] + 1; h <= *height; ++h) {
          auto b = c->get_json(chain_path(chain, fmt::format("blocks/{}", h)));
          if (!b)
            break;  // asked again at the next poll
          seen[chain] = h;
          ++(chain == mainchain_id ? st.main_blocks : st.side_blocks);
          stamp_block(chain, block_from_json(*b), observed, w, st);
        }
      }
      if (run.poll_done())
        return;
      std::this_thread::sleep_for(poll);
    }
  });

  e2e_bench_options so;
  so.concurrency = 2;
  // 256 sends are about 100 KiB of hex; paced, a batch goes about every 100 ms (--rate / 10 sends).
  so.http_batch = std::clamp<std::size_t>(o.rate > 0 ? std::min<std::size_t>(o.batch, static_cast<std::size_t>(o.rate / 10))
                                                     : o.batch,
                                          1, 256);
  submit_over_http(net->http_ports[submit_node], w.out, so, o.rate, subs, &interrupted);
  const std::size_t exp = run.submission_done();
  tracker.join();
  if (const double secs = seconds_between(wall_start, now_ns()); secs > 0)
    rep.cpu_cores = (nodes.cpu_seconds() - cpu_start) / secs;
  rep.node_peak_rss_mb = nodes.peak_rss_mb();
  rep.peak_rss_mb = 0;
  for (double mb : rep.node_peak_rss_mb)
    rep.peak_rss_mb += mb;
  if (interrupted.load())
    return make_error(errc::io, "interrupted");
  if (!st.failure.empty())
    return failed(st.failure);
  fill_figures(rep, subs, st, exp);

  // The states: each message's on the mainchain (asked of the three nodes in turn), then every
  // pair's conservation gauge on both of its hosts and the bridge actors' restarts on all.
  std::vector<std::unique_ptr<node_client>> clients;
  for (auto port : net->http_ports)
    clients.push_back(std::make_unique<node_client>(port));
  std::map<chain_id, amount> expected_escrow;
  for (std::size_t i = 0; i < n; ++i) {
    if (st.out_seq[i] == peg_stamps::none)
      continue;
    if (interrupted.load())
      return make_error(errc::io, "interrupted");
    auto m = clients[i % node_count]->get_json(fmt::format("/v1/peg/messages/{}:{}", mainchain_id, st.out_seq[i]));
    const std::string state = m && m->contains("state") && (*m)["state"].is_string() ? (*m)["state"].get<std::string>() : "";
    if (state != "delivered") {
      rep.failed += st.ack_final[i] != 0 && !st.ack_ok[i];
      continue;
    }
    ++rep.delivered;
    expected_escrow[sidechain_of(o, i)] += value_of(i);
  }
  rep.complete = rep.complete && rep.delivered >= exp;
  std::vector<std::string> pages(node_count);
  for (std::size_t nd = 0; nd < node_count; ++nd) {
    int status = 0;
    auto page = clients[nd]->get("/metrics", &status);
    if (page && status == 200)
      pages[nd] = std::move(*page);
  }
  for (std::uint32_t k = 0; k < o.sidechains; ++k) {
    const chain_id side = 2 + k;
    peg_pair_check c;
    c.sidechain = side;
    c.expected = expected_escrow[side];
    c.conservation_ok = true;
    const auto pair = fmt::format("1-{}", side);
    for (auto nd : hosts_of(side)) {
      auto ok = metric(pages[nd], fmt::format("bfd_peg_conservation_ok{{pair=\"{}\"}}", pair));
      if (!ok) {
        c.conservation_ok = false;
        c.problem = fmt::format("no bfd_peg_conservation_ok{{pair=\"{}\"}} on node {}'s /metrics", pair, node_names[nd]);
      } else if (*ok != 1) {
        c.conservation_ok = false;
      }
      if (auto r = metric(pages[nd], fmt::format("bfd_actor_restarts_total{{actor=\"bridge-{}\"}}", pair)))
        rep.bridge_restarts += static_cast<std::uint64_t>(*r);
    }
    // The escrow and voucher totals are not on the HTTP API: with every message settled, the gauge
    // (escrowed = vouchers + in flight) and the delivered states together fix them.
    c.exact = false;
    rep.pairs.push_back(std::move(c));
  }
  nodes.stop_all();
  return rep;
}

} // namespace bfd::bench::detail
