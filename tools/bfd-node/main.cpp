// bfd-node: runs a bfdchain node. `--dev` runs a whole single-process network.
#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <optional>
#include <pthread.h>
#include <thread>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "actors/http/http_bridge.hpp"
#include "actors/kill_point.hpp"
#include "chains/core/hex.hpp"
#include "chains/storage/failing_store.hpp"
#include "chains/storage/rocksdb/node_store.hpp"
#include "chains/storage/storage_check.hpp"
#include "config/topology.hpp"
#include "runtime/bridge_actor.hpp"
#include "runtime/dev_sidechains.hpp"
#include "runtime/key_file.hpp"
#include "runtime/loop_actor.hpp"
#include "runtime/peg_specs.hpp"
#include "runtime/service_triage.hpp"
#include "runtime/sidechain_watcher.hpp"
#include "runtime/node.hpp"
#include "runtime/peer_gate.hpp"
#include "runtime/remote.hpp"
#include "runtime/supervisor.hpp"
#include "runtime/topology_node.hpp"
#include "tools/bfd-node/replay_command.hpp"

namespace {

/// CAF's own links are plain TCP on 127.0.0.1: peers reach them only through the peer gate,
/// which does the TLS (runtime/peer_gate.hpp).
struct node_config : caf::actor_system_config {
  node_config() { bfd::runtime::configure_actor_system(*this); }
};

int fail(const std::string& what) {
  std::cerr << "bfd-node: " << what << "\n";
  return 1;
}

/// Reads --http: "ADDRESS:PORT" (an IPv6 address in brackets) or "off"; an error message otherwise.
std::string parse_http_endpoint(const std::string& text, std::optional<bfd::http_options>& out) {
  out.reset();
  if (text == "off")
    return {};
  const auto colon = text.rfind(':');
  const auto digits = colon == std::string::npos ? std::string() : text.substr(colon + 1);
  if (colon == 0 || digits.empty() || digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos
      || std::stoul(digits) > 65535)
    return "--http: expected ADDRESS:PORT (port 0..65535) or off, got '" + text + "'";
  bfd::http_options o;
  o.address = text.substr(0, colon);
  if (o.address.size() > 2 && o.address.front() == '[' && o.address.back() == ']')
    o.address = o.address.substr(1, o.address.size() - 2);
  o.port = static_cast<std::uint16_t>(std::stoul(digits));
  out = std::move(o);
  return {};
}

/// --check-storage: reads the data directory's database (read-only) and commit marker, prints
/// what it found; 0 when sound, 1 otherwise.
int check_storage(const std::string& data_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(data_dir, ec))
    return fail("--check-storage: no data directory " + data_dir);
  std::cout << "storage check of " << data_dir << "\n";
  const auto marker_path = bfd::node_marker_path(data_dir);
  std::optional<bfd::commit_marker> marker;
  std::vector<std::string> early;
  if (auto m = bfd::read_commit_marker(marker_path); !m)
    early.push_back(m.error().detail);
  else
    marker = *m;
  bfd::storage_report report;
  bfd::rocksdb_options ro;
  ro.open_mode = bfd::access::read_only;
  auto store = bfd::open_rocksdb_store(bfd::node_database_path(data_dir), ro);
  if (!store)
    report.problems.push_back(store.error().detail);
  else
    report = bfd::check_storage(**store, marker, marker_path, bfd::node_database_path(data_dir));
  report.problems.insert(report.problems.begin(), early.begin(), early.end());
  for (const auto& n : report.notes)
    std::cout << "  ok: " << n << "\n";
  for (const auto& p : report.problems)
    std::cout << "  PROBLEM: " << p << "\n";
  if (report.sound()) {
    std::cout << "storage is sound\n";
    return 0;
  }
  std::cout << "storage is DAMAGED (" << report.problems.size() << " problem(s))\n";
  std::cerr << "bfd-node: " << data_dir << " is damaged. " << bfd::storage_advice(data_dir) << "\n";
  return 1;
}

/// The web explorer's directory (docs/explorer.md): --explorer-dir if given ("off": none), else the
/// repository's explorer/ beside a build (BIN/../../explorer) or an installed copy
/// (BIN/../share/bfdchain/explorer, /usr/share/bfdchain/explorer). A directory counts only if it
/// holds index.html. Empty: not served; `problem` says why when --explorer-dir was wrong.
std::string find_explorer_dir(const std::string& option, std::string& problem) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto usable = [&](const fs::path& d) { return fs::is_regular_file(d / "index.html", ec); };
  if (option == "off")
    return {};
  if (!option.empty()) {
    if (!usable(option))
      problem = "--explorer-dir " + option + ": no index.html there";
    return problem.empty() ? fs::absolute(option, ec).string() : std::string();
  }
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec)
    return {};
  const auto bin = exe.parent_path();
  for (const auto& d : {bin / ".." / ".." / "explorer", bin / ".." / "share" / "bfdchain" / "explorer",
                        fs::path("/usr/share/bfdchain/explorer")})
    if (usable(d))
      return fs::weakly_canonical(d, ec).string();
  return {};
}

} // namespace

int main(int argc, char** argv) {
  // A peer that closes a socket mid-write (a 413 before the whole body was sent) is an error to
  // handle, not a reason to die: write errors come back as EPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"bfd-node: a bfdchain node (VM-DPoSW mainchain as CAF actors)"};
  bool dev = false;
  bfd::runtime::dev_options dev_opts;
  std::string log_level = "info";
  std::string http_endpoint = "127.0.0.1:8645";
  std::uint32_t http_rate = bfd::http_options{}.rate_per_second;
  std::string topology_file;
  std::string node_name;
  bool check = false;
  std::uint64_t fail_commit_after = 0;
  std::string kill_point_spec;
  app.add_flag("--dev", dev, "run a whole network in this process: generated keys, funded dev accounts");
  app.add_flag("--check-storage", check, "check the database in --data-dir, or that of --topology FILE --node "
                                         "NAME (stop the node first): checksums, every chain contiguous and linked "
                                         "from genesis to its head, state roots, the commit marker; report the "
                                         "delegates' signing records; exit 0 if sound, 1 if not")
    ->excludes("--dev");
  auto* topo_opt = app.add_option("--topology", topology_file, "run one node of the network this TOML file describes "
                                                               "(docs/topology.md)");
  app.add_option("--node", node_name, "with --topology: which node of the file this process is")->needs(topo_opt);
  topo_opt->excludes("--dev");
  bool replay = false;
  app.add_flag("--replay-check", replay, "replay every chain stored in the --dev --data-dir, or that of --topology FILE "
                                         "--node NAME (stop the node first), from its genesis in a fresh state and "
                                         "compare the state root at every height and the stored head state with the "
                                         "replay; print each height's block and root; exit 0 if equal, 1 if not, 2 if "
                                         "it cannot check")
    ->excludes("--dev")
    ->excludes("--check-storage");
  // Tests only (hidden): fault injection, so a test can watch the real binary fail-stop.
  app.add_option("--fail-commit-after", fail_commit_after, "tests only: the Nth write to the chain's storage (a commit or a justification record) fails")
    ->group("");
  app.add_option("--kill-point", kill_point_spec, "tests only: SITE:N, the process exits at once (code 137, as a "
                                                  "SIGKILL) on the Nth hit of SITE (docs/storage.md, kill points); "
                                                  "the environment variable BFD_KILL_POINT does the same")
    ->group("");
  app.add_option("--data-dir", dev_opts.data_dir, "where keys, genesis and the database live")
    ->capture_default_str();
  app.add_option("--delegates", dev_opts.delegates, "--dev: delegates (VMs) in the genesis, over 3 categories")
    ->check(CLI::Range(3u, 1000u))
    ->capture_default_str();
  std::uint32_t dev_sidechains = 7;
  app.add_option("--sidechains", dev_sidechains, "--dev: how many of the seven dev sidechains (ids 2..8) to run "
                                                 "beside the mainchain (a new data directory's registry holds "
                                                 "that many)")
    ->check(CLI::Range(0u, 7u))
    ->capture_default_str();
  app.add_option("--accounts", dev_opts.accounts, "--dev: funded dev accounts")
    ->check(CLI::Range(0u, 10000u))
    ->capture_default_str();
  app.add_option("--slot-ms", dev_opts.slot_ms, "--dev: slot length in milliseconds")
    ->check(CLI::Range(std::uint64_t{60}, std::uint64_t{600'000}))
    ->capture_default_str();
  app.add_option("--work-bits", dev_opts.work_bits, "--dev: leading zero bits of work per block header")
    ->check(CLI::Range(0u, 20u))
    ->capture_default_str();
  app.add_option("--http", http_endpoint, "HTTP API (docs/http.md) on ADDRESS:PORT, port 0 = any free port; or off")
    ->capture_default_str();
  std::string explorer_dir;
  app.add_option("--explorer-dir", explorer_dir, "serve the web explorer (docs/explorer.md) at /explorer/ from DIR, or off "
                                                 "(default: the repository's explorer/ beside the build, or an installed copy)");
  app.add_option("--http-rate", http_rate, "HTTP requests a second allowed per client IP (0 = no bound)")
    ->check(CLI::Range(0u, 1'000'000u))
    ->capture_default_str();
  std::string triage_key_file;
  app.add_option("--triage-key", triage_key_file, "a key file holding upgrade_service: measure the canary rollouts of "
                                                  "the mainchain's services on the chains hosted here and report their "
                                                  "health (docs/service-triage.md); --dev: DATA-DIR/keys/registry.json");
  std::uint32_t triage_interval = 3;
  app.add_option("--triage-interval", triage_interval, "seconds between two passes of the service triage (0 = none)")
    ->check(CLI::Range(0u, 3600u))
    ->capture_default_str();
  std::string cache_mode = "ring";
  std::string cache_redis;
  std::uint64_t cache_ttl = bfd::cache::cache_limits{}.ttl_ms / 1000;
  app.add_option("--cache", cache_mode, "--dev: the read cache in front of registry, DS and contract reads "
                                        "(docs/cache.md): ring (shard actors), or off")
    ->check(CLI::IsMember({"ring", "off"}))
    ->capture_default_str();
  app.add_option("--cache-redis", cache_redis, "--dev: use the Redis server at HOST:PORT as the read cache");
  app.add_option("--cache-ttl", cache_ttl, "--dev: seconds a cached read lives at most (the safety net)")
    ->check(CLI::Range(1u, 86400u))
    ->capture_default_str();
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
    ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
    ->capture_default_str();
  app.footer("--dev: the genesis and keys are generated only when the data directory is new; later starts\n"
             "resume the stored chain and ignore --delegates, --accounts, --slot-ms and --work-bits.\n"
             "--topology: listen address, peers, data directory and HTTP endpoint come from the file.\n"
             "Storage (docs/storage.md): a node refuses to start on a database that is damaged or holds less\n"
             "than its commit marker (DATA-DIR/commit-marker) records, and stops (exit code 3) if a commit\n"
             "fails. `bfd-node --check-storage --data-dir DIR` checks a stopped node's data directory.\n"
             "Signals: SIGINT or SIGTERM stop the node cleanly; SIGUSR1 kills its peg bridge actors, which\n"
             "their supervisor restarts (a test hook, docs/peg.md). Every actor of the node is supervised\n"
             "(docs/supervision.md): one failing more than 5 times in 10 s stops the node (exit code 4).\n"
             "Test hook, off unless the environment sets BFD_FAULT_HOOK_FILE: SIGUSR2 kills the actors\n"
             "named in that file, one name a line, and logs how long each took to answer again.\n"
             "Test hook, off unless the environment sets BFD_TEST_CLOCK_OFFSET_MS: the node's consensus\n"
             "clock runs that many milliseconds (-3600000..3600000) ahead of, or behind, the system clock\n"
             "(clock skew for tools/chaos/bfd-chaos, docs/chaos.md).\n"
             "Test hook, off unless the environment sets BFD_TEST_PEER_VIOLATION_LIMIT: peer nodes are\n"
             "disconnected after that many offences (1..1000) instead of 10; 0 turns the rule off\n"
             "(integration_peer_flood's self-check, docs/topology.md).");
  bool print_routes = false;
  app.add_flag("--routes", print_routes, "print the HTTP routes this binary serves, one \"METHOD PATH\" a line "
                                         "(the templates of docs/openapi.yaml), and exit");
  CLI11_PARSE(app, argc, argv);
  if (print_routes) {
    for (const auto& r : bfd::http_routes())
      std::cout << r.method << " " << r.path << "\n";
    return 0;
  }
  if (replay && !topology_file.empty()) {
    // A stopped topology node: its chains as it plans them (its genesis.json is in its data
    // directory after the first start, so nothing is fetched from a peer).
    if (node_name.empty())
      return fail("--topology needs --node NAME: which node's data directory to replay");
    node_config cfg;
    caf::actor_system system{cfg};
    auto quiet = spdlog::stderr_color_mt("replay");
    quiet->set_level(spdlog::level::warn);
    bfd::wall_clock wall;
    auto p = bfd::runtime::plan_topology_node(system, topology_file, node_name, wall.now_ms(), quiet);
    if (!p)
      return fail(p.error().message());
    return bfd::node_tool::replay_check(p->data_dir, p->chains);
  }
  if (check && !topology_file.empty()) {
    if (node_name.empty())
      return fail("--topology needs --node NAME: which node's data directory to check");
    auto t = bfd::config::load_topology(topology_file, node_name);
    if (!t)
      return fail(t.error().message());
    const auto* me = t->find_node(node_name);
    if (!me)
      return fail("--check-storage: no node '" + node_name + "' in " + topology_file);
    return check_storage(me->data_dir);
  }
  if (check)
    return check_storage(dev_opts.data_dir);
  if (replay && topology_file.empty())
    return bfd::node_tool::replay_check_dev(dev_opts.data_dir);
  if (!dev && topology_file.empty())
    return fail("nothing to run: use --dev, or --topology FILE --node NAME; see --help");
  if (!topology_file.empty() && node_name.empty())
    return fail("--topology needs --node NAME: which node of the file this process is");
  std::optional<bfd::http_options> http;
  if (auto bad = parse_http_endpoint(http_endpoint, http); !bad.empty())
    return fail(bad);
  std::optional<bfd::runtime::node_cache_options> dev_cache;
  if (cache_mode != "off" || !cache_redis.empty()) {
    if (!topology_file.empty() && (cache_mode != "ring" || !cache_redis.empty()))
      return fail("--cache and --cache-redis are for --dev; a topology sets its read cache in [cache] (docs/topology.md)");
    bfd::runtime::node_cache_options c;
    c.limits.ttl_ms = cache_ttl * 1000;
    if (!cache_redis.empty()) {
      auto hp = bfd::parse_host_port(cache_redis);
      if (!hp)
        return fail("--cache-redis: expected HOST:PORT with a port 1-65535, not '" + cache_redis + "'");
      bfd::redis_cache_options r;
      r.host = hp->first;
      r.port = hp->second;
      r.ttl_seconds = cache_ttl;
      c.redis = r;
    }
    dev_cache = c;
  }
  if (http) {
    http->rate_per_second = http_rate;
    http->burst = std::max<std::uint32_t>(2 * http_rate, 1);
  }
  std::string explorer_problem;
  const auto explorer = find_explorer_dir(explorer_dir, explorer_problem);
  if (!explorer_problem.empty())
    return fail(explorer_problem);

  // The environment arms a kill point too (tests that start nodes through other tools, e.g. a
  // topology's processes); the option wins.
  if (const char* env = std::getenv("BFD_KILL_POINT"); kill_point_spec.empty() && env && *env)
    kill_point_spec = env;
  if (!kill_point_spec.empty())
    if (auto st = bfd::arm_kill_point(kill_point_spec); !st)
      return fail(st.error().detail);

  auto log = spdlog::stdout_color_mt("bfd");
  log->set_pattern("%H:%M:%S.%e %^%-5l%$ %v");
  log->set_level(spdlog::level::from_str(log_level));

  // Block the shutdown signals (and SIGUSR1, the bridge fault hook) before any thread starts, so
  // only sigwait below receives them.
  // A shell starts background jobs with SIGINT ignored, and an ignored signal is discarded even
  // while blocked: restore the default disposition first.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  std::signal(SIGUSR1, SIG_DFL);
  // The supervision test hook (docs/supervision.md): only when the environment names its file, so
  // a normal deployment has no way to kill its actors from outside.
  const char* fault_hook_env = std::getenv("BFD_FAULT_HOOK_FILE");
  const std::string fault_hook_file = fault_hook_env ? fault_hook_env : "";
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGUSR1);
  if (!fault_hook_file.empty())
    sigaddset(&signals, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // The clock skew test hook (docs/chaos.md): only when the environment sets it.
  std::int64_t clock_offset_ms = 0;
  if (const char* skew = std::getenv("BFD_TEST_CLOCK_OFFSET_MS"); skew && *skew) {
    const std::string text = skew;
    std::size_t used = 0;
    long long value = 0;
    try {
      value = std::stoll(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != text.size() || value < -3600000 || value > 3600000)
      return fail("BFD_TEST_CLOCK_OFFSET_MS: expected an integer number of milliseconds in -3600000..3600000, not '"
                  + text + "'");
    clock_offset_ms = value;
  }
  bfd::wall_clock wall{clock_offset_ms};
  // The peer conduct test hook (docs/topology.md): only when the environment sets it.
  std::optional<std::uint32_t> violation_limit;
  if (const char* v = std::getenv("BFD_TEST_PEER_VIOLATION_LIMIT"); v && *v) {
    const std::string text = v;
    std::size_t used = 0;
    long long value = -1;
    try {
      value = std::stoll(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != text.size() || value < 0 || value > 1000)
      return fail("BFD_TEST_PEER_VIOLATION_LIMIT: expected an integer in 0..1000, not '" + text + "'");
    violation_limit = static_cast<std::uint32_t>(value);
  }
  std::optional<bfd::runtime::gate_options> gate_opts;
  if (!topology_file.empty()) {
    auto g = bfd::runtime::topology_gate_options(topology_file, node_name);
    if (!g)
      return fail(g.error().message());
    g->log = log;
    gate_opts = std::move(*g);
  }
  node_config cfg;
  caf::actor_system system{cfg};
  // Restarts of every supervised actor and loop, by name (bfd_actor_restarts_total on /metrics).
  auto restarts = std::make_shared<bfd::restart_counts>();
  // The supervisors beside the node's own; a down one gave up (the node then stops).
  auto side_supervisor_options = [&] {
    bfd::runtime::supervisor_options so;
    so.counts = restarts;
    so.log = log;
    return so;
  };
  // The peer gate: the public peer port, and the way out to every peer (docs/topology.md). Its
  // I/O loop runs as a supervised loop actor "peer-gate" (runtime/loop_actor.hpp), declared after
  // the gate so that it stops first.
  std::unique_ptr<bfd::runtime::peer_gate> gate;
  std::unique_ptr<bfd::runtime::supervisor> gate_loop;
  bfd::runtime::peer_dialer dial;
  if (gate_opts) {
    auto g = bfd::runtime::peer_gate::start(*gate_opts, bfd::runtime::peer_gate::loop_runner::caller);
    if (!g)
      return fail(g.error().message());
    gate = std::move(*g);
    gate_loop = bfd::runtime::supervisor::start(system, side_supervisor_options(), {bfd::runtime::gate_loop_child(*gate)});
    if (gate_opts->tls)
      log->info("peer links: mutual TLS; {} peer certificate(s) pinned, CA {}", gate_opts->known.size(),
                gate_opts->tls->ca);
    else
      log->warn("peer links are plain TCP: unauthenticated and unencrypted, allowed only because every node of "
                "the topology is on a loopback address");
    dial = [&](const bfd::runtime::peer_address& p) -> bfd::result<bfd::directory_actor> {
      auto local = gate->dial_port(p);
      if (!local)
        return local.error();
      return bfd::runtime::connect_directory(system, "127.0.0.1", *local);
    };
  }
  bfd::runtime::node_options opts;
  opts.restarts = restarts;
  opts.time = std::make_shared<bfd::wall_clock>(clock_offset_ms);
  opts.log = log;
  if (http)
    http->explorer_dir = explorer;
  opts.http = http;
  std::string data_dir = dev_opts.data_dir;
  std::optional<bfd::runtime::topology_plan> plan;
  std::optional<bfd::runtime::dev_network> net;
  if (!topology_file.empty()) {
    auto p = bfd::runtime::plan_topology_node(system, topology_file, node_name, wall.now_ms(), log, dial);
    if (!p)
      return fail(p.error().message());
    plan = std::move(*p);
    data_dir = plan->data_dir;
    opts.genesis = plan->genesis;
    opts.delegates = plan->delegates;
    opts.chains = plan->chains;
    opts.reporter = plan->reporter;
    opts.http = plan->http;
    if (opts.http)
      opts.http->explorer_dir = explorer;
    opts.cache = plan->cache;
    for (const auto& w : plan->warnings)
      log->warn("{}", w);
  } else {
    dev_opts.sidechains = dev_sidechains;
    auto n = bfd::runtime::prepare_dev_network(dev_opts, wall.now_ms());
    if (!n)
      return fail(n.error().message());
    net = std::move(*n);
    opts.genesis = net->genesis;
    opts.reporter = net->reporter;
    auto sidechains = bfd::runtime::prepare_dev_sidechains(dev_opts.data_dir, *net);
    if (!sidechains)
      return fail(sidechains.error().message());
    sidechains->resize(std::min<std::size_t>(sidechains->size(), dev_sidechains));
    opts.chains = bfd::runtime::dev_hosted_chains(*net, *sidechains);
    opts.cache = dev_cache;
  }
  // Kill points (tests only): in recovery right after RocksDB replayed its WAL and once the store
  // is ready; at both steps of every commit-marker write.
  auto db = bfd::open_node_store(data_dir, {}, [](bfd::open_stage stage) {
    using bfd::open_stage, bfd::kill_site;
    bfd::kill_point(stage == open_stage::recovered           ? kill_site::store_recovered
                    : stage == open_stage::marked            ? kill_site::store_opened
                    : stage == open_stage::marker_tmp_synced ? kill_site::marker_tmp_synced
                                                             : kill_site::marker_renamed);
  });
  if (!db)
    return fail(db.error().message());
  opts.store = std::move(*db);
  if (fail_commit_after > 0) {
    auto failing = std::make_shared<bfd::failing_store>(opts.store);
    failing->fail_write(fail_commit_after, "chain-");
    opts.store = std::move(failing);
    log->warn("--fail-commit-after {}: write {} to the chain's storage will fail (fault injection)", fail_commit_after,
              fail_commit_after);
  }
  if (!kill_point_spec.empty())
    log->warn("--kill-point {}: the process exits there (fault injection)", kill_point_spec);
  if (violation_limit)
    opts.conduct.limit = *violation_limit;
  const auto genesis = opts.genesis;
  auto node = bfd::runtime::node::start(system, std::move(opts));
  if (!node) {
    const auto& e = node.error();
    if (e.code == bfd::errc::storage_io || e.code == bfd::errc::storage_corrupt)
      return fail(e.message() + ". " + bfd::storage_advice(data_dir));
    return fail(e.message());
  }
  if (const auto* api = (*node)->http()) {
    log->info("HTTP API on {} (docs/http.md)", api->url());
    if (explorer.empty())
      log->info("explorer: not served (no explorer/ directory found; --explorer-dir DIR)");
    else
      log->info("explorer: {}/explorer/ (docs/explorer.md)", api->url());
  }
  if (const auto& c = (*node)->cache())
    log->info("read cache: {} (docs/cache.md)", c->backend() == "redis" ? "Redis" : "ring of cache shard actors");
  // The gate as the peer conduct's disconnector sees it: cleared before the gate goes.
  struct gate_handle {
    std::mutex mutex;
    bfd::runtime::peer_gate* gate = nullptr;
  };
  auto gate_ref = std::make_shared<gate_handle>();
  std::unique_ptr<bfd::runtime::peer_connector> connector;
  if (plan) {
    // CAF listens on loopback only, on any free port; the gate listens on the topology's host:port.
    auto basp = bfd::runtime::publish_directory(system, (*node)->directory(), "127.0.0.1", 0);
    if (!basp)
      return fail(basp.error().message());
    auto bound = gate->listen(*basp);
    if (!bound)
      return fail(bound.error().message());
    log->info("node {} listening on {}:{} (peer gate, {}; CAF on 127.0.0.1:{}) with {} delegate(s); dialing {} peer(s)",
              plan->node, plan->host, *bound, gate_opts->tls ? "mutual TLS" : "plain TCP", *basp,
              plan->delegates.size(), plan->dial.size());
    std::vector<bfd::runtime::peer_address> peers;
    for (const auto& p : plan->dial) {
      auto local = gate->dial_port(p);
      if (!local)
        return fail(local.error().message());
      peers.push_back({p.name, "127.0.0.1", *local});
    }
    connector = std::make_unique<bfd::runtime::peer_connector>(system, (*node)->directory(), std::move(peers), log,
                                                               500);
    // A peer node's offences above BASP (actors/peer_conduct.hpp) close its link at the gate.
    gate_ref->gate = gate.get();
    (*node)->conduct()->set_disconnector([&system, gate_ref](const caf::node_id& who, const std::string& why) {
      bfd::runtime::disconnect_node(system, who, [gate_ref, why](std::uint16_t port) {
        std::lock_guard lock(gate_ref->mutex);
        if (gate_ref->gate)
          gate_ref->gate->close_caf_link(port, why);
      });
    });
  }

  {
    caf::scoped_actor self{system};
    self->request((*node)->chain(), std::chrono::seconds(10), bfd::info_atom::value)
      .receive(
        [&](const bfd::chain_info& info) {
          if (net)
            log->info("{} (chain {}) in {}", net->created ? "created a new dev network" : "resumed the dev network",
                      info.chain, data_dir);
          log->info("{} delegates over {} categories; cluster of {} this round; slot {} ms", genesis.vms.size(),
                    genesis.params.categories.size(), info.order.size(), genesis.params.slot_ms);
          log->info("head #{} final #{}{}", info.head_height, info.final_height,
                    net ? "; dev account keys in " + data_dir + "/keys (account-NN.json)" : "");
        },
        [&](const caf::error& e) { log->error("chain actor: {}", system.render(e)); });
  }
  // One line per hosted chain: what a newcomer's --dev started.
  for (auto id : (*node)->chain_ids()) {
    const auto& spec = (*node)->unit(id)->spec();
    std::string validators;
    for (const auto& v : spec.genesis.vms)
      validators += (validators.empty() ? "" : " ") + bfd::to_hex(v.key).substr(0, 8);
    log->info("chain {}: {} \"{}\", token {}, {} validator(s): {}", id, bfd::to_string(spec.kind), spec.name,
              spec.token_symbol, spec.genesis.vms.size(), validators);
  }
  // The peg bridges, one supervised actor per chain pair (docs/peg.md "The bridge"): --dev runs
  // one for each dev sidechain it hosts, a topology node those its [[bridges]] place on it.
  std::unique_ptr<bfd::runtime::supervisor> bridges;
  std::function<bfd::runtime::supervised_child(bfd::chain_id, const bfd::key_pair&)> make_bridge;
  if (plan && !plan->bridges.empty() && !genesis.modules.has(bfd::module_id::peg))
    log->warn("[[bridges]] places {} bridge(s) on this node, but the mainchain's genesis has no peg: none runs",
              plan->bridges.size());
  if ((*node)->unit(bfd::mainchain_id) && genesis.modules.has(bfd::module_id::peg)) {
    std::vector<std::pair<bfd::chain_id, bfd::key_pair>> pairs;
    if (net) {
      for (auto id : (*node)->chain_ids())
        if (id != bfd::mainchain_id)
          pairs.emplace_back(id, net->bridge);
    } else {
      for (const auto& b : plan->bridges)
        pairs.emplace_back(b.sidechain, b.keys);
    }
    const auto interval = std::chrono::milliseconds(std::max<std::uint64_t>(200, genesis.params.slot_ms / 2));
    make_bridge = [&, interval](bfd::chain_id id, const bfd::key_pair& keys) {
      bfd::runtime::peg_bridge_options bo;
      bo.keys = bfd::runtime::bridge_signing_key(keys, id, net ? "dev" : plan->node);
      bo.log = log;
      bo.sidechain = id;
      bo.progress_file = bfd::runtime::bridge_progress_file(data_dir, id);
      return bfd::runtime::bridge_child(**node, std::move(bo), interval);
    };
    std::vector<bfd::runtime::supervised_child> children;
    for (const auto& [id, keys] : pairs)
      children.push_back(make_bridge(id, keys));
    // --dev also bridges the sidechains registered while it runs (the watcher starts them), so
    // its supervisor runs even with no pair at start.
    if (!children.empty() || net) {
      bfd::runtime::supervisor_options so;
      so.counts = (*node)->restarts();
      so.log = log;
      bridges = bfd::runtime::supervisor::start(system, std::move(so), std::move(children));
      log->info("{} peg bridge actor(s) under supervision (SIGUSR1 kills them: a test hook)", pairs.size());
    }
  }
  // The watcher's and the triage's passes run as supervised loop actors ("watcher", "triage";
  // runtime/loop_actor.hpp) under one supervisor, declared after both so that it stops first.
  std::vector<bfd::runtime::supervised_child> loop_children;
  // Sidechains registered while the node runs: the watcher follows the mainchain's registry.
  std::unique_ptr<bfd::runtime::sidechain_watcher> watcher;
  if ((*node)->unit(bfd::mainchain_id)) {
    bfd::runtime::sidechain_watch_options wo;
    wo.mainchain = genesis.params;
    wo.peg_trust = bfd::runtime::mainchain_peg_trust(genesis);
    wo.log = log;
    for (const auto& d : net ? net->delegates : plan->delegates)
      wo.delegate_keys.push_back(d.keys);
    // --dev hosts every sidechain registered at run time and the first --sidechains dev ones of
    // its genesis registry; a topology node none registered at run time until [[chains]] names
    // its hosts.
    if (net)
      wo.hosts = bfd::runtime::dev_hosting(genesis, dev_sidechains);
    else
      wo.hosts = [](bfd::chain_id) { return false; };
    // Anchors go to a mainchain that has the registry (its genesis names it).
    if (genesis.registry)
      wo.submit_anchor = bfd::runtime::anchor_submitter(system, **node, net ? net->anchorer : plan->anchorer);
    // A sidechain registered at run time gets its peg bridge when it starts (docs/peg.md).
    if (net && bridges && make_bridge)
      wo.on_started = [&bridges, &make_bridge, &net](bfd::chain_id id) {
        bridges->add(make_bridge(id, net->bridge));
      };
    watcher = std::make_unique<bfd::runtime::sidechain_watcher>(system, **node, std::move(wo));
    loop_children.push_back(
      bfd::runtime::loop_child("watcher", std::chrono::milliseconds(std::max<std::uint64_t>(200, genesis.params.slot_ms / 2)),
                               [raw = watcher.get()] {
                                 raw->poll_once();
                                 return true;
                               }));
  }
  // The service triage (docs/service-triage.md): on a node with the mainchain's services module
  // and a triage key (--triage-key; --dev: the dev admin's, which holds upgrade_service).
  std::unique_ptr<bfd::runtime::service_triage> triage;
  if ((*node)->unit(bfd::mainchain_id) && genesis.modules.has(bfd::module_id::services) && triage_interval > 0) {
    std::optional<bfd::key_pair> key;
    if (!triage_key_file.empty()) {
      auto k = bfd::runtime::read_key_file(triage_key_file);
      if (!k)
        return fail(k.error().message());
      key = *k;
    } else if (net) {
      key = net->registry_authority;
    }
    if (key) {
      auto to = bfd::runtime::node_triage_options(system, **node, *key);
      to.log = log;
      triage = std::make_unique<bfd::runtime::service_triage>(std::move(to));
      loop_children.push_back(bfd::runtime::loop_child("triage", std::chrono::seconds(triage_interval),
                                                       [raw = triage.get()] {
                                                         raw->poll_once();
                                                         return true;
                                                       }));
      log->info("service triage every {} s, reporting as {}", triage_interval,
                bfd::format_address(bfd::address_of(key->pub)));
    }
  } else if (!triage_key_file.empty()) {
    log->warn("--triage-key: no triage runs here (it needs the mainchain with the services module, and "
              "--triage-interval above 0)");
  }
  std::unique_ptr<bfd::runtime::supervisor> loops;
  if (!loop_children.empty())
    loops = bfd::runtime::supervisor::start(system, side_supervisor_options(), std::move(loop_children));
  const auto* node_sup = (*node)->supervision();
  if (node_sup)
    log->info("{} actor(s) under supervision (docs/supervision.md)", node_sup->names().size());
  if (!fault_hook_file.empty())
    log->warn("BFD_FAULT_HOOK_FILE is set: SIGUSR2 kills the actors named in {} (a test hook)", fault_hook_file);
  if (violation_limit)
    log->warn("BFD_TEST_PEER_VIOLATION_LIMIT is set: peer nodes are disconnected after {} offence(s){} (a test hook)",
              *violation_limit, *violation_limit == 0 ? ", that is never" : "");
  if (clock_offset_ms != 0)
    log->warn("BFD_TEST_CLOCK_OFFSET_MS is set: this node's clock runs {} ms off the system clock (a test hook)",
              clock_offset_ms);
  log->info("running; Ctrl-C stops");

  // Wait for a signal, or for the chain actor to stop by itself (fail-stop on a storage failure).
  int exit_code = 0;
  {
    caf::scoped_actor waiter{system};
    // A supervised node's chain actors stop through its supervisor (a storage failure is one it
    // does not restart); an unsupervised one's are watched directly.
    if (node_sup)
      waiter->monitor(node_sup->handle());
    else
      for (auto id : (*node)->chain_ids())
        waiter->monitor((*node)->unit(id)->chain());
    // The other supervisors by what they supervise, for the fault hook and their escalation.
    const std::vector<std::pair<std::string, const bfd::runtime::supervisor*>> others{
      {"bridge", bridges.get()}, {"loop", loops.get()}, {"peer gate", gate_loop.get()}};
    for (const auto& [what, s] : others)
      if (s)
        waiter->monitor(s->handle());
    std::thread signal_waiter([&signals, target = caf::actor_cast<caf::actor>(waiter)] {
      for (int sig = SIGUSR1; sig == SIGUSR1 || sig == SIGUSR2;) {
        sigwait(&signals, &sig);
        caf::anon_send(target, sig);
      }
    });
    bool waiting = true;
    waiter->receive_while(waiting)(
      [&](int sig) {
        if (sig == SIGUSR1) {
          // Test hook (docs/peg.md): kill every bridge actor; the supervisor restarts them.
          if (bridges)
            bridges->kill_children();
          else
            log->warn("SIGUSR1: this node runs no bridge actor to kill");
          return;
        }
        if (sig == SIGUSR2) {
          // Test hook (docs/supervision.md): kill each named actor, wait until it answers again.
          std::ifstream in(fault_hook_file);
          for (std::string name; std::getline(in, name);) {
            if (name.empty())
              continue;
            const bfd::runtime::supervisor* owner = nullptr;
            if (node_sup && node_sup->child(name))
              owner = node_sup;
            for (const auto& [what, s] : others)
              if (s && s->child(name))
                owner = s;
            if (!owner) {
              log->warn("fault injection: no supervised actor is named {}", name);
              continue;
            }
            if (auto took = owner->kill_and_wait(name))
              log->warn("fault injection: {} killed; answering again after {:.3f} ms", name, took->count() / 1000.0);
            else
              log->error("fault injection: {} killed; not answering again within 2 s", name);
          }
          return;
        }
        log->info("{} received: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
        waiting = false;
      },
      [&](caf::down_msg& down) {
        for (const auto& [what, s] : others)
          if (s && down.source == s->handle().address()) {
            log->error("the {} supervisor gave up: {}", what, s->escalation().value_or(system.render(down.reason)));
            exit_code = 4;
            ::kill(::getpid(), SIGTERM);
            return;
          }
        const auto err = bfd::from_caf_error(down.reason);
        const bool storage = err.code == bfd::errc::storage_io || err.code == bfd::errc::storage_corrupt;
        if (node_sup && down.source == node_sup->handle().address() && !storage) {
          log->error("the node's supervisor gave up: {}", node_sup->escalation().value_or(system.render(down.reason)));
          exit_code = 4;
          ::kill(::getpid(), SIGTERM);
          return;
        }
        if (storage)
          log->error("storage failure: {}; stopping. Restart resumes from the last committed block ({})",
                     err.message(), data_dir);
        else
          log->error("the chain actor stopped ({}): stopping", system.render(down.reason));
        exit_code = 3;
        ::kill(::getpid(), SIGTERM);  // wakes the signal waiter (SIGTERM is blocked in every thread)
      });
    signal_waiter.join();
  }
  // The watcher's loop first: it may add a bridge to the supervisor until it stops.
  loops.reset();
  watcher.reset();
  bridges.reset();
  triage.reset();
  connector.reset();
  (*node)->conduct()->set_disconnector(nullptr);
  {
    std::lock_guard lock(gate_ref->mutex);
    gate_ref->gate = nullptr;
  }
  gate_loop.reset();
  gate.reset();
  (*node)->stop();
  node->reset();
  return exit_code;
}
